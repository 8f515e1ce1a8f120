"""Bad input, everywhere: a clear one-line refusal, nothing written, never a traceback.

Hypothesis drives the core entry points the commands call (plan import,
journal import, entry fields, times, roster, incidents, evidence, workflow)
with random and hostile text; hand-picked arguments go through the real
command line, most in-process (fast) and a handful as real subprocesses. A
valid input must be accepted and stored exactly; an invalid one must raise
:class:`~binder.core.errors.BadInput` (exit 2) with one line and leave every table
as it was. Markup in every text field of the reports prints literally.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from binder.core import roster
from binder.core.crypto import signers
from binder.core.crypto.envelope import LIGHT_KDF_FOR_TESTS
from binder.core.errors import BadInput, PlanFormatError
from binder.core.incident import evidence as ev
from binder.core.incident import impact, journal, notifications, review, workflow
from binder.core.incident.journal import NewEntry
from binder.core.incident.record import get_incident, open_incident
from binder.core.plan import revisions as plan
from binder.core.plan.format import default_plan_text, dump_plan, parse_plan
from tests.helpers import LEAD, WITNESS, signer_env

TABLES = ("incident", "entry", "cosign", "evidence", "contact", "contact_revision", "plan",
          "plan_revision", "signer", "certificate", "keyslot", "readiness")

HOSTILE = [
    "", " ", "\t", "\n", "\r\n", "\x00", "a\x00b", "\x1b[31mred\x1b[0m", "\x7f", "\x08\x08",
    "\u202e", "abc \u202e fed", "\u200f", "\u2066x\u2069", "\u2028", "\ufeff", "\ud800",
    "😀", "👩‍👩‍👧", "שלום עולם", "مرحبا", "ｆｕｌｌｗｉｄｔｈ", "e\u0301" * 5,
    '<img src="/etc/passwd">', "<font color=red>x</font>", "&amp; & <", "'; DROP TABLE entry; --",
    "%s%n%x", "{0}{__class__}", "../../etc/passwd", "line\nbreak", "  padded  ",
]
TIMES = [
    "2026-13-45", "2026-02-30T10:00", "yesterday", "now", "", " ", "2026-11-29T25:00",
    "2026-11-29T14:05+25:00", "0000-01-01", "9999-12-31T23:59:59-14:00", "0001-01-01T00:00+01:00",
    "2026-11-29T14:05:00.123456789Z", "1e10", "2026-W48-7", "20261129T1405Z", "2026-11-29T14:05Z",
    "2026-11-29 14:05", "2026-11-29", "-2026-11-29", "2026-11-29T14:05+01:00\x00",
]

# Sizes around the 100 000-character limit, built lazily so reports stay small.
huge_st = st.integers(99_999, 100_002).map(lambda n: "x" * n)
text_st = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=200), huge_st,
                    st.builds(lambda a, b: a + b, st.sampled_from(HOSTILE), st.text(max_size=40)))
SETTINGS = settings(max_examples=60, deadline=None, derandomize=False,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow, HealthCheck.data_too_large])


def counts(binder) -> dict[str, int]:
    return {t: binder.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


@contextlib.contextmanager
def refused_or_done(binder):
    """The body either succeeds or raises one-line BadInput having written nothing."""
    before = counts(binder)
    try:
        yield
    except BadInput as exc:
        message = str(exc)
        assert message and "\n" not in message and "\r" not in message, repr(message)
        assert "Traceback" not in message
        assert counts(binder) == before, f"refused ({message}) but something was written"
        assert not binder.conn.in_transaction


# ------------------------------------------------------------------ core, hypothesis-driven


@SETTINGS
@given(text=text_st, reason=text_st, source=text_st, kind=st.sampled_from(
    [*journal.USER_KINDS, "", "Note", "open ", "x" * 300]), occurred=st.one_of(
    st.none(), st.sampled_from(TIMES), st.datetimes().map(datetime.isoformat)))
def test_journal_entry_fields(made, incident_id, text, reason, source, kind, occurred):
    b = made.binder
    with refused_or_done(b):
        entry_id = journal.append(b, incident_id, made.lead, NewEntry(
            text=text, reason=reason, source=source, kind=kind, occurred_at=occurred))
        stored = journal.get_entry(b, entry_id)
        assert (stored.text, stored.reason, stored.source) == (text, reason, source)
        assert stored.kind == kind


@SETTINGS
@given(value=st.one_of(st.sampled_from(TIMES), st.text(max_size=40),
                       st.datetimes(timezones=st.timezones()).map(datetime.isoformat)))
def test_times_are_normalised_or_refused(value):
    try:
        got = journal.parse_time(value, "time")
    except BadInput as exc:
        assert "\n" not in str(exc) and "ISO 8601" in str(exc) or "empty" in str(exc)
        return
    assert got.endswith("Z") and datetime.fromisoformat(got[:-1] + "+00:00")


def _mutate(text: str, data) -> str:
    lines = text.splitlines(keepends=True)
    for _ in range(data.draw(st.integers(1, 4))):
        action = data.draw(st.sampled_from(["drop", "dup", "swap", "char", "insert", "cut"]))
        if not lines:
            break
        i = data.draw(st.integers(0, len(lines) - 1))
        if action == "drop":
            del lines[i]
        elif action == "dup":
            lines.insert(i, lines[i])
        elif action == "swap":
            j = data.draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif action == "char" and lines[i]:
            k = data.draw(st.integers(0, len(lines[i]) - 1))
            ch = data.draw(st.one_of(st.characters(), st.sampled_from(list("=[]{}\"'#,\\\n"))))
            lines[i] = lines[i][:k] + ch + lines[i][k + 1:]
        elif action == "insert":
            lines.insert(i, data.draw(text_st) + "\n")
        else:
            lines = lines[:i]
    return "".join(lines)


DEFAULT_PLAN = default_plan_text()


@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_plan_import_of_mutated_plans(made, data):
    text = _mutate(DEFAULT_PLAN, data)
    b = made.binder
    with refused_or_done(b):
        try:
            parsed = parse_plan(text)
        except PlanFormatError as exc:
            assert str(exc).startswith("plan file") or "plan" in str(exc), str(exc)
            raise
        assert parse_plan(dump_plan(parsed)) == parsed  # what is stored reads back the same
        rev = plan.save_revision(b, parsed, author="hypothesis", note="mutated",
                                 plan_name=f"mutant {data.draw(st.integers(0, 10**9))}")
        assert plan.get_revision(b, rev).plan == parsed


json_value = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), text_st),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner,
                                                                           max_size=3)),
    max_leaves=6,
)
import_line = st.one_of(
    st.fixed_dictionaries({"text": text_st}, optional={
        "reason": text_st, "kind": st.sampled_from([*journal.USER_KINDS, "open", "NOTE", ""]),
        "occurred_at": st.one_of(st.none(), st.sampled_from(TIMES)), "extra": json_value,
    }).map(json.dumps),
    json_value.map(json.dumps),
    text_st,
    st.just(""),
)


@SETTINGS
@given(lines=st.lists(import_line, max_size=6))
def test_journal_import_lines(made, incident_id, lines):
    b = made.binder
    with refused_or_done(b):
        try:
            entries = journal.parse_import_lines(lines)
        except BadInput as exc:
            assert re.match(r"line \d+: ", str(exc)) or "no entries" in str(exc), str(exc)
            raise
        ids = journal.append_many(b, incident_id, made.lead, entries)
        assert len(ids) == len(entries) == sum(bool(line.strip()) for line in lines)


@SETTINGS
@given(name=text_st, email=st.one_of(text_st, st.emails()), phone=text_st, notes=text_st,
       role=st.sampled_from(["lead", "Incident Lead", "legal", "", "nobody", "LEAD ", "x" * 500]),
       escalation=st.one_of(st.integers(-10, 120), st.sampled_from([0, 2**63, -2**63])))
def test_roster_fields(made, name, email, phone, notes, role, escalation):
    b = made.binder
    with refused_or_done(b):
        cid = roster.add_contact(b, role=role, name=name, email=email, phone=phone, notes=notes,
                                 escalation=escalation)
        back = roster.get_contact(b, cid)
        assert back.name and back.name == back.name.strip()
        assert 1 <= back.escalation <= roster.MAX_ESCALATION


@SETTINGS
@given(title=text_st, detected=st.one_of(st.none(), st.sampled_from(TIMES)),
       type_=st.sampled_from(["skimmer", "other", "", "Skimmer", "x" * 100]),
       severity=st.sampled_from(["low", "critical", "", "HIGH", "urgent"]))
def test_incident_open_fields(made, title, detected, type_, severity):
    b = made.binder
    with refused_or_done(b):
        iid = open_incident(b, made.lead, title=title, detected_at=detected, type=type_,
                            severity=severity)
        assert get_incident(b, iid).title == title.strip()


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(description=text_st, source=text_st, where=text_st, received=text_st, purpose=text_st,
       collected_at=st.one_of(st.none(), st.sampled_from(TIMES)))
def test_evidence_and_custody_fields(made, incident_id, tmp_path_factory, description, source,
                                     where, received, purpose, collected_at):
    b = made.binder
    f = tmp_path_factory.mktemp("ev") / "capture.pcap"
    f.write_bytes(b"\xd4\xc3\xb2\xa1" + b"\0" * 100)
    item = None
    with refused_or_done(b):
        item = ev.register_evidence(b, incident_id, f, made.lead, description=description,
                                    source_system=source, collected_where=where,
                                    collected_at=collected_at)
        assert ev.get_evidence(b, item).description == description.strip()
    if item is not None:
        with refused_or_done(b):
            ev.transfer(b, item, made.lead, received_by=received, purpose=purpose)


@SETTINGS
@given(decision=text_st, reason=text_st, party=text_st, channel=text_st, message=text_st,
       told_at=st.one_of(st.none(), st.sampled_from(TIMES)),
       amount=st.one_of(st.sampled_from(["1250.00", "-3", "1e999", "NaN", "inf", "", "1,5",
                                         "0x10", "99999999999999999999", "١٢٣"]),
                        st.text(max_size=12)))
def test_workflow_fields(made, incident_id, decision, reason, party, channel, message, told_at,
                         amount):
    b = made.binder
    with refused_or_done(b):
        workflow.record_decision(b, incident_id, made.lead, decision=decision, reason=reason)
    with refused_or_done(b):
        notifications.record_notification(b, incident_id, made.lead, party=party, channel=channel,
                                     message=message, told_at=told_at)
    with refused_or_done(b):
        impact.add_impact(b, incident_id, made.lead, "Forensics", amount, "EUR")


# ------------------------------------------------------------------ the command line, in-process


def run_main(argv: list[str]) -> tuple[int, str, str]:
    """Run `binder ARGV` in this process (real code, real files), capturing its output."""
    from binder.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(argv)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def cli_binder(made, incident_id, monkeypatch, tmp_path):
    """The `made` binder for in-process commands: an evidence item and secrets in the env."""
    f = tmp_path / "a.log"
    f.write_text("GET / 200\n")
    ev.register_evidence(made.binder, incident_id, f, made.lead, description="log")
    made.binder.close()
    monkeypatch.setenv("BINDER_FILE", str(made.path))
    monkeypatch.setenv("BINDER_NO_KEYRING", "1")
    for name, value in signer_env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    return made.path


I = "1"  # noqa: E741 - the incident every case uses
BAD_ARGS = [
    ["journal", "add", I, "--as", LEAD, "--text", ""],
    ["journal", "add", I, "--as", LEAD, "--text", "   "],
    ["journal", "add", I, "--as", LEAD, "--text", "a\x00b"],
    ["journal", "add", I, "--as", LEAD, "--text", "bell\x07"],
    ["journal", "add", I, "--as", LEAD, "--text", "\x1b[2J cleared"],
    ["journal", "add", I, "--as", LEAD, "--text", "x" * 100_001],
    ["journal", "add", I, "--as", LEAD, "--text", "ok", "--reason", "r\x00"],
    ["journal", "add", I, "--as", LEAD, "--text", "ok", "--kind", "open"],
    ["journal", "add", I, "--as", LEAD, "--text", "ok", "--kind", ""],
    ["journal", "add", I, "--as", LEAD, "--text", "ok", "--occurred-at", "2026-13-45"],
    ["journal", "add", I, "--as", LEAD, "--text", "ok", "--occurred-at", "yesterday"],
    ["journal", "add", I, "--as", LEAD, "--text", "ok", "--occurred-at", "2026-02-30T10:00"],
    ["journal", "add", I, "--as", LEAD, "--text", "ok", "--witness", LEAD],
    ["journal", "add", I, "--as", "", "--text", "ok"],
    ["journal", "add", I, "--as", "nobody", "--text", "ok"],
    ["journal", "add", I, "--as", "al\u202eice", "--text", "ok"],
    ["journal", "add", "0", "--as", LEAD, "--text", "ok"],
    ["journal", "add", "99999999999999999999", "--as", LEAD, "--text", "ok"],
    ["journal", "add", "²", "--as", LEAD, "--text", "ok"],
    ["journal", "add", "", "--as", LEAD, "--text", "ok"],
    ["journal", "add", "not-a-uuid", "--as", LEAD, "--text", "ok"],
    ["journal", "add", I, "--text", "no author"],
    ["journal", "cosign", "--as", WITNESS, "--", "-1"],
    ["journal", "cosign", "0", "--as", WITNESS],
    ["journal", "cosign", "99999999999999999999", "--as", WITNESS],
    ["journal", "cosign", "4.5", "--as", WITNESS],
    ["journal", "correct", "1", "--as", LEAD, "--text", "", "--reason", "r"],
    ["journal", "list", "-5"],
    ["incident", "open", "--title", "", "--as", LEAD],
    ["incident", "open", "--title", "two\nlines", "--as", LEAD],
    ["incident", "open", "--title", "x", "--as", LEAD, "--detected-at", "yesterday"],
    ["incident", "open", "--title", "x", "--as", LEAD, "--severity", "urgent"],
    ["incident", "open", "--title", "x", "--as", LEAD, "--type", "<script>"],
    ["incident", "show", "99999999999999999999"],
    ["incident", "phase", I, "\x00", "--as", LEAD],
    ["verify", "-1"],
    ["verify", "99999999999999999999"],
    ["evidence", "transfer", "E0", "--as", LEAD, "--to", "lab", "--purpose", "p"],
    ["evidence", "transfer", "99999999999999999999", "--as", LEAD, "--to", "lab", "--purpose", "p"],
    ["evidence", "transfer", "E1", "--as", LEAD, "--to", "", "--purpose", "p"],
    ["evidence", "transfer", "E1", "--as", LEAD, "--to", "two\nlines", "--purpose", "p"],
    ["evidence", "transfer", "E1", "--as", LEAD, "--to", "lab", "--purpose", "p",
     "--time", "2026-13-45"],
    ["evidence", "add", I, "/no/such/file.log", "--as", LEAD, "--description", "d"],
    ["evidence", "add", I, "", "--as", LEAD, "--description", "d"],
    ["evidence", "add", I, ".", "--as", LEAD, "--description", "d"],
    ["evidence", "add", I, "/dev/null", "--as", LEAD, "--description", "d"],
    ["roster", "add", "--name", "", "--role", "lead"],
    ["roster", "add", "--name", "\u202eevil", "--role", "lead"],
    ["roster", "add", "--name", "x", "--role", "nobody"],
    ["roster", "add", "--name", "x", "--role", "lead", "--escalation", "0"],
    ["roster", "add", "--name", "x", "--role", "lead", "--escalation", "-1"],
    ["roster", "add", "--name", "x", "--role", "lead", "--escalation", "99999999999999999999"],
    ["roster", "add", "--name", "x", "--role", "lead", "--email", "not an email"],
    ["roster", "add", "--name", "x", "--role", "lead", "--phone", "call me maybe"],
    ["decide", I, "--as", LEAD, "--decision", "", "--reason", "r"],
    ["notify", I, "--as", LEAD, "--party", "p", "--channel", "c", "--message", "m",
     "--at", "yesterday"],
    ["impact", "add", I, "--as", LEAD, "--category", "c", "--amount", "1e999", "--currency", "EUR"],
    ["impact", "add", I, "--as", LEAD, "--category", "c", "--amount", "10", "--currency", "€"],
    ["clock", "aware", I, "--as", LEAD, "--at", "9999-12-31T23:59:59-14:00"],
    ["plan", "import", ""],
    ["plan", "import", "/etc/passwd"],
    ["plan", "import", "/no/such/plan.toml"],
    ["journal", "import", I, "/etc/passwd", "--as", LEAD],
    ["export", I, "-o", ""],
    ["export", I, "-o", "/no/such/folder/b.json"],
    ["report", I, "-o", "/no/such/folder/r.pdf"],
    ["report", I, "-o", "r.pdf", "--as", LEAD],
    ["no-such-command"],
    ["journal", "add", I, "--as", LEAD, "--text", "ok", "--no-such-option"],
]


@pytest.mark.parametrize("argv", BAD_ARGS, ids=lambda a: " ".join(a)[:60].encode(
    "unicode_escape").decode())
def test_bad_command_line_is_one_line_exit_2_nothing_written(cli_binder, argv):
    from binder.core.storage.database import open_binder

    with open_binder(cli_binder) as b:
        before = counts(b)
    code, out, err = run_main(argv)
    assert code == 2, (code, out, err)
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("binder: "), err
    assert "Traceback" not in err and "internal error" not in err
    with open_binder(cli_binder) as b:
        assert counts(b) == before


GOOD_ARGS = [
    ["journal", "add", I, "--as", LEAD, "--text", "שלום — checkout 🙂 مرحبا"],
    ["journal", "add", I, "--as", LEAD, "--text", "tabs\tand\nlines", "--reason", "multi\nline"],
    ["journal", "add", I, "--as", LEAD, "--text", "x" * 100_000],
    ["journal", "add", I, "--as", LEAD, "--text", "<img src=\"/etc/passwd\"> & <"],
    ["journal", "add", I, "--as", LEAD, "--text", "t", "--occurred-at", "2026-11-29 14:05"],
    ["journal", "add", I, "--as", "ALICE", "--text", "case-insensitive name"],
    ["roster", "add", "--name", "Zoë O'Brien-Łukasiewicz", "--role", "Incident Lead",
     "--phone", "+49 (30) 123-456 x7"],
    ["incident", "open", "--title", "Skimmer \"quoted\" 'and' <b>bold</b>", "--as", LEAD],
]


@pytest.mark.parametrize("argv", GOOD_ARGS, ids=lambda a: " ".join(a)[:50])
def test_valid_odd_input_is_accepted_and_stored_exactly(cli_binder, argv):
    from binder.core.storage.database import open_binder

    code, out, err = run_main(argv)
    assert code == 0, err
    new_id = out.strip()
    assert new_id and "\n" not in new_id
    if argv[:2] == ["journal", "add"]:
        text = argv[argv.index("--text") + 1]
        with open_binder(cli_binder) as b:
            assert journal.get_entry(b, int(new_id)).text == text


def test_right_to_left_override_is_refused_but_rtl_text_is_kept(cli_binder):
    """U+202E would make a signed entry display in another order than it was written."""
    from binder.core.storage.database import open_binder

    text = "paid 100 \u202e 000,1 diap"
    code, out, err = run_main(["journal", "add", I, "--as", LEAD, "--text", text])
    assert code == 2 and err.count("\n") == 1 and "U+202E" in err
    arabic = "تم عزل الخادم"  # right-to-left letters are ordinary text
    code, out, err = run_main(["journal", "add", I, "--as", LEAD, "--text", arabic])
    assert code == 0, err
    with open_binder(cli_binder) as b:
        assert journal.get_entry(b, int(out)).text == arabic


@pytest.mark.parametrize("name", [
    "with space.log", "quote'd \"both\".log", "new\nline.log", "ünïcödé-日志.log", "-rf.log",
    "emoji 🔥.log", ".hidden", "semi;colon&amp.log", "back\\slash.log", "x" * 200 + ".log",
])
def test_odd_file_names_register_and_verify(cli_binder, tmp_path, name):
    from binder.core.storage.database import open_binder
    from binder.core.verify.checks import verify_binder

    f = tmp_path / "odd" / name
    f.parent.mkdir(exist_ok=True)
    f.write_bytes(b"evidence " + name.encode())
    code, out, err = run_main(["evidence", "add", I, str(f), "--as", LEAD, "--description",
                               f"file {name!r}", "--copy"])
    assert code == 0, err
    with open_binder(cli_binder) as b:
        item = ev.get_evidence(b, int(out))
        assert item.data["original_path"] == str(f)
        assert Path(item.file).parent == ev.evidence_folder(b)  # the copy's name is tamed
        assert verify_binder(b).ok


# ------------------------------------------------------------------ the real command, a handful


def _real(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if not k.startswith("BINDER_")}
    full.update(signer_env(), BINDER_NO_KEYRING="1")
    full.update(env or {})
    return subprocess.run([sys.executable, "-m", "binder", *args], capture_output=True,
                          text=True, env=full, timeout=120)


def test_real_command_refusals(made, incident_id, tmp_path):
    made.binder.close()
    b = str(made.path)
    truncated = tmp_path / "plan with space.toml"
    truncated.write_text(default_plan_text()[: len(default_plan_text()) // 3])
    notes = tmp_path / "notes\nwith newline.jsonl"
    notes.write_text('{"text": "fine"}\n{"text": "bad\\u0000nul"}\n')
    cases = [
        (["journal", "add", "1", "--as", LEAD, "--text", "\x1b]0;pwned\x07"], "control character"),
        (["journal", "add", "1", "--as", LEAD, "--text", "t", "--occurred-at", "2026-13-45"],
         "not a valid time"),
        (["journal", "add", "1", "--as", LEAD, "--text", "y" * 100_001], "longer than"),
        (["journal", "cosign", "--as", WITNESS, "--", "-7"], "positive"),
        (["journal", "cosign", "99999999999999999999", "--as", WITNESS], "too large"),
        (["plan", "import", str(truncated)], "plan file"),
        (["journal", "import", "1", str(notes), "--as", LEAD], "line 2"),
        (["journal", "add", "1", "--as", LEAD], "--text"),
    ]
    for argv, says in cases:
        done = _real("--binder", b, *argv)  # before argv: some cases end with "--"
        assert done.returncode == 2, (argv, done.stderr)
        assert done.stdout == "" and done.stderr.count("\n") == 1, (argv, done.stderr)
        assert says in done.stderr and "Traceback" not in done.stderr, (argv, done.stderr)
    ok = _real("journal", "add", "1", "--as", LEAD, "--text", "🔥 שלום <b>", "--binder", b)
    assert ok.returncode == 0 and ok.stdout.strip().isdigit(), ok.stderr
    checked = _real("verify", "--binder", b)
    assert checked.returncode == 0 and "intact: 1 incident(s), 2 entries" in checked.stdout


# ------------------------------------------------------------------ markup in every report field


def _tags(raw_text: str) -> set[str]:
    """The field tags ("Q04") printed, as whole words: the printed checkpoint's base64 may
    hold "Q04" inside a longer run of letters and digits, which is not a field."""
    return set(re.findall(r"(?<![A-Za-z0-9+/=])Q\d\d(?![A-Za-z0-9+/=])", raw_text))


def _pdf_raw_text(path: Path) -> str:
    # Reading order, not -layout: a wrapped table cell then stays in one piece.
    done = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True)
    return done.stdout


def _pdf_text(path: Path) -> str:
    return "".join(_pdf_raw_text(path).split())


def _images(path: Path) -> int:
    count = 0
    for page in PdfReader(str(path)).pages:
        for ref in ((page.get("/Resources") or {}).get("/XObject") or {}).values():
            count += ref.get_object().get("/Subtype") == "/Image"
    return count


def nasty(tag: str) -> str:
    return f'{tag}<img src="/etc/passwd"> <font color=red>R</font> & <b>'


def test_markup_in_every_text_field_prints_literally(made, tmp_path):
    from binder.core.output.paper import write_print_plan
    from binder.core.output.report.build import write_report

    b = made.binder
    signers.enroll(b, "carol", "carol-passphrase", display_name="Q01 Carol <b>&amp;</b>",
                   role=nasty("Q02"), kdf=LIGHT_KDF_FOR_TESTS)
    iid = open_incident(b, made.lead, title=nasty("Q03"), type="skimmer", severity="high",
                        plan_revision_id=plan.current_revision(b).id)
    journal.append(b, iid, made.lead, NewEntry(text=nasty("Q04"), reason=nasty("Q05"),
                                               source=nasty("Q06"), assets=nasty("Q07")))
    workflow.record_decision(b, iid, made.lead, decision=nasty("Q08"), reason=nasty("Q09"),
                             options=[nasty("Q10")], approved_by=nasty("Q11"),
                             witness=made.witness)
    notifications.record_notification(b, iid, made.lead, party=nasty("Q12"), channel=nasty("Q13"),
                                 message=nasty("Q14"))
    notifications.record_notify_decision(b, iid, made.lead, party=nasty("Q15"), notify=False,
                                    reason=nasty("Q16"))
    impact.add_impact(b, iid, made.lead, nasty("Q17"), "100", "EUR", nasty("Q18"))
    f = tmp_path / "log.txt"
    f.write_text("x\n")
    item = ev.register_evidence(b, iid, f, made.lead, description=nasty("Q19"),
                                source_system=nasty("Q20"), reason=nasty("Q21"),
                                collected_where=nasty("Q22"), method=nasty("Q23"),
                                storage_location=nasty("Q24"), witness=made.witness)
    ev.transfer(b, item, made.lead, received_by=nasty("Q25"), purpose=nasty("Q26"),
                location=nasty("Q27"), seal=nasty("Q28"))
    review.add_review(b, iid, made.lead, nasty("Q29"))
    workflow.close_incident(b, iid, made.lead, summary=nasty("Q30"))
    roster.add_contact(b, role="legal", name="Q31 Ann &amp; Bob", notes=nasty("Q32"))

    full, executive, paper = (tmp_path / n for n in ("full.pdf", "exec.pdf", "paper.pdf"))
    carol = signers.open_session(b, "carol", "carol-passphrase")
    write_report(b, iid, full, lead=carol)  # her display name goes on the sign-off page
    write_report(b, iid, executive, variant="executive")
    write_print_plan(b, paper)
    raw = {p.name: _pdf_raw_text(p) for p in (full, executive, paper)}
    texts = {name: "".join(text.split()) for name, text in raw.items()}
    for name, text in texts.items():
        assert "root:x:0" not in text, name
        assert _images(tmp_path / name) == 0, name
        # Any field that is printed is printed whole and literally.
        for tag in sorted(_tags(raw[name])):
            if tag in ("Q01", "Q31"):  # checked below: not the common pattern
                continue
            expected = "".join(nasty(tag).split())
            assert expected in text, (name, tag)
    printed = _tags(raw["full.pdf"])
    must = {"Q01", "Q03", "Q04", "Q05", "Q08", "Q09", "Q12", "Q14", "Q17", "Q19", "Q26", "Q29"}
    assert must <= printed, sorted(must - printed)
    assert "Q31Ann&amp;Bob" in texts["paper.pdf"]  # a roster name, exactly as typed
    assert "Q01Carol<b>&amp;</b>" in texts["full.pdf"]  # a signer's name, exactly as typed

