"""The Evidence pane, driven with qtbot on a real binder."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from binder.core.incident import evidence as ev
from binder.core.verify.checks import verify_binder
from binder.ui import dialogs
from binder.ui.screens.evidence import EvidencePane
from binder.ui.screens.evidence_forms import RegisterDialog
from tests.helpers import LEAD_NAME, WITNESS, WITNESS_NAME, WITNESS_PASS

MiB = 1024 * 1024
# The offscreen platform cannot pass window size hints on; harmless for these tests.
pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")


@pytest.fixture
def shown():
    record = dialogs.install_recorder(True)
    yield record
    dialogs.AUTO_ANSWER = None
    dialogs.SHOWN.clear()


@pytest.fixture
def log_file(tmp_path) -> Path:
    path = tmp_path / "access.log"
    path.write_text("".join(f"10.0.0.{i % 255} GET /checkout 200\n" for i in range(3000)))
    return path


@pytest.fixture
def pane(qtbot, made, incident_id, shown):
    widget = EvidencePane(made.binder, incident_id, lambda: made.lead)
    qtbot.addWidget(widget)
    widget.resize(1100, 700)
    widget.show()
    yield widget
    if widget.task is not None:
        widget.task.cancel()
        qtbot.waitUntil(lambda: widget.task is None, timeout=10000)


def _cell(model, row: int, column: str) -> str:
    return model.index(row, model.COLUMNS.index(column)).data()


def _drop(widget, paths: list[Path]) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    event = QDropEvent(QPointF(20, 20), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    widget.dropEvent(event)


def test_dropped_file_is_registered_through_the_form(qtbot, pane, made, log_file):
    assert pane.stack.currentWidget() is pane.empty
    _drop(pane, [log_file])
    dialog = pane.dialog
    assert isinstance(dialog, RegisterDialog) and dialog.path == log_file
    dialog.description.setText("nginx access log of web1")
    dialog.type.setCurrentText("log")
    dialog.source_system.setText("web1.shop.example")
    dialog.storage_location.setText("encrypted USB #4")
    dialog.choose_witness(WITNESS, WITNESS_PASS)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: pane.model.rowCount() == 1 and not pane.busy, timeout=15000)
    assert pane.stack.currentWidget() is pane.table
    assert _cell(pane.model, 0, "Item") == "E1"
    assert _cell(pane.model, 0, "Description") == "nginx access log of web1"
    assert _cell(pane.model, 0, "Type") == "log"
    assert _cell(pane.model, 0, "Custodian") == LEAD_NAME
    assert _cell(pane.model, 0, "State") == "In custody"
    digest = hashlib.sha256(log_file.read_bytes()).hexdigest()
    assert pane._detail_labels["sha256"].text() == digest
    assert pane._detail_labels["witness"].text() == WITNESS_NAME
    assert pane.custody_model.rowCount() == 1
    assert pane.custody_model.index(0, 2).data() == "Registered"
    item = ev.list_evidence(made.binder, pane.incident_id)[0]
    assert item.sha256 == digest and item.witnesses == (WITNESS,)
    assert verify_binder(made.binder).ok


def test_form_needs_a_description_and_the_right_witness_passphrase(qtbot, pane, made, log_file):
    dialog = pane.register_files([log_file])
    assert dialog is not None
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and "Describe the item" in dialog.message.text()
    dialog.description.setText("log")
    dialog.choose_witness(WITNESS, "not the passphrase")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and f"not {WITNESS_NAME}'s passphrase" in dialog.message.text()
    qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Cancel),
                     Qt.MouseButton.LeftButton)
    assert pane.dialog is None and not pane.busy
    assert ev.list_evidence(made.binder, pane.incident_id) == []


def test_nobody_signed_in_is_asked_to_sign_in(qtbot, made, incident_id, shown, log_file):
    widget = EvidencePane(made.binder, incident_id, lambda: None)
    qtbot.addWidget(widget)
    assert widget.register_files([log_file]) is None
    assert widget.dialog is None
    assert shown and shown[-1][0] == "info" and "Sign in" in shown[-1][1]
    assert ev.list_evidence(made.binder, incident_id) == []


def test_a_folder_dropped_is_refused_with_a_message(qtbot, pane, tmp_path, shown):
    assert pane.register_files([tmp_path]) is None
    assert shown[-1][0] == "error" and "is a folder" in shown[-1][2]


def test_cancel_while_hashing_registers_nothing(qtbot, pane, made, tmp_path, shown):
    big = tmp_path / "disk.img"
    with open(big, "wb") as fh:
        for _ in range(64):
            fh.write(b"\xab" * MiB)
    dialog = pane.register_files([big])
    dialog.description.setText("disk image")
    dialog.copy.setChecked(True)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    task = pane.task
    assert task is not None
    # Cancel from the worker thread on the first progress report: the same flag
    # the progress dialog's Cancel button sets, without racing the hashing.
    task.signals.progress.connect(lambda *_: task.cancel(), Qt.ConnectionType.DirectConnection)
    qtbot.waitUntil(lambda: pane.task is None, timeout=15000)
    assert shown == []  # a cancel is not an error
    assert pane.model.rowCount() == 0
    assert ev.list_evidence(made.binder, pane.incident_id) == []
    folder = ev.evidence_folder(made.binder)
    assert not folder.exists() or list(folder.iterdir()) == []


def test_transfer_dialog_records_custody_and_history_shows_it(qtbot, pane, made, log_file):
    ev.register_evidence(made.binder, pane.incident_id, log_file, made.lead, description="log")
    pane.refresh()
    pane.table.selectRow(0)
    dialog = pane.transfer_selected()
    assert dialog is not None
    dialog.received_by.setText("Dana (courier)")
    dialog.purpose.setText("imaging at the lab")
    dialog.location.setText("courier bag")
    dialog.seal.setText("SEAL-0042")
    dialog.choose_witness(WITNESS, WITNESS_PASS)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: pane.custody_model.rowCount() == 2 and not pane.busy, timeout=15000)
    cm = pane.custody_model
    row = {name: cm.index(1, c).data() for c, name in enumerate(cm.COLUMNS)}
    assert [row[c] for c in ("Action", "From", "To", "Purpose / note", "Location", "Seal",
                             "Re-hash", "Signed by")] == [
        "Transfer", LEAD_NAME, "Dana (courier)", "imaging at the lab", "courier bag", "SEAL-0042",
        "match", LEAD_NAME]
    assert row["Witness"] == WITNESS_NAME
    assert _cell(pane.model, 0, "Custodian") == "Dana (courier)"

    dialog = pane.dispose_selected()
    dialog.authority.setText("Legal, ticket L-7")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and "passphrase" in dialog.message.text()
    dialog.choose_witness(WITNESS, WITNESS_PASS)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert _cell(pane.model, 0, "State") == "Returned"
    assert not pane.transfer_button.isEnabled()
    assert verify_binder(made.binder).ok


def test_recheck_button_marks_a_changed_file(qtbot, pane, made, log_file, tmp_path, shown):
    other = tmp_path / "other.log"
    other.write_text("unchanged\n")
    for path in (log_file, other):
        ev.register_evidence(made.binder, pane.incident_id, path, made.lead, description=path.name)
    pane.refresh()
    with open(log_file, "a") as fh:
        fh.write("edited later\n")
    qtbot.mouseClick(pane.recheck_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not pane.busy and bool(_cell(pane.model, 0, "Last check")),
                    timeout=15000)
    assert _cell(pane.model, 0, "Last check") == "CHANGED"
    assert _cell(pane.model, 1, "Last check") == "Unchanged"
    assert shown[-1][0] == "error" and "access.log" in shown[-1][2]


def test_a_hand_over_before_the_registration_is_refused_in_the_form(qtbot, pane, made,
                                                                     log_file):
    ev.register_evidence(made.binder, pane.incident_id, log_file, made.lead, description="log")
    pane.refresh()
    pane.table.selectRow(0)
    dialog = pane.transfer_selected()
    dialog.received_by.setText("Dana (courier)")
    dialog.purpose.setText("imaging at the lab")
    dialog.time.setText("2020-01-01 10:00")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and "would come before that" in dialog.message.text()
    assert pane.custody_model.rowCount() == 1
    dialog.reject()


def test_the_receiver_signs_the_receipt_in_the_pane(qtbot, pane, made, log_file):
    item = ev.register_evidence(made.binder, pane.incident_id, log_file, made.lead,
                                description="log")
    ev.transfer(made.binder, item, made.lead, received_by=WITNESS, purpose="analysis")
    pane.refresh()
    pane.table.selectRow(0)
    cm = pane.custody_model
    receipt = cm.COLUMNS.index("Receipt")
    assert cm.index(1, receipt).data() == "not acknowledged"
    dialog = pane.acknowledge_selected()
    assert dialog.signer.currentData() == WITNESS  # the receiver named in the hand-over
    assert f"{LEAD_NAME} gave E1 (log) to {WITNESS_NAME}." in dialog.intro.text()
    dialog.choose(WITNESS, "not-" + WITNESS_PASS)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and "passphrase" in dialog.message.text()
    dialog.choose(WITNESS, WITNESS_PASS)
    dialog.note.setText("seal intact")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: cm.rowCount() == 2 and cm.index(1, receipt).data() != "not acknowledged")
    assert cm.index(1, receipt).data() == f"signed by {WITNESS_NAME}"
    assert verify_binder(made.binder).ok
