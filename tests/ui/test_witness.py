"""The witness picker every signed form shares."""

from __future__ import annotations

from binder.ui.forms.feedback import message_label
from binder.ui.forms.witness import WitnessPicker
from tests.helpers import LEAD, WITNESS, WITNESS_NAME, WITNESS_PASS


def test_offers_everyone_but_the_author_and_opens_the_witness_key(qtbot, made):
    picker = WitnessPicker(made.binder, made.lead)
    qtbot.addWidget(picker)
    people = [picker.combo.itemData(i) for i in range(picker.combo.count())]
    assert people == [None, WITNESS] and LEAD not in people
    assert not picker.passphrase.isEnabled()  # nothing to type until a witness is chosen
    message = message_label()
    qtbot.addWidget(message)
    assert picker.open_session(message) == (True, None)

    picker.choose(WITNESS, "not the passphrase")
    # The progress label while the key opens names the witness as the certificate does.
    from binder.core.crypto import signers
    stated = next(s.identity for s in signers.list_signers(made.binder) if s.person == WITNESS)
    assert picker.witness_name() == stated.name
    assert picker.opening_label() == f"Opening {stated.name}'s signing key…"
    ok, session = picker.open_session(message)
    assert (ok, session) == (False, None)
    assert f"not {WITNESS_NAME}'s passphrase" in message.text()

    picker.choose(WITNESS, WITNESS_PASS)
    ok, session = picker.open_session(message)
    assert ok and session.person == WITNESS


def test_required_witness_has_no_empty_choice(qtbot, made):
    picker = WitnessPicker(made.binder, made.lead, required=True)
    qtbot.addWidget(picker)
    assert picker.person() == WITNESS and "required" in picker.title()
