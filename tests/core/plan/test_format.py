"""The plan's data model, its text form, and the bundled Magento plan."""

from __future__ import annotations

import dataclasses
import re
import sys
import tomllib
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from binder.core import resources
from binder.core.errors import BadInput, NotFound, PlanFormatError
from binder.core.plan.format import (
    CLOCK_STARTS,
    CLOCK_UNITS,
    FORMAT_VERSION,
    RESPONSIBILITIES,
    Activity,
    ClockTemplate,
    Inject,
    Phase,
    Plan,
    Prerequisite,
    Role,
    Scenario,
    default_plan,
    default_plan_text,
    dump_plan,
    parse_plan,
)

ROOT = Path(__file__).resolve().parents[3]

# The seed's RACI table, cell by cell: Lead, IT, Legal, Communications, Management.
EXPECTED_RACI = {
    "initial_assessment": ("Owner", "Advises", "None", "None", "None"),
    "initial_response": ("Owner", "Implements", "Updates", "Updates", "Updates"),
    "collect_evidence": ("Implements", "Advises", "Owner", "None", "None"),
    "temporary_fix": ("Owner", "Implements", "Updates", "Updates", "Advises"),
    "send_communication": ("Advises", "Advises", "Advises", "Implements", "Owner"),
    "law_enforcement": ("Updates", "Updates", "Implements", "Updates", "Owner"),
    "permanent_fix": ("Owner", "Implements", "Updates", "Updates", "Updates"),
    "financial_impact": ("Updates", "Updates", "Advises", "Updates", "Owner"),
    "review_plan": ("Implements", "Advises", "Advises", "Advises", "Advises"),
}
INTERNAL = ("lead", "it", "legal", "comms", "management")
PHASES = (
    "initial_assessment", "communication", "containment", "severity", "evidence_preservation",
    "external_notification", "evidence_compilation", "review",
)


def all_text(plan: Plan) -> str:
    """Every piece of text in a plan, one per line."""
    parts = [plan.name, plan.unit, plan.description]
    parts += [r.name + "\n" + r.description for r in plan.roles]
    parts += [a.name for a in plan.activities]
    for p in plan.phases:
        parts += [p.name, p.guidance, *p.checklist]
    parts += [p.name + "\n" + p.description for p in plan.prerequisites]
    parts += [f"{c.name}\n{c.authority}\n{c.note}" for c in plan.clocks]
    for s in plan.scenarios:
        parts += [s.title, s.summary, *(i.text for i in s.injects)]
    return "\n".join(parts)


# --------------------------------------------------------------------------- bundled plan


def test_default_plan_parses_and_round_trips_exactly():
    plan = default_plan()
    assert plan == parse_plan(default_plan_text())
    text = dump_plan(plan)
    assert parse_plan(text) == plan
    assert dump_plan(parse_plan(text)) == text
    assert plan.format_version == FORMAT_VERSION
    assert plan.severities == ("low", "medium", "high", "critical")


def test_roles_match_the_seed():
    plan = default_plan()
    assert [r.key for r in plan.internal_roles()] == list(INTERNAL)
    names = {r.key: r.name for r in plan.roles}
    assert names["lead"] == "Incident Lead"
    assert names["it"] == "IT Contact"
    assert names["legal"] == "Legal Representative"
    assert "Communications" in names["comms"]
    assert "Management" in names["management"]
    external = {r.key: r.name for r in plan.external_roles()}
    assert len(external) == 5
    joined = " ".join(external.values()).lower()
    for word in ("law enforcement", "hosting", "adobe commerce", "saas", "data protection"):
        assert word in joined
    assert all(r.description.strip() for r in plan.roles)


def test_every_raci_cell_matches_the_seed():
    plan = default_plan()
    assert [a.key for a in plan.activities] == list(EXPECTED_RACI)
    for activity_key, expected in EXPECTED_RACI.items():
        activity = plan.activity(activity_key)
        got = tuple(activity.responsibility(role) for role in INTERNAL)
        assert got == expected, activity_key
        assert dict(activity.raci).keys() == set(INTERNAL)


def test_all_phases_with_guidance_checklists_and_activities():
    plan = default_plan()
    assert tuple(p.key for p in plan.phases) == PHASES
    for phase in plan.phases:
        assert phase.guidance.strip() and phase.checklist and phase.activities, phase.key
    covered = {a for p in plan.phases for a in p.activities}
    assert covered == set(EXPECTED_RACI)
    assert "collect_evidence" in plan.phase("evidence_preservation").activities
    assert "send_communication" in plan.phase("communication").activities
    assert "review_plan" in plan.phase("review").activities


@pytest.mark.parametrize(("phase", "facts"), [
    ("initial_assessment", ["false alarm", "write down", "short"]),
    ("communication", ["headline", "warning the attacker", "legal representative"]),
    ("containment", ["card data", "mysql", "varnish", "off line", "service agreements",
                     "restricted connectivity"]),
    ("severity", ["deliberately", "application servers", "database"]),
    ("evidence_preservation", ["recovery", "very large store", "all logs"]),
    ("external_notification", ["media", "allowed to speak", "deny", "one incident at a time"]),
    ("evidence_compilation", ["who took it, when, and why", "chronological", "two people",
                              "insider", "prosecut"]),
    ("review", ["lessons", "update", "drill"]),
])
def test_guidance_keeps_every_point_of_the_seed(phase, facts):
    guidance = default_plan().phase(phase).guidance.lower()
    for fact in facts:
        assert fact in guidance, (phase, fact)


def test_checklists_carry_magento_know_how():
    checklist = "\n".join(i for p in default_plan().phases for i in p.checklist)
    for needle in (
        "design/head/includes", "design/footer/absolute_footer", "core_config_data", "cms_block",
        "cms_page", "layout updates", "composer.lock", "app/etc/config.php", "app/etc/env.php",
        "crypt key", "100 days", "two-factor", "Integrations", "timestamps", "last backup known to be clean",
        "card data was reachable", "who took it, when, and why", "second person", "insider",
        "need to know", "Legal Representative", "authorised to speak", "Never deny",
        "Varnish", "off line or on line", "very large store", "Targeted or random",
        "application servers only", "lessons-learned", "drill",
    ):
        assert needle in checklist, needle


def test_prerequisites_clocks_and_scenarios():
    plan = default_plan()
    intervals = {p.key: p.interval_days for p in plan.prerequisites}
    assert intervals["restore_test"] == 90
    assert intervals["drill"] == 180
    assert intervals["roster_review"] == 90
    assert {"response_team", "monitor_traffic", "review_logs", "plan_review"} <= intervals.keys()

    gdpr = plan.clock("gdpr_art33")
    assert (gdpr.due, gdpr.unit, gdpr.starts, gdpr.enabled) == (72, "hours", "awareness", True)
    clocks = {c.key: (c.due, c.unit, c.starts) for c in plan.clocks}
    assert clocks["gdpr_art34"] == (72, "hours", "awareness")
    assert clocks["nis2_early_warning"] == (24, "hours", "awareness")
    assert clocks["nis2_notification"] == (72, "hours", "awareness")
    assert clocks["nis2_final_report"] == (1, "months", "clock:nis2_notification")
    assert clocks["acquirer"] == (24, "hours", "awareness")
    assert clocks["mastercard"] == (24, "hours", "awareness")
    assert clocks["visa"] == (3, "days", "awareness")
    assert clocks["visa_incident_report"][0] is None  # not confirmed: left for the owner to set
    assert clocks["sec_8k"] == (4, "business_days", "materiality_decision")
    card = {c.key for c in plan.clocks if "skimmer" in c.types}
    assert {"acquirer", "mastercard", "visa", "gdpr_art33", "gdpr_art34"} <= card
    assert {c.key for c in plan.clocks if c.applies_if == "nis2_in_scope"} == {
        "nis2_early_warning", "nis2_notification", "nis2_final_report"}
    assert plan.clock("sec_8k").applies_if == "sec_registrant"
    assert plan.clock("sec_8k").calendar == "US"
    assert plan.regulatory.jurisdiction and plan.regulatory.time_zone
    assert plan.role("dpo").external

    types = dict(plan.incident_types)
    assert len(types) == 8 and "skimmer" in types and "other" in types
    assert len(plan.scenarios) == 4
    for scenario in plan.scenarios:
        assert 4 <= len(scenario.injects) <= 6
        assert scenario.incident_type in types


def seed_shingles():
    """tools/seed_shingles.py, which fingerprinted the template's 7-word runs."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("seed_shingles", ROOT / "tools" / "seed_shingles.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# The seed's activity name, kept verbatim as the activity's name.
ALLOWED_RUNS = {"review the response and update the plan"}


def test_plan_is_in_our_own_words():
    # The template is not in the repository: its 7-word runs are, as fingerprints.
    shingles = seed_shingles()
    seed = shingles.read_fingerprints()
    ours = shingles.runs(all_text(default_plan()))
    copied = {run for fingerprint, run in ours.items() if fingerprint in seed}
    assert copied <= ALLOWED_RUNS


def test_the_seed_fingerprints_catch_a_copied_sentence():
    # Guards the guard: the list is the template's, and a run of it is found in any text.
    shingles = seed_shingles()
    seed = shingles.read_fingerprints()
    assert len(seed) > 1500
    allowed = "Step six: review the response and update the plan."
    found = {run for fingerprint, run in shingles.runs(allowed).items() if fingerprint in seed}
    assert found == ALLOWED_RUNS
    assert not {f for f in shingles.runs("review the response and update our plan") if f in seed}


# --------------------------------------------------------------------------- helpers


def test_lookups_name_the_valid_keys():
    plan = default_plan()
    assert plan.role("legal").name == "Legal Representative"
    with pytest.raises(NotFound, match=r"no phase \"nope\".*initial_assessment, communication"):
        plan.phase("nope")
    with pytest.raises(NotFound, match="lead, it, legal"):
        plan.role("cfo")
    with pytest.raises(NotFound):
        plan.activity("nope")
    assert plan.incident_type_label("ddos") == "DDoS"
    assert [p.key for p in plan.phases_for_activity("collect_evidence")] == [
        "evidence_preservation", "evidence_compilation"]


def test_owners_for_phase_lists_each_role_under_its_strongest_part():
    plan = default_plan()
    assert plan.owners_for_phase("evidence_preservation") == {
        "Owner": ("legal",), "Implements": ("lead",), "Advises": ("it",), "Updates": (),
    }
    # initial_response + financial_impact: management owns one and is updated on the other.
    assert plan.owners_for_phase("severity") == {
        "Owner": ("lead", "management"), "Implements": ("it",), "Advises": ("legal",),
        "Updates": ("comms",),
    }


def test_with_raci_returns_a_new_plan_and_refuses_bad_values():
    plan = default_plan()
    changed = plan.with_raci("initial_assessment", "legal", "Advises")
    assert changed.activity("initial_assessment").responsibility("legal") == "Advises"
    assert plan.activity("initial_assessment").responsibility("legal") == "None"
    assert parse_plan(dump_plan(changed)) == changed
    added = plan.with_raci("initial_assessment", "hosting", "Updates")
    assert added.activity("initial_assessment").responsibility("hosting") == "Updates"
    assert plan.activity("initial_assessment").responsibility("hosting") == "None"
    with pytest.raises(BadInput, match="Owner, Implements, Advises, Updates, None"):
        plan.with_raci("initial_assessment", "legal", "Ownr")
    with pytest.raises(NotFound):
        plan.with_raci("nope", "legal", "Owner")
    with pytest.raises(NotFound):
        plan.with_raci("initial_assessment", "cfo", "Owner")


def test_plans_are_hashable_and_lists_become_tuples():
    plan = default_plan()
    assert hash(plan) == hash(parse_plan(dump_plan(plan)))
    phase = Phase("p", "P", "", ["a"], [])
    assert phase.checklist == ("a",) and phase.activities == ()
    assert Activity("a", "A", {"lead": "Owner"}).raci == (("lead", "Owner"),)


def test_building_an_invalid_plan_directly_is_refused():
    plan = default_plan()
    broken = dataclasses.replace(plan.activities[0], raci=(("lead", "Owner"),))
    with pytest.raises(PlanFormatError, match=r'^plan: activities\[1\] \("Initial assessment"\)'
                                              r'\.raci: no cell for role it'):
        dataclasses.replace(plan, activities=(broken, *plan.activities[1:]))


def test_resources_dir_in_source_tree_and_in_pyinstaller(monkeypatch, tmp_path):
    assert (resources.resources_dir() / "plans" / "magento.toml").is_file()
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resources.resources_dir() == tmp_path / "resources"


# --------------------------------------------------------------------------- malformed files

MINIMAL = """\
format = "incident-binder-plan"
version = 1
name = "Test plan"
severities = ["low", "high"]

[[incident_types]]
key = "other"
label = "Other"

[[roles]]
key = "lead"
name = "Incident Lead"

[[roles]]
key = "it"
name = "IT Contact"

[[roles]]
key = "police"
name = "Police"
external = true

[[activities]]
key = "assess"
name = "Assess"
raci = { lead = "Owner", it = "Advises" }

[[activities]]
key = "respond"
name = "Respond"
raci = { lead = "Owner", it = "Implements" }

[[phases]]
key = "first"
name = "First look"
guidance = "Look."
checklist = ["Look closely"]
activities = ["assess"]

[[prerequisites]]
key = "drill"
name = "Drill"
interval_days = 180

[[clocks]]
key = "gdpr"
name = "GDPR"
authority = "DPA"
due = 72
unit = "hours"

[[scenarios]]
key = "s1"
title = "Scenario"
incident_type = "other"

[[scenarios.injects]]
after_minutes = 0
text = "Start"

[[scenarios.injects]]
after_minutes = 10
text = "Then"
"""


def line_of(text: str, needle: str) -> int:
    """1-based line of the only occurrence of needle."""
    assert text.count(needle) == 1, needle
    return text[: text.index(needle)].count("\n") + 1


def refused(text: str) -> str:
    with pytest.raises(PlanFormatError) as info:
        parse_plan(text)
    message = str(info.value)
    assert "\n" not in message and "Traceback" not in message
    return message


def test_minimal_plan_parses_with_defaults():
    plan = parse_plan(MINIMAL)
    assert plan.unit == "" and plan.description == ""
    assert plan.role("police").external and not plan.role("lead").external
    assert plan.clock("gdpr").starts == "awareness" and not plan.clock("gdpr").enabled
    assert plan.scenario("s1").injects == (Inject(0, "Start"), Inject(10, "Then"))
    assert parse_plan(dump_plan(plan)) == plan


def test_syntax_error_names_line_and_column():
    text = MINIMAL.replace('name = "Respond"', 'name "Respond"')
    line = line_of(text, 'name "Respond"')
    assert re.fullmatch(rf"plan file, line {line}, column \d+: expected '=' .*", refused(text))


def test_duplicate_toml_key_is_a_syntax_error_with_line():
    text = MINIMAL.replace('name = "Assess"', 'name = "Assess"\nname = "Again"')
    line = line_of(text, 'name = "Again"')
    assert refused(text).startswith(f"plan file, line {line}, column")


def test_unclosed_text_is_reported():
    assert refused(MINIMAL + 'note = """never closed\n').startswith("plan file")


SCHEMA_CASES = [
    pytest.param('name = "IT Contact"', 'name = "IT Contact"\ncolour = "red"', "colour =",
                 r'roles\[2\] \("IT Contact"\)\.colour: unknown key; expected one of key, name, '
                 r"description, external", id="unknown-key-in-table"),
    pytest.param("version = 1", 'version = 1\ncolour = "red"', "colour =",
                 r"colour: unknown key", id="unknown-top-level-key"),
    pytest.param('name = "Respond"\n', "", '[[activities]]\nkey = "respond"',
                 r'activities\[2\] \("respond"\)\.name: is missing', id="missing-key"),
    pytest.param("interval_days = 180", 'interval_days = "180"', "interval_days",
                 r'prerequisites\[1\] \("Drill"\)\.interval_days: expected a whole number, got text',
                 id="wrong-type-int"),
    pytest.param("interval_days = 180", "interval_days = true", "interval_days",
                 r"interval_days: expected a whole number, got true/false", id="bool-is-not-int"),
    pytest.param("interval_days = 180", "interval_days = 0", "interval_days",
                 r"interval_days: 0 is out of range; expected 1 to", id="out-of-range"),
    pytest.param("external = true", 'external = "yes"', "external =",
                 r'roles\[3\] \("Police"\)\.external: expected true or false, got text',
                 id="wrong-type-bool"),
    pytest.param('checklist = ["Look closely"]', 'checklist = "Look closely"', "checklist",
                 r"phases\[1\] \(\"First look\"\)\.checklist: expected a list of text items, got text",
                 id="wrong-type-list"),
    pytest.param('checklist = ["Look closely"]', 'checklist = ["Look\\nclosely"]', "checklist",
                 r"checklist\[1\]: must be a single line", id="checklist-item-one-line"),
    pytest.param('lead = "Owner", it = "Advises"', 'lead = "Ownr", it = "Advises"', "Ownr",
                 r'activities\[1\] \("Assess"\)\.raci\.lead: "Ownr" is not one of Owner, '
                 r"Implements, Advises, Updates, None", id="bad-raci-value"),
    pytest.param('lead = "Owner", it = "Advises"', 'lead = "Owner", it = "Advises", cfo = "Owner"',
                 "cfo", r'raci\.cfo: no role "cfo" in this plan; roles are lead, it, police',
                 id="raci-unknown-role"),
    pytest.param('lead = "Owner", it = "Advises"', 'lead = "Owner"', 'raci = { lead = "Owner" }',
                 r'activities\[1\] \("Assess"\)\.raci: no cell for role it \("IT Contact"\)',
                 id="raci-missing-cell"),
    pytest.param('raci = { lead = "Owner", it = "Advises" }', 'raci = "Owner"', 'raci = "Owner"',
                 r"raci: expected an inline table", id="raci-not-a-table"),
    pytest.param('key = "it"', 'key = "lead"', ('name = "IT Contact"', -1),
                 r'roles\[2\] \("IT Contact"\)\.key: "lead" is already used by roles\[1\] '
                 r'\("Incident Lead"\)', id="duplicate-role-key"),
    pytest.param('key = "it"', 'key = "IT Team"', 'key = "IT Team"',
                 r'roles\[2\] \("IT Contact"\)\.key: "IT Team" is not a valid key', id="bad-key"),
    pytest.param('activities = ["assess"]', 'activities = ["asess"]', 'activities = ["asess"]',
                 r'phases\[1\] \("First look"\)\.activities\[1\]: no activity "asess" in this '
                 r"plan; activities are assess, respond", id="phase-unknown-activity"),
    pytest.param('incident_type = "other"', 'incident_type = "otter"', "otter",
                 r'scenarios\[1\] \("Scenario"\)\.incident_type: "otter" is not one of other',
                 id="scenario-unknown-type"),
    pytest.param('unit = "hours"', 'unit = "weeks"', 'unit = "weeks"',
                 r'clocks\[1\] \("GDPR"\)\.unit: "weeks" is not one of hours, business_days, days',
                 id="clock-unit"),
    pytest.param("after_minutes = 10", "after_minutes = -5", "after_minutes = -5",
                 r'scenarios\[1\] \("Scenario"\)\.injects\[2\]\.after_minutes: -5 is out of range',
                 id="inject-negative"),
    pytest.param('name = "Test plan"', 'name = "Test\\u0000plan"', "Test\\u0000",
                 r"name: contains a NUL character", id="nul"),
    pytest.param('name = "Test plan"', 'name = "  "', 'name = "  "', r"name: must not be empty",
                 id="empty-name"),
    pytest.param('severities = ["low", "high"]', "severities = []", "severities",
                 r"severities: is empty", id="no-severities"),
    pytest.param('severities = ["low", "high"]', 'severities = ["low", "low"]', "severities",
                 r'severities\[2\]: "low" is already used by severities\[1\]',
                 id="duplicate-severity"),
    pytest.param('key = "police"\nname = "Police"\nexternal = true', 'key = "police"\nname = "Police"'
                 '\nexternal = true\n\n[[roles]]\nkey = "police"\nname = "Again"',
                 ('name = "Again"', -1),
                 r'roles\[4\] \("Again"\)\.key: "police" is already used', id="duplicate-external"),
]


@pytest.mark.parametrize(("old", "new", "line_needle", "pattern"), SCHEMA_CASES)
def test_schema_errors_name_the_place(old, new, line_needle, pattern):
    assert MINIMAL.count(old) == 1
    text = MINIMAL.replace(old, new)
    message = refused(text)
    match = re.fullmatch(r"plan file(?:, line (\d+))?: (.*)", message)
    assert match, message
    assert re.search(pattern, match.group(2)), message
    assert match.group(1) is not None, message
    needle, offset = line_needle if isinstance(line_needle, tuple) else (line_needle, 0)
    assert int(match.group(1)) == line_of(text, needle) + offset, message


def test_injects_must_be_in_time_order():
    text = MINIMAL.replace("after_minutes = 0", "after_minutes = 20")
    assert re.search(r"injects\[2\]\.after_minutes: 10 comes before the previous inject \(20\)",
                     refused(text))


def test_no_internal_role_is_refused():
    text = MINIMAL.replace('name = "Incident Lead"', 'name = "Incident Lead"\nexternal = true')
    text = text.replace('name = "IT Contact"', 'name = "IT Contact"\nexternal = true')
    assert "roles: no internal role" in refused(text)


def test_newer_version_is_refused():
    message = refused(MINIMAL.replace("version = 1", "version = 2\nfuture_thing = 1"))
    assert message == ("plan file, line 2: version: version 2 was written by a newer Incident "
                       "Binder (this one reads up to version 1); update Incident Binder to use "
                       "this plan")
    assert "expected 1 to 1" in refused(MINIMAL.replace("version = 1", "version = 0"))
    assert "version: expected a whole number" in refused(MINIMAL.replace("version = 1",
                                                                         'version = "1"'))


def test_not_a_plan_file_is_refused():
    assert "format: is missing" in refused('title = "TOML, but not ours"\n')
    assert "not an Incident Binder plan file" in refused(
        MINIMAL.replace('format = "incident-binder-plan"', 'format = "something-else"'))
    assert "version: is missing" in refused(MINIMAL.replace("version = 1\n", ""))
    assert refused("") == 'plan file: format: is missing; an Incident Binder plan file starts ' \
                          'with format = "incident-binder-plan"'


def test_arrays_of_tables_must_be_tables():
    text = MINIMAL.replace('severities = ["low", "high"]', 'severities = ["low", "high"]\n'
                           'prerequisites = "weekly"')
    text = text.replace("[[prerequisites]]\nkey = \"drill\"\nname = \"Drill\"\n"
                        "interval_days = 180\n", "")
    assert "prerequisites: expected [[prerequisites]] tables, got text" in refused(text)


def test_bytes_are_decoded_and_non_utf8_is_refused():
    assert parse_plan(MINIMAL.encode()) == parse_plan(MINIMAL)
    assert parse_plan("\ufeff" + MINIMAL) == parse_plan(MINIMAL)
    assert "not UTF-8" in refused(MINIMAL.encode("utf-8") + b"# \xff\n")


def test_user_text_in_messages_stays_on_one_line():
    text = MINIMAL.replace('key = "it"', 'key = "i\\nt\\u202e"')
    message = refused(text)
    assert '"i\\nt\\u202e"' in message and "\u202e" not in message


# --------------------------------------------------------------------------- round trip

TRICKY = [
    "'''", "''", "'", '"', '"""', "\\", "\\n", "\\u0041", "\n", "\r\n", "\r", "\t", "\x01",
    "\x1b[31m", "\x7f", "\x85", "\u2028", "\u2029", "\u202e", "\u200f", "\ufeff", "\ufffe",
    "שלום עולם", "مرحبا بالعالم", "#", "[[roles]]", "key = x", "\U0001f600", " ", "\n\n",
]
PRINTABLE = st.text(st.characters(categories=["L", "N", "P", "S", "Zs"]), max_size=12)
# Readable multi-line text is written as a ''' literal block, anything else as an
# escaped string; half the examples are readable so that both forms get exercised.
READABLE_TEXT = st.lists(
    st.one_of(st.sampled_from(["\n", "'''", "''", "'", '"', "\\", "\t", "שלום", "#"]), PRINTABLE),
    max_size=8,
).map("".join)
MIXED_TEXT = st.lists(
    st.one_of(st.sampled_from(TRICKY), PRINTABLE,
              st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=12)),
    max_size=8,
).map("".join)
ANY_TEXT = st.one_of(READABLE_TEXT, MIXED_TEXT)
LINE_TEXT = ANY_TEXT.map(
    lambda s: "".join(c for c in s if unicodedata.category(c) not in ("Cc", "Zl", "Zp")))
NAME_TEXT = LINE_TEXT.map(lambda s: s if s.strip() else s + "x")
KEYS = st.from_regex(r"[a-z0-9][a-z0-9_-]{0,12}", fullmatch=True)


def unique_keys(min_size=0, max_size=4):
    return st.lists(KEYS, min_size=min_size, max_size=max_size, unique=True)


@st.composite
def plans(draw):
    role_keys = draw(unique_keys(1, 5))
    external = [False] + [draw(st.booleans()) for _ in role_keys[1:]]
    roles = [Role(k, draw(NAME_TEXT), draw(ANY_TEXT), ext) for k, ext in zip(role_keys, external, strict=True)]
    response = st.sampled_from(RESPONSIBILITIES)
    activities = []
    for key in draw(unique_keys(1, 4)):
        cells = [(r.key, draw(response)) for r in roles if not r.external or draw(st.booleans())]
        activities.append(Activity(key, draw(NAME_TEXT), tuple(draw(st.permutations(cells)))))
    act_keys = [a.key for a in activities]
    phases = [
        Phase(key, draw(NAME_TEXT), draw(ANY_TEXT),
              tuple(draw(st.lists(NAME_TEXT, max_size=3))),
              tuple(draw(st.lists(st.sampled_from(act_keys), unique=True, max_size=3))))
        for key in draw(unique_keys(1, 3))
    ]
    prerequisites = [Prerequisite(k, draw(NAME_TEXT), draw(ANY_TEXT), draw(st.integers(1, 3660)))
                     for k in draw(unique_keys(0, 2))]
    clocks = [
        ClockTemplate(k, draw(NAME_TEXT), draw(NAME_TEXT), draw(st.integers(0, 10_000)),
                      draw(st.sampled_from(CLOCK_UNITS)), draw(st.sampled_from(CLOCK_STARTS)),
                      draw(st.booleans()), draw(ANY_TEXT))
        for k in draw(unique_keys(0, 2))
    ]
    types = [(k, draw(NAME_TEXT)) for k in draw(unique_keys(1, 3))]
    scenarios = []
    for key in draw(unique_keys(0, 2)):
        minutes = sorted(draw(st.lists(st.integers(0, 100_000), max_size=3)))
        injects = tuple(Inject(m, draw(ANY_TEXT.map(lambda s: s + "."))) for m in minutes)
        scenarios.append(Scenario(key, draw(NAME_TEXT), draw(st.sampled_from(types))[0],
                                  draw(ANY_TEXT), injects))
    return Plan(
        format_version=FORMAT_VERSION, name=draw(NAME_TEXT), unit=draw(LINE_TEXT),
        description=draw(ANY_TEXT), roles=tuple(roles), activities=tuple(activities),
        phases=tuple(phases), prerequisites=tuple(prerequisites), clocks=tuple(clocks),
        severities=tuple(draw(unique_keys(1, 4))), incident_types=tuple(types),
        scenarios=tuple(scenarios),
    )


@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(plans())
def test_any_valid_plan_round_trips(plan):
    text = dump_plan(plan)
    tomllib.loads(text)  # plain TOML, readable by any TOML tool
    assert parse_plan(text) == plan
    assert parse_plan(text.encode("utf-8")) == plan


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ANY_TEXT, LINE_TEXT)
def test_any_text_round_trips_in_every_kind_of_field(text, line):
    plan = default_plan()
    role = dataclasses.replace(plan.roles[0], description=text, name=line + "x")
    phase = dataclasses.replace(plan.phases[0], guidance=text, checklist=(line + "x",))
    changed = dataclasses.replace(plan, description=text, roles=(role, *plan.roles[1:]),
                                  phases=(phase, *plan.phases[1:]))
    assert parse_plan(dump_plan(changed)) == changed


def test_multiline_text_is_written_as_a_readable_literal_block():
    plan = dataclasses.replace(default_plan(), description="First line.\n\nSecond 'quoted' line.")
    assert "description = '''\nFirst line.\n\nSecond 'quoted' line.'''" in dump_plan(plan)
    awkward = dataclasses.replace(plan, description="ends with '''\nand \x01")
    assert "description = \"ends with '''\\nand \\u0001\"" in dump_plan(awkward)
