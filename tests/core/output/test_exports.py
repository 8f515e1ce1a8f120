"""Exports other tools read, checked against what those tools document.

- Timesketch: "Mandatory fields: message (a string with an informative message
  of the event), datetime (ISO8601 format, e.g. 2015-07-24T19:01:01+00:00),
  timestamp_desc (what type of timestamp it is)"; JSONL is one JSON object per
  line (Timesketch documentation, docs/guides/user/import-from-json-csv.md,
  "Import timeline from JSON or CSV").
- DFIR-IRIS: the timeline "upload CSV" route (iris-web,
  source/app/blueprints/case/case_timeline_routes.py, ``case_events_upload_csv``)
  refuses a file whose header lacks any of event_date, event_tz, event_title,
  event_category, event_content, event_raw, event_source, event_assets,
  event_iocs, event_tags; every asset in event_assets (";"-separated) and every
  indicator in event_iocs ("|"-separated) must already exist in the case, tags
  are "|"-separated, and the event title must be at least 2 characters. Its
  EventSchema reads event_date as "%Y-%m-%dT%H:%M:%S.%f" and appends event_tz
  (e.g. "+01:00") before parsing (source/app/schema/marshables.py).
- STIX 2.1: checked with the OASIS ``stix2-validator``.
"""

from __future__ import annotations

import csv
import io
import json
import stat
from datetime import datetime

import pytest

from binder.core.errors import BadInput
from binder.core.incident import journal
from binder.core.incident import registers as reg
from binder.core.output import exports

IRIS_REQUIRED = ("event_date", "event_tz", "event_title", "event_category", "event_content",
                 "event_raw", "event_source", "event_assets", "event_iocs", "event_tags")


@pytest.fixture
def case(made, incident_id):
    b, lead = made.binder, made.lead
    reg.add_indicator(b, incident_id, lead, type="domain", value="evil-cdn.example", tlp="red",
                      first_seen="2026-11-20T00:00Z", description="skimmer host")
    reg.add_indicator(b, incident_id, lead, type="ip", value="2001:db8::7", tlp="clear")
    reg.add_indicator(b, incident_id, lead, type="hash",
                      value="e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    reg.add_indicator(b, incident_id, lead, type="url", value="https://evil-cdn.example/a'b.js")
    reg.add_indicator(b, incident_id, lead, type="email", value="drop@evil-mail.example",
                      tlp="amber+strict")
    reg.add_indicator(b, incident_id, lead, type="file_path",
                      value="/var/www/pub/static/_cache/skim.js", tlp="green")
    reg.add_indicator(b, incident_id, lead, type="other", value="=HYPERLINK(\"x\")")
    asset = reg.add_asset(b, incident_id, lead, name="web01", kind="web server")
    reg.set_asset_status(b, asset, lead, "contained")
    first = reg.add_event(b, incident_id, lead, at="2026-11-28T03:14:05.5+01:00",
                          what="Skimmer injected, said \"hi\"", asset="web01",
                          time_source="web server log", iocs=["evil-cdn.example"],
                          technique="T1059.007")
    reg.update_item(b, first, lead, confidence="high", reason="seen twice")
    reg.add_event(b, incident_id, lead, at="2026-11-27T22:00-05:00", what="Admin login",
                  technique="T1078")
    reg.add_task(b, incident_id, lead, title="=1+1 rotate keys", owner="alice")
    return made, incident_id


def _hashes(binder, incident_id) -> set[str]:
    return {e.hash for e in journal.iter_entries(binder, incident_id)}


def test_register_csvs_name_the_signed_entries_and_defuse_formulas(case):
    made, iid = case
    signed = _hashes(made.binder, iid)
    for register, count in (("timeline", 2), ("ioc", 7), ("asset", 1), ("task", 1),
                            ("journal", None)):
        data, n = exports.register_csv(made.binder, iid, register)
        rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
        assert len(rows) == n and (count is None or n == count)
        for row in rows:
            assert row["entry_sha256"] in signed
            assert row.get("last_entry_sha256", row["entry_sha256"]) in signed
            assert not any(v.startswith(("=", "+", "@")) for v in row.values())
    data, _ = exports.register_csv(made.binder, iid, "journal")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    lead = made.lead.identity
    assert {(r["author"], r["author_name"]) for r in rows} == {(rows[0]["author"], lead.name)}
    data, _ = exports.register_csv(made.binder, iid, "timeline")
    first = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))[0]
    assert first["at"] == "2026-11-28T03:14:05.500000+01:00"  # 02:14 UTC comes before 03:00 UTC
    data, _ = exports.register_csv(made.binder, iid, "ioc")
    other = [r for r in csv.DictReader(io.StringIO(data.decode("utf-8-sig"))) if r["type"] == "other"]
    assert other[0]["value"] == "'=HYPERLINK(\"x\")"
    data, _ = exports.register_csv(made.binder, iid, "asset")
    asset = next(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert asset["status"] == "contained" and asset["entry_sha256"] != asset["last_entry_sha256"]


def test_timesketch_jsonl_has_the_mandatory_fields(case):
    made, iid = case
    data, count = exports.timesketch_jsonl(made.binder, reg.get_incident(made.binder, iid))
    lines = data.decode("utf-8").splitlines()
    assert len(lines) == count >= 3
    signed = _hashes(made.binder, iid)
    events = [json.loads(line) for line in lines]
    for event in events:
        assert isinstance(event["message"], str) and event["message"]
        assert isinstance(event["timestamp_desc"], str) and event["timestamp_desc"]
        moment = datetime.fromisoformat(event["datetime"])  # ISO 8601 with an offset
        assert moment.utcoffset() is not None
        assert event["timestamp"] == int(moment.timestamp() * 1_000_000)
        assert event["binder_entry_sha256"] in signed
    attacker = [e for e in events if e["data_type"] == "incident_binder:attacker_event"]
    assert [e["datetime"] for e in attacker] == ["2026-11-28T02:14:05.500000+00:00",
                                                 "2026-11-28T03:00:00+00:00"]
    skim = next(e for e in attacker if e["mitre_attack_technique"] == "T1059.007")
    assert skim["datetime"] == "2026-11-28T02:14:05.500000+00:00"
    assert skim["timestamp_desc"] == "Event time (web server log)"
    assert skim["confidence"] == "high"  # the change is in, and its entry is the one named
    assert [e["timestamp"] for e in events] == sorted(e["timestamp"] for e in events)


def test_iris_csv_matches_the_upload_format(case):
    made, iid = case
    data, count = exports.iris_csv(made.binder, reg.get_incident(made.binder, iid))
    text = data.decode("utf-8")
    assert not text.startswith("\ufeff")
    reader = csv.DictReader(text.splitlines(), delimiter=",")  # as IRIS reads it
    rows = list(reader)
    assert all(field in reader.fieldnames for field in IRIS_REQUIRED) and len(rows) == count == 2
    signed = _hashes(made.binder, iid)
    for row in rows:
        datetime.strptime(row["event_date"], "%Y-%m-%dT%H:%M:%S.%f")
        moment = datetime.fromisoformat(row["event_date"] + row["event_tz"])
        assert moment.utcoffset() is not None
        assert len(row["event_title"]) >= 2
        assert row["event_assets"] == "" and row["event_iocs"] == ""
        assert row["event_raw"].rsplit(":", 1)[1] in signed
    skim = next(r for r in rows if "Skimmer" in r["event_title"])
    assert (skim["event_date"], skim["event_tz"]) == ("2026-11-28T03:14:05.500000", "+01:00")
    assert skim["event_tags"].split("|") == ["T1059.007", "web01", "evil-cdn.example"]


def test_stix_bundle_is_valid_stix_2_1(case):
    from stix2validator import ValidationOptions, validate_string

    made, iid = case
    data, count = exports.stix_bundle(made.binder, reg.get_incident(made.binder, iid))
    result = validate_string(data.decode("utf-8"), ValidationOptions(strict=False))
    assert result.is_valid, [str(e) for e in result.errors]
    bundle = json.loads(data)
    by_type: dict[str, list] = {}
    for obj in bundle["objects"]:
        by_type.setdefault(obj["type"], []).append(obj)
    assert len(by_type["incident"]) == 1 and len(by_type["report"]) == 1
    patterns = sorted(i["pattern"] for i in by_type["indicator"])
    assert "[domain-name:value = 'evil-cdn.example']" in patterns
    assert "[ipv6-addr:value = '2001:db8::7']" in patterns
    assert "[url:value = 'https://evil-cdn.example/a\\'b.js']" in patterns
    assert any(p.startswith("[file:hashes.'SHA-256' = ") for p in patterns)
    assert len(by_type["note"]) == 1  # "other" has no STIX pattern
    tlps = {m["name"] for m in by_type["marking-definition"]}
    assert tlps == {"TLP:RED", "TLP:CLEAR", "TLP:AMBER", "TLP:AMBER+STRICT", "TLP:GREEN"}
    red = next(m for m in by_type["marking-definition"] if m["name"] == "TLP:RED")
    domain = next(i for i in by_type["indicator"] if "domain-name" in i["pattern"])
    assert domain["object_marking_refs"] == [red["id"]]
    assert domain["valid_from"].startswith("2026-11-20T00:00:00")
    techniques = {r["external_id"] for a in by_type["attack-pattern"]
                  for r in a["external_references"] if r["source_name"] == "mitre-attack"}
    assert techniques == {"T1059.007", "T1078"}
    signed = _hashes(made.binder, iid)
    for obj in by_type["indicator"] + by_type["note"] + by_type["attack-pattern"]:
        refs = [r for r in obj["external_references"] if r["source_name"] == "incident-binder"]
        assert refs and refs[0]["hashes"]["SHA-256"] in signed
    assert count == 9


def test_written_exports_are_owner_only_and_atomic(case, tmp_path):
    made, iid = case
    folder = tmp_path / "out"
    folder.mkdir()
    for fmt in ("csv", "timesketch", "stix", "iris"):
        target = folder / f"out.{fmt}"
        exports.write_export(made.binder, iid, target, fmt)
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(p.name for p in folder.iterdir()) == ["out.csv", "out.iris", "out.stix",
                                                          "out.timesketch"]
    with pytest.raises(BadInput, match="is a folder"):
        exports.write_export(made.binder, iid, tmp_path, "csv")
    with pytest.raises(BadInput, match="does not exist"):
        exports.write_export(made.binder, iid, tmp_path / "no" / "x.csv", "csv")
    with pytest.raises(BadInput, match="unknown register"):
        exports.write_export(made.binder, iid, tmp_path / "x.csv", "csv", register="people")


def test_cli_export_formats(case, run_cli, tmp_path):
    from tests.helpers import PASSPHRASE

    made, iid = case
    env = {"BINDER_FILE": str(made.path), "BINDER_PASSPHRASE": PASSPHRASE}
    out = tmp_path / "iocs.csv"
    result = run_cli("export", str(iid), "-o", str(out), "--format", "csv", "--register", "ioc",
                     env=env)
    assert result.code == 0 and result.out == "" and "7 record(s)" in result.err
    assert out.read_bytes().startswith("\ufeffid,type,value".encode())
    bundle = tmp_path / "bundle.json"
    assert run_cli("export", str(iid), "-o", str(bundle), env=env).code == 0
    assert json.loads(bundle.read_text())["format"] == "incident-binder-bundle"
    bad = run_cli("export", str(iid), "-o", str(out), "--format", "misp", env=env)
    assert bad.code == 2 and bad.err.count("\n") == 1


def test_exports_name_people_as_their_certificates_do_and_keep_logins_for_joins(made, incident_id):
    from binder.core.crypto import signers
    from tests.helpers import enroll_person

    b = made.binder
    enroll_person(b, "Łukasz Wróblewski", "it", "lukasz-passphrase", login="lukasz")
    lukasz = signers.open_session(b, "lukasz", "lukasz-passphrase")
    asset = reg.add_asset(b, incident_id, lukasz, name="web01")
    reg.set_asset_status(b, asset, lukasz, "contained")
    reg.add_event(b, incident_id, lukasz, at="2026-11-28T03:14Z", what="Skimmer injected")
    reg.add_indicator(b, incident_id, lukasz, type="domain", value="evil-cdn.example")
    reg.add_task(b, incident_id, lukasz, title="Rotate keys", owner="lukasz")
    journal.append(b, incident_id, lukasz, journal.NewEntry(text="Called the host"))
    name = "Łukasz Wróblewski"
    for register in ("timeline", "ioc", "asset", "task"):
        data, _ = exports.register_csv(b, incident_id, register)
        header, *rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
        # the name comes last, so the columns scripts read keep their places
        assert header[-6:] == ["recorded_by", "recorded_at", "withdrawn", "entry_sha256",
                               "last_entry_sha256", "recorded_by_name"]
        [row] = [dict(zip(header, r, strict=True)) for r in rows]
        assert (row["recorded_by"], row["recorded_by_name"]) == ("lukasz", name)
        if register == "asset":
            assert row["status_history"].endswith(f"contained ({name})")
            assert "(lukasz)" not in row["status_history"]
        if register == "task":
            assert row["owner"] == name
    data, _ = exports.timesketch_jsonl(b, reg.get_incident(b, incident_id))
    events = [json.loads(line) for line in data.decode("utf-8").splitlines()]
    [event] = [e for e in events if e["data_type"] == "incident_binder:attacker_event"]
    assert (event["recorded_by"], event["recorded_by_name"]) == ("lukasz", name)
    [note] = [e for e in events if e.get("message") == "Called the host"]
    assert (note["author"], note["author_name"]) == ("lukasz", name)
    opened = reg.get_incident(b, incident_id).opened_by
    data, _ = exports.stix_bundle(b, reg.get_incident(b, incident_id))
    [incident] = [o for o in json.loads(data)["objects"] if o["type"] == "incident"]
    lead = signers.get_signer(b, opened).identity.name
    assert incident["description"].endswith(f"opened by {lead}.")
