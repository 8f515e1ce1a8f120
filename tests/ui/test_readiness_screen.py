"""The Readiness and Who-had-access screens, driven like a user would."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from binder.core import readiness
from binder.core.crypto import session
from binder.core.storage.backup import backup_binder
from binder.ui.app import utc_text
from binder.ui.screens.access import AccessLogScreen
from binder.ui.screens.readiness import COL_BY, COL_LAST, COL_STATUS, ReadinessScreen
from binder.ui.style import CHIP_COLOURS
from tests.helpers import LEAD, LEAD_NAME, PASSPHRASE, WITNESS, WITNESS_NAME


def cell(screen, key: str, column: int, role=Qt.ItemDataRole.DisplayRole):
    model = screen.model
    return model.data(model.index(model.row_of(key), column), role)


def make_screen(qtbot, made) -> ReadinessScreen:
    screen = ReadinessScreen(made.binder, who_provider=lambda: LEAD_NAME)
    qtbot.addWidget(screen)
    screen.resize(1100, 680)
    screen.show()
    return screen


def test_stale_items_say_so_in_words_and_colour(qtbot, made):
    readiness.record_done(made.binder, "roster_review", WITNESS, done_at="2024-01-01T10:00Z")
    screen = make_screen(qtbot, made)
    # "Who did it" typed as an enrolled signer's login reads as their name.
    assert cell(screen, "roster_review", COL_BY) == WITNESS_NAME
    screen.select("roster_review")
    assert f"by {WITNESS_NAME}" in screen.history_text.text()
    assert cell(screen, "roster_review", COL_STATUS) == "\u2716 Stale"
    assert "Stale" in cell(screen, "roster_review", COL_STATUS, Qt.ItemDataRole.AccessibleTextRole)
    background = cell(screen, "roster_review", COL_STATUS, Qt.ItemDataRole.BackgroundRole)
    assert background == QColor(CHIP_COLOURS["red"][0])
    assert cell(screen, "drill", COL_STATUS) == "\u2716 Never done"
    # Local time on screen, UTC on hover.
    assert cell(screen, "roster_review", COL_LAST, Qt.ItemDataRole.ToolTipRole) == \
        "2024-01-01 10:00:00 UTC"
    assert "1 stale" in screen.stale_chip.text() and "never done" in screen.stale_chip.text()


def test_mark_done_records_the_completion(qtbot, made, answer_modal):
    screen = make_screen(qtbot, made)
    screen.select("roster_review")
    assert screen.mark_button.isEnabled()

    def fill(dialog):
        dialog.who_edit.setText("carol")
        dialog.note_edit.setPlainText("every phone number rang")
        dialog.accept()

    answer_modal(fill)
    with qtbot.waitSignal(screen.changed, timeout=3000):
        qtbot.mouseClick(screen.mark_button, Qt.MouseButton.LeftButton)

    records = readiness.history(made.binder, "roster_review")
    assert [(r.done_by, r.note) for r in records] == [("carol", "every phone number rang")]
    assert cell(screen, "roster_review", COL_STATUS) == "\u2714 OK"
    assert "carol" in screen.history_text.text()
    assert screen.selected_item().key == "roster_review"


def test_cancel_writes_nothing_and_signer_roles_cannot_be_marked(qtbot, made, answer_modal):
    screen = make_screen(qtbot, made)
    screen.select("drill")
    answer_modal(lambda dialog: dialog.reject())
    qtbot.mouseClick(screen.mark_button, Qt.MouseButton.LeftButton)
    assert readiness.history(made.binder) == []
    screen.select("signer_roles")
    assert not screen.mark_button.isEnabled()
    assert "Legal Representative" in screen.detail_text.text()


def test_restore_test_runs_off_the_ui_thread_and_refreshes(qtbot, made, tmp_path, shown_messages):
    backup = backup_binder(made.binder, tmp_path / "copy.binder")
    screen = make_screen(qtbot, made)
    finished = []
    screen.run_restore_test(str(backup), PASSPHRASE, on_done=finished.append)
    qtbot.waitUntil(lambda: bool(finished), timeout=10000)
    assert not isinstance(finished[0], BaseException), finished[0]
    assert cell(screen, "restore_test", COL_STATUS) == "\u2714 OK"
    assert shown_messages[-1][1] == "Restore test passed"


def test_access_screen_lists_who_when_and_where(qtbot, made, incident_id):
    session.record_access(made.binder, "unlock", LEAD, "passphrase (app)")
    session.record_access(made.binder, "signer", WITNESS, "witness (app)")
    screen = AccessLogScreen(made.binder)
    qtbot.addWidget(screen)
    screen.resize(1100, 680)
    screen.show()
    log = screen.log_model
    assert log.rowCount() == 2
    assert [log.text(0, c) for c in (1, 2, 4)] == [
        f"{WITNESS_NAME} ({WITNESS})", "Signer session", "witness (app)"]  # newest first
    newest = screen.records()[-1]
    assert log.data(log.index(0, 0), Qt.ItemDataRole.ToolTipRole) == utc_text(newest.at)
    assert log.text(0, 3) == newest.host
    assert screen.people_model.rowCount() == 2

    screen.kind.setCurrentIndex(screen.kind.findData("unlock"))
    assert log.rowCount() == 1 and log.text(0, 1) == f"{LEAD_NAME} ({LEAD})"
    screen.show_incident(incident_id)
    assert screen.scope.currentData() == incident_id
    assert "1 access by 1 person on 1 computer" in screen.count_label.text()


def test_who_had_access_names_people_and_says_what_a_login_is():
    from binder.ui.screens.access import who_text

    names = {"dana": "Dana Smith", "bob": "bob"}
    assert who_text("dana", names) == "Dana Smith (dana)"
    assert who_text("bob", names) == "bob"
    assert who_text("root", names) == "root, computer account"
    assert who_text("unknown", names) == "unknown computer account"
