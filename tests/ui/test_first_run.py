"""First run to first entry, driven through the real welcome, unlock and workspace."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt

from binder.core.crypto import signers
from binder.core.incident import journal as jr
from binder.core.incident.record import list_incidents
from binder.core.storage.database import open_binder
from binder.core.verify.checks import verify_binder
from binder.services.setup_flow import Step
from tests.helpers import PASSPHRASE

BINDER_PASS = "orange kettle mountain"
LEAD_PASS = "blue lantern harbour"


def test_first_run_to_first_entry(qtbot, window_for, tmp_path):
    path = tmp_path / "shop.binder"
    window = window_for(path)
    wizard = window.welcome
    assert window.pages.currentWidget() is wizard
    assert not path.exists()

    qtbot.mouseClick(wizard.create_button, Qt.MouseButton.LeftButton)
    assert wizard.flow.step is Step.LOCATION
    assert wizard.path_field.text() == str(path)
    qtbot.keyClicks(wizard.org_field, "Acme Outdoor")
    qtbot.keyClick(wizard.org_field, Qt.Key.Key_Return)

    assert wizard.flow.step is Step.PASSPHRASE
    qtbot.keyClicks(wizard.pass1, "short")
    assert wizard.pass_meter.label.text().startswith("Too short")
    wizard.pass1.clear()
    qtbot.keyClicks(wizard.pass1, BINDER_PASS)
    # The meter shows the estimate set-up itself applies (zxcvbn): good enough, or better.
    assert wizard.pass_meter.label.text().startswith(("Good", "Strong"))
    qtbot.keyClicks(wizard.pass2, BINDER_PASS + "x")
    qtbot.keyClick(wizard.pass2, Qt.Key.Key_Return)
    assert "differ" in wizard.pass_message.text() and not path.exists()
    qtbot.keyClick(wizard.pass2, Qt.Key.Key_Backspace)
    qtbot.keyClick(wizard.pass2, Qt.Key.Key_Return)
    # Creating the binder runs off the window's thread; the form waits, disabled.
    assert wizard.working and not wizard.pass_go.isEnabled()
    qtbot.waitUntil(lambda: not wizard.working, timeout=30_000)

    assert wizard.flow.step is Step.RECOVERY and path.exists()
    code = wizard.code_label.text()
    assert re.fullmatch(r"[0-9A-Z]+(-[0-9A-Z]+)+", code)
    qtbot.mouseClick(wizard.recovery_continue, Qt.MouseButton.LeftButton)
    assert wizard.flow.step is Step.CONFIRM
    continue_button = [b for b in wizard.pages.currentWidget().findChildren(type(wizard.create_button))
                       if b.text() == "Continue"][0]
    qtbot.mouseClick(continue_button, Qt.MouseButton.LeftButton)
    assert "I wrote it down" in wizard.confirm_message.text()
    wizard.confirm_box.setChecked(True)
    qtbot.mouseClick(continue_button, Qt.MouseButton.LeftButton)
    assert wizard.flow.step is Step.ENROLL
    assert wizard.code_label.text() == ""  # the code leaves the screen once confirmed

    wizard.person_field.clear()
    qtbot.keyClicks(wizard.person_field, "dana")
    qtbot.keyClicks(wizard.display_field, "Dana Smith")
    qtbot.keyClicks(wizard.lead1, LEAD_PASS)
    qtbot.keyClicks(wizard.lead2, LEAD_PASS)
    qtbot.keyClick(wizard.lead2, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not wizard.working, timeout=30_000)
    assert wizard.flow.step is Step.EXTRAS
    assert "signed in as Dana Smith" in wizard.extras_intro.text()
    # The whole fingerprint, grouped, to compare aloud; the status bar agrees with the page.
    assert len(wizard.lead_fingerprint.value) == len(wizard.flow.lead.fingerprint)
    assert "Signed in: Dana Smith" in window.signer_label.text()
    assert not wizard.enroll_message.isVisible()

    qtbot.mouseClick(wizard.go_drill, Qt.MouseButton.LeftButton)
    ws = window.workspace
    assert ws is not None and ws.incident.drill
    assert window.pages.currentWidget() is window.shell
    assert "Signed in: Dana Smith" in window.signer_label.text()
    assert ws.quick.text.hasFocus()
    qtbot.keyClicks(ws.quick.text, "Practised finding the skimmer in the CMS block")
    qtbot.keyClick(ws.quick.text, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    entry = ws.journal.model.view_at(0).entry
    assert entry.text == "Practised finding the skimmer in the CMS block" and entry.author == "dana"
    window.close()

    with open_binder(path) as b:
        from binder.core.crypto import vault

        vault.unlock_with_recovery_code(b, code)
        assert b.meta("org") == "Acme Outdoor"
        assert [s.display_name for s in signers.list_signers(b)] == ["Dana Smith"]
        (drill,) = list_incidents(b)
        assert drill.drill and jr.count_entries(b, drill.id) == 2
        assert verify_binder(b).ok


def test_open_existing_binder_then_unlock_calmly(qtbot, window_for, made, tmp_path):
    made.binder.close()
    window = window_for(tmp_path / "none-yet.binder")
    wizard = window.welcome
    qtbot.mouseClick(wizard.open_button, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(wizard.open_field, str(tmp_path / "nothing.txt"))
    qtbot.keyClick(wizard.open_field, Qt.Key.Key_Return)
    assert "No binder at" in wizard.welcome_message.text()
    wizard.open_field.clear()
    qtbot.keyClicks(wizard.open_field, str(made.path))
    qtbot.keyClick(wizard.open_field, Qt.Key.Key_Return)

    page = window.unlock_page
    assert window.pages.currentWidget() is page
    qtbot.keyClicks(page.passphrase, "wrong guess")
    qtbot.keyClick(page.passphrase, Qt.Key.Key_Return)
    assert "does not unlock this binder" in page.message.text()
    assert "Nothing was changed" in page.message.text()
    assert window.pages.currentWidget() is page
    page.passphrase.clear()
    qtbot.keyClicks(page.passphrase, PASSPHRASE)
    qtbot.keyClick(page.passphrase, Qt.Key.Key_Return)
    assert window.pages.currentWidget() is window.shell
    assert window.binder.unlocked and not (tmp_path / "none-yet.binder").exists()


def test_recovery_code_sets_a_new_passphrase(qtbot, window_for, made):
    code = made.recovery_code
    made.binder.close()
    window = window_for(made.path)
    page = window.unlock_page
    qtbot.mouseClick(page.recovery_link, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(page.code, code.lower().replace("-", " "))
    qtbot.keyClicks(page.new_pass, "a brand new passphrase")
    qtbot.keyClicks(page.new_confirm, "a brand new passphrase")
    qtbot.mouseClick(page.recover_button, Qt.MouseButton.LeftButton)
    assert window.pages.currentWidget() is window.shell
    window.close()
    with open_binder(made.path) as b:
        from binder.core.crypto import vault

        vault.unlock_with_passphrase(b, "a brand new passphrase")
        kinds = [r[0] for r in b.conn.execute("SELECT detail FROM access_log WHERE kind = 'unlock'")]
        assert "recovery code (app)" in kinds


def test_closing_during_set_up_before_confirmation_leaves_no_binder(qtbot, window_for, tmp_path):
    path = tmp_path / "half.binder"
    window = window_for(path)
    wizard = window.welcome
    wizard.start_new()
    wizard.choose_location()
    qtbot.keyClicks(wizard.pass1, BINDER_PASS)
    qtbot.keyClicks(wizard.pass2, BINDER_PASS)
    wizard.set_passphrase()
    qtbot.waitUntil(lambda: not wizard.working, timeout=30_000)
    assert path.exists()
    window.close()
    assert not path.exists()
