"""App settings stored in the binder, signer-session timing and the one-app-per-binder lock."""

from __future__ import annotations

import subprocess
import sys

import pytest

from binder.core.errors import BadInput, BinderInUse
from binder.core.storage.database import open_binder
from binder.services import settings as app_state
from binder.services.applock import AppLock, lock_path
from binder.services.settings import AppSettings, SessionKeeper


def test_settings_default_then_persist(made):
    assert app_state.load_settings(made.binder) == AppSettings(15, 5)
    app_state.save_settings(made.binder, AppSettings(0, 10))
    made.binder.close()
    with open_binder(made.path) as b:
        assert app_state.load_settings(b) == AppSettings(0, 10)


@pytest.mark.parametrize("bad", [AppSettings(-1, 5), AppSettings(15, 0), AppSettings(15, 61)])
def test_settings_out_of_range_are_refused(made, bad):
    with pytest.raises(BadInput, match="whole number"):
        app_state.save_settings(made.binder, bad)
    assert app_state.load_settings(made.binder) == AppSettings(15, 5)


def test_session_keeper_times_out_after_last_use(made):
    now = [1000.0]
    keeper = SessionKeeper(5, clock=lambda: now[0])
    assert keeper.take() is None and keeper.remaining() == 0
    keeper.put(made.lead)
    now[0] += 4 * 60
    assert keeper.take() is made.lead  # a use restarts the five minutes
    now[0] += 4 * 60
    assert keeper.peek() is made.lead
    assert keeper.remaining() == pytest.approx(60)
    now[0] += 61
    assert keeper.peek() is None and keeper.take() is None


def test_second_lock_on_same_binder_is_refused(tmp_path):
    target = tmp_path / "a.binder"
    with AppLock(target) as first:
        assert first.held and lock_path(target).exists()
        with pytest.raises(BinderInUse, match="already open in another"):
            AppLock(target).acquire()
    with AppLock(target) as again:
        assert again.held


def test_lock_is_seen_by_another_process_and_freed_when_it_dies(tmp_path):
    target = tmp_path / "b.binder"
    code = (
        "import sys, time; from binder.services.applock import AppLock; "
        f"AppLock({str(target)!r}).acquire(); print('held', flush=True); sys.stdin.read()"
    )
    with subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, text=True) as proc:
        try:
            assert proc.stdout.readline().strip() == "held"
            with pytest.raises(BinderInUse):
                AppLock(target).acquire()
        finally:
            proc.kill()
            proc.wait()
    with AppLock(target) as lock:
        assert lock.held
