"""Screenshots of every screen, taken from the app itself: ``python -m binder.ui.screenshots OUTDIR``.

A demo binder with realistic content is built in a temporary folder (nothing
on the real binder is touched), then each screen is shown at 1366x768 and
saved as a PNG. The README's pictures come from here, so they stay current.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

SIZE = (1366, 768)
LARGE = (1920, 1080)
ORG = "Acme Outdoor Ltd"
BINDER_PASS = "orange kettle mountain"
#: How the demo binder's access log names this tool.
DOOR = "screenshots"
#: (login, roster name, own passphrase) of the demo's signers; their roles come from the roster.
PEOPLE = (
    ("dana", "Dana Smith", "dana signing passphrase"),
    ("sam", "Sam Okafor", "sam signing passphrase"),
    ("lee", "Lee Martin", "lee signing passphrase"),
)


def _ago(minutes: float) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes)).isoformat(timespec="seconds")


def build_demo(folder: Path) -> Path:
    """A binder like one in real use: roster, signers, incidents, journal, evidence."""
    from binder.core.crypto import session, signers
    from binder.core.crypto.envelope import LIGHT_KDF_FOR_TESTS
    from binder.core.incident import journal, workflow
    from binder.core.incident.journal import NewEntry
    from binder.core.incident.record import open_incident
    from binder.core.people import enroll_contact
    from binder.core.plan import revisions as plan
    from binder.core.storage.database import create_binder

    path = folder / "acme-store.binder"
    b = create_binder(path, org=ORG)
    # Light key derivation keeps the throwaway demo quick; real binders use the default.
    session.create_keys(b, BINDER_PASS, door=DOOR, who="dana", kdf=LIGHT_KDF_FOR_TESTS)
    signers.create_root(b)
    plan.load_default_plan(b, author="dana")
    # People who sign are roster contacts: the roster first, then their keys.
    _roster(b)
    sessions = {}
    for person, name, secret in PEOPLE:
        enroll_contact(b, name, secret, login=person, kdf=LIGHT_KDF_FOR_TESTS)
        sessions[person] = session.sign_in(b, person, secret, door=DOOR)
    dana, sam, lee = sessions["dana"], sessions["sam"], sessions["lee"]
    rev = plan.current_revision(b)
    import functools

    open_incident = functools.partial(
        open_incident, severities=tuple(rev.plan.severities),
        types=tuple(k for k, _ in rev.plan.incident_types))

    old = open_incident(b, dana, title="Admin account takeover via reused password",
                        detected_at=_ago(60 * 24 * 41), type="admin_takeover", severity="medium",
                        plan_revision_id=rev.id)
    journal.append(b, old, dana, NewEntry(text="Admin user 'marketing2' disabled; all admin sessions "
                                          "revoked; 2FA enforced for every admin.", kind="action"))
    _try(lambda: workflow.close_incident(
        b, old, dana, "Contained within 2 hours; no customer data accessed"))
    open_incident(b, dana, title="Drill: Malicious extension update", detected_at=_ago(60 * 24 * 9),
                  type="malware", severity="high", drill=True, plan_revision_id=rev.id)

    iid = open_incident(b, dana, title="Card skimmer in checkout JavaScript",
                        detected_at=_ago(290), type="skimmer", severity="critical",
                        plan_revision_id=rev.id)
    story = [
        (285, sam, "observation", "Customer reports two fraudulent charges after buying on our store "
         "last week; bank says our shop is the common point of purchase.", "Support ticket #4471"),
        (270, sam, "observation", "Checkout page loads an extra script from cdn-jsdelivr.co (look-alike "
         "domain) injected in the footer CMS block.", "Seen in page source and HAR file"),
        (262, dana, "decision", "Treat as a card-data incident; open the response under the plan.",
         "Look-alike domain plus fraud reports: a skimmer is the likeliest explanation"),
        (255, dana, "action", "Called hosting support (SLA line); ticket HS-22817 opened for log "
         "preservation.", ""),
        (240, sam, "action", "Exported Nginx access logs for the last 30 days to the evidence drive.", ""),
        (228, sam, "observation", "CMS block 'footer_links' was changed 9 days ago by admin user "
         "'j.doe' from an IP in a hosting range we do not use.", "admin_user_session table"),
        (215, dana, "action", "Put the store into maintenance mode.",
         "Stops further card capture while we clean up; agreed with management by phone"),
        (205, lee, "communication", "Legal informed; advises to keep the maintenance page neutral and to "
         "prepare the GDPR Art. 33 notification.", ""),
        (190, sam, "action", "Removed the injected script from the CMS block; saved the original "
         "content as evidence first.", ""),
        (175, sam, "action", "Rotated all admin passwords and API keys; disabled user 'j.doe'.", ""),
        (160, dana, "observation", "Payment provider confirms 312 cards used on our checkout since "
         "the change.", "Provider fraud team, phone call"),
        (140, dana, "communication", "Management briefed: store stays down until the scan is clean; "
         "estimated 4 more hours.", ""),
        (120, sam, "observation", "Malware scan of the code base and database finished: no other "
         "injection found.", "Scanner report attached as evidence"),
        (95, dana, "action", "Asked the payment provider to flag the 312 cards for reissue.", ""),
        (60, lee, "communication", "Draft GDPR notification to the supervisory authority reviewed.", ""),
        (30, sam, "action", "Store back online behind the web application firewall with a CSP that "
         "blocks unknown script hosts.", "Verified from two networks"),
        (12, dana, "note", "Next: customer notification text with Communications.", ""),
    ]
    ids = []
    for minutes, who, kind, text, reason in story:
        ids.append(journal.append(b, iid, who, NewEntry(text=text, kind=kind, reason=reason,
                                                        occurred_at=_ago(minutes))))
    journal.cosign(b, ids[6], sam)
    journal.cosign(b, ids[4], dana)
    journal.cosign(b, ids[9], dana)
    journal.correct(b, ids[10], dana, "Payment provider confirms 318 cards used on our checkout "
                    "since the change (final count).", "The provider's first count missed one day")
    _workflow(b, iid, dana, sam, lee)
    _evidence(b, iid, folder, sam, dana)
    _registers(b, iid, dana, sam)
    from binder.services import drafts

    drafts.save_draft(b, iid, "Customer notification: agreed with Comms to send it by email tonight")
    b.close()
    return path


def _try(fn: Callable[[], object]) -> None:
    try:
        fn()
    except Exception as exc:  # noqa: BLE001 - a demo detail missing is not worth failing over
        print(f"screenshots: skipped a demo detail ({type(exc).__name__}: {exc})", file=sys.stderr)


def _roster(b) -> None:
    from binder.core import roster

    for role, name, email, phone, notes in (
        ("lead", "Dana Smith", "dana@acme-outdoor.example", "+44 20 7946 0101", "Out of hours: mobile"),
        ("it", "Sam Okafor", "sam@acme-outdoor.example", "+44 20 7946 0102", "On call weeks 1 and 3"),
        ("legal", "Lee Martin", "lee@acme-outdoor.example", "+44 20 7946 0103", "Outside counsel: Hart & Co"),
        ("comms", "Priya Nair", "priya@acme-outdoor.example", "+44 20 7946 0104", ""),
        ("management", "Alex Berg", "alex@acme-outdoor.example", "+44 20 7946 0105", "CEO"),
        ("hosting", "HostCo support", "support@hostco.example", "+44 20 7946 0199", "SLA: 1 h response, P1"),
        ("adobe_support", "Adobe Commerce support", "", "+1 800 555 0100", "Contract ACX-5521"),
    ):
        roster.add_contact(b, role=role, name=name, email=email, phone=phone, notes=notes)


def _workflow(b, iid, dana, sam, lee) -> None:
    from binder.core.incident import impact, notifications, workflow

    _try(lambda: workflow.set_focus_phase(b, iid, dana, "containment"))
    _try(lambda: workflow.tick_checklist(b, iid, dana, "initial_assessment", 1))
    _try(lambda: workflow.tick_checklist(b, iid, dana, "initial_assessment", 2))
    _try(lambda: workflow.tick_checklist(b, iid, sam, "containment", 1))
    _try(lambda: workflow.record_decision(
        b, iid, dana, decision="Take the store offline until the skimmer is removed",
        reason="Every order placed now exposes another card; the SLA allows 6 hours of downtime",
        options=["Keep the store up and patch live", "Take the store offline"],
        approved_by="Alex Berg (CEO)", witness=sam))
    _try(lambda: notifications.record_notification(
        b, iid, lee, party="Payment provider (fraud team)", channel="phone",
        message="Skimmer found; 318 cards possibly exposed; list sent by secure mail"))
    _try(lambda: impact.add_impact(b, iid, dana, "Lost sales during downtime", "18400", "EUR",
                                     "4.5 hours at the average Saturday rate"))
    _try(lambda: impact.add_impact(b, iid, dana, "Forensic support", "6500", "EUR", "HostCo invoice"))


def _registers(b, iid, dana, sam) -> None:
    from binder.core.incident import registers as reg

    def add() -> None:
        reg.add_indicator(b, iid, sam, type="domain", value="cdn-jsdelivr-stats.example", tlp="amber",
                          first_seen="2026-11-21T02:40+01:00", source="checkout page source",
                          description="hosts the skimmer script")
        reg.add_indicator(b, iid, sam, type="ip", value="203.0.113.77", tlp="green",
                          source="nginx access log", description="admin login origin")
        reg.add_indicator(b, iid, sam, type="hash", tlp="red",
                          value="9f2c1d7b0c43a5b19a3e1f0d6c9b8a7e5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a",
                          description="SHA-256 of the injected footer script")
        web = reg.add_asset(b, iid, sam, name="web01 (Magento frontend)", kind="web server",
                            status="confirmed")
        reg.set_asset_status(b, web, dana, "contained", reason="isolated behind the WAF")
        reg.add_asset(b, iid, sam, name="admin: j.doe", kind="admin account", status="confirmed")
        reg.add_asset(b, iid, sam, name="db01", kind="database server")
        reg.add_event(b, iid, sam, at="2026-11-20T23:58+01:00", what="Admin login for j.doe from "
                      "203.0.113.77 after 41 failed attempts", asset="admin: j.doe",
                      time_source="admin panel log", iocs=["203.0.113.77"], technique="T1110",
                      confidence="high")
        reg.add_event(b, iid, sam, at="2026-11-21T00:07+01:00", what="CMS block 'footer_links' "
                      "edited: external script added", asset="web01 (Magento frontend)",
                      time_source="database record", iocs=["cdn-jsdelivr-stats.example"],
                      technique="T1059.007", confidence="confirmed")
        reg.add_event(b, iid, sam, at="2026-11-21T01:12:40Z", what="First card data sent to the "
                      "skimmer host", time_source="WAF / CDN log", technique="T1041",
                      confidence="medium")
        reg.add_task(b, iid, dana, title="Reset every admin password and enforce 2FA",
                     owner="sam", due=_ago(-120))
        reg.add_task(b, iid, dana, title="Ask the payment provider for the full card list",
                     owner="lee", due=_ago(30))
        done = reg.add_task(b, iid, dana, title="Remove the injected CMS block", owner="sam")
        reg.complete_task(b, done, sam, "removed and verified from two networks")

    _try(add)


def _evidence(b, iid, folder: Path, sam, dana) -> None:
    def add() -> None:
        from binder.core.incident import evidence

        logs = folder / "nginx-access-2026-11.log"
        with open(logs, "w", encoding="utf-8") as fh:
            for i in range(4000):
                fh.write(f'203.0.113.{i % 250} - - [29/Nov/2026:0{i % 10}:00:00 +0000] '
                         f'"GET /checkout/ HTTP/1.1" 200 {5120 + i}\n')
        block = folder / "cms-block-footer_links.html"
        block.write_text('<div class="footer">…<script src="https://cdn-jsdelivr.co/j.js"></script></div>\n',
                         encoding="utf-8")
        first = evidence.register_evidence(
            b, iid, logs, sam, description="Nginx access logs, last 30 days", witness=dana,
            source_system="web-01", storage_location="Evidence drive ED-3, safe in office 2.14")
        evidence.register_evidence(
            b, iid, block, sam, description="Original content of the infected CMS block",
            source_system="Magento admin", storage_location="Evidence drive ED-3")
        evidence.transfer(b, first, sam, received_by="Forensics Lab Ltd", purpose="Analysis",
                          witness=dana, location="Courier, sealed bag", seal="SB-000193")

    _try(add)


def _save(window, out: Path, name: str) -> Path:
    from PySide6.QtWidgets import QApplication

    for _ in range(5):
        QApplication.processEvents()
    target = out / f"{name}.png"
    if not window.grab().save(str(target), "PNG"):
        raise OSError(f"could not write {target}")
    print(target)
    return target


def take_all(out: Path, size: tuple[int, int] = SIZE) -> list[Path]:
    """Build the demo binder and save one PNG per screen, at ``size``, into ``out``."""
    from PySide6.QtCore import QThread

    from binder.core.crypto import session
    from binder.core.crypto.envelope import LIGHT_KDF_FOR_TESTS
    from binder.core.storage.database import open_binder
    from binder.ui import dialogs
    from binder.ui.app import make_app
    from binder.ui.shell import (
        NAV_ACCESS,
        NAV_INCIDENTS,
        NAV_PLAN,
        NAV_READINESS,
        NAV_ROSTER,
        MainWindow,
    )

    out.mkdir(parents=True, exist_ok=True)
    app = make_app()
    dialogs.install_recorder(True)  # nothing may wait for a click while we take pictures
    saved: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="binder-shots-") as tmp:
        folder = Path(tmp)
        path = build_demo(folder)

        def window(p: Path, **kwargs) -> MainWindow:
            w = MainWindow(p, use_keyring=False, kdf=LIGHT_KDF_FOR_TESTS, remember_geometry=False, **kwargs)
            w.resize(*size)
            w.show()
            app.processEvents()
            return w

        w = window(folder / "new.binder")
        saved.append(_save(w, out, "welcome"))
        w.welcome.start_new()
        w.welcome.org_field.setText(ORG)
        w.welcome.choose_location()
        w.welcome.pass1.setText("orange kettle mountain 7")
        w.welcome.pass2.setText("orange kettle mountain")
        saved.append(_save(w, out, "welcome-passphrase"))
        w.welcome.pass2.setText("orange kettle mountain 7")
        w.welcome.set_passphrase()
        while w.welcome.working:
            app.processEvents()
            QThread.msleep(20)
        saved.append(_save(w, out, "welcome-recovery-code"))
        w.close()

        w = window(path)
        saved.append(_save(w, out, "unlock"))
        w.close()

        binder = open_binder(path)
        session.unlock_binder(binder, door=DOOR, passphrase=BINDER_PASS, use_keyring=False,
                              who="dana")
        w = window(path, binder=binder)
        w.sign_in("dana", PEOPLE[0][2])
        ws = w.workspace
        saved.append(_save(w, out, "journal"))
        from binder.ui.screens.workspace import pane_index

        for cls, name in (("GuidePane", "guide"), ("EvidencePane", "evidence"),
                          ("TimelinePane", "timeline"), ("IndicatorsPane", "indicators"),
                          ("AssetsPane", "assets"), ("TasksPane", "tasks"),
                          ("DecisionsPane", "decisions"), ("ImpactPane", "impact"),
                          ("ReviewPane", "review"), ("ReportScreen", "report")):
            ws.show_pane(pane_index(cls))
            saved.append(_save(w, out, name))
        ws.show_pane(1)
        w.navigate(NAV_INCIDENTS)
        w.incidents_screen.set_status("all")
        saved.append(_save(w, out, "incidents"))
        w.navigate(NAV_PLAN)
        saved.append(_save(w, out, "plan"))
        w.plan_screen.tabs.setCurrentIndex(1)
        w.plan_screen.phase_list.setCurrentRow(2)
        saved.append(_save(w, out, "plan-phases"))
        w.navigate(NAV_ROSTER)
        w.roster_screen.table.selectRow(0)  # the lead: the editor says how they sign
        saved.append(_save(w, out, "roster"))
        w.navigate(NAV_READINESS)
        saved.append(_save(w, out, "readiness"))
        w.navigate(NAV_ACCESS)
        saved.append(_save(w, out, "access"))
        saved.extend(_dialogs(w, binder, out))
        w.close()
    return saved


def _dialogs(w, binder, out: Path) -> list[Path]:
    """The dialogs people meet around signing: enrolment, sign-in and the help page."""
    from binder.core import roster
    from binder.ui.screens.enrol import EnrolDialog
    from binder.ui.screens.unlock import SignInDialog

    saved = []
    enrolled = roster.signer_contacts(binder)
    unenrolled = next((c for c in roster.list_contacts(binder) if c.id not in enrolled), None)
    if unenrolled is not None:
        enrol = EnrolDialog(binder, unenrolled, w)
        enrol.passphrase.setText("amber kettle orbit")
        enrol.show()
        saved.append(_save(enrol, out, "enrol"))
        enrol.close()
    sign_in = SignInDialog(binder, w, title="Sign in to witness",
                           explanation="The witness signs with their own key.")
    sign_in.show()
    saved.append(_save(sign_in, out, "signin"))
    sign_in.close()
    w.show_signing_help()
    saved.append(_save(w.signing_help, out, "help-signing"))
    w.signing_help.close()
    return saved


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m binder.ui.screenshots OUTDIR``."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m binder.ui.screenshots OUTDIR", file=sys.stderr)
        return 2
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    take_all(Path(args[0]))  # the laptop the app is designed for
    take_all(Path(args[0]) / "1920x1080", LARGE)  # and a desktop monitor
    return 0


if __name__ == "__main__":
    sys.exit(main())
