"""The app: the binder shown verified at opening, checkpoints made and kept from the Incident menu."""

from __future__ import annotations

from binder.core.checkpoint.store import list_checkpoints, make_checkpoint
from binder.core.incident import journal as jr
from binder.core.incident.journal import NewEntry
from binder.core.storage.database import open_binder
from binder.core.verify.checks import verify_binder
from binder.core.verify.quick import record_verified
from binder.ui.screens.checkpoint import CheckpointDialog, CheckpointTextDialog
from tests.helpers import LEAD, LEAD_PASS, WITNESS, WITNESS_PASS


def test_opening_shows_the_binder_verified_since_its_checkpoint(qtbot, window_for, made, incident_id):
    make_checkpoint(made.binder, made.lead, made.witness)
    record_verified(made.binder, verify_binder(made.binder))
    jr.append(made.binder, incident_id, made.lead, NewEntry(text="written after the checkpoint"))
    window = window_for(made.path, binder=made.binder)
    qtbot.waitUntil(lambda: window.integrity_label.text().startswith("✔"), timeout=20000)
    assert window.integrity_label.text() == "✔ Binder verified (since checkpoint 1)"
    assert "1 record(s) since then checked in full" in window.integrity_label.toolTip()


def test_a_tampered_binder_is_shown_as_such_at_opening(qtbot, window_for, made, incident_id):
    jr.append(made.binder, incident_id, made.lead, NewEntry(text="the truth"))
    made.binder.close()
    import sqlite3

    conn = sqlite3.connect(made.path)
    conn.execute("DROP TRIGGER entry_no_update")
    conn.execute("UPDATE entry SET text = 'a lie' WHERE seq = 2")
    conn.commit()
    conn.close()
    binder = open_binder(made.path)
    from binder.core.crypto import vault
    from tests.helpers import PASSPHRASE

    vault.unlock_with_passphrase(binder, PASSPHRASE)
    window = window_for(made.path, binder=binder)
    qtbot.waitUntil(lambda: window.integrity_label.text().startswith("✖"), timeout=20000)
    assert "1 problem(s)" in window.integrity_label.text()
    assert "text changed" in window.integrity_label.toolTip()


def test_make_a_checkpoint_from_the_menu_with_a_witness(qtbot, window_for, made, incident_id,
                                                        answer_modal, tmp_path):
    window = window_for(made.path, binder=made.binder)
    window.sign_in(LEAD, LEAD_PASS)
    shown: list[CheckpointTextDialog] = []

    def fill(dialog):
        assert isinstance(dialog, CheckpointDialog)
        dialog.occasion.setCurrentIndex(dialog.occasion.findData("handover"))
        dialog.choose_witness(WITNESS, WITNESS_PASS)
        dialog.grab().save("/tmp/checkpoint-dialog.png")

        def read(text_dialog):
            shown.append(text_dialog)
            text_dialog.save_as(str(tmp_path / "cp.txt"))
            text_dialog.grab().save("/tmp/checkpoint-text.png")
            text_dialog.reject()

        # The witness's key opens off the UI thread (the window keeps painting), so the
        # answer for the next dialog is scheduled once this one has closed.
        assert dialog.try_accept()
        answer_modal(read)

    answer_modal(fill)
    window.act_checkpoint.trigger()
    (made_cp,) = list_checkpoints(made.binder)
    assert (made_cp.maker, made_cp.witness, made_cp.occasion) == (LEAD, WITNESS, "handover")
    assert made_cp.incident_id == incident_id
    assert shown and shown[0].text.toPlainText() == made_cp.note
    assert "Pending" in shown[0].status.text()
    assert (tmp_path / "cp.txt").read_text(encoding="utf-8") == made_cp.note
