"""Disk full: a clear StorageFull error, nothing half-written, everything earlier intact.

Two ways to run out of room. SQLite's ``max_page_count`` caps one connection's
database size (portable, no privileges); a tiny tmpfs makes the real disk
full for every writer, the WAL, the `binder` command and plain files
(needs root to mount; skipped with the reason otherwise).
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

from binder.core import roster
from binder.core.crypto import vault
from binder.core.errors import BadInput, StorageFull, WrongPassphrase
from binder.core.incident import evidence as ev
from binder.core.incident import journal
from binder.core.incident.journal import NewEntry
from binder.core.plan import revisions as plan
from binder.core.storage.backup import backup_binder
from binder.core.storage.database import open_binder
from binder.core.storage.files import atomic_write_bytes
from binder.core.verify.checks import verify_binder
from tests.helpers import LEAD, PASSPHRASE, WITNESS, make_binder, signer_env

TABLES = ("entry", "cosign", "evidence", "contact", "contact_revision", "plan", "plan_revision",
          "keyslot")


def counts(binder) -> dict[str, int]:
    return {t: binder.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def cap(binder, spare_pages: int = 0) -> None:
    """Let this connection's database grow by at most ``spare_pages`` pages."""
    pages = binder.conn.execute("PRAGMA page_count").fetchone()[0]
    binder.conn.execute(f"PRAGMA max_page_count = {pages + spare_pages}")


def uncap(binder) -> None:
    binder.conn.execute("PRAGMA max_page_count = 1073741823")


def assert_full_message(exc: BaseException) -> None:
    text = str(exc)
    assert "disk" in text and "full" in text and "nothing was written" in text
    assert "\n" not in text


# ------------------------------------------------------------------ max_page_count


def until_full(binder, op) -> tuple[list, StorageFull]:
    """Call ``op(n)`` until the binder is full; the failing call must have written nothing."""
    done = []
    for n in range(100_000):
        before = counts(binder)
        try:
            done.append(op(n))
        except StorageFull as exc:
            assert counts(binder) == before, "a failed write left rows behind"
            assert not binder.conn.in_transaction
            return done, exc
    pytest.fail("the binder never filled up")


def test_journal_appends_until_full_then_clear_error_and_nothing_lost(made, incident_id):
    b = made.binder
    cap(b, spare_pages=6)
    # Witnessed: a half-written append would show as an entry without its co-signature.
    acknowledged, exc = until_full(b, lambda n: journal.append(
        b, incident_id, made.lead, NewEntry(text=f"step {n} " + "detail " * 60),
        witness=made.witness))
    assert_full_message(exc)
    assert len(acknowledged) >= 2
    before = counts(b)
    assert before["entry"] == before["cosign"] + 1  # the opening entry is not witnessed
    assert verify_binder(b).ok
    # A second attempt fails the same way and still writes nothing.
    with pytest.raises(StorageFull):
        journal.append(b, incident_id, made.lead, NewEntry(text="again"), witness=made.witness)
    assert counts(b) == before
    # Room again: the chain continues where it stopped.
    uncap(b)
    later = journal.append(b, incident_id, made.lead, NewEntry(text="space freed"))
    b.close()
    reopened = open_binder(made.path)
    try:
        assert verify_binder(reopened).ok
        stored = {e.id for e in journal.iter_entries(reopened, incident_id)}
        assert set(acknowledged) | {later} <= stored
        assert journal.get_entry(reopened, later).seq == len(acknowledged) + 2
    finally:
        reopened.close()


def test_evidence_registration_on_a_full_binder(made, incident_id, tmp_path):
    b = made.binder
    log = tmp_path / "access.log"
    log.write_bytes(b"GET /checkout 200\n" * 2000)
    folder = ev.evidence_folder(b)
    cap(b, spare_pages=4)
    registered, exc = until_full(b, lambda n: ev.register_evidence(
        b, incident_id, log, made.lead, description=f"nginx log {n} " + "copy " * 100,
        copy_to=folder, witness=made.witness))
    assert_full_message(exc)
    # Only the registered copies remain: the copy made for the failed one is removed again.
    kept = {ev.get_evidence(b, i).file for i in registered}
    assert {str(p) for p in folder.iterdir()} == kept
    assert verify_binder(b).ok
    uncap(b)
    assert ev.register_evidence(b, incident_id, log, made.lead, description="nginx log",
                                copy_to=folder) == len(registered) + 1


def test_roster_add_on_a_full_binder(made):
    b = made.binder
    signers_ = [c.id for c in roster.list_contacts(b)]  # the enrolled signers are contacts
    cap(b, spare_pages=2)
    added, exc = until_full(b, lambda n: roster.add_contact(
        b, role="legal", name=f"Counsel {n}", notes="n" * 3000))
    assert_full_message(exc)
    uncap(b)
    assert sorted(c.id for c in roster.list_contacts(b)) == sorted(added + signers_)


def test_plan_save_on_a_full_binder(made):
    b = made.binder
    text = plan.current_revision(b).content
    cap(b, spare_pages=2)
    saved, exc = until_full(b, lambda n: plan.save_revision(
        b, text, author="lead", note=f"review {n}", plan_name=f"Checkout unit {n}"))
    assert_full_message(exc)
    assert len(plan.list_plan_names(b)) == len(saved) + 1
    assert verify_binder(b).ok


# ------------------------------------------------------------------ a really full disk


@pytest.fixture
def small_disk(tmp_path):
    """A 3 MiB tmpfs of our own, unmounted afterwards."""
    mount_point = tmp_path / "small-disk"
    mount_point.mkdir()
    if os.geteuid() != 0:
        pytest.skip("a really full disk needs a small tmpfs, and mounting one needs root; "
                    "the max_page_count tests cover the binder itself")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m,mode=0700", "tmpfs",
                           str(mount_point)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({done.stderr.strip() or done.returncode}); "
                    "the max_page_count tests cover the binder itself")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], capture_output=True)


def fill(folder: Path) -> Path:
    """Write a filler file until the disk says it is full; returns it (delete it to make room)."""
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        block = b"\0" * 4096
        while True:
            try:
                os.write(fd, block)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC, exc
                break
    finally:
        os.close(fd)
    return filler


@pytest.fixture
def binder_on_small_disk(small_disk, tmp_path):
    """A binder with an open incident, living on the small disk."""
    made = make_binder(small_disk / "case.binder")
    from binder.core.incident.record import open_incident

    incident = open_incident(made.binder, made.lead, title="Skimmer", type="skimmer")
    return made, incident, small_disk


def test_full_disk_stops_appends_cleanly_and_loses_nothing(binder_on_small_disk):
    made, incident, disk = binder_on_small_disk
    b = made.binder
    acknowledged = [journal.append(b, incident, made.lead, NewEntry(text=f"before {n}"),
                                   witness=made.witness) for n in range(5)]
    filler = fill(disk)
    with pytest.raises(StorageFull) as info:
        for n in range(10_000):
            acknowledged.append(journal.append(b, incident, made.lead,
                                               NewEntry(text=f"step {n} " + "x" * 900),
                                               witness=made.witness))
    assert_full_message(info.value)
    assert not b.conn.in_transaction
    b.close()
    filler.unlink()
    reopened = open_binder(made.path)
    try:
        assert verify_binder(reopened).ok
        stored = {e.id for e in journal.iter_entries(reopened, incident)}
        assert set(acknowledged) <= stored
        assert len(stored) == len(acknowledged) + 1  # the opening entry; nothing half-written
    finally:
        reopened.close()


def test_passphrase_change_on_a_full_disk_keeps_a_working_passphrase(binder_on_small_disk):
    made, _incident, disk = binder_on_small_disk
    filler = fill(disk)
    try:
        vault.change_passphrase(made.binder, "a passphrase for later")
        changed = True
    except StorageFull as exc:
        assert_full_message(exc)
        changed = False
    made.binder.close()
    filler.unlink()
    reopened = open_binder(made.path)
    try:
        works, fails = (("a passphrase for later", PASSPHRASE) if changed
                        else (PASSPHRASE, "a passphrase for later"))
        vault.unlock_with_passphrase(reopened, works)
        reopened.data_key = None
        with pytest.raises(WrongPassphrase):
            vault.unlock_with_passphrase(reopened, fails)
    finally:
        reopened.close()


def _run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if not k.startswith("BINDER_")}
    full.update(env, BINDER_NO_KEYRING="1")
    return subprocess.run([sys.executable, "-m", "binder", *args], capture_output=True, text=True,
                          env=full, timeout=120)


def test_cli_on_a_full_disk_says_so_in_one_line(binder_on_small_disk, tmp_path):
    made, incident, disk = binder_on_small_disk
    made.binder.close()
    ok = _run("journal", "add", str(incident), "--as", LEAD, "--text", "room left",
              "--binder", str(made.path), env=signer_env())
    assert ok.returncode == 0, ok.stderr
    filler = fill(disk)
    full = _run("journal", "add", str(incident), "--as", LEAD, "--text", "no room " * 200,
                "--witness", WITNESS, "--binder", str(made.path), env=signer_env())
    assert full.returncode == 2 and full.stdout == ""
    assert full.stderr.count("\n") == 1 and "Traceback" not in full.stderr
    assert "full" in full.stderr and "nothing was written" in full.stderr
    exported = _run("export", str(incident), "-o", str(disk / "bundle.json"),
                    "--binder", str(made.path), env={})
    assert exported.returncode == 2 and "full" in exported.stderr, exported.stderr
    assert not [p.name for p in disk.iterdir() if p.name.startswith(".") or p.name == "bundle.json"]
    filler.unlink()
    checked = _run("verify", "--binder", str(made.path), env={})
    assert checked.returncode == 0, checked.stdout
    assert "2 entries" in checked.stdout  # the opening and the acknowledged one


def test_atomic_write_on_a_full_disk_keeps_the_old_file(small_disk):
    target = small_disk / "report.pdf"
    target.write_bytes(b"%PDF- the earlier report")
    filler = fill(small_disk)
    with pytest.raises(StorageFull) as info:
        atomic_write_bytes(target, b"%PDF- a much longer new report " * 100_000)
    assert "full" in str(info.value) and str(target) in str(info.value)
    assert target.read_bytes() == b"%PDF- the earlier report"
    assert sorted(p.name for p in small_disk.iterdir()) == ["filler", "report.pdf"]
    filler.unlink()


def test_backup_to_a_full_disk_leaves_no_partial_copy(made, small_disk):
    filler = fill(small_disk)
    with pytest.raises(StorageFull):
        backup_binder(made.binder, small_disk / "copy.binder")
    assert sorted(p.name for p in small_disk.iterdir()) == ["filler"]
    filler.unlink()
    assert backup_binder(made.binder, small_disk / "copy.binder").exists()


def test_a_full_disk_elsewhere_does_not_touch_the_binder(made, incident_id, small_disk):
    """Evidence copied onto a full drive: refused before anything is registered."""
    log = small_disk.parent / "big.log"
    log.write_bytes(b"x" * 200_000)
    folder = small_disk / "evidence"
    folder.mkdir()
    fill(small_disk)
    before = counts(made.binder)
    with pytest.raises((BadInput, StorageFull)) as info:
        ev.register_evidence(made.binder, incident_id, log, made.lead, description="log",
                             copy_to=folder)
    assert "space" in str(info.value) or "full" in str(info.value)
    assert counts(made.binder) == before
    assert list(folder.iterdir()) == []
    assert verify_binder(made.binder).ok
