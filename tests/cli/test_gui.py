"""`binder gui --screenshot` and `binder self-test`, run as a user's script would."""

from __future__ import annotations

import importlib.util
import shutil
import struct
import subprocess
import sys
from pathlib import Path

from binder.core.storage.database import open_binder
from binder.services.applock import AppLock
from tests.helpers import PASSPHRASE, command_env


def _png_size(path):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_screenshot_unlocks_with_the_env_passphrase(made, incident_id, run_binder_process, tmp_path):
    made.binder.close()
    shot = tmp_path / "window.png"
    r = run_binder_process("gui", "--binder", str(made.path), "--screenshot", str(shot),
                env={"BINDER_PASSPHRASE": PASSPHRASE})
    assert r.code == 0, r.err
    assert _png_size(shot) == (1366, 768)
    with open_binder(made.path) as b:
        details = [d for (d,) in b.conn.execute("SELECT detail FROM access_log WHERE kind='unlock'")]
    assert "passphrase (app)" in details  # it showed the unlocked binder, not the lock screen


def test_screenshot_of_a_locked_binder_and_of_first_run(made, run_binder_process, tmp_path):
    made.binder.close()
    locked = tmp_path / "locked.png"
    r = run_binder_process("gui", "--binder", str(made.path), "--screenshot", str(locked))
    assert r.code == 0, r.err
    assert locked.stat().st_size > 1000
    fresh = tmp_path / "new.binder"
    first = tmp_path / "first.png"
    r = run_binder_process("gui", "--binder", str(fresh), "--screenshot", str(first))
    assert r.code == 0, r.err
    assert first.exists() and not fresh.exists()  # the welcome never creates a file by itself


def test_second_app_on_the_same_binder_gets_a_clear_message(made, run_binder_process, tmp_path):
    made.binder.close()
    with AppLock(made.path):
        r = run_binder_process("gui", "--binder", str(made.path), "--screenshot", str(tmp_path / "x.png"),
                    env={"BINDER_PASSPHRASE": PASSPHRASE})
    assert r.code == 2
    assert "already open in another Incident Binder window" in r.err
    assert "Traceback" not in r.err and len(r.err.strip().splitlines()) == 1
    assert not (tmp_path / "x.png").exists()


def test_bad_screenshot_targets_are_refused(made, run_binder_process, tmp_path):
    made.binder.close()
    for target, words in ((tmp_path / "shot.jpg", "must be a .png"),
                          (tmp_path / "missing" / "shot.png", "does not exist")):
        r = run_binder_process("gui", "--binder", str(made.path), "--screenshot", str(target))
        assert r.code == 2 and words in r.err and "Traceback" not in r.err


def test_gui_without_a_display_says_so(made, run_binder_process):
    made.binder.close()
    r = run_binder_process("gui", "--binder", str(made.path),
                env={"QT_QPA_PLATFORM": "", "DISPLAY": "", "WAYLAND_DISPLAY": ""})
    assert r.code == 2 and "no display" in r.err


def test_self_test_passes(run_binder_process):
    r = run_binder_process("self-test", timeout=180)
    assert r.code == 0, r.out + r.err
    lines = r.out.splitlines()
    assert [line.split()[0] for line in lines[:3]] == ["ok", "ok", "ok"]
    assert any("main window" in line for line in lines)
    assert any("PDF" in line for line in lines)
    assert lines[-1] == "self-test: all checks passed"


def test_the_app_opens_on_x11_with_the_libraries_make_installs(made, incident_id, tmp_path):
    """`make run` on a Linux desktop: Qt's xcb plugin finds every library it links (the
    Makefile's DESKTOP_DEBS) and the window opens on a real X server (Xvfb)."""
    qt = Path(importlib.util.find_spec("PySide6").origin).parent / "Qt"
    for library in (qt / "plugins" / "platforms" / "libqxcb.so", qt / "lib" / "libQt6XcbQpa.so.6"):
        linked = subprocess.run(["ldd", str(library)], capture_output=True, text=True).stdout
        missing = sorted({line.split()[0] for line in linked.splitlines() if "not found" in line})
        assert not missing, f"{library.name} needs {missing}: the Makefile's DESKTOP_DEBS must " \
                            "name their packages (`make run` installs them)"
    xvfb_run = shutil.which("xvfb-run")
    assert xvfb_run, "xvfb-run is missing: install the Debian packages xvfb and xauth (`make test` does)"
    made.binder.close()
    shot = tmp_path / "x11.png"
    env = command_env({"BINDER_PASSPHRASE": PASSPHRASE, "QT_QPA_PLATFORM": "xcb"})
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    done = subprocess.run(
        [xvfb_run, "-a", "-s", "-screen 0 1600x1000x24", sys.executable, "-m", "binder", "gui",
         "--binder", str(made.path), "--screenshot", str(shot)],
        capture_output=True, text=True, env=env, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    assert _png_size(shot) == (1366, 768)
