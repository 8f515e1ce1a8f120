"""Witness sessions and deliberate signing: a signed-in witness is not asked again (unless
the plan asks for the passphrase at every signature), an empty field says so, and signing a
report first shows whose certificate, which role and what the signature means."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtWidgets import QLabel

from binder.core.plan import revisions as plans
from binder.services.settings import SessionKeeper
from binder.ui import dialogs
from binder.ui.forms import witness as witness_forms
from binder.ui.forms.confirm import confirm_signature
from binder.ui.screens.unlock import SignInDialog
from tests.helpers import LEAD, LEAD_NAME, WITNESS, WITNESS_NAME, WITNESS_PASS


@pytest.fixture
def keeper(monkeypatch):
    kept = SessionKeeper(5)
    monkeypatch.setattr(witness_forms, "KEEPER", kept)
    return kept


def _picker(qtbot, made) -> witness_forms.WitnessPicker:
    """The witness part of a form that needs one, as the lead (``made.lead``) opens it."""
    picker = witness_forms.WitnessPicker(made.binder, made.lead, required=True)
    qtbot.addWidget(picker)
    return picker


def _refused_when_empty(picker: witness_forms.WitnessPicker) -> QLabel:
    """The witness chosen, their passphrase field left empty: refused, and the form says the
    field is empty. Returns the form's message line."""
    message = QLabel()
    picker.choose(WITNESS, "")
    assert picker.open_session(message) == (False, None)
    assert "empty" in message.text()
    return message


def test_a_signed_in_witness_signs_the_next_form_without_retyping(qtbot, made, keeper):
    picker = _picker(qtbot, made)
    message = _refused_when_empty(picker)
    picker.choose(WITNESS, WITNESS_PASS)
    ok, first = picker.open_session(message)
    assert ok and first.person == WITNESS and keeper.peek() is first

    again = _picker(qtbot, made)
    assert again.person() == WITNESS  # the signed-in witness is chosen already
    assert "signed in as witness" in again.passphrase.placeholderText()
    assert again.open_session(message) == (True, first)


def test_the_plan_can_ask_for_the_passphrase_at_every_signature(qtbot, made, keeper):
    revision = plans.current_revision(made.binder)
    strict = replace(revision.plan, regulatory=replace(revision.plan.regulatory,
                                                       passphrase_every_signature=True))
    plans.save_revision(made.binder, strict, author=LEAD, note="21 CFR Part 11")
    keeper.put(made.witness)
    _refused_when_empty(_picker(qtbot, made))  # the kept session does not sign for them


def test_sign_in_lists_names_and_roles_and_says_an_empty_field_is_empty(qtbot, made):
    dialog = SignInDialog(made.binder)
    qtbot.addWidget(dialog)
    items = [dialog.person.itemText(i) for i in range(dialog.person.count())]
    assert items == [f"{LEAD_NAME} — Incident Lead", f"{WITNESS_NAME} — IT Contact"]
    assert not dialog.try_sign_in()
    assert "empty" in dialog.message.text()


def test_signing_asks_to_confirm_whose_certificate_which_role_what_meaning(made):
    assert confirm_signature(None, made.lead, "incident lead", "author")
    kind, title, text = dialogs.SHOWN[-1]
    assert (kind, title) == ("confirm", "Sign as incident lead?")
    for part in (f"Signer: {LEAD_NAME}", "Role on the certificate: Incident Lead",
                 "Meaning: author: wrote this and answers for it", "Certificate fingerprint:"):
        assert part in text
    # The whole fingerprint, to compare with the enrolment record: nothing cut with "…".
    assert "…" not in text
    assert made.lead.signer.fingerprint.upper() in "".join(text.split())


def test_sign_in_shows_the_whole_fingerprint(qtbot, made):
    dialog = SignInDialog(made.binder)
    qtbot.addWidget(dialog)
    dialog.choose(made.witness.signer.person)
    shown = "".join(dialog.fingerprint.shown_text().split())
    assert shown == made.witness.signer.fingerprint.upper()
