"""People enrol from the Roster screen and sign under their full names in every script.

The witness is enrolled through the GUI (the Roster screen's "Enrol as signer…"),
typing her own passphrase; the report she co-signs names both people in pdfsig
(the certificates' common names) and, as searchable text in embedded fonts, in
the report and the paper binder.
"""

from __future__ import annotations

import subprocess
import threading
import unicodedata
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from binder.core import people, roster
from binder.core.crypto import session, signers
from binder.core.crypto.envelope import LIGHT_KDF_FOR_TESTS
from binder.core.incident import journal as jr
from binder.core.incident.journal import NewEntry
from binder.core.incident.record import open_incident
from binder.core.output import paper
from binder.core.output.report.build import build_report
from binder.core.plan import revisions as plans
from binder.ui import dialogs
from binder.ui.screens.enrol import EnrolDialog
from binder.ui.screens.roster import RosterScreen

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")

LUKASZ, ELENI, TARO = "Łukasz Wróblewski", "Ελένη Παπαδοπούλου", "山田 太郎"
LUKASZ_PASS, ELENI_PASS = "amber kettle orbit nine", "harbour violet cinder lamp"


def text_of(path: Path) -> str:
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                         check=True).stdout
    return unicodedata.normalize("NFC", out)


def fonts_embedded(path: Path) -> bool:
    lines = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True,
                           check=True).stdout.splitlines()[2:]
    return bool(lines) and all(line.split()[-5] == "yes" for line in lines)


@pytest.fixture
def screen(qtbot, empty_roster, monkeypatch):
    monkeypatch.setattr(dialogs, "AUTO_ANSWER", True)
    binder = empty_roster.binder
    roster.add_contact(binder, role="lead", name=LUKASZ, phone="+48 555 0100")
    roster.add_contact(binder, role="it", name=ELENI, phone="+30 555 0101")
    roster.add_contact(binder, role="legal", name=TARO, phone="+81 555 0102")
    widget = RosterScreen(binder)
    widget.kdf = LIGHT_KDF_FOR_TESTS
    qtbot.addWidget(widget)
    widget.resize(1366, 768)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _select(screen: RosterScreen, name: str) -> None:
    row = next(i for i in range(screen.model.rowCount())
               if screen.model.contact_at(i).name == name)
    screen.table.selectRow(row)
    assert screen.editor.editing.name == name


def test_a_witness_enrols_from_the_roster_and_both_names_sign_the_report(
        screen, qtbot, monkeypatch, tmp_path):
    binder = screen.binder
    people.enroll_contact(binder, LUKASZ, LUKASZ_PASS, kdf=LIGHT_KDF_FOR_TESTS)
    _select(screen, ELENI)
    assert screen.editor.enrol_button.isEnabled()
    seen: list[EnrolDialog] = []

    def typed_by_eleni(dialog: EnrolDialog) -> int:
        seen.append(dialog)
        dialog.grab().save(str(tmp_path / "enrol.png"))
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)  # nothing typed yet
        assert "empty" in dialog.message.text()
        dialog.fill(ELENI_PASS)
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        return dialog.result()

    monkeypatch.setattr(EnrolDialog, "exec", typed_by_eleni)
    qtbot.mouseClick(screen.editor.enrol_button, Qt.MouseButton.LeftButton)
    assert seen and seen[0].signer is not None
    assert not screen.editor.enrol_button.isEnabled()
    assert ELENI in screen.editor.signer_label.text()
    # The whole certificate fingerprint, to compare aloud with her, and copyable.
    assert screen.editor.signer_fingerprint.isVisible()
    assert screen.editor.signer_fingerprint.value == seen[0].signer.fingerprint
    assert "Enrolled" in screen.status.text()

    eleni = signers.get_signer(binder, "Ελένη")
    assert eleni.identity.name == ELENI and eleni.identity.role == "IT Contact"
    assert eleni.person == "ελενη"  # a login from her first name, in her script

    lead = session.sign_in(binder, "lukasz", LUKASZ_PASS, door="app")
    witness = session.sign_in(binder, ELENI, ELENI_PASS, door="app", meaning=session.WITNESS)
    iid = open_incident(binder, lead, title="Skimmer on till 3", type="skimmer",
                        severity="high", plan_revision_id=plans.current_revision(binder).id)
    entry = jr.append(binder, iid, lead, NewEntry(kind="communication",
                                                  text=f"Called {TARO} (legal) about the skimmer"))
    jr.cosign(binder, entry, witness)
    result = build_report(binder, iid, lead=lead, witness=witness)
    report = tmp_path / "report.pdf"
    report.write_bytes(result.pdf)
    sig = subprocess.run(["pdfsig", str(report)], capture_output=True, text=True).stdout
    assert f"Signer Certificate Common Name: {LUKASZ}" in sig
    assert f"Signer Certificate Common Name: {ELENI}" in sig
    assert sig.count("Signature is Valid") == 2

    printed = tmp_path / "paper.pdf"
    printed.write_bytes(paper.build_print_plan(binder).pdf)
    for path in (report, printed):
        text = text_of(path)
        for name in (LUKASZ, ELENI, TARO):
            assert name in text, (path.name, name)
        assert fonts_embedded(path), path.name
    assert "as witness" in " ".join(text_of(report).split())


def test_creating_the_signing_key_runs_off_the_window_thread_with_the_form_disabled(
        screen, qtbot, monkeypatch):
    """Argon2id takes a second or more: the dialog stays painted and cannot be sent twice."""
    _select(screen, ELENI)
    real_enroll = people.enroll_contact
    during: dict[str, object] = {}

    def enroll_watched(*args, **kwargs):
        dialog = seen[0]
        during["off_ui_thread"] = threading.current_thread() is not threading.main_thread()
        during["enrol_enabled"] = dialog.ok_button.isEnabled()
        during["passphrase_enabled"] = dialog.passphrase.isEnabled()
        return real_enroll(*args, **kwargs)

    seen: list[EnrolDialog] = []

    def typed_by_eleni(dialog: EnrolDialog) -> int:
        seen.append(dialog)
        dialog.fill(ELENI_PASS)
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        return dialog.result()

    monkeypatch.setattr(people, "enroll_contact", enroll_watched)
    monkeypatch.setattr(EnrolDialog, "exec", typed_by_eleni)
    qtbot.mouseClick(screen.editor.enrol_button, Qt.MouseButton.LeftButton)
    assert during == {"off_ui_thread": True, "enrol_enabled": False,
                      "passphrase_enabled": False}
    assert seen[0].signer is not None and seen[0].ok_button.isEnabled()
    assert signers.get_signer(screen.binder, ELENI).identity.name == ELENI
