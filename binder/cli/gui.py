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

SCREENSHOT_SIZE = (1366, 768)


def _has_display() -> bool:
    if sys.platform in ("win32", "darwin"):
        return True
    if os.environ.get("QT_QPA_PLATFORM"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _check_screenshot_target(screenshot: Path) -> Path:
    target = screenshot.expanduser()
    if target.suffix.lower() != ".png":
        raise BadInput(f"the screenshot must be a .png file, not {target.name!r}")
    if target.is_dir():
        raise BadInput(f"{target} is a folder; give a file name such as window.png")
    if not target.parent.is_dir():
        raise BadInput(f"the folder {target.parent} does not exist; create it first")
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


def _make_temp_binder(folder: Path):
    """A binder with real keys, a signer and one incident with two entries."""
    from binder.core.crypto import signers, vault
    from binder.core.incident import journal
    from binder.core.incident.journal import NewEntry
    from binder.core.incident.record import open_incident
    from binder.core.plan import revisions as plan
    from binder.core.storage.database import create_binder

    binder = create_binder(folder / "self-test.binder", org="Self test")
    code = vault.setup_keys(binder, SELF_TEST_PASSPHRASE)
    signers.create_root(binder)
    plan.load_default_plan(binder, author="self-test")
    signers.enroll(binder, SELF_TEST_SIGNER[0], SELF_TEST_SIGNER[1], role="Incident Lead")
    session = signers.open_session(binder, *SELF_TEST_SIGNER)
    incident_id = open_incident(binder, session, title="Self-test incident", drill=True,
                                plan_revision_id=plan.current_revision(binder).id)
    journal.append(binder, incident_id, session,
                   NewEntry(text="Self-test entry <b>&amp; markup stays text</b>", kind="observation"))
    return binder, code, session, incident_id


def _check_crypto(folder: Path) -> str:
    from binder.core.crypto import envelope as crypto
    from binder.core.crypto import vault
    from binder.core.storage.database import open_binder
    from binder.core.verify.checks import verify_binder

    binder, code, _session, _iid = _make_temp_binder(folder)
    key = binder.data_key
    aad = crypto.value_aad("contact_revision", "name", "self-test", 1)
    blob = crypto.encrypt_value(key, "Dana Smith", aad)
    if b"Dana" in blob or crypto.decrypt_value(key, blob, aad) != "Dana Smith":
        raise RuntimeError("value encryption round trip failed")
    binder.close()
    with open_binder(folder / "self-test.binder") as again:
        vault.unlock_with_passphrase(again, SELF_TEST_PASSPHRASE)
        if again.data_key != key:
            raise RuntimeError("the passphrase opened a different key")
    with open_binder(folder / "self-test.binder") as again:
        vault.unlock_with_recovery_code(again, code)
        if again.data_key != key:
            raise RuntimeError("the recovery code opened a different key")
        report = verify_binder(again)
        if not report.ok:
            raise RuntimeError(f"verify found: {report.problems[0]}")
    return f"passphrase, recovery code, signatures ({report.signatures}) verified"


def _check_window(folder: Path) -> str:
    from binder.core.crypto import vault
    from binder.core.storage.database import open_binder
    from binder.ui.launch import render_main_window

    binder = open_binder(folder / "self-test.binder")
    vault.unlock_with_passphrase(binder, SELF_TEST_PASSPHRASE)
    width, height, rows = render_main_window(binder, SCREENSHOT_SIZE)
    if width < 100 or height < 100:
        raise RuntimeError("the main window did not render")
    if rows != 2:
        raise RuntimeError("the main window did not open the incident's journal")
    return f"{width}x{height} rendered, journal shown"


def _check_pdf(folder: Path) -> str:
    from binder.core.storage.database import open_binder

    out = folder / "self-test.pdf"
    try:
        from binder.core.output.report import build as report
    except ImportError:
        report = None
    if report is not None:
        from binder.core.crypto import vault

        with open_binder(folder / "self-test.binder") as binder:
            vault.unlock_with_passphrase(binder, SELF_TEST_PASSPHRASE)
            iid = binder.conn.execute("SELECT max(id) FROM incident").fetchone()[0]
            report.write_report(binder, iid, out)
        what = "incident report"
    else:
        from reportlab.lib.pagesizes import A4
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFont
        from reportlab.pdfgen import canvas

        from binder.core.resources import resources_dir

        pdfmetrics.registerFont(TTFont("SelfTestSans", str(resources_dir() / "fonts" / "DejaVuSans.ttf")))
        c = canvas.Canvas(str(out), pagesize=A4)
        c.setFont("SelfTestSans", 14)
        c.drawString(72, 760, "Incident Binder self-test: reportlab and fonts work")
        c.save()
        what = "test page"
    data = out.read_bytes()
    if not data.startswith(b"%PDF") or b"%%EOF" not in data[-1024:]:
        raise RuntimeError("the PDF is incomplete")
    return f"{what}, {len(data):,} bytes"


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
