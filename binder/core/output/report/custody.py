"""Evidence and its chain of custody, as a cross-examiner reads it.

For every item: what it is and its SHA-256, where it came from, who collected
it, when, how and which time range it covers, who registered it and who
witnessed that; then every hand-over with its time, the seal, the re-hash at
hand-over and its result, who signed it, and whether the person who received
the item signed for it (or a witness did, for a receiver without a key). A
hand-over nobody acknowledged is printed as such, in red.
"""

from __future__ import annotations

from collections.abc import Iterator

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer

from binder.core import times
from binder.core.formatting import size_text
from binder.core.output.pdf import esc, header_cells
from binder.core.output.report.facts import ReportFacts
from binder.core.output.report.sections import P, _c, _kv, _none, _table

MISSING = "<i>not recorded</i>"


def _zoned(value: str) -> str:
    """A custody time in UTC with the local time as stated: ``2026-11-29 13:05 UTC (14:05 UTC+01:00)``."""
    return times.document_time(value, seconds=None) if value else ""


def _source(data: dict) -> str:
    src = data.get("source_system") or {}
    parts = [src.get("hostname"), src.get("ip"), src.get("make_model"),
             (f"serial {src['serial']}" if src.get("serial") else "")]
    return esc(", ".join(p for p in parts if p)) or MISSING


def _covers(data: dict) -> str:
    covers = data.get("covers") or {}
    if not covers:
        return MISSING
    start, end = covers.get("from", ""), covers.get("to", "")
    return f"{esc(_zoned(start)) or '?'} to {esc(_zoned(end)) or '?'}"


def item_facts(f: ReportFacts, item, width: float):
    """The registration facts of one item as a two-column table."""
    d = item.data
    registered = f"{_t_text(item.registered_at)} by {esc(f.name(item.registered_by))}"
    if item.witnesses:
        registered += f", witnessed by {esc(', '.join(f.name(w) for w in item.witnesses))}"
    copy = d.get("stored_copy") or {}
    rows = [
        ("SHA-256", f'<font name="DejaVuSansMono" size="7.5">{esc(item.sha256)}</font>'),
        ("Size", esc(size_text(item.size))),
        ("Original file", esc(d.get("original_path") or item.path)),
        ("Source system", _source(d)),
        ("Collected", f"{esc(_zoned(item.collected_at))} by {esc(f.name(item.collected_by))}"
                      + (f", {esc(d['collected_where'])}" if d.get("collected_where") else "")),
        ("Method", esc(d.get("method")) or MISSING),
        ("Period covered", _covers(d)),
        ("Why obtained", esc(d.get("reason")) or MISSING),
        ("Registered", registered),
        ("Kept at", esc(item.location) or MISSING),
        ("Held by now", esc(f.name(item.custodian)) + (f" ({esc(item.disposition)})"
                                              if item.disposition else "")),
    ]
    if copy:
        rows.insert(3, ("Working copy", f"{esc(copy.get('path', ''))}, hashed again after "
                                        "copying: match"))
    return _kv(rows, width, key_w=32 * mm)


def _t_text(value: str) -> str:
    from binder.core.output.pdf import fmt_time

    return fmt_time(value)


def receipt_markup(f: ReportFacts, event) -> str:
    """Who signed for the item at this hand-over, or that nobody did."""
    receipt = event.receipt
    if receipt is None:
        return '<font color="#b3261e"><b>Not acknowledged</b></font><br/>by the receiver'
    when = esc(_zoned(receipt.time))
    if receipt.role == "receiver":
        text = f"Signed by the receiver, {esc(f.name(receipt.signer))} ✓<br/>{when}"
    else:
        text = (f"Receiver holds no key: {esc(f.name(receipt.signer))} witnessed the receipt "
                f"✓<br/>{when}")
    if receipt.note:
        text += f"<br/><i>{esc(receipt.note)}</i>"
    return text


def rehash_markup(event) -> str:
    """The re-hash at hand-over and its result."""
    if event.rehash == "match":
        digest = event.rehash_sha256[:16]
        return ('<font color="#2f7d32"><b>match</b></font>'
                + (f'<br/><font name="DejaVuSansMono" size="6.5">{esc(digest)}…</font>'
                   if digest else ""))
    if event.rehash == "not reachable":
        return "file not reachable; not re-hashed"
    return "not re-hashed"


def custody_table(f: ReportFacts, item, width: float):
    """Every custody event of one item after its registration."""
    rows = [header_cells(("When", "Hand-over", "Re-hash at hand-over", "Signed by",
                          "Receipt"))]
    for e in item.custody:
        if e.action == "registered":
            continue
        signed = esc(f.name(e.author)) + " ✓"
        if e.witnesses:
            signed += f"<br/>witness {esc(', '.join(f.name(w) for w in e.witnesses))} ✓"
        when = f"{esc(_zoned(e.time or e.recorded_at))}<br/><font size=\"6.5\">entry #{e.seq}</font>"
        if e.action == "transfer":
            what = (f"<b>{esc(f.name(e.released_by))} → {esc(f.name(e.received_by))}</b><br/>"
                    f"{esc(e.purpose)}")
            if e.location:
                what += f"<br/>to be kept at {esc(e.location)}"
            what += f"<br/>seal: {esc(e.seal)}" if e.seal else "<br/>seal: none recorded"
            rows.append([P(when, "celltime"), P(what, "cell"), P(rehash_markup(e), "cell"),
                         P(signed, "cell"), P(receipt_markup(f, e), "cell")])
        else:
            what = f"<b>{esc(e.action.capitalize())}</b>"
            if e.authority:
                what += f" on the authority of {esc(e.authority)}"
            if e.purpose:
                what += f"<br/>{esc(e.purpose)}"
            if e.location:
                what += f"<br/>{esc(e.location)}"
            rows.append([P(when, "celltime"), P(what, "cell"), _c(""), P(signed, "cell"),
                         _c("")])
    if len(rows) == 1:
        return None
    return _table(rows, [27 * mm, width - 121 * mm, 26 * mm, 26 * mm, 42 * mm])


def evidence(f: ReportFacts, width: float, *, title: Flowable | None = None
             ) -> Iterator[Flowable]:
    """Each evidence item with its registration facts and every hand-over."""
    yield title if title is not None else P("Evidence and chain of custody", "h2")
    if not f.evidence:
        yield _none("No evidence was registered.")
        return
    yield P("Times are as stated, with their zone. A hand-over is signed by the person who "
            "gave the item; the receipt is signed by the person who received it (or by a "
            "witness who saw a receiver without a key take it). A file that can be reached is "
            "hashed again at every hand-over; a different hash stops the hand-over.", "small")
    for item in f.evidence:
        head = (f"{esc(item.label)}&nbsp;&nbsp;{esc(item.description)}"
                + (f' <font color="#616e7c">({esc(item.type)})</font>' if item.type else ""))
        block: list[Flowable] = [P(head, "h3"), item_facts(f, item, width)]
        table = custody_table(f, item, width)
        if table is not None:
            block += [Spacer(1, 1.5 * mm), P("Hand-overs", "small"), table]
        else:
            block += [P("No hand-over: the item has stayed with whoever collected it.", "small")]
        if len(item.custody) < 6:
            yield KeepTogether(block)
        else:
            yield from block
        yield Spacer(1, 4 * mm)
