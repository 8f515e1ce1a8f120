"""`verify --against REPORT.pdf` trusts only what this binder's signatures cover.

A signed report carries the verification bundle as an attachment. Someone who
rolls the binder back could append an incremental update to the report that
swaps the attachment for an older bundle (or changes a page), leaving the
signatures over the earlier revision intact. The bundle compared is the one in
the revision the first signature covers, and pyHanko's difference analysis of
every signature names any change after signing beyond more signatures.
docs/RELIABILITY.md lists the cases.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from pyhanko.pdf_utils import embed, generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from binder.core.incident import journal
from binder.core.incident.journal import NewEntry
from binder.core.incident.record import open_incident
from binder.core.output import bundle
from binder.core.output.report.build import write_report
from binder.core.plan import revisions as plan
from binder.core.storage.backup import backup_binder
from binder.core.storage.database import open_binder
from binder.core.verify.checks import verify_binder
from binder.core.verify.rollback import compare_with_export, load_export


@pytest.fixture
def signed(made, tmp_path):
    """A signed report of 8 entries, an early bundle of 4, and a copy of the binder from then."""
    b = made.binder
    incident = open_incident(b, made.lead, title="Skimmer in checkout", type="skimmer",
                             severity="high", plan_revision_id=plan.current_revision(b).id)
    for n in range(3):
        journal.append(b, incident, made.lead, NewEntry(text=f"early {n}"))
    early = bundle.write_bundle(b, incident, tmp_path / "early.json")
    old_copy = backup_binder(b, tmp_path / "old-copy.binder")
    for n in range(4):
        journal.append(b, incident, made.lead, NewEntry(text=f"late {n}"))
    result = write_report(b, incident, tmp_path / "report.pdf", lead=made.lead)
    assert result.signed_by
    b.close()
    return {"path": made.path, "report": tmp_path / "report.pdf", "early": early,
            "old_copy": old_copy, "dir": tmp_path}


def _compare(binder_path: Path, export: Path):
    with open_binder(binder_path) as binder:
        report = verify_binder(binder, check_files=False)
        compare_with_export(binder, load_export(export), report)
        return report


def _append_update(pdf: Path, out: Path, change) -> Path:
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf.read_bytes()))
    change(writer)
    buffer = io.BytesIO()
    writer.write(buffer)
    out.write_bytes(buffer.getvalue())
    return out


def _swap_attachment(early: dict):
    def change(w):
        data = bundle.bundle_bytes(early)
        spec = embed.FileSpec(
            file_spec_string="incident-bundle.json",
            embedded_data=embed.EmbeddedFileObject.from_file_data(
                w, data=data, mime_type="application/json"))
        w.root["/Names"] = generic.DictionaryObject({
            generic.NameObject("/EmbeddedFiles"): generic.DictionaryObject({
                generic.NameObject("/Names"): generic.ArrayObject([
                    generic.TextStringObject("incident-bundle.json"),
                    w.add_object(spec.as_pdf_object())])})})
        w.update_root()
    return change


def _change_page(w):
    stream = generic.StreamObject(stream_data=b"BT /F1 24 Tf 72 72 Td (NOTHING HAPPENED) Tj ET")
    w.add_stream_to_page(0, w.add_object(stream))


def test_signed_report_compares_and_its_signatures_are_checked(signed):
    report = _compare(signed["path"], signed["report"])
    assert report.ok, [str(p) for p in report.problems]
    assert not any("not signed" in n for n in report.notes)


def test_attachment_swapped_after_signing_is_reported_and_not_trusted(signed):
    """The attacker rolled the binder back and swapped in the bundle that matches it."""
    tampered = _append_update(signed["report"], signed["dir"] / "swapped.pdf",
                              _swap_attachment(signed["early"]))
    seen = load_export(tampered)
    # The bundle compared is the one the signature covers (8 entries), not the swapped one.
    assert seen.entry_count == 8
    report = _compare(signed["old_copy"], tampered)
    codes = {p.code for p in report.problems}
    assert {"report_modified", "rolled_back"} <= codes
    assert any("was changed after" in str(p) for p in report.problems)


def test_page_changed_after_signing_is_reported(signed):
    tampered = _append_update(signed["report"], signed["dir"] / "page.pdf", _change_page)
    report = _compare(signed["path"], tampered)
    assert "report_modified" in {p.code for p in report.problems}


def test_byte_changed_inside_the_signed_range_is_reported(signed):
    data = bytearray(signed["report"].read_bytes())
    at = data.index(b"/Producer")  # inside the signed revision
    data[at + 1] = ord("Q")
    broken = signed["dir"] / "byte.pdf"
    broken.write_bytes(bytes(data))
    report = _compare(signed["path"], broken)
    assert any(p.code == "report_modified" and "no longer matches" in str(p)
               for p in report.problems)


def test_unsigned_report_is_compared_with_a_note(made, tmp_path):
    b = made.binder
    incident = open_incident(b, made.lead, title="Skimmer")
    write_report(b, incident, tmp_path / "plain.pdf")
    b.close()
    report = _compare(made.path, tmp_path / "plain.pdf")
    assert report.ok and any("is not signed" in n for n in report.notes)


def test_cli_exits_1_for_a_report_changed_after_signing(signed, run_cli):
    tampered = _append_update(signed["report"], signed["dir"] / "swapped.pdf",
                              _swap_attachment(signed["early"]))
    result = run_cli("verify", "--binder", str(signed["path"]), "--against", str(tampered),
                     "--json")
    assert result.code == 1, result.err
    assert "report_modified" in {p["code"] for p in json.loads(result.out)["problems"]}
