"""The encrypted roster: contacts per role, revisions, validation, row-bound ciphertext."""

from __future__ import annotations

import json

import pytest

from binder.core import roster
from binder.core.errors import BadInput, CorruptEnvelope, Locked, NotFound
from binder.core.storage.database import open_binder
from tests.helpers import PASSPHRASE


@pytest.fixture
def made(empty_roster):
    """Roster tests start from an empty roster (no signers, who would be contacts)."""
    return empty_roster


def _count_revisions(binder) -> int:
    return binder.conn.execute("SELECT count(*) FROM contact_revision").fetchone()[0]


def test_contact_round_trips_every_field(made):
    cid = roster.add_contact(
        made.binder, role="Incident Lead", name="Dana Whitfield", email="dana@acme-store.com",
        phone="+1 415 555 0142", im="@dana (Signal)", escalation=2,
        notes="Primary on call\nPacific time", sla="n/a",
    )
    [c] = roster.list_contacts(made.binder)
    assert (c.id, c.revision, c.role, c.escalation, c.external, c.removed) == (cid, 1, "lead", 2, False, False)
    assert (c.name, c.email, c.phone, c.im, c.notes, c.sla) == (
        "Dana Whitfield", "dana@acme-store.com", "+1 415 555 0142", "@dana (Signal)",
        "Primary on call\nPacific time", "n/a",
    )


@pytest.mark.parametrize("typed", ["lead", "LEAD", "incident lead", "Incident  Lead", " Incident Lead "])
def test_role_accepts_key_or_name_in_any_case(made, typed):
    roster.add_contact(made.binder, role=typed, name="Dana")
    assert roster.list_contacts(made.binder)[0].role == "lead"


def test_role_names_with_slashes_and_dashes_are_forgiven(made):
    roster.add_contact(made.binder, role="communications/pr", name="Tom")
    roster.add_contact(made.binder, role="law-enforcement", name="Cyber unit")
    assert [c.role for c in roster.list_contacts(made.binder)] == ["comms", "law_enforcement"]


def test_external_defaults_from_the_plan_role_and_can_be_overridden(made):
    roster.add_contact(made.binder, role="hosting", name="Nimbus NOC")
    roster.add_contact(made.binder, role="it", name="Contractor", external=True)
    roster.add_contact(made.binder, role="saas", name="In-house PIM team", external=False)
    flags = {c.name: c.external for c in roster.list_contacts(made.binder)}
    assert flags == {"Nimbus NOC": True, "Contractor": True, "In-house PIM team": False}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"role": "janitor"}, "unknown role 'janitor'; the plan's roles are: lead (Incident Lead)"),
        ({"role": ""}, "the role is empty"),
        ({"name": "   "}, "name is empty"),
        ({"name": "Dana\x00Whitfield"}, "control character (U+0000)"),
        ({"name": "Dana\nWhitfield"}, "control character (U+000A)"),
        ({"phone": "+1 555\x1b[31m 0100"}, "control character (U+001B)"),
        ({"name": "\ud800"}, "unpaired surrogate (U+D800)"),
        ({"email": "dana at acme"}, "not an address like name@example.com"),
        ({"email": "dana@localhost"}, "not an address like name@example.com"),
        ({"phone": "call reception"}, "phone number should hold digits"),
        ({"escalation": 0}, "between 1 and 99"),
        ({"escalation": "first"}, "whole number"),
        ({"notes": "x" * 4001}, "longer than 4000 characters"),
        ({"im": "a\u202eb"}, "control character (U+202E)"),
    ],
)
def test_bad_input_is_refused_with_one_line_and_nothing_written(made, fields, message):
    values = {"role": "lead", "name": "Dana Whitfield", **fields}
    with pytest.raises(BadInput) as caught:
        roster.add_contact(made.binder, **values)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)
    assert _count_revisions(made.binder) == 0
    assert made.binder.conn.execute("SELECT count(*) FROM contact").fetchone()[0] == 0


def test_error_messages_do_not_echo_sensitive_values(made):
    with pytest.raises(BadInput) as caught:
        roster.add_contact(made.binder, role="lead", name="Dana", email="dana.secret@nowhere")
    assert "dana.secret" not in str(caught.value)


def test_notes_and_sla_may_span_lines(made):
    roster.add_contact(made.binder, role="hosting", name="NOC", notes="line one\n\tline two", sla="A\nB")
    c = roster.list_contacts(made.binder)[0]
    assert (c.notes, c.sla) == ("line one\n\tline two", "A\nB")


def test_list_orders_by_plan_role_then_escalation(made):
    b = made.binder
    roster.add_contact(b, role="hosting", name="Hosting NOC")
    roster.add_contact(b, role="lead", name="Backup lead", escalation=2)
    roster.add_contact(b, role="legal", name="Counsel")
    roster.add_contact(b, role="lead", name="Primary lead", escalation=1)
    assert [c.name for c in roster.list_contacts(b)] == ["Primary lead", "Backup lead", "Counsel", "Hosting NOC"]


def test_call_sheet_follows_plan_role_order_and_escalation_ladder(made):
    from binder.core.plan import revisions as plans

    b = made.binder
    roster.add_contact(b, role="it", name="Second IT", escalation=2)
    roster.add_contact(b, role="it", name="First IT", escalation=1)
    roster.add_contact(b, role="it", name="Third IT", escalation=3)
    roster.add_contact(b, role="lead", name="Lead")
    plan = plans.current_revision(b).plan
    sheet = roster.call_sheet(b, plan)
    assert [g.role for g in sheet] == [r.key for r in plan.roles]
    groups = {g.role: g for g in sheet}
    assert [c.name for c in groups["it"].contacts] == ["First IT", "Second IT", "Third IT"]
    assert groups["legal"].contacts == ()
    assert groups["hosting"].external and not groups["lead"].external
    assert groups["lead"].role_name == "Incident Lead"


def test_edit_makes_a_new_revision_and_keeps_the_old_one(made):
    b = made.binder
    cid = roster.add_contact(b, role="lead", name="Dana", phone="+1 555 0100")
    assert roster.edit_contact(b, cid, phone="+1 555 0199", escalation=3) == 2
    current = roster.get_contact(b, cid)
    assert (current.revision, current.phone, current.escalation, current.name) == (2, "+1 555 0199", 3, "Dana")
    history = roster.contact_history(b, cid)
    assert [(h.revision, h.phone) for h in history] == [(1, "+1 555 0100"), (2, "+1 555 0199")]


def test_edit_can_clear_a_field_but_not_the_name(made):
    b = made.binder
    cid = roster.add_contact(b, role="lead", name="Dana", email="dana@acme-store.com")
    roster.edit_contact(b, cid, email="")
    assert roster.get_contact(b, cid).email == ""
    with pytest.raises(BadInput, match="cannot be emptied"):
        roster.edit_contact(b, cid, name=" ")


def test_edit_with_nothing_changed_is_refused(made):
    cid = roster.add_contact(made.binder, role="lead", name="Dana")
    with pytest.raises(BadInput, match="nothing to change"):
        roster.edit_contact(made.binder, cid, name="Dana")
    assert _count_revisions(made.binder) == 1


def test_moving_to_an_external_role_takes_its_external_flag(made):
    cid = roster.add_contact(made.binder, role="it", name="Agency on call")
    roster.edit_contact(made.binder, cid, role="saas")
    assert roster.get_contact(made.binder, cid).external is True


def test_removal_keeps_history(made):
    b = made.binder
    cid = roster.add_contact(b, role="legal", name="Helen Ossei", phone="+1 212 555 0190")
    roster.edit_contact(b, cid, phone="+1 212 555 0191")
    assert roster.remove_contact(b, cid) == 3
    assert roster.list_contacts(b) == []
    [shown] = roster.list_contacts(b, include_removed=True)
    assert shown.removed and shown.name == "Helen Ossei"
    history = roster.contact_history(b, cid)
    assert [(h.revision, h.removed, h.phone) for h in history] == [
        (1, False, "+1 212 555 0190"), (2, False, "+1 212 555 0191"), (3, True, "+1 212 555 0191"),
    ]
    with pytest.raises(BadInput, match="was removed"):
        roster.edit_contact(b, cid, phone="+1 212 555 0000")
    with pytest.raises(BadInput, match="already removed"):
        roster.remove_contact(b, cid)


def test_history_rows_cannot_be_rewritten(made):
    import sqlite3

    roster.add_contact(made.binder, role="lead", name="Dana")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        made.binder.conn.execute("DELETE FROM contact_revision")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        made.binder.conn.execute("UPDATE contact_revision SET escalation = 5")


def test_ciphertext_moved_to_another_row_fails_to_decrypt(made):
    b = made.binder
    victim = roster.add_contact(b, role="lead", name="Dana Whitfield", phone="+1 555 0100")
    other = roster.add_contact(b, role="it", name="Priya", phone="+1 555 0200")
    # An attacker with the file appends a "revision" of Priya carrying Dana's ciphertexts.
    with b.write() as db:
        db.execute(
            """INSERT INTO contact_revision (contact_id, revision, recorded_at, role, escalation,
                   external, removed, key_version, name, email, phone, im, notes, sla)
               SELECT ?, 2, recorded_at, 'it', 1, 0, 0, key_version, name, email, phone, im, notes, sla
               FROM contact_revision WHERE contact_id = ?""",
            (other, victim),
        )
    with pytest.raises(CorruptEnvelope) as caught:
        roster.list_contacts(b)
    # The roster's head notices the revision nobody wrote through the app.
    assert other in str(caught.value) and "outside the app" in str(caught.value)


def test_ciphertext_moved_to_another_column_fails_to_decrypt(made):
    b = made.binder
    cid = roster.add_contact(b, role="lead", name="Dana", phone="+1 555 0100")
    with b.write() as db:
        db.execute(
            """INSERT INTO contact_revision (contact_id, revision, recorded_at, role, escalation,
                   external, removed, key_version, name, email, phone, im, notes, sla)
               SELECT contact_id, 2, recorded_at, role, escalation, external, removed, key_version,
                      phone, email, name, im, notes, sla FROM contact_revision""",
        )
    with pytest.raises(CorruptEnvelope, match="outside the app") as caught:
        roster.get_contact(b, cid)
    assert cid in str(caught.value)


def test_sensitive_columns_hold_ciphertext_only_and_role_stays_clear(made):
    roster.add_contact(made.binder, role="lead", name="Dana Whitfield", phone="+1 555 0100", escalation=2)
    row = made.binder.conn.execute(
        "SELECT role, escalation, name, phone, typeof(name) FROM contact_revision"
    ).fetchone()
    assert row[0:2] == ("lead", 2)
    assert row[4] == "blob"
    assert b"Dana" not in row[2] and b"555" not in row[3]


def test_ciphertext_length_does_not_reveal_value_length(made):
    b = made.binder
    roster.add_contact(b, role="lead", name="Al")
    roster.add_contact(b, role="lead", name="Bartholomew Featherstone")
    lengths = {r[0] for r in b.conn.execute("SELECT length(name) FROM contact_revision")}
    assert len(lengths) == 1


def test_same_value_encrypts_differently_each_time(made):
    b = made.binder
    roster.add_contact(b, role="lead", name="Dana")
    roster.add_contact(b, role="it", name="Dana")
    names = [r[0] for r in b.conn.execute("SELECT name FROM contact_revision")]
    assert names[0] != names[1]


def test_locked_binder_refuses_roster_reads_and_writes(made):
    cid = roster.add_contact(made.binder, role="lead", name="Dana")
    with open_binder(made.path) as fresh:
        with pytest.raises(Locked, match="locked"):
            roster.list_contacts(fresh)
        with pytest.raises(Locked):
            roster.add_contact(fresh, role="lead", name="Marco")
        with pytest.raises(Locked):
            roster.contact_history(fresh, cid)
        with pytest.raises(Locked):
            roster.search(fresh, "dana")
        assert _count_revisions(fresh) == 1


def test_search_is_case_insensitive_across_fields_and_role_names(made):
    b = made.binder
    roster.add_contact(b, role="lead", name="Dana Whitfield", phone="+1 415 555 0142")
    roster.add_contact(b, role="hosting", name="Nimbus NOC", sla="Contract NH-4471")
    roster.add_contact(b, role="legal", name="Helen", notes="Speaks German")
    assert [c.name for c in roster.search(b, "WHITFIELD")] == ["Dana Whitfield"]
    assert [c.name for c in roster.search(b, "0142")] == ["Dana Whitfield"]
    assert [c.name for c in roster.search(b, "nh-4471")] == ["Nimbus NOC"]
    assert [c.name for c in roster.search(b, "german")] == ["Helen"]
    assert [c.name for c in roster.search(b, "legal representative")] == ["Helen"]
    assert len(roster.search(b, "  ")) == 3
    assert roster.search(b, "nobody") == []


def test_contact_id_prefix_resolves_only_when_unique(made):
    b = made.binder
    cid = roster.add_contact(b, role="lead", name="Dana")
    assert roster.resolve_contact_id(b, cid[:8].upper()) == cid
    with pytest.raises(NotFound, match="there is no contact"):
        roster.resolve_contact_id(b, "ffffffff")
    with pytest.raises(BadInput, match="hex id"):
        roster.resolve_contact_id(b, "ab")


# ---------------------------------------------------------------- CLI


@pytest.fixture
def cli_binder(made):
    made.binder.close()
    return made.path


def _env(path, passphrase=PASSPHRASE):
    return {"BINDER_FILE": str(path), "BINDER_PASSPHRASE": passphrase}


def test_cli_add_prints_the_id_alone_and_list_json_shows_it(cli_binder, run_cli):
    add = run_cli(
        "roster", "add", "--name", "Nimbus Hosting NOC", "--role", "Hosting SLA contact",
        "--phone", "+44 20 7946 0958", "--email", "noc@nimbushost.example", "--im", "#nimbus-p1",
        "--escalation", "2", "--notes", "24/7", "--sla", "Contract NH-4471", env=_env(cli_binder),
    )
    assert add.code == 0, add.err
    cid = add.out.strip()
    assert add.out == cid + "\n" and len(cid) == 36
    listed = run_cli("roster", "list", "--json", env=_env(cli_binder))
    assert listed.code == 0, listed.err
    [row] = json.loads(listed.out)
    assert row["id"] == cid
    assert {k: row[k] for k in ("role", "role_name", "escalation", "external", "name", "phone", "email",
                                "im", "notes", "sla", "removed")} == {
        "role": "hosting", "role_name": "Hosting SLA contact", "escalation": 2, "external": True,
        "name": "Nimbus Hosting NOC", "phone": "+44 20 7946 0958", "email": "noc@nimbushost.example",
        "im": "#nimbus-p1", "notes": "24/7", "sla": "Contract NH-4471", "removed": False,
    }


def test_cli_edit_remove_and_list_all(cli_binder, run_cli):
    env = _env(cli_binder)
    cid = run_cli("roster", "add", "--name", "Helen Ossei", "--role", "legal", env=env).out.strip()
    edit = run_cli("roster", "edit", cid[:8], "--phone", "+1 212 555 0190", env=env)
    assert edit.code == 0 and edit.out == "", edit.err
    remove = run_cli("roster", "remove", cid[:8], env=env)
    assert remove.code == 0, remove.err
    assert json.loads(run_cli("roster", "list", "--json", env=env).out) == []
    every = json.loads(run_cli("roster", "list", "--all", "--json", env=env).out)
    assert [(r["name"], r["phone"], r["revision"], r["removed"]) for r in every] == [
        ("Helen Ossei", "+1 212 555 0190", 3, True)
    ]
    text = run_cli("roster", "list", "--all", env=env)
    assert "Helen Ossei" in text.out and "[removed]" in text.out


def test_cli_bad_role_is_one_clear_line_exit_2(cli_binder, run_cli):
    run = run_cli("roster", "add", "--name", "X", "--role", "janitor", env=_env(cli_binder))
    assert run.code == 2
    assert run.err.startswith("binder: unknown role 'janitor'") and run.err.count("\n") == 1
    assert "Traceback" not in run.err and run.out == ""


def test_cli_wrong_passphrase_exits_3_and_changes_nothing(cli_binder, run_cli):
    before = cli_binder.read_bytes()
    run = run_cli("roster", "add", "--name", "Dana", "--role", "lead", env=_env(cli_binder, "not the passphrase"))
    assert run.code == 3 and "wrong passphrase" in run.err and run.out == ""
    with open_binder(cli_binder) as b:
        assert _count_revisions(b) == 0
        assert b.conn.execute("SELECT count(*) FROM access_log WHERE kind = 'unlock'").fetchone()[0] == 0
    assert cli_binder.read_bytes() == before
    listed = run_cli("roster", "list", env=_env(cli_binder, "not the passphrase"))
    assert listed.code == 3 and listed.out == ""


def test_cli_without_passphrase_or_terminal_exits_3_at_once(cli_binder, run_binder_process):
    # The real process, stdin not a terminal: a hang would hit the timeout and fail the test.
    run = run_binder_process("roster", "list", env={"BINDER_FILE": str(cli_binder)}, timeout=30)
    assert run.code == 3
    assert "BINDER_PASSPHRASE" in run.err and run.out == ""
