"""The window's session without a window: opening, unlocking, signing in, idle lock, closing."""

from __future__ import annotations

import pytest

from binder.core.errors import BinderInUse
from binder.services import settings as app_state
from binder.services.applock import AppLock
from binder.services.session import WindowSession
from binder.services.settings import AppSettings
from tests.helpers import LEAD, LEAD_NAME, LEAD_PASS, PASSPHRASE, WITNESS_NAME


def _access(binder):
    return binder.conn.execute("SELECT kind, who, detail FROM access_log").fetchall()


def test_open_and_unlock_with_the_passphrase_records_the_access(made):
    made.binder.close()
    session = WindowSession(made.path, use_keyring=False)
    session.open()
    assert session.binder is not None and not session.unlocked
    assert session.unlock_at_start("not the passphrase") is False
    assert session.unlock_at_start(PASSPHRASE) is True
    assert ("unlock", "passphrase (app)") in {(k, d) for k, _w, d in _access(session.binder)}
    with pytest.raises(BinderInUse):  # the session holds the one-window lock
        AppLock(made.path).acquire()
    session.close()
    assert session.binder is None and session.applock is None
    AppLock(made.path).acquire().release()  # free again


def test_sign_in_out_and_who_is_at_the_keyboard(made):
    session = WindowSession(made.path, binder=made.binder)
    assert session.signer_state_text() == "Nobody signed in"
    assert not session.anyone_signed_in()
    session.sign_in(LEAD, LEAD_PASS)
    # Forms that ask "who did it" are filled with the name people know, not the login.
    assert session.current_person() == LEAD_NAME and session.last_person == LEAD
    assert session.signer_state_text() == f"Signed in: {LEAD_NAME} (5 min left)"
    assert ("signer", LEAD, "author (app)") in _access(made.binder)
    session.witness_keeper.put(made.witness)
    assert session.signer_state_text().endswith(f" · witness {WITNESS_NAME} (5 min)")
    session.sign_out()
    assert not session.anyone_signed_in()
    assert session.current_person() not in (LEAD, LEAD_NAME)  # the computer account again


def test_idle_lock_is_due_after_the_binders_setting_and_drops_the_keys(made):
    app_state.save_settings(made.binder, AppSettings(idle_lock_minutes=2, signer_session_minutes=5))
    now = [1000.0]
    session = WindowSession(made.path, binder=made.binder, clock=lambda: now[0])
    session.load_settings()
    session.keeper.put(made.lead)
    assert session.lock_state_text() == "Unlocked · test.binder · locks after 2 min idle"
    now[0] += 119
    assert not session.idle_lock_due()
    session.touch()
    now[0] += 119
    assert not session.idle_lock_due()  # the touch restarted the count
    now[0] += 1
    assert session.idle_lock_due()
    session.lock()
    assert made.binder.data_key is None and not session.anyone_signed_in()
    assert session.lock_state_text() == "Locked · test.binder"


def test_idle_lock_off_is_never_due(made):
    app_state.save_settings(made.binder, AppSettings(idle_lock_minutes=0, signer_session_minutes=5))
    now = [0.0]
    session = WindowSession(made.path, binder=made.binder, clock=lambda: now[0])
    session.load_settings()
    now[0] += 10 * 24 * 3600
    assert not session.idle_lock_due()
    assert session.lock_state_text().endswith("idle lock off")
