"""The paper binder: plan, RACI matrix and call sheet, read back from the PDF."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from binder.core import roster
from binder.core.output.paper import build_print_plan, write_print_plan
from binder.core.plan import revisions as plans
from binder.core.storage.database import open_binder
from tests.helpers import PASSPHRASE


def text_of(path: Path, page: int | None = None) -> str:
    args = ["pdftotext"]
    if page is not None:
        args += ["-f", str(page), "-l", str(page)]
    return subprocess.run(args + [str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def contacts(empty_roster):
    made = empty_roster  # these three contacts alone (signers would be contacts too)
    roster.add_contact(made.binder, role="lead", name="Backup Lead", phone="+49 170 2222222",
                       escalation=2, email="backup@example.com")
    roster.add_contact(made.binder, role="lead", name="First Lead", phone="+49 170 1111111",
                       escalation=1, notes="call any time")
    roster.add_contact(made.binder, role="hosting", name="<b>NOC</b> & Co", phone="+1 800 555 0100",
                       sla="Contract 17: 1 h response")
    return made


def test_plan_roles_raci_and_every_checklist_item_are_printed(made, tmp_path):
    path = tmp_path / "binder.pdf"
    result = write_print_plan(made.binder, path)
    plan = plans.current_revision(made.binder).plan
    text = flat(text_of(path))
    for role in plan.roles:
        assert flat(role.name) in text
    for activity in plan.activities:
        assert flat(activity.name) in text
    for phase in plan.phases:
        assert flat(phase.name) in text
        for item in phase.checklist:
            assert flat(item)[:60] in text, item
    for word in ("Owner: owns the activity", "Implements: does the work", "Advises:",
                 "Updates:"):
        assert word in text
    assert f"Plan revision {result.revision}" in text and "printed" in text
    from binder.core.output.paper import revision_author_name
    author = plans.current_revision(made.binder).author
    assert f"by {flat(revision_author_name(made.binder, author))})" in text
    assert result.pages == len(PdfReader(str(path)).pages)


def test_raci_cells_are_coloured_by_responsibility(made):
    # Owner cells are dark blue; reading the page's fill colours proves the colour coding.
    result = build_print_plan(made.binder, include_roster=False)
    reader = PdfReader(__import__("io").BytesIO(result.pdf))
    streams = b"".join(page.get_contents().get_data() for page in reader.pages[:4])
    for rgb in (b".113725 .305882 .537255 rg", b".184314 .490196 .196078 rg"):
        assert rgb in streams


def test_call_sheet_lists_contacts_by_escalation_and_is_marked_confidential(contacts, tmp_path):
    path = tmp_path / "binder.pdf"
    result = write_print_plan(contacts.binder, path)
    assert result.contacts == 3
    pages = [flat(text_of(path, n)) for n in range(1, len(PdfReader(str(path)).pages) + 1)]
    sheet = " ".join(pages)[" ".join(pages).rindex("Call sheet"):]
    assert sheet.index("First Lead") < sheet.index("Backup Lead")
    with_data = [page for page in pages if "+49 170" in page or "+1 800" in page]
    assert with_data and all("CONFIDENTIAL" in page for page in with_data)
    assert "+49 170 1111111" in sheet and "+49 170 2222222" in sheet
    assert "<b>NOC</b> & Co" in sheet and "SLA: Contract 17" in sheet
    # Pages before the call sheet hold no personal data and are not marked.
    assert "CONFIDENTIAL" not in text_of(path, 1)
    assert "+49 170" not in flat(text_of(path, 1))


def test_locked_binder_prints_an_empty_call_sheet_form(contacts, tmp_path):
    contacts.binder.close()
    locked = open_binder(contacts.path)
    try:
        path = tmp_path / "binder.pdf"
        result = write_print_plan(locked, path)
    finally:
        locked.close()
    assert result.contacts == 0
    text = flat(text_of(path))
    assert "Fill in by hand" in text and "CONFIDENTIAL WHEN FILLED IN" in text
    assert "First Lead" not in text and "+49 170" not in text


def test_cli_print_plan_unlocks_or_falls_back_to_the_form(contacts, run_cli, tmp_path):
    contacts.binder.close()
    out = tmp_path / "binder.pdf"
    run = run_cli("print-plan", "-o", str(out), "--binder", str(contacts.path),
                  env={"BINDER_PASSPHRASE": PASSPHRASE})
    assert run.code == 0, run.err
    assert "3 contacts" in run.err
    assert "+49 170 1111111" in text_of(out)
    blank = tmp_path / "blank.pdf"
    run = run_cli("print-plan", "-o", str(blank), "--binder", str(contacts.path))
    assert run.code == 0, run.err
    assert "empty form" in run.err
    assert "+49 170" not in text_of(blank)
    wrong = run_cli("print-plan", "-o", str(tmp_path / "x.pdf"), "--binder", str(contacts.path),
                    env={"BINDER_PASSPHRASE": "not the passphrase"})
    assert wrong.code == 3 and not (tmp_path / "x.pdf").exists()


def test_unknown_plan_name_is_a_clear_error(made, tmp_path):
    from binder.core.errors import NotFound

    with pytest.raises(NotFound, match="no plan named"):
        write_print_plan(made.binder, tmp_path / "x.pdf", plan_name="Warehouse")
