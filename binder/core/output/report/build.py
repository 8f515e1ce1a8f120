"""Building the incident report: what legal and management receive.

Two variants come from the same journal: ``full`` (every entry, for legal) and
``executive`` (situation, impact, decisions, deadlines, next steps; a few
pages, for management). Both carry a sign-off page whose four places (lead,
witness, legal, management) are real PDF signature fields, the verification
bundle as an attached file, and a verification appendix.

The facts (:mod:`.facts`) are gathered inside one SQLite read transaction and
the journal is streamed into the layout in the same transaction (flowables are
made as platypus asks for them), so the pages, the journal head printed in
every footer and the attached bundle describe the same moment, and memory does
not grow with the number of entries beyond the PDF itself. The sections
(:mod:`.sections`) are put in order here; :mod:`binder.core.output.signing`
signs the result.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from reportlab.platypus import Flowable, PageBreak

from binder.core.checkpoint.store import sign_checkpoint, store_checkpoint
from binder.core.crypto import signers
from binder.core.crypto.signers import Signer, SigningSession
from binder.core.crypto.two_person import check_two_people
from binder.core.errors import BadInput, IntegrityError, NotFound
from binder.core.incident.record import get_incident
from binder.core.output import signing as pdfsign
from binder.core.output.checkpoint_print import PrintedCheckpoint, printed_checkpoint
from binder.core.output.pdf import MARGIN, PAGE, PageDecor, checker, fmt_time, render
from binder.core.output.report import casefile, custody, executive, sections
from binder.core.output.report.facts import Progress, ReportFacts, gather_facts, snapshot
from binder.core.output.report.sections import BUNDLE_NAME
from binder.core.storage.database import Binder, utc_now
from binder.core.storage.files import (
    MAX_REPORT_BYTES,
    atomic_write_bytes,
    check_output_path,
    read_input_file,
)

VARIANTS = ("full", "executive")


@dataclass(frozen=True)
class ReportResult:
    """A built report (signed when signers were given)."""

    pdf: bytes
    variant: str
    pages: int
    entries: int
    head_hash: str
    #: Who signed, by the names their certificates state.
    signed_by: tuple[str, ...] = ()
    slots: tuple[pdfsign.SignatureSlot, ...] = ()
    bundle_attached: bool = False
    #: The checkpoint made at this sign-off (stored once the report was signed).
    checkpoint_id: int | None = None


def story(binder: Binder, f: ReportFacts, variant: str, width: float,
          slots: list[pdfsign.SignatureSlot], progress: Progress | None,
          check: Callable[[], None], checkpoint: PrintedCheckpoint | None = None,
          ) -> Iterator[Flowable]:
    """The sections of a ``variant`` report in order (the journal streamed from ``binder``)."""
    if variant == "executive":
        yield from executive.summary(f, width, slots, checkpoint)
        return
    yield from sections.cover(f, width, variant, casefile.PARTS)
    yield from casefile.facts(f, width)
    yield from casefile.chronology(binder, f, width, progress, check)
    yield from casefile.investigation(binder, f, width)
    yield PageBreak()
    yield from custody.evidence(f, width, title=casefile.part(4))
    yield from sections.decisions(f, width, title=casefile.part(5))
    yield from sections.notifications_and_deadlines(f, width, title=casefile.part(6))
    yield from casefile.costs(f, width)
    yield from sections.review(f, width, title=casefile.part(8))
    yield from sections.signoff(f, width, slots, title=casefile.part(9))
    yield from sections.appendix(f, width, checkpoint)


def _bundle_bytes(binder: Binder, incident_id: int, extra: tuple[str, ...] = ()) -> bytes | None:
    from binder.core.output import bundle

    try:
        data = bundle.build_bundle(binder, incident_id, extra_checkpoints=extra)
    except NotFound:
        return None  # no root certificate yet: nothing in the binder can be verified
    return bundle.bundle_bytes(data)


def build_report(
    binder: Binder,
    incident_ref: int | str,
    *,
    variant: str = "full",
    lead: SigningSession | None = None,
    witness: SigningSession | None = None,
    named: dict[str, Signer] | None = None,
    attach_bundle: bool = True,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
    now: str | None = None,
) -> ReportResult:
    """Build the report PDF; signed by ``lead`` then ``witness`` when given.

    ``named`` pre-prints people on the sign-off page without signing (e.g. the
    witness who will sign later). ``attach_bundle=False`` leaves out the
    verification bundle (it is held in memory while it is attached). Raises
    :class:`Cancelled` when ``cancelled()`` turns true; nothing is written anywhere.
    """
    if variant not in VARIANTS:
        raise BadInput(f"unknown report variant {variant!r}; use one of {', '.join(VARIANTS)}")
    if witness is not None and lead is None:
        raise BadInput("a witness signs after the lead: give --as LEAD with --witness")
    if lead is not None:
        check_two_people(lead, witness)
    check = checker(cancelled)
    now = now or utc_now()
    names = dict(named or {})
    if lead is not None:
        names["lead"] = lead.signer
    if witness is not None:
        names["witness"] = witness.signer
    root = signers.root_certificate(binder)
    if (lead is not None) and root is None:
        raise BadInput("this binder has no root certificate, so nothing can be signed; "
                       "enroll a signer first")
    with snapshot(binder):
        incident = get_incident(binder, incident_ref)
        if "lead" not in names:
            found = signers.find_signer(binder, incident.opened_by)
            if found is not None:
                names["lead"] = found
        facts = gather_facts(binder, incident, now=now, named=names, progress=progress,
                             check=check)
        # A signed report is a sign-off: the signers also sign a checkpoint of the whole
        # binder as it is in this snapshot, printed in the appendix and kept once signed.
        fresh = None
        if lead is not None:
            try:
                fresh = sign_checkpoint(binder, lead, witness)
            except IntegrityError:
                pass  # records are missing from the log: the appendix lists the problems instead
        printed = printed_checkpoint(binder, fresh, lead, witness)
        slots: list[pdfsign.SignatureSlot] = []
        width = _content_width()
        title_kind = ("Drill report" if incident.drill else "Incident report") \
            if variant == "full" else ("Drill summary" if incident.drill else "Executive summary")
        decor = PageDecor(
            header_left=f"{facts.org + ' · ' if facts.org else ''}{title_kind}: {incident.title}",
            header_right=f"Incident {incident.id}",
            footer_left=f"Journal head {facts.head[:16]}… · {facts.entry_count} entries · "
                        f"generated {fmt_time(now)}",
            drill=incident.drill,
        )
        pdf, doc = render(
            story(binder, facts, variant, width, slots, progress, check, printed), decor,
            title=f"{'[DRILL] ' if incident.drill else ''}{title_kind}: {incident.title}",
            author=facts.org or "Incident Binder",
            subject=f"Incident {incident.id} ({incident.uuid}), journal head {facts.head}",
        )
        # The layout (every page object) is no longer needed: free it before the bundle.
        pages = doc.pages
        del doc
        check()
        bundle = (_bundle_bytes(binder, incident.id, (fresh.text(),) if fresh else ())
                  if attach_bundle else None)
    attachments = []
    if bundle is not None:
        attachments.append(pdfsign.Attachment(
            BUNDLE_NAME, bundle, "application/json",
            f"Verification bundle of incident {incident.id}, journal head {facts.head}"))
    pdf = pdfsign.prepare(pdf, slots, attachments)
    signed_by: list[str] = []
    if root is not None and lead is not None:
        from cryptography.hazmat.primitives import serialization

        root_der = root.public_bytes(serialization.Encoding.DER)
        for role, session in (("lead", lead), ("witness", witness)):
            if session is None:
                continue
            check()
            pdf = pdfsign.sign_role(pdf, session, root_der, role)
            signed_by.append(session.identity.name)  # as the certificate names them
    checkpoint_id = None
    if fresh is not None and lead is not None:
        checkpoint_id = store_checkpoint(binder, fresh, lead, witness, occasion="report",
                                         incident_id=incident.id).id
    if progress:
        progress(1, 1)
    return ReportResult(pdf=pdf, variant=variant, pages=pages, entries=facts.entry_count,
                        head_hash=facts.head, signed_by=tuple(signed_by), slots=tuple(slots),
                        bundle_attached=bundle is not None, checkpoint_id=checkpoint_id)


def _content_width() -> float:
    return PAGE[0] - 2 * MARGIN


def write_report(binder: Binder, incident_ref: int | str, path: str | Path, **kwargs) -> ReportResult:
    """Build the report (see :func:`build_report`) and write it atomically to ``path``."""
    target = check_output_path(path)
    result = build_report(binder, incident_ref, **kwargs)
    atomic_write_bytes(target, result.pdf)
    if result.signed_by:
        _queue_for_timestamp(binder, target, incident_ref, result.pdf)
    return result


def _queue_for_timestamp(binder: Binder, target: Path, incident_ref: int | str,
                         pdf: bytes) -> None:
    # A signed report waits for a document timestamp from an authority (`binder anchor`).
    from binder.core.checkpoint.anchor import queue_report

    queue_report(binder, target, get_incident(binder, incident_ref).id, pdf)


def _read_report(target: Path) -> bytes:
    # A FIFO or a device in the report's place is refused unread (no hang), and a huge
    # file is not read whole into memory.
    pdf = read_input_file(target, what="report", limit=MAX_REPORT_BYTES)
    if not pdf.startswith(b"%PDF-"):
        raise BadInput(f"{target} is not a PDF; choose the report that `binder report` wrote")
    return pdf


def _free_role(pdf: bytes, target: Path, role: str | None) -> str:
    state = {f.name: f.signed for f in pdfsign.signature_fields(pdf)}
    if not state:
        raise BadInput(f"{target} has no sign-off places; sign a report written by "
                       "`binder report`")
    if role is not None:
        pdfsign.check_role(role)
        return role
    for candidate in ("legal", "management"):
        if state.get(pdfsign.FIELD_FOR_ROLE[candidate]) is False:
            return candidate
    raise BadInput(f"every sign-off place in {target} is already signed")


def signed_places(path: str | Path) -> dict[str, bool]:
    """Each sign-off field of the report at ``path`` and whether it is signed."""
    target = Path(path).expanduser()
    return {f.name: f.signed for f in pdfsign.signature_fields(_read_report(target))}


def sign_off_role(path: str | Path, role: str | None = None) -> str:
    """The sign-off place a later signature on the report at ``path`` takes: ``role`` if
    given, else the first free one of legal, then management.

    Asked before the signer signs in, so the sign-in is recorded with what the
    signature will mean (:data:`binder.core.output.signing.MEANING_FOR_ROLE`).
    """
    target = Path(path).expanduser()
    return _free_role(_read_report(target), target, role)


def sign_report_file(binder: Binder, path: str | Path, session: SigningSession,
                     role: str | None = None) -> str:
    """Add ``session``'s signature to an existing report, incrementally; returns the role.

    Without ``role`` the first free place of legal, then management, is used.
    Earlier signatures stay valid (their bytes are untouched).
    """
    target = Path(path).expanduser()
    pdf = _read_report(target)
    role = _free_role(pdf, target, role)
    root = signers.root_certificate(binder)
    if root is None:
        raise BadInput("this binder has no root certificate; enroll a signer first")
    from cryptography.hazmat.primitives import serialization

    signed = pdfsign.sign_role(pdf, session, root.public_bytes(serialization.Encoding.DER), role)
    atomic_write_bytes(check_output_path(target), signed)
    _queue_for_timestamp_again(binder, target, signed)
    return role


def _queue_for_timestamp_again(binder: Binder, target: Path, pdf: bytes) -> None:
    # A later sign-off changes the file: the document timestamp, when it comes, covers it too.
    from binder.core.checkpoint.anchor import queue_report

    row = binder.conn.execute("SELECT incident_id FROM report_anchor WHERE path = ? "
                              "ORDER BY id DESC LIMIT 1", (str(target.resolve()),)).fetchone()
    queue_report(binder, target, row[0] if row else None, pdf)
