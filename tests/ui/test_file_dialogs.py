"""File dialogs go through binder.ui.dialogs, so tests and keyboard walks can answer them.

Each screen that asks for a file is driven here by its own button, with the answer queued
in the helper, and the file it wrote (or the binder it opened) is checked.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from binder.core.checkpoint.store import make_checkpoint
from binder.core.plan import revisions as plans
from binder.core.storage.backup import backup_binder
from binder.ui import dialogs
from tests.helpers import LEAD, PASSPHRASE

LEFT = Qt.MouseButton.LeftButton


def _button(parent, text: str) -> QPushButton:
    (button,) = [b for b in parent.findChildren(QPushButton) if b.text() == text]
    return button


def test_file_dialogs_take_queued_answers_in_order(file_answers):
    answers, asked = file_answers
    answers.extend([["/tmp/a.log", "/tmp/b.png"], "/tmp/r.pdf", "", "/tmp/p.toml"])
    assert dialogs.open_files(None, "Register evidence files", "") == ["/tmp/a.log", "/tmp/b.png"]
    assert dialogs.save_file(None, "Export report", "", "PDF files (*.pdf)") == "/tmp/r.pdf"
    assert dialogs.save_file(None, "Export data", "") == ""  # cancelled
    assert dialogs.open_file(None, "Import plan", "") == "/tmp/p.toml"
    assert asked == [("open-files", "Register evidence files"), ("save-file", "Export report"),
                     ("save-file", "Export data"), ("open-file", "Import plan")]
    assert answers == []


def test_no_screen_opens_a_file_dialog_itself():
    ui = Path("binder/ui")
    callers = [str(p) for p in ui.rglob("*.py")
               if p.name != "dialogs.py" and "QFileDialog" in p.read_text(encoding="utf-8")]
    assert callers == []


def test_plan_exported_and_imported_back_through_the_helpers(qtbot, made, tmp_path, file_answers):
    from binder.ui.screens.plan import PlanScreen

    answers, asked = file_answers
    screen = PlanScreen(made.binder, author_provider=lambda: LEAD)
    qtbot.addWidget(screen)
    screen.show()
    before = plans.current_revision(made.binder)
    target = tmp_path / "store.plan.toml"

    answers.append("")  # cancelled: nothing written
    qtbot.mouseClick(screen.export_button, LEFT)
    assert not target.exists()
    answers.append(str(target))
    qtbot.mouseClick(screen.export_button, LEFT)
    assert screen.status.text() == "Exported to store.plan.toml"
    assert target.stat().st_size > 0

    answers.append(str(target))
    qtbot.mouseClick(screen.import_button, LEFT)
    after = plans.current_revision(made.binder)
    assert after.number == before.number + 1
    assert (after.author, after.note) == (LEAD, "imported from store.plan.toml")
    assert screen.status.text() == f"Imported as revision {after.number}"
    assert asked == [("save-file", "Export plan"), ("save-file", "Export plan"),
                     ("open-file", "Import plan")]


def test_checkpoint_text_saved_from_its_button(qtbot, made, incident_id, tmp_path, file_answers):
    from binder.core.checkpoint.store import list_checkpoints
    from binder.ui.screens.checkpoint import CheckpointTextDialog

    answers, asked = file_answers
    make_checkpoint(made.binder, made.lead, made.witness)
    (checkpoint,) = list_checkpoints(made.binder)
    dialog = CheckpointTextDialog(None, made.binder, checkpoint)
    qtbot.addWidget(dialog)
    target = tmp_path / "cp.txt"
    answers.append(str(target))
    qtbot.mouseClick(_button(dialog, "Save as…"), LEFT)
    assert asked == [("save-file", "Save checkpoint")]
    assert target.read_text(encoding="utf-8") == checkpoint.note


def test_notice_form_saved_as_pdf_from_its_button(qtbot, made, incident_id, tmp_path,
                                                  file_answers):
    from binder.ui.screens.decisions import DecisionsPane

    answers, asked = file_answers
    pane = DecisionsPane(made.binder, incident_id, lambda: made.lead)
    qtbot.addWidget(pane)
    notice = pane.open_notice("gdpr_art33")
    qtbot.addWidget(notice)
    target = tmp_path / "art33.pdf"
    answers.append(str(target))
    qtbot.mouseClick(notice.pdf_button, LEFT)
    assert asked == [("save-file", "Save the form as PDF")]
    assert target.read_bytes().startswith(b"%PDF")
    assert notice.message.text() == f"Saved {target}"


def test_restore_test_asks_for_the_backup_through_the_helper(qtbot, made, tmp_path, file_answers,
                                                             answer_modal, shown_messages):
    from binder.ui.screens.readiness import ReadinessScreen

    answers, asked = file_answers
    backup = backup_binder(made.binder, tmp_path / "copy.binder")
    screen = ReadinessScreen(made.binder, who_provider=lambda: LEAD)
    qtbot.addWidget(screen)
    screen.show()
    answers.append("")  # cancelled: no passphrase asked, nothing run
    qtbot.mouseClick(screen.restore_button, LEFT)
    assert shown_messages == []

    def type_passphrase(dialog):
        dialog.setTextValue(PASSPHRASE)
        dialog.accept()

    answers.append(str(backup))
    answer_modal(type_passphrase)
    qtbot.mouseClick(screen.restore_button, LEFT)
    qtbot.waitUntil(lambda: bool(shown_messages), timeout=20_000)
    assert shown_messages[-1][1] == "Restore test passed"
    assert asked == [("open-file", "Choose a binder backup to test")] * 2


def test_welcome_browses_for_an_existing_and_a_new_binder(qtbot, window_for, made, tmp_path,
                                                          file_answers):
    answers, asked = file_answers
    copy = backup_binder(made.binder, tmp_path / "copy.binder")
    window = window_for(tmp_path / "none-yet.binder")
    wizard = window.welcome

    qtbot.mouseClick(wizard.create_button, LEFT)
    new = tmp_path / "elsewhere.binder"
    answers.append(str(new))
    qtbot.mouseClick(_button(wizard.pages.currentWidget(), "Browse…"), LEFT)
    assert wizard.path_field.text() == str(new)
    wizard.go_back()

    qtbot.mouseClick(wizard.open_button, LEFT)
    answers.append(str(copy))
    qtbot.mouseClick(_button(wizard.open_row, "Browse…"), LEFT)
    assert wizard.open_field.text() == str(copy)
    qtbot.mouseClick(wizard.open_go, LEFT)
    assert window.pages.currentWidget() is window.unlock_page
    assert window.binder_path == copy
    assert asked == [("save-file", "New binder file"), ("open-file", "Open a binder")]
