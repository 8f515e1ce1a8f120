"""The report's facts, read without laying out a page: what any door or document can reuse."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

from binder.core.incident import journal, notifications, workflow
from binder.core.incident.journal import NewEntry
from binder.core.incident.record import get_incident
from binder.core.output.report.facts import gather_facts, snapshot
from binder.core.storage.database import open_binder
from tests.helpers import LEAD, WITNESS

NOW = "2026-12-01T10:00:00Z"


def _facts(binder, incident_id):
    with snapshot(binder):
        return gather_facts(binder, get_incident(binder, incident_id), now=NOW)


def test_facts_number_the_key_events_and_count_who_signed(made, incident_id, tmp_path):
    b = made.binder
    phase = workflow.incident_plan(b, get_incident(b, incident_id)).phases[1].key
    workflow.set_focus_phase(b, incident_id, made.lead, phase)
    workflow.tick_checklist(b, incident_id, made.lead, phase, 0)
    workflow.record_decision(b, incident_id, made.lead, decision="Take the store offline",
                             reason="every order leaks card data", witness=made.witness)
    notifications.record_notification(b, incident_id, made.lead, party="Acquirer", channel="phone",
                                 message="Told the acquirer")
    log = tmp_path / "access.log"
    log.write_text("GET /checkout 200\n")
    from binder.core.incident import evidence

    evidence.register_evidence(b, incident_id, log, made.lead, description="nginx access log")
    journal.append(b, incident_id, made.lead, NewEntry(text="Skimmer removed", kind="action"))

    f = _facts(b, incident_id)
    assert f.verify_ok and f.problem_count == 0
    assert [(e.kind, e.label) for e in f.timeline if e.label] == [
        ("decision", "D1"), ("notification", "N1"), ("evidence", "E1")]
    assert f.timeline[0].kind == "detected" and f.timeline[0].text == "Detected"
    assert [s.phase for s in f.focus_spans][-1] == phase and f.focus_spans[-1].end is None
    assert [t.phase for t in f.ticks] == [phase]
    rows = {r.signer.person: (r.authored, r.cosigned) for r in f.signer_rows}
    assert rows[WITNESS] == (0, 1) and rows[LEAD][0] == f.entry_count
    assert f.latest[-1].text == "Skimmer removed"
    assert f.head == journal.head_hash(b, incident_id)
    assert f.phase_name(phase) != phase and f.phase_name("no-such-phase") == "no-such-phase"


def test_facts_name_the_entry_verification_finds_changed(made, incident_id):
    entry = journal.append(made.binder, incident_id, made.lead,
                           NewEntry(text="Called the host", kind="action"))
    seq = journal.get_entry(made.binder, entry).seq
    made.binder.close()
    conn = sqlite3.connect(made.path)
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        conn.execute(f"DROP TRIGGER {name}")
    conn.execute("UPDATE entry SET text = 'Did not call anyone' WHERE id = ?", (entry,))
    conn.commit()
    conn.close()
    with open_binder(made.path) as b:
        f = _facts(b, incident_id)
    assert not f.verify_ok and f.problem_count >= 1 and seq in f.problems


def test_reading_facts_never_loads_reportlab(made, incident_id):
    made.binder.close()
    code = (
        "import sys\n"
        "from binder.core.storage.database import open_binder\n"
        "from binder.core.incident.record import get_incident\n"
        "from binder.core.output.report.facts import gather_facts, snapshot\n"
        f"with open_binder({str(made.path)!r}) as b, snapshot(b):\n"
        f"    f = gather_facts(b, get_incident(b, {incident_id}), now={NOW!r})\n"
        "assert f.entry_count >= 1\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('reportlab', 'pyhanko')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
