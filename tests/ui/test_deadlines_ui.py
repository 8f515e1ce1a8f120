"""Deadlines on screen: the header's running clocks, the same verdict as the core, the
regulator form from the journal to a recorded submission, type changes and event times."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from binder.core.incident import journal, notifications, workflow
from binder.core.incident.record import open_incident
from binder.core.plan import revisions as plans
from binder.ui.screens.decisions import DecisionsPane
from binder.ui.screens.journal_model import JournalModel
from binder.ui.screens.workspace import IncidentWorkspace
from tests.helpers import LEAD

SHOTS = os.environ.get("BINDER_SCREENSHOTS")  # a folder: save the screens for people to look at


def shoot(widget, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        widget.grab().save(str(Path(SHOTS) / f"{name}.png"))


def show(qtbot, widget, height: int = 720):
    qtbot.addWidget(widget)
    widget.resize(1366, height)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


@pytest.fixture
def skimmer(made):
    """A card skimmer found 30 hours ago: the acquirer and Mastercard clocks are missed."""
    detected = (datetime.now(UTC) - timedelta(hours=30)).isoformat(timespec="minutes")
    return open_incident(made.binder, made.lead, title="Skimmer in checkout", type="skimmer",
                         severity="critical", detected_at=detected,
                         plan_revision_id=plans.current_revision(made.binder).id)


def test_header_shows_every_running_clock_most_urgent_first(qtbot, made, skimmer):
    ws = show(qtbot, IncidentWorkspace(made.binder, skimmer, lambda: made.lead), 768)
    state = workflow.incident_state(made.binder, skimmer)
    expected = [c.key for c in state.running_clocks]
    assert [c.key for c in ws.running_clocks] == expected
    assert len(expected) >= 4  # acquirer, Mastercard, Visa, GDPR Art. 33 and 34
    shown = [chip.text() for chip in ws.deadline_chips if chip.isVisible()]
    assert len(shown) == len(expected)
    # Missed ones first (in red), then the nearest deadline.
    assert shown[0].split(" · ")[1].startswith("MISSED")
    assert ws.deadline_chips[0].styleSheet() and "#b91c1c" in ws.deadline_chips[0].styleSheet()
    running = [c for c in state.running_clocks if c.status == "running"]
    first_running = shown[len(expected) - len(running)]
    assert first_running.split(" · ")[1].startswith("due in")
    assert ws.window().minimumSizeHint().width() <= 1366
    # The journal's time column shows the whole time with its zone, not "12:0…".
    view = ws.journal.view
    when = view.model().index(0, JournalModel.WHEN)
    shown_when = view.model().data(when)
    assert shown_when.split()[-1].isalpha() or shown_when.split()[-1].startswith("UTC")
    assert view.columnWidth(JournalModel.WHEN) >= view.fontMetrics().horizontalAdvance(shown_when) + 8
    shoot(ws, "header-running-clocks")


def test_the_same_verdict_on_screen_as_in_the_core(qtbot, made, skimmer):
    notifications.record_notification(
        made.binder, skimmer, made.lead, party="Acquirer", channel="phone", message="Told",
        told_at=(datetime.now(UTC) - timedelta(hours=2)).isoformat(timespec="minutes"),
        clock_key="acquirer", delay_reason="nobody answered the acquirer's line overnight")
    pane = show(qtbot, DecisionsPane(made.binder, skimmer, lambda: made.lead), 600)
    core = {c.key: c for c in workflow.incident_state(made.binder, skimmer).clocks}
    for row in range(pane.clocks.rowCount()):
        key = pane.clocks.item(row, 0).data(Qt.ItemDataRole.UserRole)
        status = pane.clocks.item(row, 2).text()
        verdict = core[key].status
        if verdict == "late":
            assert status.startswith("LATE"), key
        elif verdict == "missed":
            assert status.startswith("MISSED"), key
        elif verdict == "met":
            assert status.startswith("met"), key
    assert core["acquirer"].status == "late"
    assert pane.notifications.item(0, 5).text().startswith("Acquirer: tell the acquirer: LATE — nobody")
    # The verdict wraps in its own column: party and message keep room to be read at 1366 px.
    assert pane.notifications.columnWidth(1) >= 80 and pane.notifications.columnWidth(3) >= 80


def test_gdpr_form_from_the_journal_to_a_recorded_submission(qtbot, made, incident_id, tmp_path):
    journal.append(made.binder, incident_id, made.lead, journal.NewEntry(
        kind="observation", text="Loader script sends card numbers to a look-alike domain"))
    pane = show(qtbot, DecisionsPane(made.binder, incident_id, lambda: made.lead), 600)
    notice = pane.open_notice("gdpr_art33")
    qtbot.addWidget(notice)
    notice.resize(1366, 768)
    assert "look-alike domain" in notice.inputs["nature"].toPlainText()
    notice.inputs["subjects"].setPlainText("Customers who paid by card, about 3,100")
    shoot(notice, "notification-form")
    pdf = notice.save_pdf(tmp_path / "art33.pdf")
    assert pdf is not None and pdf.read_bytes().startswith(b"%PDF")
    assert notice.copy_text()
    submission = notice.record_submission()
    submission.fields["channel"].setCurrentText("Web portal / form")
    submission.fields["reference"].setText("DPA-77")
    submission.fields["when"].setText("2026-11-29 07:58")
    assert submission.try_accept()
    [told] = workflow.incident_state(made.binder, incident_id).notifications
    assert (told.form, told.reference) == ("gdpr_art33", "DPA-77")
    assert told.content["subjects"] == "Customers who paid by card, about 3,100"
    assert told.told_at.startswith("2026-11-29T07:58") and ":02" not in told.told_at
    assert pane.notifications.item(0, 3).text().startswith("Personal data breach notification")


def test_type_change_in_the_app_is_signed_and_starts_its_clocks(qtbot, made):
    iid = open_incident(made.binder, made.lead, title="Odd admin user", type="admin_takeover",
                        plan_revision_id=plans.current_revision(made.binder).id)
    ws = show(qtbot, IncidentWorkspace(made.binder, iid, lambda: made.lead), 768)
    assert "visa" not in [c.key for c in ws.running_clocks]
    dialog = ws.change_classification()
    qtbot.addWidget(dialog)
    assert not dialog.try_accept()
    assert "Nothing changes" in dialog.message.text()
    dialog.fields["type"].setCurrentIndex(dialog.fields["type"].findData("skimmer"))
    dialog.fields["severity"].setCurrentIndex(dialog.fields["severity"].findData("critical"))
    dialog.fields["reason"].setText("card data in the loader")
    assert dialog.try_accept()
    changes = [e for e in journal.iter_entries(made.binder, iid) if e.kind == "classification"]
    assert [e.data["field"] for e in changes] == ["type", "severity"]
    ws.update_header()
    assert ws.severity.text() == "CRITICAL"
    assert "visa" in [c.key for c in ws.running_clocks]


def test_journal_orders_by_when_it_happened(qtbot, made, incident_id):
    late = journal.append(made.binder, incident_id, made.lead, journal.NewEntry(
        text="Written first, happened later", occurred_at="2026-11-29T12:00+01:00"))
    early = journal.append(made.binder, incident_id, made.lead, journal.NewEntry(
        text="Written second, happened first", occurred_at="2026-11-29T07:58+01:00"))
    model = JournalModel(made.binder, incident_id)
    model.fetchMore()
    ids = [model.view_at(r).entry.id for r in range(model.rowCount())]
    assert ids.index(late) < ids.index(early)  # latest first, by event time
    when = model.data(model.index(ids.index(early), JournalModel.WHEN))
    assert ":58" in when and ":58:0" not in when  # as typed: to the minute
    model.set_order("entry")
    ids = [model.view_at(r).entry.id for r in range(model.rowCount())]
    assert ids.index(early) < ids.index(late)  # latest written first
    journal.append(made.binder, incident_id, made.lead, journal.NewEntry(
        text="Happened in between", occurred_at="2026-11-29T09:00+01:00"))
    model.set_order("event")
    assert len(model.refresh_new()) == 0  # already counted by the reload
    texts = [model.view_at(r).entry.text for r in range(model.rowCount())]
    assert texts.index("Written first, happened later") < texts.index("Happened in between") \
        < texts.index("Written second, happened first")


def test_quick_entry_keeps_the_minute_typed(qtbot, made, incident_id):
    from PySide6.QtCore import QDateTime

    from binder.ui.screens.quick_entry import QuickEntry

    quick = show(qtbot, QuickEntry(made.binder, incident_id, lambda: made.lead), 120)
    assert quick.when.dateTime().time().second() == 0
    assert quick.when.text().endswith(datetime.now().astimezone().tzname())  # its zone shown
    quick.text.setPlainText("Skimmer script first seen")
    quick.earlier.setChecked(True)
    moment = QDateTime.fromString("2026-11-29 07:58", "yyyy-MM-dd HH:mm")
    quick.when.setDateTime(moment)
    entry_id = quick.add_entry()
    occurred = journal.get_entry(made.binder, entry_id).occurred_at
    assert occurred.startswith("2026-11-29T07:58") and occurred[16] in "+-Z"
    assert json.dumps(occurred)  # plain text, kept as typed with its offset
    assert LEAD


def _pdf_lines(path: Path) -> list[str]:
    import subprocess

    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout.splitlines()


def _clock_for(line: str, names: dict[str, str]) -> str | None:
    """The key of the clock whose name this table line starts (a cell may wrap the name)."""
    head = line.strip()
    for key, name in names.items():
        first = name[:18]
        if head.startswith(first):
            return key
    return None


def test_header_json_and_both_reports_read_the_same_verdicts(qtbot, made, skimmer, tmp_path,
                                                            run_cli):
    """One verdict per clock, read back from the app, `incident show --json` and both PDFs."""
    import re

    from binder.core.output.report.build import write_report
    from tests.helpers import signer_env

    now = datetime.now(UTC)
    notifications.record_notification(  # late, with the stated reason
        made.binder, skimmer, made.lead, party="Acquirer", channel="phone", message="Told",
        told_at=(now - timedelta(hours=2)).isoformat(timespec="minutes"), clock_key="acquirer",
        delay_reason="nobody answered the acquirer's line overnight")
    notifications.record_notification(  # met
        made.binder, skimmer, made.lead, party="Data protection authority", channel="portal",
        message="Art. 33 notification", reference="DPA-5",
        told_at=(now - timedelta(hours=1)).isoformat(timespec="minutes"), clock_key="gdpr_art33")
    # Mastercard stays unanswered (missed); Visa and the Art. 34 decision are still running.
    full, executive = tmp_path / "full.pdf", tmp_path / "executive.pdf"
    write_report(made.binder, skimmer, full, variant="full")
    write_report(made.binder, skimmer, executive, variant="executive")

    ws = show(qtbot, IncidentWorkspace(made.binder, skimmer, lambda: made.lead), 768)
    header = {c.key: chip.text() for c, chip in zip(ws.running_clocks, ws.deadline_chips,
                                                    strict=False)}
    pane = show(qtbot, DecisionsPane(made.binder, skimmer, lambda: made.lead), 600)
    on_screen = {pane.clocks.item(r, 0).data(Qt.ItemDataRole.UserRole): pane.clocks.item(r, 2).text()
                 for r in range(pane.clocks.rowCount())}
    ws.close()
    pane.close()
    made.binder.close()

    env = {**signer_env(), "BINDER_FILE": str(made.path)}
    shown = run_cli("incident", "show", str(skimmer), "--json", env=env)
    assert shown.code == 0, shown.err
    clocks = {c["key"]: c for c in json.loads(shown.out)["clocks"] if c["status"] != "off"}
    assert {k: c["status"] for k, c in clocks.items()} == {
        "acquirer": "late", "gdpr_art33": "met", "mastercard": "missed", "visa": "running",
        "gdpr_art34": "running"}
    names = {k: c["name"] for k, c in clocks.items()}

    def due(c):  # the JSON's ISO 8601 UTC as the documents print it
        return datetime.fromisoformat(c["due_at"].replace("Z", "+00:00")).strftime(
            "%Y-%m-%d %H:%M UTC")

    # 1. The app header: every clock still asking for action, and only those.
    assert set(header) == {k for k, c in clocks.items() if c["status"] in ("running", "missed")}
    for key, text in header.items():
        word = {"missed": "MISSED", "running": "due in"}[clocks[key]["status"]]
        assert text.split(" · ")[1].startswith(word), (key, text)
    # ... and the deadlines table of the app, for the answered ones too.
    words = {"missed": "MISSED", "late": "LATE", "met": "met", "running": "due in"}
    for key, c in clocks.items():
        assert words[c["status"]] in on_screen[key], (key, on_screen[key])

    # 2. The full report's deadline table: the label and the due time on the row's first line.
    row = re.compile(r"^\s*(?P<name>\S.*?)\s{2,}\d+ \w+ from\s+(?P<due>\d{4}-\d\d-\d\d \d\d:\d\d UTC)"
                     r"\s+(?P<label>RUNNING|MET|LATE|MISSED)\s*$")
    in_full = {}
    for line in _pdf_lines(full):
        if (m := row.match(line)) and (key := _clock_for(m["name"], names)):
            in_full[key] = (m["label"], m["due"])
    assert in_full == {k: (c["status"].upper(), due(c)) for k, c in clocks.items()}

    # 3. The executive summary: one line per clock with its due time and verdict.
    line_re = re.compile(r"^\s*(?P<name>\S.*?)\s{2,}(?P<due>\d{4}-\d\d-\d\d \d\d:\d\d UTC)"
                         r"\s{2,}(?P<said>\S.*)$")
    said_status = [("MISSED", "missed"), ("LATE", "late"), ("met ", "met"), ("due in", "running")]
    in_summary = {}
    for line in _pdf_lines(executive):
        if (m := line_re.match(line)) and (key := _clock_for(m["name"], names)):
            status = next(s for word, s in said_status if m["said"].startswith(word))
            in_summary[key] = (status, m["due"])
    assert in_summary == {k: (c["status"], due(c)) for k, c in clocks.items()}

    # The acquirer's notification is LATE in the report's notifications table, never also MET
    # or MISSED.
    lines = _pdf_lines(full)
    table = next(i for i, line in enumerate(lines) if "Told at" in line and "Party and" in line)
    dated = re.compile(r"^\s*\d{4}-\d\d-\d\d \d\d:\d\d UTC")
    first = next(i for i in range(table, len(lines)) if dated.match(lines[i]) and "Acquirer" in lines[i])
    last = next(i for i in range(first + 1, len(lines)) if dated.match(lines[i]) or not lines[i].strip())
    told = "\n".join(lines[first:last])
    assert "LATE (due" in told and "nobody answered" in told, told
    assert "MISSED" not in told and "met (due" not in told, told
