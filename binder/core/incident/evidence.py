"""The evidence register and its chain of custody.

An evidence item is a file whose SHA-256 was taken when it was collected. The
facts a chain-of-custody form asks for (NIST SP 800-61, RFC 3227: what, from
where, why, by whom, when and how, where it is kept) are the ``data`` of one
signed journal entry of kind ``evidence``; the ``evidence`` table row is an
index into it and is checked against the signed copy by `verify`. Each later
hand-over or disposition is another signed entry (kind ``custody``) linked by
``evidence_id``, so the report, the export bundle and `verify` cover custody
without knowing about it.

Hashing (:mod:`binder.core.incident.hashing`) streams the file through one
reusable buffer (constant memory, any size), reports ``progress(done, total)``
and stops with :class:`Cancelled` when ``cancelled()`` turns true. Nothing is
written until the hash is complete and the file is known not to have changed
while it was read.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import stat
import uuid as uuidlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from binder.core import times
from binder.core.crypto.signers import (
    SigningSession,
    clean_person,
    name_for_login,
    names_by_login,
)
from binder.core.crypto.two_person import check_two_people, person_key
from binder.core.errors import BadInput, Cancelled, IntegrityError, NotFound
from binder.core.formatting import size_text
from binder.core.incident import journal
from binder.core.incident.hashing import (
    IsCancelled,
    Progress,
    hash_and_copy,
    remove_copy,
    sha256_file,
)
from binder.core.incident.journal import NewEntry, check_text
from binder.core.incident.record import get_incident
from binder.core.storage.database import Binder

#: Suggested item types (free text is accepted too).
EVIDENCE_TYPES = (
    "log", "database dump", "disk image", "memory image", "file copy", "network capture",
    "screenshot", "configuration", "email", "document", "other",
)
DISPOSITIONS = ("returned", "destroyed", "archived")
SHORT_LIMIT = 300  # one-line fields: names, places, seal numbers


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class CustodyEvent:
    """One link of an item's chain of custody, as signed."""

    entry_id: int
    seq: int
    recorded_at: str
    time: str
    action: str  # registered | transfer | returned | destroyed | archived
    released_by: str
    received_by: str
    purpose: str
    location: str
    seal: str
    authority: str
    rehash: str  # match | not reachable | "" (not checked)
    author: str
    witnesses: tuple[str, ...]
    rehash_sha256: str = ""  # the hash found at hand-over (when it was re-hashed)
    hash: str = ""  # the signed entry's hash (acknowledgements name it)
    acknowledgements: tuple[Acknowledgement, ...] = ()

    @property
    def receipt(self) -> Acknowledgement | None:
        """The receiver's own acknowledgement, else a witness's, else None."""
        own = [a for a in self.acknowledgements if a.role == "receiver"]
        return (own or list(self.acknowledgements) or [None])[0]


@dataclass(frozen=True)
class Acknowledgement:
    """The receiver of a hand-over (or a witness of it) signs that the item arrived."""

    entry_id: int
    seq: int
    recorded_at: str
    time: str
    role: str  # receiver | witness
    signer: str  # who signed the acknowledgement
    received_by: str  # the receiver the transfer names
    note: str
    witnesses: tuple[str, ...] = ()


@dataclass(frozen=True)
class EvidenceItem:
    """A registered evidence item with its full custody history."""

    id: int
    incident_id: int
    entry_id: int
    sha256: str
    size: int
    path: str  # as stored: absolute, or relative to the binder's folder for copies
    file: str  # where the file is looked for now (absolute)
    description: str
    type: str
    registered_at: str
    registered_by: str
    collected_by: str
    collected_at: str
    witnesses: tuple[str, ...]
    custodian: str
    location: str
    disposition: str | None
    custody: tuple[CustodyEvent, ...]
    data: dict = field(default_factory=dict, compare=False)

    @property
    def label(self) -> str:
        """The item's reference as people write it: ``E3``."""
        return label(self.id)

    @property
    def closed(self) -> bool:
        """True once the item was returned, destroyed or archived."""
        return self.disposition is not None


def label(evidence_id: int) -> str:
    """``E3`` for evidence item 3."""
    return f"E{evidence_id}"


def parse_evidence_ref(value: str | int) -> int:
    """Accept ``3``, ``E3`` or ``e-3`` as an evidence item reference."""
    text = str(value).strip().upper().removeprefix("E").lstrip("-")
    if not (text.isascii() and text.isdigit()) or not 0 < int(text) < 2**63:
        raise BadInput(f"{value!r} is not an evidence item; use its number, e.g. 3 or E3")
    return int(text)


# --------------------------------------------------------------------------- checks


def _short(value: str | None, what: str, *, required: bool = False) -> str:
    value = "" if value is None else value
    check_text(value, what, required=required, limit=SHORT_LIMIT)
    value = value.strip()
    if "\n" in value or "\r" in value:
        raise BadInput(f"the {what} must be one line")
    if required and not value:
        raise BadInput(f"the {what} is empty")
    return value


def zoned_time(value: str | None, what: str) -> str:
    """A time kept with its zone offset (custody forms want local time and zone).

    ``None`` means now, in this computer's zone; a typed time is kept as typed
    (``14:05`` stays ``14:05``), with this computer's offset when none is given.
    """
    if value is None or not str(value).strip():
        return datetime.now().astimezone().isoformat(timespec="seconds")
    return times.parse_event_time(str(value), what)


def _zone_name(iso: str) -> str:
    moment = datetime.fromisoformat(iso)
    return moment.tzname() or ""


def check_source(path: Path) -> tuple[Path, Path, str | None]:
    """(as given, absolute; the file to read; the symlink target) or a clear refusal."""
    if not str(path).strip():
        raise BadInput("no file given; name the evidence file to register")
    given = Path(os.path.abspath(os.path.expanduser(path)))
    link_target = None
    if given.is_symlink():
        link_target = os.readlink(given)
        if not given.exists():
            raise BadInput(
                f"{given} is a symbolic link to {link_target}, which does not exist; "
                "register the file itself"
            )
    if not given.exists():
        raise BadInput(f"no file at {given}; check the path (is the evidence drive attached?)")
    real = Path(os.path.realpath(given))
    if real.is_dir():
        raise BadInput(f"{given} is a folder; register each file in it, or archive it first")
    mode = os.stat(real).st_mode
    if not stat.S_ISREG(mode):
        raise BadInput(f"{given} is not a regular file (a device, socket or pipe); copy it to a file first")
    if not os.access(real, os.R_OK):
        raise BadInput(f"{given} cannot be read (permission denied); run as a user who can read it")
    return given, real, link_target


def evidence_folder(binder: Binder) -> Path:
    """The folder beside the binder that holds copied evidence: ``<binder>.evidence/``."""
    return binder.path.parent / f"{binder.path.name}.evidence"


def resolve_file(binder: Binder, stored_path: str) -> Path:
    """Where an item's file is looked for: copies are stored relative to the binder's folder."""
    path = Path(stored_path)
    return path if path.is_absolute() else binder.path.parent / path


def _safe_name(name: str) -> str:
    keep = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in name)
    return keep.strip("._")[:120] or "file"


# --------------------------------------------------------------------------- register


def register_evidence(
    binder: Binder,
    incident_id: int,
    path: str | os.PathLike[str],
    author: SigningSession,
    *,
    description: str,
    witness: SigningSession | None = None,
    copy_to: str | os.PathLike[str] | None = None,
    type: str = "file copy",
    source_system: str = "",
    source_ip: str = "",
    source_device: str = "",
    source_serial: str = "",
    reason: str = "",
    covers_from: str | None = None,
    covers_to: str | None = None,
    collected_by: str | None = None,
    collected_at: str | None = None,
    collected_where: str = "",
    method: str = "",
    storage_location: str = "",
    phase: str | None = None,
    progress: Progress | None = None,
    cancelled: IsCancelled | None = None,
    attached_to: int | None = None,
) -> int:
    """Hash a file and register it as evidence; returns the new evidence id.

    ``attached_to`` (a journal entry id of the same incident) makes it an
    attachment of that entry: the signed data names the entry's hash.

    One transaction writes the signed ``evidence`` entry (co-signed when
    ``witness`` is given) and the register row. With ``copy_to`` (a folder,
    usually :func:`evidence_folder`) the file is copied there while it is
    hashed, and the copy is hashed again before anything is recorded; the copy
    is then the file `verify` re-checks. Bad input raises :class:`BadInput`,
    ``cancelled()`` raises :class:`Cancelled`; in both cases nothing is written.
    """
    incident = get_incident(binder, incident_id)
    description = check_text(description or "", "description", required=True, limit=2000).strip()
    type = _short(type, "evidence type", required=True)
    source = {
        "hostname": _short(source_system, "source system"),
        "ip": _short(source_ip, "source IP address"),
        "make_model": _short(source_device, "source device (make/model)"),
        "serial": _short(source_serial, "source serial number"),
    }
    reason = check_text(reason or "", "reason obtained", limit=2000).strip()
    collected_by = clean_person(collected_by) if collected_by else author.person
    stated_collection = bool(collected_at and str(collected_at).strip())
    collected_at = zoned_time(collected_at, "collected-at time")
    covers = _time_range(covers_from, covers_to)
    collected_where = _short(collected_where, "place of collection")
    method = check_text(method or "", "collection method", limit=2000).strip()
    storage_location = _short(storage_location, "storage location")
    check_two_people(author, witness)
    attachment = None
    if attached_to is not None:
        target = journal.get_entry(binder, attached_to)
        if target.incident_id != incident.id:
            raise BadInput(f"entry {attached_to} belongs to another incident")
        attachment = {"entry": target.seq, "sha256": target.hash}
    given, real, link_target = check_source(Path(path))
    host = socket.gethostname()
    folder = Path(copy_to) if copy_to is not None else None
    if folder is not None:
        _prepare_folder(folder)
        _check_room(folder, real)

    partial: Path | None = None
    final: Path | None = None
    try:
        digest, before, partial = hash_and_copy(real, folder, progress, cancelled)
        stored = str(real)
        copy_info = None
        if partial is not None:
            copy_info = {"sha256": digest, "verified": True}
        if cancelled is not None and cancelled():
            raise Cancelled("cancelled; nothing was written")
        with binder.write():
            new_id = binder.conn.execute(
                "SELECT COALESCE(MAX(id), 0) + 1 FROM evidence"
            ).fetchone()[0]
            if partial is not None:
                assert folder is not None
                final = _final_copy_name(folder, new_id, real.name)
                os.replace(partial, final)
                partial = None
                stored = _relative_to_binder(binder, final)
                copy_info["path"] = stored
            data: dict[str, Any] = {
                "item_id": label(new_id),
                "description": description,
                "type": type,
                "sha256": digest,
                "hash_algorithm": "SHA-256",
                "size": before.size,
                "mtime": datetime.fromtimestamp(before.mtime_ns / 1e9).astimezone().isoformat(
                    timespec="microseconds"),
                "original_path": str(given),
                "symlink_target": link_target,
                "resolved_path": str(real) if link_target is not None else None,
                "checked_path": stored,
                "stored_copy": copy_info,
                "source_system": source,
                "reason": reason,
                "covers": covers,
                "collected_by": collected_by,
                "collected_at": collected_at,
                "time_zone": _zone_name(collected_at),
                "collected_where": collected_where or f"on {host}",
                "method": method or _default_method(given, host, copy_info),
                "collected_on_host": host,
                "storage_location": storage_location or _default_storage(copy_info, real),
                "custodian": collected_by,
            }
            text = (f"Evidence {label(new_id)} registered: {description} ({given.name}, "
                    f"{size_text(before.size)}, SHA-256 {digest})")
            if attachment is not None:
                data["attached_to"] = attachment
                text += f"; attached to entry #{attachment['entry']}"
            entry_id = journal.append(
                binder, incident.id, author,
                NewEntry(text=text, kind="evidence", evidence_id=new_id, phase=phase,
                         source=source["hostname"], data=data,
                         # A stated collection time is when it happened (journal by event).
                         occurred_at=collected_at if stated_collection else None),
                witness=witness,
            )
            binder.conn.execute(
                "INSERT INTO evidence (id, incident_id, entry_id, sha256, size, path, description)"
                " VALUES (?,?,?,?,?,?,?)",
                (new_id, incident.id, entry_id, digest, before.size, stored, description),
            )
    except BaseException:
        for leftover in (partial, final):
            if leftover is not None:
                remove_copy(leftover)
        raise
    if final is not None:
        # The copy is the record now; make casual edits fail loudly.
        with contextlib.suppress(OSError):
            os.chmod(final, 0o400)  # and readable by its owner only, like the binder
    return int(new_id)


def _time_range(covers_from: str | None, covers_to: str | None) -> dict[str, str] | None:
    if not covers_from and not covers_to:
        return None
    start = zoned_time(covers_from, "covers-from time") if covers_from else ""
    end = zoned_time(covers_to, "covers-to time") if covers_to else ""
    if start and end and datetime.fromisoformat(start) > datetime.fromisoformat(end):
        raise BadInput("the time range covered ends before it starts; swap --covers-from and --covers-to")
    return {"from": start, "to": end}


def _default_method(given: Path, host: str, copy_info: dict | None) -> str:
    how = f"file read from {given} and hashed with SHA-256 by Incident Binder on {host}"
    if copy_info is not None:
        how += "; copied into the binder's evidence folder and the copy hashed again (match)"
    return how


def _default_storage(copy_info: dict | None, real: Path) -> str:
    if copy_info is not None:
        return f"evidence folder beside the binder ({copy_info['path']})"
    return f"left in place at {real}"


def _prepare_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BadInput(f"cannot create the evidence folder {folder}: {exc.strerror}") from None
    if not folder.is_dir() or not os.access(folder, os.W_OK):
        raise BadInput(f"the evidence folder {folder} is not a writable folder")


def _check_room(folder: Path, real: Path) -> None:
    # Refuse up front rather than fail after copying most of a multi-GB image.
    need = os.stat(real).st_size
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return
    if need > free:
        raise BadInput(
            f"not enough free space in {folder} to copy {real.name}: it needs "
            f"{size_text(need)}, {size_text(free)} is free; free some space or register "
            "it without copying"
        )


def _final_copy_name(folder: Path, evidence_id: int, name: str) -> Path:
    target = folder / f"{label(evidence_id)}_{_safe_name(name)}"
    if target.exists():
        # A copy left by a registration that never committed (process killed).
        target = folder / f"{label(evidence_id)}_{uuidlib.uuid4().hex[:6]}_{_safe_name(name)}"
    return target


def _relative_to_binder(binder: Binder, path: Path) -> str:
    try:
        return str(path.relative_to(binder.path.parent))
    except ValueError:
        return str(path)


# --------------------------------------------------------------------------- custody


def _rehash_at_handover(
    binder: Binder, evidence_id: int, progress: Progress | None, cancelled: IsCancelled | None,
) -> dict[str, Any]:
    item = get_evidence(binder, evidence_id)
    file = Path(item.file)
    if not file.is_file():
        return {"result": "not reachable", "path": item.path}
    try:
        digest = sha256_file(file, progress=progress, cancelled=cancelled)
    except (PermissionError, OSError):
        return {"result": "not reachable", "path": item.path}
    if digest != item.sha256:
        raise IntegrityError(
            f"{item.label} ({file}) has changed since it was registered: its SHA-256 is now "
            f"{digest}, registered {item.sha256}; the hand-over was not recorded. Record what "
            "happened in the journal and run `binder verify`"
        )
    return {"result": "match", "sha256": digest, "path": item.path}


def transfer(
    binder: Binder,
    evidence_id: int,
    author: SigningSession,
    *,
    received_by: str,
    purpose: str,
    witness: SigningSession | None = None,
    location: str = "",
    seal: str = "",
    released_by: str | None = None,
    time: str | None = None,
    rehash: bool = True,
    receiver: SigningSession | None = None,
    progress: Progress | None = None,
    cancelled: IsCancelled | None = None,
) -> int:
    """Record a hand-over of an item as a signed ``custody`` entry; returns its id.

    ``received_by`` may be anyone (a courier, a forensic lab), not only an
    enrolled signer. When the file is reachable it is hashed again first; a
    different hash refuses the transfer with :class:`IntegrityError`. A
    hand-over dated before the item was collected or registered, before its
    previous hand-over, or in the future is refused. With ``receiver`` (the
    receiving person's unlocked key) the receiver's acknowledgement is signed
    in the same transaction (see :func:`acknowledge`).
    """
    item = get_evidence(binder, evidence_id)
    if item.closed:
        raise BadInput(f"{item.label} was {item.disposition}; a closed item cannot change hands")
    received_by = _short(received_by, "receiving person", required=True)
    purpose = check_text(purpose or "", "purpose", required=True, limit=2000).strip()
    if not purpose:
        raise BadInput("the purpose is empty; say why the item changes hands")
    location = _short(location, "new location")
    seal = _short(seal, "seal or tracking number")
    released_by = _short(released_by, "releasing person") if released_by else author.person
    when = zoned_time(time, "hand-over time")
    check_handover_time(item, when)
    check_two_people(author, witness)
    if receiver is not None:
        _check_receiver(receiver, received_by, author)
    check = _rehash_at_handover(binder, evidence_id, progress, cancelled) if rehash else {
        "result": "not checked"}
    if cancelled is not None and cancelled():
        raise Cancelled("cancelled; nothing was written")
    data = {
        "item_id": item.label,
        "action": "transfer",
        "released_by": released_by,
        "received_by": received_by,
        "previous_custodian": item.custodian,
        "purpose": purpose,
        "time": when,
        "time_zone": _zone_name(when),
        "location": location or item.location,
        "seal": seal,
        "rehash": check,
    }
    # The data keeps what was typed (a login, or a courier's name); the sentence people read
    # names enrolled people as their certificates do.
    names = names_by_login(binder)
    text = (f"Custody of {item.label} passed from {name_for_login(names, released_by)} to "
            f"{name_for_login(names, received_by)}: {purpose}")
    with binder.write():
        entry_id = journal.append(
            binder, item.incident_id, author,
            NewEntry(text=text, kind="custody", evidence_id=item.id, data=data,
                     # A stated hand-over time is when it happened (journal by event time).
                     occurred_at=when if time and str(time).strip() else None),
            witness=witness,
        )
        if receiver is not None:
            _append_acknowledgement(binder, item, journal.get_entry(binder, entry_id), receiver,
                                    role="receiver", when=when, note="")
    return entry_id


def _moment(value: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except (AttributeError, ValueError):
        return None
    return moment if moment.tzinfo is not None else moment.astimezone()


#: How far ahead of this computer's clock a stated time may be (clocks drift).
CLOCK_SLACK_SECONDS = 300


def check_handover_time(item: EvidenceItem, when: str) -> None:
    """Refuse a hand-over time a cross-examiner would pull apart.

    It may not be before the item was collected, before it was registered (the
    binder vouches for the item only from its hash on), before its previous
    hand-over, or in the future.
    """
    moment = _moment(when)
    if moment is None:
        raise BadInput(f"the hand-over time {when[:40]!r} is not a valid time")
    shown = moment.isoformat(timespec="minutes")
    limits = [("collected", item.collected_at), ("registered", item.registered_at)]
    previous = [e for e in item.custody if e.action == "transfer"]
    if previous:
        limits.append(("last handed over", previous[-1].time or previous[-1].recorded_at))
    for what, value in limits:
        limit = _moment(value or "")
        # Stated times are kept to the second, recorded ones to the microsecond.
        if limit is not None and moment < limit.replace(microsecond=0):
            raise BadInput(
                f"{item.label} was {what} at {limit.isoformat(timespec='minutes')}; a hand-over "
                f"at {shown} would come before that. Check the date and time of the hand-over"
            )
    ahead = (moment - datetime.now().astimezone()).total_seconds()
    if ahead > CLOCK_SLACK_SECONDS:
        raise BadInput(f"the hand-over time {shown} is in the future; record a hand-over once "
                       "it has happened")


def _same_person(session: SigningSession, name: str) -> bool:
    wanted = " ".join(name.split()).casefold()
    return wanted in {" ".join(n.split()).casefold()
                      for n in (session.signer.person, session.signer.display_name) if n}


def _check_receiver(receiver: SigningSession, received_by: str, author: SigningSession) -> None:
    if person_key(receiver) == person_key(author):
        raise BadInput("the receiver must be a second person, not the one who hands the item over")
    if not _same_person(receiver, received_by):
        raise BadInput(f"{receiver.identity.name} is not {received_by}, the receiver named in the "
                       "transfer; the receiver signs the receipt with their own key")


def _append_acknowledgement(binder: Binder, item: EvidenceItem, transfer_entry: journal.Entry,
                            signer: SigningSession, *, role: str, when: str, note: str,
                            witness: SigningSession | None = None) -> int:
    received_by = str((transfer_entry.data or {}).get("received_by", ""))
    data = {
        "item_id": item.label,
        "action": "acknowledge",
        "role": role,
        "transfer_entry": transfer_entry.seq,
        "transfer_hash": transfer_entry.hash,
        "received_by": received_by,
        "time": when,
        "time_zone": _zone_name(when),
        "note": note,
    }
    if role == "receiver":
        text = (f"{signer.identity.name} acknowledged receipt of {item.label} "
                f"(hand-over #{transfer_entry.seq})")
    else:
        receiver_name = name_for_login(names_by_login(binder), received_by)
        text = (f"{signer.identity.name} witnessed {receiver_name} take receipt of {item.label} "
                f"(hand-over #{transfer_entry.seq})")
    if note:
        text += f": {note}"
    return journal.append(
        binder, item.incident_id, signer,
        NewEntry(text=text, kind="custody", evidence_id=item.id, data=data), witness=witness,
    )


def handover_entry(binder: Binder, entry_id: int) -> journal.Entry:
    """The signed entry of a custody hand-over, or a clear refusal."""
    try:
        entry = journal.get_entry(binder, entry_id)
    except NotFound:
        raise BadInput(f"there is no hand-over {entry_id}; give the number "
                       "`binder evidence transfer` printed") from None
    if (entry.kind != "custody" or (entry.data or {}).get("action") != "transfer"
            or entry.evidence_id is None):
        raise BadInput(f"entry {entry_id} is not a custody hand-over; give the number "
                       "`binder evidence transfer` printed")
    return entry


def acknowledge(
    binder: Binder,
    transfer_entry_id: int,
    signer: SigningSession,
    *,
    witnessing: bool = False,
    note: str = "",
    time: str | None = None,
    witness: SigningSession | None = None,
) -> int:
    """The receiver of a hand-over signs that the item arrived; returns the entry id.

    ``transfer_entry_id`` is the entry :func:`transfer` returned. The signer
    must be the receiver the transfer names; with ``witnessing=True`` a second
    person who saw the receiver take the item signs instead (for a receiver
    who holds no key, such as a courier). Neither may be the person who handed
    the item over, and each may acknowledge a hand-over once.
    """
    entry = handover_entry(binder, transfer_entry_id)
    data = entry.data or {}
    item = get_evidence(binder, entry.evidence_id)
    received_by = str(data.get("received_by", ""))
    note = check_text(note or "", "note", limit=2000).strip()
    if signer.signer.fingerprint == entry.cert_fingerprint or _same_person(
            signer, str(data.get("released_by", ""))):
        raise BadInput("the person who handed the item over cannot acknowledge its receipt")
    if not witnessing and not _same_person(signer, received_by):
        raise BadInput(f"{signer.identity.name} is not {received_by}, the receiver named in hand-over "
                       f"#{entry.seq}; the receiver signs, or a witness who saw it signs "
                       "with --witnessing")
    if witnessing and _same_person(signer, received_by):
        raise BadInput(f"{signer.identity.name} is the receiver: acknowledge without --witnessing")
    event = next((e for e in item.custody if e.entry_id == entry.id), None)
    role = "witness" if witnessing else "receiver"
    if event is not None and any(a.role == role and (role == "receiver" or a.signer == signer.person)
                                 for a in event.acknowledgements):
        raise BadInput(f"hand-over #{entry.seq} of {item.label} is already acknowledged"
                       + (" by its receiver" if role == "receiver" else f" by {signer.identity.name}"))
    when = zoned_time(time, "time of receipt")
    handed = _moment(str(data.get("time") or entry.recorded_at))
    got = _moment(when)
    if handed is not None and got is not None and got < handed.replace(microsecond=0):
        raise BadInput(f"the receipt at {got.isoformat(timespec='minutes')} would come before "
                       f"the hand-over at {handed.isoformat(timespec='minutes')}; check the time")
    if got is not None and (got - datetime.now().astimezone()).total_seconds() > CLOCK_SLACK_SECONDS:
        raise BadInput("the time of receipt is in the future; acknowledge once it has happened")
    check_two_people(signer, witness)
    return _append_acknowledgement(binder, item, entry, signer, role=role, when=when, note=note,
                                   witness=witness)


def dispose(
    binder: Binder,
    evidence_id: int,
    author: SigningSession,
    *,
    action: str,
    authority: str,
    witness: SigningSession | None,
    note: str = "",
    location: str = "",
    time: str | None = None,
) -> int:
    """Close an item (returned, destroyed or archived); returns the custody entry id.

    Needs the authority that allowed it and a witness who co-signs.
    """
    item = get_evidence(binder, evidence_id)
    if action not in DISPOSITIONS:
        raise BadInput(f"unknown disposition {action!r}; use one of {', '.join(DISPOSITIONS)}")
    if item.closed:
        raise BadInput(f"{item.label} was already {item.disposition}")
    authority = _short(authority, "authority", required=True)
    if witness is None:
        raise BadInput("closing an evidence item needs a witness who co-signs (--witness)")
    check_two_people(author, witness)
    note = check_text(note or "", "note", limit=2000).strip()
    location = _short(location, "location")
    when = zoned_time(time, "disposition time")
    data = {
        "item_id": item.label,
        "action": action,
        "disposition": action,
        "authority": authority,
        "released_by": author.person,
        "previous_custodian": item.custodian,
        "time": when,
        "time_zone": _zone_name(when),
        "location": location,
        "note": note,
    }
    text = f"Evidence {item.label} {action} on the authority of {authority}"
    if note:
        text += f": {note}"
    return journal.append(
        binder, item.incident_id, author,
        NewEntry(text=text, kind="custody", evidence_id=item.id, data=data), witness=witness,
    )


# --------------------------------------------------------------------------- reading


def _cosigners(binder: Binder, entry_ids: list[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for start in range(0, len(entry_ids), 500):
        part = entry_ids[start : start + 500]
        for entry_id, witness in binder.conn.execute(
            f"SELECT entry_id, witness FROM cosign WHERE entry_id IN ({','.join('?' * len(part))}) "
            "ORDER BY id", part,
        ):
            out.setdefault(entry_id, []).append(witness)
    return out


def _items(binder: Binder, where: str, params: tuple) -> list[EvidenceItem]:
    rows = binder.conn.execute(
        "SELECT id, incident_id, entry_id, sha256, size, path, description FROM evidence "
        f"WHERE {where} ORDER BY id", params,
    ).fetchall()
    if not rows:
        return []
    incidents = sorted({r[1] for r in rows})
    ids = {r[0] for r in rows}
    entries: dict[int, list] = {}
    for incident in incidents:
        for e in journal.iter_entries(binder, incident, kinds=("evidence", "custody")):
            if e.evidence_id in ids:
                entries.setdefault(e.evidence_id, []).append(e)
    cos = _cosigners(binder, [e.id for group in entries.values() for e in group])
    return [_build_item(binder, row, entries.get(row[0], []), cos) for row in rows]


def _build_item(binder: Binder, row, entries: list, cos: dict[int, list[str]]) -> EvidenceItem:
    eid, incident_id, entry_id, sha, size, path, description = row
    reg = next((e for e in entries if e.id == entry_id), None)
    data = dict(reg.data) if reg is not None else {}
    events: list[CustodyEvent] = []
    custodian = data.get("custodian") or data.get("collected_by", "")
    location = data.get("storage_location", "")
    disposition = None
    if reg is not None:
        events.append(CustodyEvent(
            entry_id=reg.id, seq=reg.seq, recorded_at=reg.recorded_at,
            time=data.get("collected_at", ""), action="registered", released_by="",
            received_by=custodian, purpose=data.get("reason", ""), location=location,
            seal="", authority="", rehash="", author=reg.author,
            witnesses=tuple(cos.get(reg.id, ())), hash=reg.hash,
        ))
    acks: dict[str, list[Acknowledgement]] = {}
    for e in entries:
        d = e.data or {}
        if e.kind == "custody" and d.get("action") == "acknowledge":
            acks.setdefault(str(d.get("transfer_hash", "")), []).append(Acknowledgement(
                entry_id=e.id, seq=e.seq, recorded_at=e.recorded_at, time=d.get("time", ""),
                role="witness" if d.get("role") == "witness" else "receiver", signer=e.author,
                received_by=d.get("received_by", ""), note=d.get("note", ""),
                witnesses=tuple(cos.get(e.id, ())),
            ))
    for e in entries:
        if e.kind != "custody":
            continue
        d = e.data or {}
        action = d.get("action", "transfer")
        if action == "acknowledge":
            continue
        rehash = (d.get("rehash") or {}).get("result", "")
        if action in DISPOSITIONS:
            disposition = action
            received = ""
        else:
            received = d.get("received_by", "")
            custodian = received or custodian
        location = d.get("location") or location
        events.append(CustodyEvent(
            entry_id=e.id, seq=e.seq, recorded_at=e.recorded_at, time=d.get("time", ""),
            action=action, released_by=d.get("released_by", ""), received_by=received,
            purpose=d.get("purpose", "") or d.get("note", ""), location=d.get("location", ""),
            seal=d.get("seal", ""), authority=d.get("authority", ""),
            rehash="" if rehash == "not checked" else rehash, author=e.author,
            witnesses=tuple(cos.get(e.id, ())),
            rehash_sha256=str((d.get("rehash") or {}).get("sha256", "")), hash=e.hash,
            acknowledgements=tuple(acks.get(e.hash, ())),
        ))
    return EvidenceItem(
        id=eid, incident_id=incident_id, entry_id=entry_id, sha256=sha, size=size, path=path,
        file=str(resolve_file(binder, path)), description=description,
        type=data.get("type", ""), registered_at=reg.recorded_at if reg else "",
        registered_by=reg.author if reg else "", collected_by=data.get("collected_by", ""),
        collected_at=data.get("collected_at", ""),
        witnesses=tuple(cos.get(entry_id, ())), custodian=custodian, location=location,
        disposition=disposition, custody=tuple(events), data=data,
    )


def list_evidence(binder: Binder, incident_id: int) -> list[EvidenceItem]:
    """Every item registered for an incident, in registration order, with custody history."""
    incident = get_incident(binder, incident_id)
    return _items(binder, "incident_id = ?", (incident.id,))


def get_evidence(binder: Binder, evidence_id: int) -> EvidenceItem:
    """One evidence item by id."""
    items = _items(binder, "id = ?", (int(evidence_id),))
    if not items:
        raise NotFound(f"there is no evidence item {label(evidence_id)}; see `binder evidence list`")
    return items[0]


# --------------------------------------------------------------------------- attachments


def attach_file(
    binder: Binder, entry_id: int, path: str | os.PathLike[str], author: SigningSession, *,
    description: str = "", witness: SigningSession | None = None,
    progress: Progress | None = None, cancelled: IsCancelled | None = None,
) -> int:
    """Attach a file (a screenshot, a log excerpt) to a journal entry as evidence.

    The file is copied into the binder's evidence folder and hashed like any
    evidence item; returns the evidence id.
    """
    entry = journal.get_entry(binder, entry_id)
    name = Path(path).name
    image = Path(name).suffix.lower() in (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp")
    return register_evidence(
        binder, entry.incident_id, path, author,
        description=description.strip() or f"Attachment to entry #{entry.seq}: {name}",
        witness=witness, copy_to=evidence_folder(binder),
        type="screenshot" if image else "file copy", phase=entry.phase,
        progress=progress, cancelled=cancelled, attached_to=entry.id,
    )


def attachments(binder: Binder, entry_ids: list[int]) -> dict[int, list[tuple[str, str, str]]]:
    """Entry id -> [(evidence label, description, SHA-256)] of the files attached to it."""
    if not entry_ids:
        return {}
    rows = binder.conn.execute(
        f"SELECT id, hash FROM entry WHERE id IN ({','.join('?' * len(entry_ids))})",
        entry_ids).fetchall()
    by_hash = {h: i for i, h in rows}
    out: dict[int, list[tuple[str, str, str]]] = {}
    if not by_hash:
        return out
    marks = ",".join("?" * len(by_hash))
    for evidence_id, target, description, sha in binder.conn.execute(
        "SELECT e.evidence_id, json_extract(e.data, '$.attached_to.sha256'), "
        "json_extract(e.data, '$.description'), json_extract(e.data, '$.sha256') "
        f"FROM entry e WHERE e.kind = 'evidence' AND "
        f"json_extract(e.data, '$.attached_to.sha256') IN ({marks}) ORDER BY e.id",
        list(by_hash),
    ):
        out.setdefault(by_hash[target], []).append((label(evidence_id), description, sha))
    return out
