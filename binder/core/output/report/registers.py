"""The report's sections for the investigation registers.

One function per section (attacker timeline, indicators, affected assets,
tasks), each yielding reportlab flowables for a content ``width``;
:mod:`.build` calls :func:`register_sections` where the full report wants
them. They read the registers themselves, inside the report's read snapshot,
in the house table look of :mod:`binder.core.output.pdf`. Every user value is
escaped, and every row names the journal number and the start of the hash of
the signed entry it comes from.
"""

from __future__ import annotations

from collections.abc import Iterator

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Table

from binder.core import times
from binder.core.crypto.signers import name_for_login, names_by_login
from binder.core.incident import registers as reg
from binder.core.incident.indicators import IOC_TYPES
from binder.core.output.pdf import BAD, esc, fmt_time, grid, header_cells, styles
from binder.core.storage.database import Binder

_S: dict = {}


def _st() -> dict:
    if not _S:
        _S.update(styles())
    return _S


def _p(markup: str, style: str = "cell") -> Paragraph:
    return Paragraph(markup, _st()[style])


def _cell(text: object, style: str = "cell") -> Paragraph:
    return Paragraph(esc(text), _st()[style])


def _head(*labels: str) -> list[Paragraph]:
    return header_cells(labels)


def _ref(item: reg.Item) -> Paragraph:
    """The journal number of the entry that added the item and the start of its hash."""
    return _p(f"#{item.seq}<br/><font size=\"6.5\" color=\"#616e7c\">"
              f"{esc(item.hash[:12])}</font>", "cellsmall")


def _zoned(value: str) -> str:
    # UTC first, then the time as stated with its offset (every document time reads so).
    return times.document_time(value, seconds=None) if value else ""


def _table(rows: list[list], widths: list[float], withdrawn: list[int]) -> Table:
    return grid(rows, widths, extra=[("TEXTCOLOR", (0, row), (-1, row), colors.grey)
                                     for row in withdrawn])


def _intro(title: str, text: str) -> Iterator[Flowable]:
    yield _p(esc(title), "h2")
    yield _p(text, "small")


def _none(text: str) -> Paragraph:
    return _p(f"<i>{esc(text)}</i>", "small")


def _withdrawn(item: reg.Item, text: str) -> str:
    return f"<strike>{text}</strike> (withdrawn: {esc(item.withdrawn_reason)})" \
        if item.withdrawn else text


def timeline_section(binder: Binder, incident_id: int, width: float) -> Iterator[Flowable]:
    """The attacker timeline in event order, times as the sources show them."""
    yield from _intro("Attacker timeline", "What the attacker did, in event order. <i>When</i> "
                      "is the time as its source shows it, with that source's zone; UTC is "
                      "beside it. Each row names its signed journal entry (number and hash).")
    items = reg.list_items(binder, incident_id, "timeline")
    if not items:
        yield _none("No attacker events were recorded.")
        return
    rows = [_head("Entry", "When (source zone) / UTC", "What happened", "Asset", "ATT&CK",
                  "Source")]
    grey = []
    for n, e in enumerate(items, start=1):
        what = esc(e.get("what"))
        if e.get("iocs"):
            what += "<br/><font size=\"7\">Indicators: " + esc(", ".join(e.get("iocs"))) + "</font>"
        technique = esc(e.get("technique"))
        if e.get("technique_name"):
            technique += f"<br/><font size=\"6.5\">{esc(e.get('technique_name'))}</font>"
        source = esc(e.get("time_source"))
        if e.get("evidence"):
            source += f"<br/>{esc(e.get('evidence'))}"
        if e.get("confidence"):
            source += f"<br/>confidence {esc(e.get('confidence'))}"
        rows.append([_ref(e), _p(f"{esc(_zoned(e.get('at')))}<br/><font size=\"7\">"
                                 f"{fmt_time(e.get('at_utc'), seconds=True)}</font>", "celltime"),
                     _p(_withdrawn(e, what)), _cell(e.get("asset")), _p(technique, "cellsmall"),
                     _p(source, "cellsmall")])
        if e.withdrawn:
            grey.append(n)
    yield _table(rows, [15 * mm, 36 * mm, width - 133 * mm, 24 * mm, 30 * mm, 28 * mm], grey)


def indicators_section(binder: Binder, incident_id: int, width: float) -> Iterator[Flowable]:
    """Indicators of compromise with their TLP 2.0 label."""
    yield from _intro("Indicators of compromise", "Values as registered (checked for their "
                      "type). TLP is the Traffic Light Protocol 2.0 label that limits sharing.")
    items = reg.list_items(binder, incident_id, "ioc")
    if not items:
        yield _none("No indicators were registered.")
        return
    names = dict(IOC_TYPES)
    rows = [_head("Entry", "Type", "Value", "TLP", "Seen", "Source / description")]
    grey = []
    for n, i in enumerate(items, start=1):
        tlp = esc(i.get("tlp"))
        tlp_cell = _p(f'<font color="{BAD.hexval().replace("0x", "#")}"><b>TLP:{tlp}</b></font>'
                      if i.get("tlp") in ("RED", "AMBER+STRICT") else f"TLP:{tlp}", "cellsmall")
        seen = " – ".join(fmt_time(i.get(k)) if i.get(k) else "?"
                          for k in ("first_seen_utc", "last_seen_utc")) \
            if i.get("first_seen_utc") or i.get("last_seen_utc") else ""
        value = f'<font name="DejaVuSansMono" size="7.5">{esc(i.get("value"))}</font>'
        rows.append([_ref(i), _cell(names.get(i.get("type"), i.get("type")), "cellsmall"),
                     _p(_withdrawn(i, value)), tlp_cell, _p(esc(seen), "celltime"),
                     _cell(" — ".join(x for x in (i.get("source"), i.get("description")) if x),
                           "cellsmall")])
        if i.withdrawn:
            grey.append(n)
    yield _table(rows, [15 * mm, 20 * mm, width - 129 * mm, 22 * mm, 30 * mm, 42 * mm], grey)


def assets_section(binder: Binder, incident_id: int, width: float) -> Iterator[Flowable]:
    """Affected systems and accounts with their containment history."""
    yield from _intro("Affected systems and accounts", "Each containment status change is a "
                      "signed entry; the history lists them in order.")
    items = reg.list_items(binder, incident_id, "asset")
    if not items:
        yield _none("No affected systems or accounts were registered.")
        return
    rows = [_head("Entry", "Name", "Kind", "Status now", "Status history (signed)")]
    names = names_by_login(binder)  # who signed each change, as their certificate names them
    grey = []
    for n, a in enumerate(items, start=1):
        history = "<br/>".join(
            f"{fmt_time(c.recorded_at)} {esc(c.changes['status'])} ({esc(name_for_login(names, c.author))})"
            + (f": {esc(c.reason)}" if c.reason and c.action != "add" else "")
            for c in a.history if "status" in c.changes)
        rows.append([_ref(a), _p(_withdrawn(a, esc(a.get("name")))),
                     _cell(a.get("asset_kind"), "cellsmall"), _p(f"<b>{esc(a.get('status'))}</b>"),
                     _p(history, "cellsmall")])
        if a.withdrawn:
            grey.append(n)
    yield _table(rows, [15 * mm, 40 * mm, 30 * mm, 22 * mm, width - 107 * mm], grey)


def tasks_section(binder: Binder, incident_id: int, width: float) -> Iterator[Flowable]:
    """Tasks with owner, due time and status (overdue ones marked)."""
    yield from _intro("Tasks", "Who was to do what by when, and whether it was done.")
    items = reg.list_items(binder, incident_id, "task")
    if not items:
        yield _none("No tasks were recorded.")
        return
    now = reg._now_text(None)
    names = names_by_login(binder)
    owner_of = reg.owner_namer(binder)
    rows = [_head("Entry", "Task", "Owner", "Due", "Status")]
    grey = []
    for n, t in enumerate(items, start=1):
        status = esc(t.get("status"))
        if t.get("status") == "open" and t.get("due_utc") and t.get("due_utc") < now:
            status = '<font color="#b3261e"><b>overdue</b></font>'
        elif t.get("status") == "done":
            done = next((c for c in reversed(t.history) if c.changes.get("status") == "done"), None)
            if done is not None:
                status += f"<br/>{fmt_time(done.recorded_at)} ({esc(name_for_login(names, done.author))})"
        rows.append([_ref(t), _p(_withdrawn(t, esc(t.get("title")))),
                     _cell(owner_of(t.fields)), _p(fmt_time(t.get("due_utc")), "celltime")
                     if t.get("due_utc") else _cell(""), _p(status, "cellsmall")])
        if t.withdrawn:
            grey.append(n)
    yield _table(rows, [15 * mm, width - 117 * mm, 32 * mm, 35 * mm, 35 * mm], grey)


SECTIONS = (timeline_section, indicators_section, assets_section, tasks_section)


def register_sections(binder: Binder, incident_id: int, width: float) -> Iterator[Flowable]:
    """All four register sections, in their usual order."""
    for section in SECTIONS:
        yield from section(binder, incident_id, width)
