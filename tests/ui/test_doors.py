"""The desktop app goes through the core's door verbs, as the command line does: unlocking and
signing in are recorded, locking closes every signer session, the witness is a second person,
and save and open dialogs refuse devices, pipes and folders the one way."""

from __future__ import annotations

import os

import pytest
from PySide6.QtCore import Qt

from binder.core.crypto.envelope import LIGHT_KDF_FOR_TESTS
from binder.core.crypto.signers import enroll
from binder.core.errors import Locked
from binder.ui.forms.feedback import message_label
from binder.ui.forms.witness import WitnessPicker
from binder.ui.screens.plan import PlanScreen
from binder.ui.screens.report import ReportScreen
from tests.helpers import LEAD, LEAD_PASS, PASSPHRASE, WITNESS, WITNESS_PASS


def access_rows(binder) -> list[tuple[str, str, str]]:
    return binder.conn.execute("SELECT kind, who, detail FROM access_log ORDER BY id").fetchall()


def test_unlocking_from_the_lock_page_is_recorded_and_locking_closes_sessions(
        qtbot, window_for, made, incident_id):
    window = window_for(made.path, binder=made.binder)
    kept = window.sign_in(LEAD, LEAD_PASS)
    assert access_rows(made.binder)[-1] == ("signer", LEAD, "author (app)")
    window.lock_now()
    assert made.binder.data_key is None
    with pytest.raises(Locked, match="signed out"):
        kept.sign(b"a signature after the lock")  # whoever still holds it cannot use it
    before = len(access_rows(made.binder))
    qtbot.keyClicks(window.unlock_page.passphrase, "not the passphrase")
    qtbot.keyClick(window.unlock_page.passphrase, Qt.Key.Key_Return)
    assert len(access_rows(made.binder)) == before  # a refused passphrase is not an access
    window.unlock_page.passphrase.clear()
    qtbot.keyClicks(window.unlock_page.passphrase, PASSPHRASE)
    qtbot.keyClick(window.unlock_page.passphrase, Qt.Key.Key_Return)
    assert window.pages.currentWidget() is window.shell
    (kind, _who, detail), = access_rows(made.binder)[before:]
    assert (kind, detail) == ("unlock", "passphrase (app)")


def test_the_witness_picker_records_the_witness_and_refuses_the_author_before_the_passphrase(
        qtbot, made):
    enroll(made.binder, "carol", "carol-passphrase", display_name="Carol Jones",
           kdf=LIGHT_KDF_FOR_TESTS)
    picker = WitnessPicker(made.binder, made.lead)
    qtbot.addWidget(picker)
    message = message_label()
    qtbot.addWidget(message)
    picker.choose(WITNESS, WITNESS_PASS)
    ok, witness = picker.open_session(message)
    assert ok and witness.person == WITNESS
    assert access_rows(made.binder)[-1] == ("signer", WITNESS, "witness (app)")

    # A list built before someone changed it can still hold the author: the rule is checked
    # on who the person is, before their passphrase is tried.
    author_picker = WitnessPicker(made.binder, made.witness)
    qtbot.addWidget(author_picker)
    author_picker.combo.addItem("bob, again", WITNESS)
    author_picker.choose(WITNESS, "not even the right passphrase")
    before = access_rows(made.binder)
    assert author_picker.open_session(message) == (False, None)
    assert "two-person rule" in message.text() and "passphrase" not in message.text().split(":")[0]
    assert access_rows(made.binder) == before


@pytest.fixture
def fifo(tmp_path):
    path = tmp_path / "pipe.pdf"
    os.mkfifo(path)
    return path


def test_report_and_paper_binder_refuse_a_device_a_pipe_or_a_folder(qtbot, made, incident_id,
                                                                   shown_messages, fifo, tmp_path):
    screen = ReportScreen(made.binder, incident_id, lambda: made.lead)
    qtbot.addWidget(screen)
    listing = sorted(p.name for p in tmp_path.iterdir())
    for target, words in ((fifo, "named pipe"), (tmp_path, "is a folder"),
                          ("/dev/null", "is a device")):
        screen.path_chooser = lambda _title, _suggested, target=target: target
        for button in (screen.full_button, screen.plan_button):
            shown_messages.clear()
            qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
            assert screen.task is None and not screen.busy  # nothing started
            (kind, title, text), = shown_messages
            assert (kind, title) == ("error", "Not written") and words in text
    assert sorted(p.name for p in tmp_path.iterdir()) == listing  # nothing written


def test_plan_export_and_import_use_the_core_checks(qtbot, made, shown_messages, fifo,
                                                    file_answers):
    answers, _asked = file_answers
    screen = PlanScreen(made.binder, author_provider=lambda: LEAD)
    qtbot.addWidget(screen)
    answers.extend([str(fifo), "/dev/zero", str(fifo)])
    screen.export_plan()
    assert shown_messages[-1][0] == "error" and "named pipe" in shown_messages[-1][2]
    screen.import_plan()
    assert shown_messages[-1][1] == "Not imported" and "/dev/zero is a device" in shown_messages[-1][2]
    screen.import_plan()  # returns at once: a pipe with no writer is refused, never read
    assert "named pipe" in shown_messages[-1][2]


def test_the_sign_in_dialog_lists_people_by_who_they_are(qtbot, made):
    from binder.ui.screens.unlock import SignInDialog

    dialog = SignInDialog(made.binder, exclude=(" ALICE ",), meaning="witness")
    qtbot.addWidget(dialog)
    people = [dialog.person.itemData(i) for i in range(dialog.person.count())]
    assert people == [WITNESS] and LEAD not in people
    dialog.passphrase.setText(WITNESS_PASS)
    assert dialog.try_sign_in()
    assert access_rows(made.binder)[-1] == ("signer", WITNESS, "witness (app)")
