"""Help → Signing and witnesses explains what exists, with this binder's own facts."""

from __future__ import annotations

from dataclasses import replace

from binder.core.crypto import meanings, signers
from binder.core.plan import revisions as plans
from binder.services.settings import AppSettings, save_settings
from binder.ui.screens.signing_help import signing_sections
from tests.helpers import enroll_person


def _menu_action(window, text: str):
    help_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Help")
    return next(a for a in help_menu.actions() if a.text().replace("&", "") == text)


def test_the_help_menu_explains_enrolment_witness_sessions_and_meanings(signed_window, made,
                                                                        qtbot):
    window = signed_window
    enroll_person(made.binder, "Zoë <b>O'Brien</b> & Co", "legal", "zoe-passphrase-long",
                  login="zoe")
    save_settings(made.binder, AppSettings(idle_lock_minutes=15, signer_session_minutes=7))
    window.session.load_settings()
    _menu_action(window, "Signing and witnesses").trigger()
    dialog = window.signing_help
    qtbot.waitExposed(dialog)
    text = dialog.text.toPlainText()
    for heading in ("Who signs", "Enrolling someone", "Signing in", "Witnesses",
                    "What a signature means"):
        assert heading in text
    assert "“Enrol as signer…”" in text and "(Alt+4)" in text and "(Ctrl+Shift+S)" in text
    # Everyone enrolled, by the name and role their certificates state; markup stays text.
    for signer in signers.list_signers(made.binder):
        assert f"{signer.identity.name} — {signer.identity.role}" in text
    assert "Zoë <b>O'Brien</b> & Co — Legal Representative" in text
    assert "stays signed in for 7 minutes" in text
    for meaning in meanings.MEANINGS:
        assert f"{meaning}: {meanings.EXPLAINED[meaning]}" in text
    assert "legal: review" in text and "management: approval" in text
    dialog.grab().save("/tmp/signing_help.png")


def test_a_strict_plan_says_every_form_asks_again(made):
    assert "does not ask again" in signing_sections(made.binder, 5)[3].text
    revision = plans.current_revision(made.binder)
    strict = replace(revision.plan, regulatory=replace(revision.plan.regulatory,
                                                       passphrase_every_signature=True))
    plans.save_revision(made.binder, strict, author="alice", note="21 CFR Part 11")
    witnesses = signing_sections(made.binder, 5)[3].text
    assert "every form asks the witness again" in witnesses
    assert "does not ask again" not in witnesses
    assert "Open a binder" in signing_sections(None, 5)[0].text
