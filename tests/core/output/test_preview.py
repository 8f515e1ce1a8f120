"""The preview renders report pages from the file, and refuses what is not one."""

from __future__ import annotations

import os

import pytest

from binder.core.errors import BadInput
from binder.core.output.preview import page_count, render_page
from binder.core.output.report.build import signed_places, write_report


def test_a_report_page_renders_at_the_asked_width_with_its_sign_off_places(
        made, incident_id, tmp_path):
    path = tmp_path / "report.pdf"
    result = write_report(made.binder, incident_id, path, lead=made.lead)
    assert page_count(path) == result.pages
    page = render_page(path, 1, 600)
    assert (page.number, page.pages, page.width) == (1, result.pages, 600)
    assert len(page.rgb) == page.stride * page.height
    assert len(set(page.rgb)) > 1  # ink, not a blank buffer
    assert signed_places(path) == {"Lead": True, "Witness": False, "Legal": False,
                                   "Management": False}
    with pytest.raises(BadInput, match="no page 99"):
        render_page(path, 99, 600)


def test_a_fifo_a_folder_or_text_is_refused_unread(tmp_path):
    fifo = tmp_path / "report.pdf"
    os.mkfifo(fifo)  # a plain read would wait for a writer forever
    text = tmp_path / "notes.pdf"
    text.write_text("not a PDF at all")
    for path, words in ((fifo, "named pipe"), (tmp_path, "folder"), (text, "not a PDF"),
                        (tmp_path / "gone.pdf", "no PDF at")):
        with pytest.raises(BadInput, match=words):
            page_count(path)
    with pytest.raises(BadInput, match="named pipe"):
        signed_places(fifo)
