"""The incident in formats other tools read: CSV per register, Timesketch, STIX 2.1, DFIR-IRIS.

Every row (event, line, STIX object) names the hash of the signed journal entry
it comes from, so a reader can find it in the verification bundle and check its
signature. Files are written atomically and readable by their owner only: they
hold what an attacker must not learn (indicators marked TLP:RED, the systems
still open).

- CSV (one register per file): spreadsheet-safe, a cell that would start a
  formula is prefixed with ``'`` (user text is text, in a spreadsheet too).
- Timesketch JSONL: one JSON object per line with ``message``, ``datetime``
  (ISO 8601) and ``timestamp_desc``, the fields Timesketch requires, and
  ``timestamp`` (microseconds) beside our own fields.
- STIX 2.1: a bundle built with the ``stix2`` package: the incident, indicators
  with STIX patterns, ATT&CK techniques as attack patterns, TLP 2.0 markings.
- DFIR-IRIS: the timeline CSV its "upload CSV" takes (``event_date`` without a
  zone, ``event_tz`` as ``+01:00``, ``event_title`` ...).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from binder.core.crypto import signers
from binder.core.errors import BadInput
from binder.core.incident import journal
from binder.core.incident import registers as reg
from binder.core.incident.indicators import IOC_TYPES
from binder.core.incident.record import Incident, get_incident
from binder.core.storage.database import Binder
from binder.core.storage.files import atomic_write_bytes, check_output_path

FORMATS = ("bundle", "csv", "timesketch", "stix", "iris")
CSV_REGISTERS = ("timeline", "ioc", "asset", "task", "journal")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: TLP 2.0 marking definitions for STIX, as published by the OASIS CTI TC (fixed ids).
TLP_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
TLP_MARKINGS = {
    "CLEAR": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "GREEN": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "AMBER": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "AMBER+STRICT": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "RED": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
IRIS_FIELDS = ("event_date", "event_tz", "event_title", "event_category", "event_content",
               "event_raw", "event_source", "event_assets", "event_iocs", "event_tags")


# ---------------------------------------------------------------- CSV


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        value = "; ".join(str(v) for v in value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _csv(header: Iterable[str], rows: Iterable[Iterable[Any]], *, safe: bool = True,
         bom: bool = True) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(list(header))
    for row in rows:
        writer.writerow([_cell(v) if safe else ("" if v is None else v) for v in row])
    # A BOM lets spreadsheet programs read UTF-8 as UTF-8 (a machine import gets none).
    return (("\ufeff" if bom else "") + out.getvalue()).encode("utf-8")


# recorded_by is the login (for joining with other exports); the full name its certificate
# states comes last, so the columns before it keep their places.
_COMMON = ("recorded_by", "recorded_at", "withdrawn", "entry_sha256", "last_entry_sha256")
_NAMES = ("recorded_by_name",)


def _common(item: reg.Item) -> list[Any]:
    return [item.created_by, item.created_at, item.withdrawn, item.hash, item.last_hash]


def register_csv(binder: Binder, incident_id: int, register: str) -> tuple[bytes, int]:
    """One register (or the journal) as CSV; returns (bytes, row count)."""
    if register == "journal":
        return _journal_csv(binder, incident_id)
    register = reg.check_register(register)
    items = reg.list_items(binder, incident_id, register)
    names = signers.names_by_login(binder)

    def named(i: reg.Item) -> list[Any]:
        return [signers.name_for_login(names, i.created_by)]
    if register == "timeline":
        header = ("id", "at", "at_utc", "zone_assumed", "time_source", "what", "asset",
                  "indicators", "attack_technique", "attack_technique_name", "confidence",
                  "evidence", "evidence_sha256", *_COMMON, *_NAMES)
        rows = [[i.id, i.get("at"), i.get("at_utc"), bool(i.get("zone_assumed")),
                 i.get("time_source"), i.get("what"), i.get("asset"), i.get("iocs", []),
                 i.get("technique"), i.get("technique_name"), i.get("confidence"),
                 i.get("evidence"), i.get("evidence_sha256"), *_common(i), *named(i)]
                for i in items]
    elif register == "ioc":
        header = ("id", "type", "value", "hash_algorithm", "tlp", "first_seen", "last_seen",
                  "source", "description", "linked_events", *_COMMON, *_NAMES)
        rows = [[i.id, i.get("type"), i.get("value"), i.get("hash_algorithm"), i.get("tlp"),
                 i.get("first_seen"), i.get("last_seen"), i.get("source"), i.get("description"),
                 [e.id for e in reg.linked_events(binder, i)], *_common(i), *named(i)]
                for i in items]
    elif register == "asset":
        header = ("id", "name", "kind", "status", "note", "status_history", *_COMMON, *_NAMES)
        rows = [[i.id, i.get("name"), i.get("asset_kind"), i.get("status"), i.get("note"),
                 [f"{c.recorded_at} {c.changes['status']} ({signers.name_for_login(names, c.author)})"
                  for c in i.history if "status" in c.changes], *_common(i), *named(i)]
                for i in items]
    else:
        header = ("id", "title", "owner", "due", "due_utc", "status", "from_checklist", "note",
                  *_COMMON, *_NAMES)
        owner_of = reg.owner_namer(binder)
        rows = [[i.id, i.get("title"), owner_of(i.fields), i.get("due"), i.get("due_utc"),
                 i.get("status"), _checklist_text(i), i.get("note"), *_common(i), *named(i)]
                for i in items]
    return _csv(header, rows), len(items)


def _checklist_text(item: reg.Item) -> str:
    ref = item.get("checklist") or {}
    return f"{ref.get('phase')} #{int(ref.get('item', 0)) + 1}: {ref.get('text')}" if ref else ""


def _journal_csv(binder: Binder, incident_id: int) -> tuple[bytes, int]:
    header = ("seq", "recorded_at", "occurred_at", "author", "kind", "phase", "text", "reason",
              "corrects_entry", "evidence", "entry_sha256", "author_name")
    # The full name the author's certificate states, appended so existing columns keep their
    # places; a login no certificate names stays the login.
    names = signers.names_by_login(binder)
    seq_of: dict[int, int] = {}
    rows = []
    for e in journal.iter_entries(binder, incident_id):
        seq_of[e.id] = e.seq
        rows.append([e.seq, e.recorded_at, e.occurred_at, e.author, e.kind, e.phase, e.text,
                     e.reason, seq_of.get(e.corrects) if e.corrects else None,
                     f"E{e.evidence_id}" if e.evidence_id else None, e.hash,
                     signers.name_for_login(names, e.author)])
    return _csv(header, rows), len(rows)


# ---------------------------------------------------------------- Timesketch


def _epoch_us(utc: str) -> int:
    moment = datetime.fromisoformat(utc.replace("Z", "+00:00"))
    return int(moment.timestamp()) * 1_000_000 + moment.microsecond


def _iso(utc: str) -> str:
    return datetime.fromisoformat(utc.replace("Z", "+00:00")).isoformat()


def timesketch_jsonl(binder: Binder, incident: Incident) -> tuple[bytes, int]:
    """The attacker timeline and the journal of our actions as Timesketch JSONL."""
    lines: list[dict[str, Any]] = []
    # Logins stay for machine joins; beside them the names the certificates state.
    names = signers.names_by_login(binder)
    for e in reg.list_items(binder, incident.id, "timeline", include_withdrawn=False):
        message = e.get("what")
        if e.get("asset"):
            message += f" [{e.get('asset')}]"
        lines.append({
            "message": message, "datetime": _iso(e.get("at_utc")),
            "timestamp": _epoch_us(e.get("at_utc")),
            "timestamp_desc": f"Event time ({e.get('time_source')})" if e.get("time_source")
            else "Event time",
            "data_type": "incident_binder:attacker_event", "at_as_recorded": e.get("at"),
            "asset": e.get("asset"), "indicators": e.get("iocs", []),
            "mitre_attack_technique": e.get("technique") or "",
            "mitre_attack_technique_name": e.get("technique_name"),
            "confidence": e.get("confidence"), "evidence": e.get("evidence") or "",
            "recorded_by": e.created_by,
            "recorded_by_name": signers.name_for_login(names, e.created_by),
            "binder_event_id": e.id,
            "binder_entry_sha256": e.last_hash, "binder_incident": incident.uuid,
            "tag": ["attacker"],
        })
    for entry in journal.iter_entries(binder, incident.id):
        if entry.kind in reg.REGISTER_KINDS:
            continue
        at = entry.occurred_at or entry.recorded_at
        lines.append({
            "message": entry.text, "datetime": _iso(at), "timestamp": _epoch_us(at),
            "timestamp_desc": "Occurred (stated by author)" if entry.occurred_at
            else "Recorded in journal",
            "data_type": "incident_binder:journal_entry", "author": entry.author,
            "author_name": signers.name_for_login(names, entry.author),
            "kind": entry.kind, "phase": entry.phase or "", "reason": entry.reason,
            "binder_entry_seq": entry.seq, "binder_entry_sha256": entry.hash,
            "binder_incident": incident.uuid, "tag": ["response"],
        })
    lines.sort(key=lambda x: x["timestamp"])
    body = "".join(json.dumps(x, ensure_ascii=False, sort_keys=True) + "\n" for x in lines)
    return body.encode("utf-8"), len(lines)


# ---------------------------------------------------------------- DFIR-IRIS


def iris_csv(binder: Binder, incident: Incident) -> tuple[bytes, int]:
    """The attacker timeline in DFIR-IRIS's timeline upload CSV.

    IRIS refuses an upload naming an asset or an indicator it does not already
    have in the case, so those go into the event's content and tags, and the
    ``event_assets``/``event_iocs`` columns stay empty; the signed entry's hash
    is the event's raw content.
    """
    rows = []
    items = reg.list_items(binder, incident.id, "timeline", include_withdrawn=False)
    for e in items:
        at = datetime.fromisoformat(e.get("at"))
        offset = at.strftime("%z")
        details = [e.get("what")]
        if e.get("asset"):
            details.append(f"Asset: {e.get('asset')}")
        if e.get("iocs"):
            details.append("Indicators: " + ", ".join(e.get("iocs")))
        if e.get("time_source"):
            details.append(f"Time source: {e.get('time_source')}")
        if e.get("confidence"):
            details.append(f"Confidence: {e.get('confidence')}")
        tags = [t for t in (e.get("technique"), e.get("asset"), *e.get("iocs", [])) if t]
        title = " ".join(str(e.get("what")).split())
        if len(title) < 2:  # IRIS refuses a title shorter than 2 characters
            title = f"Event {e.id}: {title}"
        rows.append([
            at.replace(tzinfo=None).strftime("%Y-%m-%dT%H:%M:%S.%f"),
            f"{offset[:3]}:{offset[3:]}" if offset else "+00:00",
            title if len(title) <= 200 else title[:199] + "…",
            "",  # IRIS's default category
            " — ".join(details),  # IRIS splits the upload into lines before parsing it
            f"incident-binder signed entry sha256:{e.last_hash}",
            "Incident Binder",
            "", "",
            "|".join(t.replace("|", "/") for t in tags),
        ])
    return _csv(IRIS_FIELDS, rows, safe=False, bom=False), len(rows)


# ---------------------------------------------------------------- STIX 2.1


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def stix_pattern(kind: str, value: str, algorithm: str = "") -> str | None:
    """The STIX 2.1 pattern of an indicator, or None for a type STIX cannot express."""
    if kind == "domain":
        return f"[domain-name:value = {_quote(value)}]"
    if kind == "ip":
        family = "ipv6-addr" if ":" in value else "ipv4-addr"
        return f"[{family}:value = {_quote(value)}]"
    if kind == "url":
        return f"[url:value = {_quote(value)}]"
    if kind == "email":
        return f"[email-addr:value = {_quote(value)}]"
    if kind == "hash":
        return f"[file:hashes.{_quote(algorithm or 'SHA-256')} = {_quote(value)}]"
    if kind == "file_path":
        sep = max(value.rfind("/"), value.rfind("\\"))
        name = value[sep + 1:]
        if sep <= 0 or not name:
            return f"[file:name = {_quote(value)}]"
        return (f"[file:name = {_quote(name)} AND "
                f"file:parent_directory_ref.path = {_quote(value[:sep])}]")
    return None


def _entry_ref(item_hash: str, what: str) -> dict[str, Any]:
    return {"source_name": "incident-binder", "description": f"signed journal entry ({what})",
            "hashes": {"SHA-256": item_hash}}


def stix_bundle(binder: Binder, incident: Incident) -> tuple[bytes, int]:
    """The incident, its indicators and techniques as a STIX 2.1 bundle (JSON)."""
    import stix2

    org = binder.meta("org") or "Incident Binder"
    identity = stix2.Identity(name=org, identity_class="organization")
    opening = next(journal.iter_entries(binder, incident.id, kinds=("open",)), None)
    refs = [_entry_ref(opening.hash, "incident opening")] if opening else []
    opener = signers.name_for_login(signers.names_by_login(binder), incident.opened_by)
    stix_incident = stix2.Incident(
        name=("[DRILL] " if incident.drill else "") + incident.title,
        description=(f"{incident.type} incident, severity {incident.severity}, detected "
                     f"{incident.detected_at}, opened by {opener}."),
        created_by_ref=identity.id, external_references=refs or None,
        labels=["drill"] if incident.drill else None,
    )
    markings: dict[str, Any] = {}
    objects: list[Any] = [identity, stix_incident]

    def marking(level: str) -> str:
        if level not in markings:
            markings[level] = stix2.MarkingDefinition(
                id=TLP_MARKINGS[level], created="2022-10-01T00:00:00.000Z", name=f"TLP:{level}",
                extensions={TLP_EXTENSION: {"extension_type": "property-extension",
                                            "tlp_2_0": level.lower()}},
                allow_custom=True)
        return TLP_MARKINGS[level]

    type_names = dict(IOC_TYPES)
    count = 0
    for ioc in reg.list_items(binder, incident.id, "ioc", include_withdrawn=False):
        value, kind = str(ioc.get("value")), str(ioc.get("type"))
        label = f"{type_names.get(kind, kind)} {value}"
        common = dict(created_by_ref=identity.id, object_marking_refs=[marking(ioc.get("tlp"))],
                      external_references=[_entry_ref(ioc.last_hash, f"indicator {ioc.id}")])
        pattern = stix_pattern(kind, value, str(ioc.get("hash_algorithm") or ""))
        if pattern is None:
            obj = stix2.Note(abstract=f"Indicator ({type_names.get(kind, kind)})", content=value,
                             object_refs=[stix_incident.id], **common)
        else:
            obj = stix2.Indicator(
                name=label, description=ioc.get("description") or f"Seen in {incident.title}",
                pattern=pattern, pattern_type="stix", indicator_types=["malicious-activity"],
                valid_from=ioc.get("first_seen_utc") or ioc.created_at,
                **common)
            objects.append(stix2.Relationship(obj, "related-to", stix_incident,
                                              created_by_ref=identity.id))
        objects.append(obj)
        count += 1
    techniques: dict[str, Any] = {}
    for event in reg.list_items(binder, incident.id, "timeline", include_withdrawn=False):
        tid = event.get("technique")
        if not tid or tid in techniques:
            continue
        path = tid.replace(".", "/")
        techniques[tid] = stix2.AttackPattern(
            name=event.get("technique_name") or tid,
            external_references=[{"source_name": "mitre-attack", "external_id": tid,
                                  "url": f"https://attack.mitre.org/techniques/{path}/"},
                                 _entry_ref(event.hash, f"event {event.id}")],
        )
        objects.append(techniques[tid])
        objects.append(stix2.Relationship(stix_incident, "uses", techniques[tid],
                                          created_by_ref=identity.id))
        count += 1
    report = stix2.Report(
        name=f"Incident: {incident.title}", published=incident.opened_at,
        report_types=["threat-report"], created_by_ref=identity.id,
        object_refs=[o.id for o in objects if o.type not in ("identity",)],
    )
    bundle = stix2.Bundle(*markings.values(), *objects, report, allow_custom=True)
    return bundle.serialize(pretty=True).encode("utf-8"), count


# ---------------------------------------------------------------- writing


def build_export(binder: Binder, incident_ref: int | str, fmt: str,
                 register: str = "timeline") -> tuple[bytes, int]:
    """(file content, how many records) of one incident in format ``fmt``."""
    incident = get_incident(binder, incident_ref)
    if fmt == "csv":
        if register not in CSV_REGISTERS:
            register = reg.check_register(register)
        return register_csv(binder, incident.id, register)
    if fmt == "timesketch":
        return timesketch_jsonl(binder, incident)
    if fmt == "stix":
        return stix_bundle(binder, incident)
    if fmt == "iris":
        return iris_csv(binder, incident)
    raise BadInput(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")


def write_export(binder: Binder, incident_ref: int | str, path: str | Path, fmt: str,
                 register: str = "timeline") -> int:
    """Write the export atomically, readable by its owner only; returns the record count."""
    target = check_output_path(path)
    data, count = build_export(binder, incident_ref, fmt, register)
    atomic_write_bytes(target, data, mode=0o600)
    return count
