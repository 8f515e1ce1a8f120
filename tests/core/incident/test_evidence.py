"""Evidence register and chain of custody: hashing, refusals, custody, verify, CLI."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

from binder.core.errors import BadInput, Cancelled, IntegrityError, NotFound
from binder.core.incident import evidence as ev
from binder.core.incident import recheck
from binder.core.incident.journal import cosigns_for, get_entry
from binder.core.incident.record import open_incident
from binder.core.verify.checks import verify_binder
from tests.helpers import LEAD, LEAD_NAME, WITNESS, WITNESS_NAME, make_binder, signer_env

MiB = 1024 * 1024


def _counts(binder) -> tuple[int, int, int]:
    return tuple(
        binder.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in ("evidence", "entry", "cosign")
    )


def _write(path: Path, size: int, seed: bytes = b"x") -> Path:
    block = hashlib.sha256(seed).digest() * (MiB // 32)
    with open(path, "wb") as fh:
        left = size
        while left > 0:
            piece = block[: min(left, len(block))]
            fh.write(piece)
            left -= len(piece)
    return path


def _sha(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(MiB):
            h.update(chunk)
    return h.hexdigest()


@pytest.fixture
def log_file(tmp_path) -> Path:
    path = tmp_path / "access.log"
    path.write_text("".join(f"10.0.0.{i % 255} GET /checkout 200\n" for i in range(5000)))
    return path


# ------------------------------------------------------------------ register + verify


def test_register_records_custody_form_and_verifies(made, incident_id, log_file):
    before = _counts(made.binder)
    eid = ev.register_evidence(
        made.binder, incident_id, log_file, made.lead, description="nginx access log, web1",
        witness=made.witness, type="log", source_system="web1.shop.example", source_ip="10.0.0.5",
        reason="shows the skimmer requests", covers_from="2026-11-28T00:00+01:00",
        covers_to="2026-11-29T00:00+01:00", storage_location="encrypted USB #4",
    )
    assert _counts(made.binder) == (before[0] + 1, before[1] + 1, before[2] + 1)

    item = ev.get_evidence(made.binder, eid)
    assert item.sha256 == _sha(log_file)
    assert item.size == log_file.stat().st_size
    assert item.file == str(log_file)
    assert item.witnesses == (WITNESS,)
    assert item.custodian == LEAD and not item.closed

    entry = get_entry(made.binder, item.entry_id)
    assert entry.kind == "evidence" and entry.evidence_id == eid and entry.author == LEAD
    assert [c.witness for c in cosigns_for(made.binder, entry.id)] == [WITNESS]
    d = entry.data
    assert d["item_id"] == f"E{eid}" and d["sha256"] == item.sha256 and d["type"] == "log"
    assert d["source_system"] == {"hostname": "web1.shop.example", "ip": "10.0.0.5",
                                  "make_model": "", "serial": ""}
    assert d["reason"] == "shows the skimmer requests"
    assert d["covers"] == {"from": "2026-11-28T00:00+01:00", "to": "2026-11-29T00:00+01:00"}
    assert d["collected_by"] == LEAD and d["storage_location"] == "encrypted USB #4"
    assert d["original_path"] == str(log_file) and d["symlink_target"] is None
    # Custody forms want the local time with its zone, not a bare UTC stamp.
    assert d["collected_at"][-6] in "+-" and d["mtime"][-6] in "+-"
    assert d["collected_where"] and d["method"] and d["collected_on_host"]

    report = verify_binder(made.binder)
    assert report.ok, report.problems
    assert report.evidence_files == 1


@pytest.mark.slow
def test_200mb_file_hash_matches_hashlib_and_openssl_in_constant_memory(made, incident_id, tmp_path):
    big = _write(tmp_path / "dump.sql", 200 * MiB + 12345)
    calls = []
    tracemalloc.start()
    try:
        eid = ev.register_evidence(made.binder, incident_id, big, made.lead,
                                   description="database dump",
                                   progress=lambda done, total: calls.append((done, total)))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    expected = _sha(big)
    assert ev.get_evidence(made.binder, eid).sha256 == expected
    openssl = shutil.which("openssl")
    if openssl:
        out = subprocess.run([openssl, "dgst", "-sha256", str(big)], capture_output=True,
                             text=True, check=True).stdout
        assert out.strip().endswith(expected)
    assert peak < 32 * MiB, f"hashing used {peak / MiB:.0f} MiB of Python memory"
    assert calls[-1] == (big.stat().st_size, big.stat().st_size)
    assert all(a[0] <= b[0] for a, b in zip(calls, calls[1:], strict=False))


def test_copy_into_evidence_folder_is_checked_instead_of_original(made, incident_id, log_file):
    folder = ev.evidence_folder(made.binder)
    eid = ev.register_evidence(made.binder, incident_id, log_file, made.lead,
                               description="log copy", copy_to=folder)
    item = ev.get_evidence(made.binder, eid)
    copy = Path(item.file)
    assert copy.parent == folder and copy.read_bytes() == log_file.read_bytes()
    assert not os.access(copy, os.W_OK) or os.geteuid() == 0
    assert copy.stat().st_mode & 0o222 == 0
    assert item.data["stored_copy"]["verified"] is True
    assert not Path(item.path).is_absolute()  # moves with the binder's folder
    assert [p.name for p in folder.iterdir()] == [copy.name]
    log_file.write_text("the live log moved on")
    assert verify_binder(made.binder).ok


def test_losing_the_binders_own_copy_fails_verify(made, incident_id, log_file):
    """An evidence drive may be unplugged; the copy kept beside the binder may not vanish."""
    eid = ev.register_evidence(made.binder, incident_id, log_file, made.lead,
                               description="log copy", copy_to=ev.evidence_folder(made.binder))
    Path(ev.get_evidence(made.binder, eid).file).unlink()
    report = verify_binder(made.binder)
    assert [p.code for p in report.problems] == ["evidence_copy_missing"]
    other = ev.register_evidence(made.binder, incident_id, log_file, made.lead, description="live")
    assert other
    log_file.unlink()  # the original, not a copy: reported, not a failure
    report = verify_binder(made.binder)
    assert [p.code for p in report.problems] == ["evidence_copy_missing"]
    assert any("file not found" in note for note in report.notes)


def test_symlink_records_its_target(made, incident_id, log_file, tmp_path):
    link = tmp_path / "current.log"
    link.symlink_to(log_file.name)
    eid = ev.register_evidence(made.binder, incident_id, link, made.lead, description="via link")
    item = ev.get_evidence(made.binder, eid)
    assert item.data["original_path"] == str(link)
    assert item.data["symlink_target"] == "access.log"
    assert item.data["resolved_path"] == str(log_file)
    assert item.file == str(log_file)
    assert item.sha256 == _sha(log_file)


# ------------------------------------------------------------------ refusals


def test_file_changing_while_hashed_is_refused_and_nothing_written(made, incident_id, tmp_path):
    growing = _write(tmp_path / "growing.log", 20 * MiB)
    folder = tmp_path / "copies"
    before = _counts(made.binder)

    def append_once(done, total, state={"done": False}):  # noqa: B006 - per-test state
        if not state["done"]:
            state["done"] = True
            with open(growing, "ab") as fh:
                fh.write(b"one more line\n")

    with pytest.raises(BadInput, match="changed while it was being hashed"):
        ev.register_evidence(made.binder, incident_id, growing, made.lead,
                             description="a live log", copy_to=folder, progress=append_once)
    assert _counts(made.binder) == before
    assert list(folder.iterdir()) == []


def test_cancel_writes_nothing_and_leaves_no_copy(made, incident_id, tmp_path):
    big = _write(tmp_path / "image.dd", 24 * MiB)
    folder = tmp_path / "copies"
    seen = []
    before = _counts(made.binder)
    with pytest.raises(Cancelled):
        ev.register_evidence(made.binder, incident_id, big, made.lead, description="disk",
                             copy_to=folder, progress=lambda d, t: seen.append(d),
                             cancelled=lambda: len(seen) >= 2)
    assert _counts(made.binder) == before
    assert list(folder.iterdir()) == []
    assert 0 < max(seen) < big.stat().st_size


@pytest.mark.parametrize("case", [
    "missing", "folder", "dangling-link", "fifo", "empty-description", "control-char",
    "bad-time", "reversed-range", "self-witness", "no-incident",
])
def test_bad_input_is_refused_and_nothing_written(made, incident_id, log_file, tmp_path, case):
    path, kwargs, iid = log_file, {"description": "a log"}, incident_id
    if case == "missing":
        path = tmp_path / "nope.log"
    elif case == "folder":
        path = tmp_path
    elif case == "dangling-link":
        path = tmp_path / "dangling"
        path.symlink_to(tmp_path / "gone")
    elif case == "fifo":
        path = tmp_path / "pipe"
        os.mkfifo(path)
    elif case == "empty-description":
        kwargs["description"] = "   "
    elif case == "control-char":
        kwargs["description"] = "log\x00"
    elif case == "bad-time":
        kwargs["collected_at"] = "yesterday-ish"
    elif case == "reversed-range":
        kwargs.update(covers_from="2026-11-29T00:00Z", covers_to="2026-11-28T00:00Z")
    elif case == "self-witness":
        kwargs["witness"] = made.lead
    elif case == "no-incident":
        iid = 999
    before = _counts(made.binder)
    with pytest.raises(BadInput) as info:
        ev.register_evidence(made.binder, iid, path, made.lead, **kwargs)
    message = str(info.value)
    assert "\n" not in message and len(message) < 300
    assert _counts(made.binder) == before


# ------------------------------------------------------------------ custody


def test_custody_history_in_order_and_disposition_closes(made, incident_id, log_file):
    eid = ev.register_evidence(made.binder, incident_id, log_file, made.lead,
                               description="access log", storage_location="laptop")
    handed = _soon()
    first = ev.transfer(made.binder, eid, made.lead, received_by="Dana (forensics courier)",
                        purpose="imaging at the lab", location="courier bag", seal="SEAL-0042",
                        witness=made.witness, time=handed)
    second = ev.transfer(made.binder, eid, made.witness, received_by="Forensics Lab GmbH",
                         released_by="Dana (forensics courier)", purpose="analysis",
                         location="lab safe 3", time=_soon(2))
    with pytest.raises(BadInput, match="witness"):
        ev.dispose(made.binder, eid, made.lead, action="archived", authority="CISO", witness=None)
    closing = ev.dispose(made.binder, eid, made.lead, action="archived", authority="Legal (ticket L-7)",
                         witness=made.witness, location="archive box 12")

    item = ev.list_evidence(made.binder, incident_id)[0]
    actions = [(c.action, c.released_by, c.received_by) for c in item.custody]
    assert actions == [
        ("registered", "", LEAD),
        ("transfer", LEAD, "Dana (forensics courier)"),
        ("transfer", "Dana (forensics courier)", "Forensics Lab GmbH"),
        ("archived", LEAD, ""),
    ]
    assert [c.entry_id for c in item.custody[1:]] == [first, second, closing]
    assert [c.seq for c in item.custody] == sorted(c.seq for c in item.custody)
    t = item.custody[1]
    assert (t.seal, t.location, t.rehash, t.witnesses) == ("SEAL-0042", "courier bag", "match", (WITNESS,))
    assert t.time == handed
    assert item.custody[3].authority == "Legal (ticket L-7)"
    assert item.closed and item.disposition == "archived" and item.custodian == "Forensics Lab GmbH"
    entry = get_entry(made.binder, closing)
    assert entry.kind == "custody" and entry.data["disposition"] == "archived"

    before = _counts(made.binder)
    with pytest.raises(BadInput, match="closed"):
        ev.transfer(made.binder, eid, made.lead, received_by="x", purpose="y")
    assert _counts(made.binder) == before
    assert verify_binder(made.binder).ok


def _soon(minutes: int = 1) -> str:
    """A hand-over time a little after now (a hand-over may not precede the registration)."""
    from datetime import datetime, timedelta

    return (datetime.now().astimezone() + timedelta(minutes=minutes)).isoformat(timespec="seconds")


def _ago(**delta) -> str:
    from datetime import UTC, datetime, timedelta

    return (datetime.now(UTC) - timedelta(**delta)).isoformat(timespec="seconds")


def test_a_hand_over_before_collection_registration_or_the_last_one_is_refused(
        made, incident_id, log_file):
    eid = ev.register_evidence(made.binder, incident_id, log_file, made.lead, description="log",
                               collected_at=_ago(hours=3))
    before = _counts(made.binder)
    with pytest.raises(BadInput, match=f"E{eid} was collected at .* before that"):
        ev.transfer(made.binder, eid, made.lead, received_by="Lab", purpose="analysis",
                    time=_ago(hours=5))
    with pytest.raises(BadInput, match=f"E{eid} was registered at .* before that"):
        ev.transfer(made.binder, eid, made.lead, received_by="Lab", purpose="analysis",
                    time=_ago(hours=1))
    with pytest.raises(BadInput, match="in the future"):
        ev.transfer(made.binder, eid, made.lead, received_by="Lab", purpose="analysis",
                    time=_soon(60 * 24))
    assert _counts(made.binder) == before
    ev.transfer(made.binder, eid, made.lead, received_by="Lab", purpose="analysis", time=_soon(3))
    with pytest.raises(BadInput, match="last handed over at .* before that"):
        ev.transfer(made.binder, eid, made.lead, received_by="Archive", purpose="keep",
                    time=_soon(1))


def test_the_receiver_signs_the_receipt_now_or_later_or_a_witness_does(made, incident_id,
                                                                      log_file):
    eid = ev.register_evidence(made.binder, incident_id, log_file, made.lead, description="log")
    # Now: both signatures in one transaction.
    now = ev.transfer(made.binder, eid, made.lead, received_by=WITNESS, purpose="analysis",
                      seal="S-1", receiver=made.witness)
    with pytest.raises(BadInput, match="second person"):
        ev.transfer(made.binder, eid, made.lead, received_by=LEAD, purpose="x",
                    receiver=made.lead)
    with pytest.raises(BadInput, match="not Courier"):
        ev.transfer(made.binder, eid, made.witness, received_by="Courier", purpose="x",
                    receiver=made.lead)
    # Later: the receiver acknowledges with their own key; the giver cannot.
    later = ev.transfer(made.binder, eid, made.witness, received_by=LEAD, purpose="back",
                        time=_soon(1))
    before = _counts(made.binder)
    with pytest.raises(BadInput, match="handed the item over"):
        ev.acknowledge(made.binder, later, made.witness)
    with pytest.raises(BadInput, match="before the hand-over"):
        ev.acknowledge(made.binder, later, made.lead, time=_ago(minutes=1))
    with pytest.raises(BadInput, match="not a custody hand-over"):
        ev.acknowledge(made.binder, ev.get_evidence(made.binder, eid).entry_id, made.lead)
    with pytest.raises(BadInput, match="already acknowledged"):
        ev.acknowledge(made.binder, now, made.witness)
    assert _counts(made.binder) == before
    ack = ev.acknowledge(made.binder, later, made.lead, note="seal S-1 intact", time=_soon(2))
    # A courier without a key: a witness who saw it signs instead.
    courier = ev.transfer(made.binder, eid, made.lead, received_by="Courier Dana",
                          purpose="to the lab", time=_soon(3))
    with pytest.raises(BadInput, match="not Courier Dana"):
        ev.acknowledge(made.binder, courier, made.witness)
    seen = ev.acknowledge(made.binder, courier, made.witness, witnessing=True, time=_soon(4))
    # The journal names the witness as their certificate does, not by their login.
    assert get_entry(made.binder, seen).text.startswith(
        f"{made.witness.identity.name} witnessed Courier Dana take receipt of ")
    assert get_entry(made.binder, now).text == (
        f"Custody of E1 passed from {LEAD_NAME} to {WITNESS_NAME}: analysis")
    assert get_entry(made.binder, ack).text.startswith(
        f"{LEAD_NAME} acknowledged receipt of E1 (hand-over #")

    item = ev.get_evidence(made.binder, eid)
    transfers = [c for c in item.custody if c.action == "transfer"]
    assert [c.action for c in item.custody] == ["registered", "transfer", "transfer", "transfer"]
    assert [(c.receipt.role, c.receipt.signer) for c in transfers] == [
        ("receiver", WITNESS), ("receiver", LEAD), ("witness", WITNESS)]
    assert transfers[1].receipt.entry_id == ack and transfers[1].receipt.note == "seal S-1 intact"
    assert transfers[0].rehash == "match" and transfers[0].rehash_sha256 == _sha(log_file)
    assert item.custodian == "Courier Dana"
    assert verify_binder(made.binder).ok


def test_transfer_refuses_when_the_rehash_differs(made, incident_id, log_file):
    eid = ev.register_evidence(made.binder, incident_id, log_file, made.lead, description="log")
    with open(log_file, "a") as fh:
        fh.write("tampered\n")
    before = _counts(made.binder)
    with pytest.raises(IntegrityError, match="has changed since it was registered"):
        ev.transfer(made.binder, eid, made.lead, received_by="Lab", purpose="analysis")
    assert _counts(made.binder) == before
    log_file.unlink()
    entry_id = ev.transfer(made.binder, eid, made.lead, received_by="Lab", purpose="analysis")
    assert get_entry(made.binder, entry_id).data["rehash"]["result"] == "not reachable"


def test_unknown_item_and_bad_disposition(made, incident_id, log_file):
    with pytest.raises(NotFound, match="E42"):
        ev.transfer(made.binder, 42, made.lead, received_by="x", purpose="y")
    eid = ev.register_evidence(made.binder, incident_id, log_file, made.lead, description="log")
    with pytest.raises(BadInput, match="unknown disposition"):
        ev.dispose(made.binder, eid, made.lead, action="lost", authority="x", witness=made.witness)
    assert ev.parse_evidence_ref("E7") == ev.parse_evidence_ref("7") == 7
    with pytest.raises(BadInput):
        ev.parse_evidence_ref("seven")


# ------------------------------------------------------------------ re-check and verify


def test_recheck_reports_ok_changed_missing(made, incident_id, tmp_path):
    a = _write(tmp_path / "a.log", 3 * MiB, b"a")
    b = _write(tmp_path / "b.log", 2 * MiB, b"b")
    c = _write(tmp_path / "c.log", 1 * MiB, b"c")
    ids = [ev.register_evidence(made.binder, incident_id, p, made.lead, description=p.name)
           for p in (a, b, c)]
    with open(b, "r+b") as fh:
        fh.write(b"X")
    c.unlink()
    seen = []
    results = recheck.recheck(made.binder, incident_id, progress=lambda d, t: seen.append((d, t)))
    assert [(r.evidence_id, r.status) for r in results] == [
        (ids[0], "ok"), (ids[1], "changed"), (ids[2], "missing")]
    assert seen[-1] == (5 * MiB, 5 * MiB)
    with pytest.raises(Cancelled):
        recheck.recheck(made.binder, progress=lambda d, t: None, cancelled=lambda: True)


def test_verify_names_a_tampered_register_row(made, incident_id, log_file):
    eid = ev.register_evidence(made.binder, incident_id, log_file, made.lead, description="log")
    made.binder.conn.execute("DROP TRIGGER evidence_no_update")
    made.binder.conn.execute("UPDATE evidence SET sha256 = ? WHERE id = ?", ("0" * 64, eid))
    made.binder.conn.commit()
    report = verify_binder(made.binder)
    assert [p.code for p in report.problems] == ["evidence_record_changed"]
    assert f"E{eid}" in str(report.problems[0]) and "SHA-256" in str(report.problems[0])


def _make_cli_binder(tmp_path) -> Path:
    m = make_binder(tmp_path / "cli.binder")
    open_incident(m.binder, m.lead, title="Skimmer", type="skimmer", severity="high")
    m.binder.close()
    return m.path


def test_cli_add_transfer_dispose_list_verify(run_cli, tmp_path, log_file):
    path = _make_cli_binder(tmp_path)
    env = signer_env()
    r = run_cli("evidence", "add", "1", str(log_file), "--binder", str(path), "--as", LEAD,
                "--description", "nginx log", "--witness", WITNESS, "--type", "log",
                "--source-system", "web1", "--reason", "skimmer requests", "--copy",
                "--storage-location", "USB #4", "--covers-from", "2026-11-28T00:00Z",
                "--covers-to", "2026-11-29T00:00Z", env=env)
    assert r.code == 0, r.err
    assert r.out == "1\n"
    assert r.err == ""  # no progress bar when stderr is not a terminal
    r = run_cli("evidence", "transfer", "E1", "--binder", str(path), "--as", LEAD,
                "--to", "Courier Dana", "--purpose", "to the lab", "--seal", "S-9",
                "--location", "bag", "--witness", WITNESS, env=env)
    assert r.code == 0, r.err
    transfer_entry = int(r.out)
    r = run_cli("evidence", "dispose", "1", "--binder", str(path), "--as", LEAD, "--action",
                "returned", "--authority", "Legal", "--witness", WITNESS, env=env)
    assert r.code == 0, r.err
    r = run_cli("evidence", "list", "1", "--json", "--binder", str(path))
    assert r.code == 0, r.err
    items = json.loads(r.out)
    assert items[0]["sha256"] == _sha(log_file)
    assert [c["action"] for c in items[0]["custody"]] == ["registered", "transfer", "returned"]
    assert items[0]["custody"][1]["entry_id"] == transfer_entry
    assert items[0]["custody"][1]["received_by"] == "Courier Dana"
    assert items[0]["disposition"] == "returned"
    assert items[0]["details"]["source_system"]["hostname"] == "web1"
    r = run_cli("evidence", "list", "1", "--binder", str(path))
    assert "E1" in r.out and "RETURNED" in r.out and "Courier Dana" in r.out
    r = run_cli("verify", "--binder", str(path), "--json")
    assert r.code == 0, r.out
    assert json.loads(r.out)["evidence_files"] == 1


def test_cli_receiver_signs_and_acknowledges_refusals_write_nothing(run_cli, tmp_path, log_file):
    from tests.helpers import WITNESS_PASS

    path = _make_cli_binder(tmp_path)
    env = signer_env()
    base = ("--binder", str(path))
    assert run_cli("evidence", "add", "1", str(log_file), *base, "--as", LEAD,
                   "--description", "log", env=env).code == 0
    receiver_env = {**env, "BINDER_RECEIVER_PASSPHRASE": WITNESS_PASS}
    r = run_cli("evidence", "transfer", "E1", *base, "--as", LEAD, "--to", WITNESS,
                "--purpose", "analysis", "--receiver-signs", env=receiver_env)
    assert r.code == 0, r.err
    r = run_cli("evidence", "transfer", "E1", *base, "--as", WITNESS, "--to", LEAD,
                "--purpose", "back", "--time", _soon(2), env={**env,
                "BINDER_SIGNER_PASSPHRASE": WITNESS_PASS})
    assert r.code == 0, r.err
    back = int(r.out)
    refusals = [
        (("evidence", "transfer", "E1", "--as", LEAD, "--to", "Lab", "--purpose", "p",
          "--time", "2020-01-01T00:00Z"), "before that"),
        (("evidence", "acknowledge", str(back), "--as", WITNESS), "handed the item over"),
        (("evidence", "acknowledge", "1", "--as", LEAD), "not a custody hand-over"),
        (("evidence", "acknowledge", "999", "--as", LEAD), "no hand-over 999"),
    ]
    for args, words in refusals:
        before = _cli_counts(path)
        r = run_cli(*args, *base, env={**env, "BINDER_SIGNER_PASSPHRASE": WITNESS_PASS}
                    if "--as" in args and args[args.index("--as") + 1] == WITNESS else env)
        assert r.code == 2 and words in r.err, (args, r.err)
        assert r.err.count("\n") == 1 and "Traceback" not in r.err
        assert _cli_counts(path) == before
    r = run_cli("evidence", "acknowledge", str(back), *base, "--as", LEAD, "--note",
                "seal intact", "--time", _soon(3), env=env)
    assert r.code == 0, r.err
    items = json.loads(run_cli("evidence", "list", "1", "--json", *base).out)
    receipts = [[a["signed_by"] for a in c["acknowledgements"]] for c in items[0]["custody"]]
    assert receipts == [[], [WITNESS], [LEAD]]
    listing = run_cli("evidence", "list", "1", *base).out
    assert f"receipt signed by {WITNESS_NAME}" in listing and f"receipt signed by {LEAD_NAME}" in listing


def _cli_counts(path: Path) -> tuple[int, int, int]:
    import sqlite3

    conn = sqlite3.connect(path)
    try:
        return tuple(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                     for t in ("evidence", "entry", "cosign"))
    finally:
        conn.close()


def test_cli_verify_changed_file_exit_1_missing_is_note_skip_files(run_cli, tmp_path):
    path = _make_cli_binder(tmp_path)
    env = signer_env()
    changed = _write(tmp_path / "changed.log", MiB, b"c")
    gone = _write(tmp_path / "gone.log", MiB, b"g")
    for f in (changed, gone):
        r = run_cli("evidence", "add", "1", str(f), "--binder", str(path), "--as", LEAD,
                    "--description", f.name, env=env)
        assert r.code == 0, r.err
    gone.unlink()
    r = run_cli("verify", "--binder", str(path))
    assert r.code == 0, r.out  # a missing file is reported, not a failure
    assert "gone.log" in r.out and "not found" in r.out

    with open(changed, "r+b") as fh:
        fh.seek(1000)
        fh.write(b"injected")
    r = run_cli("verify", "--binder", str(path))
    assert r.code == 1
    problems = [line for line in r.out.splitlines() if line.startswith("PROBLEM")]
    assert len(problems) == 1 and "changed.log" in problems[0] and "E1" in problems[0]
    r = run_cli("evidence", "recheck", "--binder", str(path), "--json")
    assert r.code == 1
    assert [x["status"] for x in json.loads(r.out)] == ["changed", "missing"]

    r = run_cli("verify", "--binder", str(path), "--skip-files", "--json")
    assert r.code == 0
    report = json.loads(r.out)
    assert report["evidence_files"] == 0 and any("not re-hashed" in n for n in report["notes"])


def _unreadable_command(args: list[str]) -> list[str] | None:
    base = [sys.executable, "-m", "binder", *args]
    if os.geteuid() != 0:
        return base
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None
    # Root reads anything; without these capabilities it obeys file modes like anyone.
    caps = "-dac_override,-dac_read_search"
    return [setpriv, f"--inh-caps={caps}", f"--bounding-set={caps}", *base]


def test_cli_bad_inputs_exit_2_and_write_nothing(run_cli, tmp_path, log_file):
    from binder.core.storage.database import open_binder

    path = _make_cli_binder(tmp_path)
    env = signer_env()
    secret = tmp_path / "secret.log"
    secret.write_text("root only\n")
    secret.chmod(0)
    link = tmp_path / "dangling.log"
    link.symlink_to(tmp_path / "nothing-here")
    with open_binder(path) as b:
        before = _counts(b)
    cases = [
        (["1", str(tmp_path / "missing.log")], "no file at"),
        (["1", str(tmp_path)], "is a folder"),
        (["1", str(link)], "does not exist"),
        (["1", str(log_file), "--covers-from", "tomorrow"], "not a valid time"),
        (["7", str(log_file)], "no incident"),
    ]
    for extra, message in cases:
        r = run_cli("evidence", "add", *extra, "--binder", str(path), "--as", LEAD,
                    "--description", "x", env=env)
        assert r.code == 2, (extra, r.err)
        assert message in r.err and "Traceback" not in r.err and r.out == ""
        assert len(r.err.strip().splitlines()) == 1
    r = run_cli("evidence", "add", "1", str(log_file), "--binder", str(path), "--as", LEAD,
                "--description", " ", env=env)
    assert r.code == 2 and "description is empty" in r.err
    r = run_cli("evidence", "transfer", "E9", "--binder", str(path), "--as", LEAD, "--to", "x",
                "--purpose", "y", env=env)
    assert r.code == 2 and "E9" in r.err
    r = run_cli("evidence", "dispose", "1", "--binder", str(path), "--as", LEAD, "--action",
                "lost", "--authority", "x", "--witness", WITNESS, env=env)
    assert r.code == 2

    cmd = _unreadable_command(["evidence", "add", "1", str(secret), "--binder", str(path),
                               "--as", LEAD, "--description", "x"])
    if cmd is not None:
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("BINDER_")}
        full_env.update(env, BINDER_NO_KEYRING="1")
        proc = subprocess.run(cmd, capture_output=True, text=True, env=full_env, timeout=60)
        assert proc.returncode == 2, proc.stderr
        assert "cannot be read" in proc.stderr and "Traceback" not in proc.stderr
    with open_binder(path) as b:
        assert _counts(b) == before
