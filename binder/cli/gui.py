"""`binder gui` (also the bare `binder`) and `binder self-test`.

Qt is imported only inside the functions, so every other command starts
without loading it.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

import click

from binder.cli.common import binder_option, resolve_path, use_keyring
from binder.cli.root import cli
from binder.core.errors import BadInput, BinderError, BinderInUse
from binder.core.storage.files import check_output_path

SCREENSHOT_SIZE = (1366, 768)


def _has_display() -> bool:
    if sys.platform in ("win32", "darwin"):
        return True
    if os.environ.get("QT_QPA_PLATFORM"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _check_screenshot_target(screenshot: Path) -> Path:
    target = check_output_path(screenshot)
    if target.suffix.lower() != ".png":
        raise BadInput(f"the screenshot must be a .png file, not {target.name!r}")
    return target


def run_gui(binder_path: Path | None, screenshot: Path | None) -> int:
    """Open the desktop app on a binder (created on first run); returns the exit status.

    With ``screenshot``, the window is saved as a PNG once it is shown and idle,
    then the app quits. ``BINDER_PASSPHRASE`` unlocks the binder without asking.
    """
    from binder.services.applock import AppLock

    path = resolve_path(binder_path)
    target = _check_screenshot_target(screenshot) if screenshot is not None else None
    if target is not None and not _has_display():
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    if not _has_display():
        raise BadInput(
            "no display to show the app on; run it in a desktop session, or use "
            "`binder gui --screenshot FILE.png` (works without a display)"
        )
    from binder.ui.launch import run_app

    lock = None
    if path.exists():
        try:
            lock = AppLock(path).acquire()
        except BinderInUse as exc:
            if target is None:
                from binder.ui.launch import show_error

                show_error("Binder already open", str(exc))
            raise
    status, saved = run_app(
        path, passphrase=os.environ.get("BINDER_PASSPHRASE"), use_keyring=use_keyring(),
        lock=lock, screenshot=target, size=SCREENSHOT_SIZE,
    )
    if target is not None and not saved:
        raise BadInput(f"could not write the screenshot to {target}")
    return status


@cli.command("gui")
@binder_option
@click.option("--screenshot", type=click.Path(path_type=Path), default=None,
              help="Save the window as a PNG once shown, then exit.")
def gui(binder_path: Path | None, screenshot: Path | None) -> None:
    """Open the desktop app on the most recently active incident."""
    status = run_gui(binder_path, screenshot)
    if status:
        sys.exit(status)


# ----------------------------------------------------------------------------- self-test

SELF_TEST_PASSPHRASE = "self test binder passphrase"
SELF_TEST_SIGNER = ("self-test", "self test signer passphrase")
SELF_TEST_DOOR = "self-test"


def _make_temp_binder(folder: Path):
    """A binder with real keys, a signer and one incident with two entries."""
    from binder.core.crypto import session, signers
    from binder.core.incident import journal
    from binder.core.incident.journal import NewEntry
    from binder.core.incident.record import open_incident
    from binder.core.plan import revisions as plan
    from binder.core.storage.database import create_binder

    binder = create_binder(folder / "self-test.binder", org="Self test")
    code = session.create_keys(binder, SELF_TEST_PASSPHRASE, door=SELF_TEST_DOOR)
    signers.create_root(binder)
    plan.load_default_plan(binder, author="self-test")
    signers.enroll(binder, SELF_TEST_SIGNER[0], SELF_TEST_SIGNER[1], role="Incident Lead")
    author = session.sign_in(binder, *SELF_TEST_SIGNER, door=SELF_TEST_DOOR)
    incident_id = open_incident(binder, author, title="Self-test incident", drill=True,
                                plan_revision_id=plan.current_revision(binder).id)
    journal.append(binder, incident_id, author,
                   NewEntry(text="Self-test entry <b>&amp; markup stays text</b>", kind="observation"))
    return binder, code, author, incident_id


def _unlocked(folder: Path, **secret: str):
    """The self-test binder, opened again and unlocked with ``passphrase`` or ``recovery_code``."""
    from binder.core.crypto import session
    from binder.core.storage.database import open_binder

    binder = open_binder(folder / "self-test.binder")
    try:
        session.unlock_binder(binder, door=SELF_TEST_DOOR, use_keyring=False, **secret)
    except BaseException:
        binder.close()
        raise
    return binder


def _check_crypto(folder: Path) -> str:
    from binder.core.crypto import envelope as crypto
    from binder.core.verify.checks import verify_binder

    binder, code, _session, _iid = _make_temp_binder(folder)
    key = binder.data_key
    aad = crypto.value_aad("contact_revision", "name", "self-test", 1)
    blob = crypto.encrypt_value(key, "Dana Smith", aad)
    if b"Dana" in blob or crypto.decrypt_value(key, blob, aad) != "Dana Smith":
        raise RuntimeError("value encryption round trip failed")
    binder.close()
    with _unlocked(folder, passphrase=SELF_TEST_PASSPHRASE) as again:
        if again.data_key != key:
            raise RuntimeError("the passphrase opened a different key")
    with _unlocked(folder, recovery_code=code) as again:
        if again.data_key != key:
            raise RuntimeError("the recovery code opened a different key")
        report = verify_binder(again)
        if not report.ok:
            raise RuntimeError(f"verify found: {report.problems[0]}")
    return f"passphrase, recovery code, signatures ({report.signatures}) verified"


def _check_window(folder: Path) -> str:
    from binder.ui.launch import render_main_window

    binder = _unlocked(folder, passphrase=SELF_TEST_PASSPHRASE)
    width, height, rows = render_main_window(binder, SCREENSHOT_SIZE)
    if width < 100 or height < 100:
        raise RuntimeError("the main window did not render")
    if rows != 2:
        raise RuntimeError("the main window did not open the incident's journal")
    return f"{width}x{height} rendered, journal shown"


def _check_pdf(folder: Path) -> str:
    from binder.core.output.report.build import write_report

    out = folder / "self-test.pdf"
    with _unlocked(folder, passphrase=SELF_TEST_PASSPHRASE) as binder:
        iid = binder.conn.execute("SELECT max(id) FROM incident").fetchone()[0]
        write_report(binder, iid, out)
    data = out.read_bytes()
    if not data.startswith(b"%PDF") or b"%%EOF" not in data[-1024:]:
        raise RuntimeError("the PDF is incomplete")
    return f"incident report, {len(data):,} bytes"


CHECKS: tuple[tuple[str, Callable[[Path], str]], ...] = (
    ("crypto round trip", _check_crypto),
    ("main window", _check_window),
    ("PDF rendering", _check_pdf),
)


@cli.command("self-test")
def self_test() -> None:
    """Offscreen: build the main window, render a PDF, run a crypto round trip; exit 0 when all work."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    failures = 0
    with tempfile.TemporaryDirectory(prefix="binder-self-test-") as tmp:
        folder = Path(tmp)
        for name, check in CHECKS:
            started = time.perf_counter()
            try:
                detail = check(folder)
            except (BinderError, Exception) as exc:  # noqa: BLE001 - report every failure, keep going
                failures += 1
                click.echo(f"FAIL  {name}: {type(exc).__name__}: {exc}")
                if os.environ.get("BINDER_DEBUG"):
                    traceback.print_exc()
                continue
            click.echo(f"ok    {name} ({time.perf_counter() - started:.1f} s): {detail}")
    if failures:
        click.echo(f"self-test: {failures} check(s) failed", err=True)
        sys.exit(1)
    click.echo("self-test: all checks passed")
