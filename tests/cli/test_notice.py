"""`binder notice`: draft a regulator form from the journal, render it, record its submission."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.helpers import LEAD, signer_env


@pytest.fixture
def cli(made, run_cli):
    made.binder.close()
    env = {**signer_env(), "BINDER_FILE": str(made.path)}

    def run(*args, input=None):
        return run_cli(*args, env=env, input=input)

    return run


def refused(result, words):
    assert result.code == 2, result
    assert len(result.err.strip().splitlines()) == 1 and words in result.err, result.err


def test_gdpr_form_from_draft_to_pdf_to_a_recorded_submission(cli, tmp_path):
    iid = cli("incident", "open", "--title", "Customer table for sale", "--type",
              "database_leak", "--detected-at", "2026-03-02T09:00Z", "--as", LEAD).out.strip()
    cli("journal", "add", iid, "--as", LEAD, "--kind", "observation",
        "--text", "SQL dump in the web root", "--occurred-at", "2026-03-02T09:40+01:00")
    draft = cli("notice", "draft", iid, "gdpr_art33")
    assert draft.code == 0, draft.err
    fields = json.loads(draft.out)
    assert "SQL dump in the web root" in fields["nature"]
    fields["subjects"] = "Customers, about 12,400"
    path = tmp_path / "art33.json"
    path.write_text(json.dumps(fields), encoding="utf-8")

    pdf = tmp_path / "art33.pdf"
    rendered = cli("notice", "render", iid, "gdpr_art33", "--fields", str(path), "-o", str(pdf))
    assert rendered.code == 0, rendered.err
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "Customers, about 12,400" in text and "Art. 33(3)(a)" in text
    plain = cli("notice", "render", iid, "gdpr_art33", "--fields", str(path), "-o", "-")
    assert plain.out.startswith("PERSONAL DATA BREACH NOTIFICATION")

    submitted = cli("notice", "submit", iid, "gdpr_art33", "--fields", str(path), "--channel",
                    "web portal", "--occurred-at", "2026-03-04T16:20+01:00", "--reference",
                    "DPA-2026-0042", "--as", LEAD)
    assert submitted.code == 0, submitted.err
    assert submitted.out.strip().isdigit()
    assert "met" in submitted.err
    data = json.loads(cli("incident", "show", iid, "--json", "--at", "2026-03-09T00:00Z").out)
    [note] = data["notifications"]
    assert (note["form"], note["reference"], note["verdict"]) == (
        "gdpr_art33", "DPA-2026-0042", "met")
    assert note["content"]["subjects"] == "Customers, about 12,400"
    gdpr = {c["key"]: c for c in data["clocks"]}["gdpr_art33"]
    assert (gdpr["status"], gdpr["met_at"]) == ("met", "2026-03-04T15:20:00.000000Z")


def test_bad_notice_input_is_refused_in_one_line(cli, tmp_path):
    iid = cli("incident", "open", "--title", "x", "--as", LEAD).out.strip()
    bad = tmp_path / "bad.json"
    bad.write_text('{"colour": "red"}', encoding="utf-8")
    refused(cli("notice", "render", iid, "gdpr_art33", "--fields", str(bad), "-o", "-"),
            "no field 'colour'")
    refused(cli("notice", "render", iid, "gdpr_art33", "-o", str(tmp_path / "x.doc")),
            ".pdf or .txt")
    refused(cli("notice", "render", iid, "gdpr_art33", "--fields", "/dev/zero", "-o", "-"),
            "/dev/zero is a device, not a fields file")
    refused(cli("notice", "submit", iid, "gdpr_art33", "--fields", str(bad), "--channel", "x",
                "--as", LEAD), "no field 'colour'")
    forms = json.loads(cli("notice", "forms", "--json").out)
    assert {f["key"] for f in forms} >= {"gdpr_art33", "gdpr_art34", "nis2_early_warning",
                                         "nis2_notification", "nis2_final_report", "card_brands",
                                         "sec_8k"}


def _words(text: str) -> str:
    return " ".join(text.split())


def test_gdpr_form_round_trips_journal_pdf_and_notify_with_its_reference(cli, tmp_path):
    """The journal's facts reach the form's PDF, and `notify --clock --reference --fields`
    records exactly what the PDF says as the notification that answers the clock."""
    iid = cli("incident", "open", "--title", "Loyalty accounts taken over", "--type",
              "admin_takeover", "--aware-at", "2026-05-04T08:15+02:00", "--as", LEAD).out.strip()
    cli("journal", "add", iid, "--as", LEAD, "--kind", "observation", "--text",
        "Password reset mails sent to an attacker's domain", "--occurred-at",
        "2026-05-04T07:50+02:00")
    fields = json.loads(cli("notice", "draft", iid, "gdpr_art33").out)
    assert "attacker's domain" in fields["nature"]  # prefilled from the journal
    fields["subjects"] = "Loyalty members, about 830"
    fields["records"] = "About 830 accounts: name, e-mail, points balance"
    path = tmp_path / "art33.json"
    path.write_text(json.dumps(fields), encoding="utf-8")
    pdf = tmp_path / "art33.pdf"
    assert cli("notice", "render", iid, "gdpr_art33", "--fields", str(path), "-o",
               str(pdf)).code == 0
    printed = _words(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True,
                                    text=True, check=True).stdout)
    for value in ("Loyalty members, about 830", "points balance", "attacker's domain"):
        assert value in printed

    refused(cli("notify", iid, "--as", LEAD, "--party", "DPA", "--channel", "portal",
                "--message", "x", "--fields", str(path)), "one of the two")
    told = cli("notify", iid, "--as", LEAD, "--party", "Data protection authority (Berlin)",
               "--channel", "web portal", "--clock", "gdpr_art33", "--reference", "BLN-2026-118",
               "--occurred-at", "2026-05-06T17:40+02:00", "--fields", str(path))
    assert told.code == 0, told.err
    assert "met" in told.err
    data = json.loads(cli("incident", "show", iid, "--json", "--at", "2026-05-08T00:00Z").out)
    [note] = data["notifications"]
    assert (note["form"], note["reference"], note["clock"], note["verdict"]) == (
        "gdpr_art33", "BLN-2026-118", "gdpr_art33", "met")
    assert note["told_at"] == "2026-05-06T17:40+02:00"  # as typed, with its offset
    assert note["content"] == {k: v for k, v in fields.items() if k in note["content"]}
    assert note["content"]["subjects"] == "Loyalty members, about 830"
    # What was recorded is what the PDF said: every filled field, word for word.
    for value in note["content"].values():
        if value.strip():
            assert _words(value) in printed or _words(value)[:60] in printed, value
    gdpr = {c["key"]: c for c in data["clocks"]}["gdpr_art33"]
    assert (gdpr["status"], gdpr["met_at"]) == ("met", "2026-05-06T15:40:00.000000Z")
