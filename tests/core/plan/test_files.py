"""Plan files are read one way, bounded, with clear refusals (plan import, init --plan, the app)."""

from __future__ import annotations

import os

import pytest

from binder.core.errors import BadInput, PlanFormatError
from binder.core.plan.files import MAX_PLAN_BYTES, load_plan_file, read_plan_file
from binder.core.plan.format import default_plan, default_plan_text, dump_plan


def test_a_plan_file_round_trips(tmp_path):
    path = tmp_path / "plan.toml"
    path.write_text(dump_plan(default_plan()), encoding="utf-8")
    assert load_plan_file(path) == default_plan()


def test_a_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "plan.toml"
    path.write_bytes(b"\xef\xbb\xbf" + default_plan_text().encode("utf-8"))
    assert load_plan_file(path).name == default_plan().name


@pytest.mark.parametrize("content, expected", [
    (b"name = \"x\xff\"", r"is not UTF-8 text \(byte 9\); save the plan as UTF-8"),
    (b"a = " + b"[" * 100_000 + b"]" * 100_000, "nested far too deep"),
    (b"a = ", r"plan file, at the end: invalid value"),
])
def test_bad_content_is_one_clear_line(tmp_path, content, expected):
    path = tmp_path / "plan.toml"
    path.write_bytes(content)
    with pytest.raises((BadInput, PlanFormatError), match=expected) as caught:
        load_plan_file(path)
    assert "\n" not in str(caught.value)


def test_a_plan_file_too_large_is_refused(tmp_path):
    path = tmp_path / "huge.toml"
    with open(path, "wb") as fh:
        fh.truncate(MAX_PLAN_BYTES + 1)
    with pytest.raises(BadInput, match="larger than 1 MiB, too large for a plan file"):
        read_plan_file(path)


def test_devices_pipes_and_folders_are_not_plan_files(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for source, expected in ((fifo, "named pipe"), ("/dev/zero", "device"), (tmp_path, "folder"),
                             (tmp_path / "missing.toml", "no plan file at")):
        with pytest.raises(BadInput, match=expected):
            read_plan_file(source)
