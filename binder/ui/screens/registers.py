"""The four investigation registers in the incident workspace.

Attacker timeline, indicators, affected systems and accounts, and tasks share
one pane design: a filter, a lazy table (:class:`RegisterModel`, rows made
visible a page at a time with ``canFetchMore``/``fetchMore``), the selected
item in full with its signed history, and keyboard-first forms (Enter signs
and records, Esc cancels). Every add or change is a signed journal entry
written by :mod:`binder.core.incident.registers`; the signed-in person signs
through the same sign-in flow as the journal, and a witness may co-sign.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import datetime
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from binder.core.crypto.signers import name_for_login, names_by_login
from binder.core.errors import BinderError
from binder.core.incident import indicators as check
from binder.core.incident import journal
from binder.core.incident import registers as reg
from binder.core.storage.database import Binder
from binder.ui.app import local_text, utc_text
from binder.ui.forms.digest import copy_from_link, grouped_html
from binder.ui.forms.feedback import message_label
from binder.ui.forms.fields import line_field
from binder.ui.forms.signed import SignedDialog, SignerProvider, ask_author
from binder.ui.screens.incident_pane import IncidentPane
from binder.ui.shortcuts import bind, with_keys
from binder.ui.style import CORRECTED_GREY, heading, muted
from binder.ui.tables import PagedRecordModel, read_only_table

Column = tuple[str, Callable[[reg.Item], str], int]  # title, text of an item, width (0: stretch)
TIME_SOURCES = ("web server log", "application log", "database record", "WAF / CDN log",
                "payment provider report", "file timestamp", "admin panel log",
                "customer report", "threat intelligence")


def _editable_combo(name: str, values: tuple[str, ...] | list[str], current: str = "") -> QComboBox:
    combo = QComboBox()
    combo.setEditable(True)
    combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    combo.setAccessibleName(name)
    combo.addItems(list(values))
    combo.setCurrentText(current)
    return combo


def _picked(combo: QComboBox) -> str:
    """What an editable picker stands for: the chosen item's data, else the typed text."""
    text = combo.currentText()
    index = combo.findText(text, Qt.MatchFlag.MatchExactly)
    return str(combo.itemData(index) or "") if index >= 0 else text.strip()


def _choice(name: str, values: tuple[str, ...], current: str = "") -> QComboBox:
    combo = QComboBox()
    combo.setAccessibleName(name)
    for value in values:
        combo.addItem(value, value)
    if current:
        combo.setCurrentIndex(max(0, combo.findData(current)))
    return combo


def now_local_iso() -> str:
    """Now, in this computer's zone, with its offset (what a time field starts with)."""
    return datetime.now().astimezone().isoformat(timespec="minutes")


class RegisterModel(PagedRecordModel):
    """Register items for a table, shown a page at a time as the view scrolls."""

    ItemRole = Qt.ItemDataRole.UserRole + 1

    def __init__(self, columns: tuple[Column, ...], parent=None, *, chunk: int = 200,
                 late: Callable[[reg.Item], bool] | None = None):
        super().__init__(parent, columns=[name for name, _fn, _width in columns], chunk=chunk)
        self.columns = columns
        self.late = late
        self.query = ""
        self._all: list[reg.Item] = []
        self._matching: list[reg.Item] = []

    def set_items(self, items: list[reg.Item]) -> None:
        """Replace the items (newest state of the register) and show the first page."""
        self._all = list(items)
        self._matching = [i for i in self._all if self._matches(i)]
        self.set_records([])
        self.fetchMore()

    def set_query(self, text: str) -> None:
        """Show only items whose columns contain ``text`` (case-insensitive)."""
        self.query = text.strip().casefold()
        self.set_items(self._all)

    def _matches(self, item: reg.Item) -> bool:
        if not self.query:
            return True
        return any(self.query in fn(item).casefold() for _, fn, _ in self.columns)

    def available(self) -> int:
        """How many items match (shown or not yet)."""
        return len(self._matching)

    total = available  # what the screen's count line calls it

    def load(self, start: int, count: int) -> list[reg.Item]:
        """A page of the matching items."""
        return self._matching[start:start + count]

    def item_at(self, row: int) -> reg.Item | None:
        """The item in ``row``."""
        return self.record_at(row)

    def row_of(self, item_id: int) -> int:
        """The row of an item (fetching pages until it is shown), or -1."""
        for row, item in enumerate(self._matching):
            if item.id == item_id:
                while len(self.records) <= row:
                    self.fetchMore()
                return row
        return -1

    def data(self, index, role=Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        item = self.records[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole,
                    Qt.ItemDataRole.AccessibleTextRole):
            text = self.columns[index.column()][1](item)
            if role == Qt.ItemDataRole.AccessibleTextRole and item.withdrawn:
                return f"{text} (withdrawn)"
            return text
        if role == self.ItemRole:
            return item
        if role == Qt.ItemDataRole.FontRole and item.withdrawn:
            font = QFont()
            font.setStrikeOut(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole:
            if item.withdrawn:
                return QBrush(QColor(CORRECTED_GREY))
            if self.late is not None and self.late(item):
                return QBrush(QColor("#b3261e"))
        return None


def history_html(binder: Binder, item: reg.Item, fields: list[tuple[str, str]]) -> str:
    """The item in full, then every signed change; every user value is escaped."""
    esc = html.escape
    rows = [f"<h3 style='margin:0'>{esc(item.label.capitalize())}</h3>"]
    if item.withdrawn:
        rows.append(f"<p><b>Withdrawn</b>: {esc(item.withdrawn_reason)}</p>")
    rows.append("<table cellspacing='2'>")
    for label, value in fields:
        if value:
            rows.append(f"<tr><td><i>{esc(label)}</i>&nbsp;</td><td>{esc(value)}</td></tr>")
    rows.append("</table><hr><p><b>Signed history</b></p>")
    names = names_by_login(binder)  # people as their certificates name them
    owner_of = reg.owner_namer(binder) if item.register == "task" else None
    for change in item.history:
        what = {"add": "added", "update": "changed", "withdraw": "withdrawn"}.get(change.action,
                                                                               change.action)
        details = ""
        if change.action == "update":
            details = reg.describe_changes(change.changes, owner_of)
        why = f" — {esc(change.reason)}" if change.reason else ""
        witnesses = [name_for_login(names, c.witness)
                     for c in journal.cosigns_for(binder, change.entry_id)]
        if witnesses:
            why += f", witnessed by <b>{esc(', '.join(witnesses))}</b>"
        rows.append(
            f"<p style='margin:2px 0'>{esc(local_text(change.recorded_at))}: {esc(what)} by "
            f"<b>{esc(name_for_login(names, change.author))}</b>{(': ' + esc(details)) if details else ''}{why}<br>"
            f"<small>entry {change.entry_id} · SHA-256<br>{grouped_html(change.hash)}</small></p>")
    return "".join(rows)


def _plain(value: Any) -> str:
    if value is None or value == "":
        return "(none)"
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "(none)"
    return str(value)


class RegisterPane(IncidentPane):
    """What the four register panes share: filter, lazy table, detail, signed forms."""

    REGISTER = ""
    TITLE = ""
    NOUN = ""
    INTRO = ""
    COMMAND = ""  # the window's "new item" command (binder.ui.shortcuts)

    def __init__(self, binder: Binder, incident_id: int, signer_provider: SignerProvider,
                 parent: QWidget | None = None) -> None:
        super().__init__(binder, incident_id, signer_provider, parent, self.TITLE)
        self.items: list[reg.Item] = []
        top = QHBoxLayout()
        top.addWidget(heading(self.TITLE, 2), 1)
        self.count = QLabel("")
        self.count.setAccessibleName(f"{self.TITLE}: count")
        top.addWidget(self.count)
        self.filter = line_field(f"Filter {self.TITLE.lower()}", "Filter")
        self.filter.setToolTip(f"Show only {self.TITLE.lower()} containing this text")
        self.filter.setClearButtonEnabled(True)
        self.filter.setMinimumWidth(180)
        self.filter.setMaximumWidth(260)
        top.addWidget(self.filter)
        self.add_button = QPushButton(f"New {self.NOUN}…")
        self.add_button.setAccessibleName(f"New {self.NOUN}")
        self.add_button.setToolTip(
            with_keys(f"Add a {self.NOUN}, signed by you", self.COMMAND) if self.COMMAND
            else f"Add a {self.NOUN}, signed by you")
        self.add_button.clicked.connect(self.new_item)
        self.buttons = [self.add_button, *self.extra_buttons()]
        for button in self.buttons:
            top.addWidget(button)
        self.withdraw_button = QPushButton("Withdraw…")
        self.withdraw_button.setAccessibleName(f"Withdraw the selected {self.NOUN}")
        self.withdraw_button.setToolTip("Mark an item entered in error as withdrawn (signed; it "
                                        "stays in the journal)")
        self.withdraw_button.clicked.connect(self.withdraw_selected)
        top.addWidget(self.withdraw_button)

        self.model = RegisterModel(self.columns(), self, late=self.is_late)
        self.view = read_only_table(QTableView())
        self.view.setAccessibleName(self.TITLE)
        self.view.setModel(self.model)
        self.view.setWordWrap(False)
        self.view.setShowGrid(False)
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 12)
        header = self.view.horizontalHeader()
        header.setHighlightSections(False)
        for col, (_title, _fn, width) in enumerate(self.columns()):
            if width:
                header.resizeSection(col, width)
            else:
                header.setSectionResizeMode(col, QHeaderView.ResizeMode.Stretch)
        self.detail = QTextBrowser()
        self.detail.setAccessibleName(f"Selected {self.NOUN}")
        self.detail.setOpenLinks(False)
        self.detail.anchorClicked.connect(copy_from_link)  # the Copy links of hashes
        self.detail.setPlaceholderText(f"Select a {self.NOUN} to see it in full, with every "
                                       "signed change.")
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.view)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([780, 320])
        splitter.setChildrenCollapsible(False)
        self.message = message_label()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        intro = muted(self.INTRO)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.message)

        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(200)
        self._filter_timer.timeout.connect(lambda: self.model.set_query(self.filter.text()))
        self.filter.textChanged.connect(self._filter_timer.start)
        self.model.modelReset.connect(self._update_count)
        self.model.rowsInserted.connect(self._update_count)
        self.view.selectionModel().currentRowChanged.connect(self._current_changed)
        self.view.activated.connect(lambda _i: self.detail.setFocus())
        bind(self, "register.new", self.new_item)
        self.refresh()

    # -- what each register says ----------------------------------------------------------
    def columns(self) -> tuple[Column, ...]:  # pragma: no cover - overridden
        raise NotImplementedError

    def detail_fields(self, item: reg.Item) -> list[tuple[str, str]]:  # pragma: no cover
        raise NotImplementedError

    def extra_buttons(self) -> list[QPushButton]:
        return []

    def is_late(self, item: reg.Item) -> bool:
        return False

    def make_form(self, author) -> SignedDialog:  # pragma: no cover - overridden
        raise NotImplementedError

    # -- reading ----------------------------------------------------------------------------
    def refresh(self) -> None:
        """Re-read the register from the journal, keeping the selection."""
        current = self.selected()
        try:
            self.items = reg.list_items(self.binder, self.incident_id, self.REGISTER)
        except BinderError as exc:
            self.message.setText(str(exc))
            return
        self.model.set_items(self.items)
        if current is not None:
            self.select(current.id)
        elif self.model.rowCount():
            self.view.selectRow(0)
        else:
            self.detail.clear()

    def _update_count(self, *args) -> None:
        live = sum(1 for i in self.items if not i.withdrawn)
        shown = self.model.total()
        text = f"{live} {self.NOUN}{'' if live == 1 else 's'}"
        if self.model.query:
            text = f"{shown} matching · {text}"
        self.count.setText(text)

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        item = self.model.item_at(current.row())
        if item is None:
            self.detail.clear()
            return
        self.detail.setHtml(history_html(self.binder, item, self.detail_fields(item)))
        self.withdraw_button.setEnabled(not item.withdrawn)
        self.selection_changed(item)

    def selection_changed(self, item: reg.Item) -> None:
        """Enable the pane's own actions for ``item``."""

    def selected(self) -> reg.Item | None:
        """The item under the cursor."""
        index = self.view.currentIndex()
        return self.model.item_at(index.row()) if index.isValid() else None

    def select(self, item_id: int) -> None:
        """Make an item current and visible."""
        row = self.model.row_of(item_id)
        if row >= 0:
            self.view.selectRow(row)
            self.view.scrollTo(self.model.index(row, 0))

    # -- writing ----------------------------------------------------------------------------
    def new_item(self) -> SignedDialog | None:
        """Open the form for a new item (Insert, or the menu shortcut)."""
        author = ask_author(self, self.signer_provider, f"A new {self.NOUN}")
        if author is None:
            return None
        return self.open_form(self.make_form(author))

    def recorded(self, entry_id: int | None) -> None:
        super().recorded(entry_id)
        if entry_id is not None and self.model.row_of(entry_id) >= 0:
            self.select(entry_id)  # a new item (a change keeps its item selected)

    def change_form(self, title: str, intro: str, fields: list[tuple[str, QWidget]],
                    save: Callable[[Any, Any], int], *, ok_text: str = "Sign and record",
                    witness: bool = True) -> SignedDialog | None:
        """A signed form over the selected item."""
        author = ask_author(self, self.signer_provider, title)
        if author is None:
            return None
        dialog = SignedDialog(self, self.binder, author, title, intro, save, witness=witness,
                              ok_text=ok_text)
        for label, widget in fields:
            dialog.form.addRow(label, widget)
        dialog.finish()
        dialog.ok_button.setDefault(True)
        return self.open_form(dialog)

    def withdraw_selected(self) -> SignedDialog | None:
        """Withdraw the selected item, saying why."""
        item = self.selected()
        if item is None:
            self.message.setText(f"Select the {self.NOUN} to withdraw first.")
            return None
        reason = line_field("Why it is withdrawn", "e.g. entered twice; wrong incident")
        return self.change_form(
            f"Withdraw {item.label}", "It stays in the journal, marked withdrawn, with your "
            "reason and signature.", [("&Why", reason)],
            lambda a, _w: reg.withdraw(self.binder, item.id, a, reason.text(), self.REGISTER),
            ok_text="Sign and withdraw", witness=False)

    def signed_form(self, author, title: str, intro: str, fields: list[tuple[str, QWidget]],
                    save: Callable[[Any, Any], int], *, witness: bool = True) -> SignedDialog:
        """A new-item form: labelled fields, witness, Enter signs and records, Esc cancels."""
        dialog = SignedDialog(self, self.binder, author, title, intro, save, witness=witness)
        for label, widget in fields:
            dialog.form.addRow(label, widget)
        dialog.finish()
        dialog.ok_button.setDefault(True)
        return dialog


# ---------------------------------------------------------------- attacker timeline


def _technique_text(item: reg.Item) -> str:
    tid = item.get("technique")
    return f"{tid} {item.get('technique_name')}".strip() if tid else ""


class TimelinePane(RegisterPane):
    """What the attacker did, when (in the source's zone), where, and how we know."""

    REGISTER = "timeline"
    TITLE = "Attacker timeline"
    NOUN = "event"
    COMMAND = "incident.timeline"
    INTRO = ("What the attacker did, in event order. Times keep the zone the source shows "
             "(hover for UTC); our own actions stay in the Journal.")

    def extra_buttons(self) -> list[QPushButton]:
        self.correct_button = QPushButton("Correct…")
        self.correct_button.setAccessibleName("Correct the selected event")
        self.correct_button.setToolTip("Correct the time, description, asset, technique or "
                                       "confidence (a signed change with its reason)")
        self.correct_button.clicked.connect(self.correct_selected)
        return [self.correct_button]

    def selection_changed(self, item: reg.Item) -> None:
        self.correct_button.setEnabled(not item.withdrawn)

    def correct_selected(self) -> SignedDialog | None:
        """Correct the selected event: the fields start as they are; say why."""
        item = self.selected()
        if item is None:
            self.message.setText("Select the event to correct first.")
            return None
        self.fix_at = line_field("When it happened", "")
        self.fix_at.setText(str(item.get("at")))
        self.fix_what = line_field("What happened", "")
        self.fix_what.setText(str(item.get("what")))
        self.fix_asset = line_field("Asset", "")
        self.fix_asset.setText(str(item.get("asset")))
        self.fix_technique = line_field("ATT&CK technique", "e.g. T1059.007")
        self.fix_technique.setText(str(item.get("technique") or ""))
        self.fix_confidence = _choice("Confidence", ("", *reg.CONFIDENCE),
                                      str(item.get("confidence")))
        self.fix_reason = line_field("Why it is corrected", "required: why the original was wrong")

        def save(a, w) -> int:
            values = {"at": self.fix_at.text(), "what": self.fix_what.text(),
                      "asset": self.fix_asset.text(),
                      "technique": self.fix_technique.text() or None,
                      "confidence": self.fix_confidence.currentData() or ""}
            changed = {k: v for k, v in values.items()
                       if (item.fields.get(k) or "") != (v or "")}
            return reg.update_item(self.binder, item.id, a, reason=self.fix_reason.text(),
                                   witness=w, register="timeline", **changed)

        dialog = self.change_form(
            f"Correct {item.label}", "The original stays in the journal and in the history.",
            [("&When", self.fix_at), ("Wh&at", self.fix_what), ("A&sset", self.fix_asset),
             ("ATT&&CK", self.fix_technique), ("&Confidence", self.fix_confidence),
             ("W&hy", self.fix_reason)], save)
        self.fix_reason.setFocus()
        return dialog

    def columns(self) -> tuple[Column, ...]:
        return (
            ("When (as the source shows it)", lambda i: str(i.get("at")).replace("T", " "), 210),
            ("What happened", lambda i: str(i.get("what")), 0),
            ("Asset", lambda i: str(i.get("asset")), 110),
            ("ATT&CK", lambda i: str(i.get("technique")), 90),
            ("Time source", lambda i: str(i.get("time_source")), 130),
            ("Confidence", lambda i: str(i.get("confidence")), 90),
        )

    def detail_fields(self, item: reg.Item) -> list[tuple[str, str]]:
        assumed = " (zone assumed: this computer's)" if item.get("zone_assumed") else ""
        return [("When", f"{item.get('at')}{assumed}"), ("UTC", utc_text(item.get("at_utc"))),
                ("Time source", item.get("time_source")), ("What", item.get("what")),
                ("Asset", item.get("asset")), ("Indicators", ", ".join(item.get("iocs", []))),
                ("ATT&CK", _technique_text(item)), ("Source artefact", item.get("evidence") or ""),
                ("Confidence", item.get("confidence"))]

    def make_form(self, author) -> SignedDialog:
        self.at = line_field("When it happened", "2026-11-28T03:14+01:00")
        self.at.setText(now_local_iso())
        self.at_utc = muted("")
        self.at.textChanged.connect(self._show_utc)
        self._show_utc()
        self.what = line_field("What happened", "e.g. skimmer script added to the checkout footer")
        assets = [str(a.get("name")) for a in reg.list_items(self.binder, self.incident_id, "asset",
                                                           include_withdrawn=False)]
        self.asset = _editable_combo("Asset", ["", *assets])
        self.source = _editable_combo("Time source", ["", *TIME_SOURCES])
        self.iocs = line_field("Indicators", "values, separated by commas")
        techniques = [f"{tid} {name}" for tid, (name, _t) in sorted(check.techniques().items())]
        self.technique = _editable_combo("ATT&CK technique", ["", *techniques])
        self.evidence = QComboBox()
        self.evidence.setAccessibleName("Source artefact (evidence item)")
        self.evidence.addItem("none", None)
        from binder.core.incident import evidence as ev

        for e in ev.list_evidence(self.binder, self.incident_id):
            self.evidence.addItem(f"{e.label} {e.description[:60]}", e.label)
        self.confidence = _choice("Confidence", ("", *reg.CONFIDENCE))

        def save(a, w) -> int:
            technique = self.technique.currentText().strip().split(" ")[0]
            iocs = [v.strip() for v in self.iocs.text().split(",") if v.strip()]
            return reg.add_event(self.binder, self.incident_id, a, at=self.at.text(),
                                 what=self.what.text(), asset=self.asset.currentText(),
                                 time_source=self.source.currentText(),
                                 evidence=self.evidence.currentData(), iocs=iocs,
                                 technique=technique or None,
                                 confidence=self.confidence.currentData() or "", witness=w)

        dialog = self.signed_form(author, "New attacker event",
                                  "Type the time as the source shows it, with its zone.", [
                                      ("&When", self.at), ("In UTC", self.at_utc),
                                      ("Wh&at", self.what),
                                      ("A&sset", self.asset), ("Time s&ource", self.source),
                                      ("&Indicators", self.iocs), ("ATT&&CK", self.technique),
                                      ("&Evidence", self.evidence),
                                      ("&Confidence", self.confidence)], save)
        self.what.setFocus()
        return dialog

    def _show_utc(self) -> None:
        try:
            _, utc, assumed = check.zoned(self.at.text(), "time")
            self.at_utc.setText(f"= {utc_text(utc)}" + (" (local zone assumed)" if assumed else ""))
        except BinderError:
            self.at_utc.setText("not a time yet")


# ---------------------------------------------------------------- indicators


class IndicatorsPane(RegisterPane):
    """Indicators of compromise with their type, TLP and when they were seen."""

    REGISTER = "ioc"
    TITLE = "Indicators"
    NOUN = "indicator"
    COMMAND = "incident.indicator"
    INTRO = ("Domains, IP addresses, URLs, file hashes, e-mail addresses and paths the attack "
             "used, each checked for its type and marked with a TLP 2.0 label for sharing.")

    def extra_buttons(self) -> list[QPushButton]:
        self.change_button = QPushButton("Change…")
        self.change_button.setAccessibleName("Change the selected indicator")
        self.change_button.setToolTip("Change the TLP, the times it was seen, its source or "
                                      "description (a signed change with its reason)")
        self.change_button.clicked.connect(self.change_selected)
        return [self.change_button]

    def selection_changed(self, item: reg.Item) -> None:
        self.change_button.setEnabled(not item.withdrawn)

    def change_selected(self) -> SignedDialog | None:
        """Change the selected indicator's TLP, times, source or description; say why."""
        item = self.selected()
        if item is None:
            self.message.setText("Select the indicator to change first.")
            return None
        self.fix_tlp = _choice("TLP", check.TLP_LEVELS, str(item.get("tlp")))
        self.fix_first = line_field("First seen", "optional")
        self.fix_first.setText(str(item.get("first_seen") or ""))
        self.fix_last = line_field("Last seen", "optional")
        self.fix_last.setText(str(item.get("last_seen") or ""))
        self.fix_description = line_field("Description", "")
        self.fix_description.setText(str(item.get("description")))
        self.fix_reason = line_field("Why it changes", "required")

        def save(a, w) -> int:
            values = {"tlp": self.fix_tlp.currentData(),
                      "first_seen": self.fix_first.text() or None,
                      "last_seen": self.fix_last.text() or None,
                      "description": self.fix_description.text()}
            changed = {k: v for k, v in values.items()
                       if (item.fields.get(k) or "") != (v or "")}
            return reg.update_item(self.binder, item.id, a, reason=self.fix_reason.text(),
                                   witness=w, register="ioc", **changed)

        dialog = self.change_form(
            f"Change {item.label}", f"{item.get('value')} — the value itself stays; withdraw "
            "it and add a new one if the value was wrong.",
            [("T&LP", self.fix_tlp), ("&First seen", self.fix_first),
             ("La&st seen", self.fix_last), ("&Description", self.fix_description),
             ("W&hy", self.fix_reason)], save)
        self.fix_reason.setFocus()
        return dialog

    def columns(self) -> tuple[Column, ...]:
        names = dict(check.IOC_TYPES)
        return (
            ("Type", lambda i: names.get(str(i.get("type")), str(i.get("type"))), 100),
            ("Value", lambda i: str(i.get("value")), 0),
            ("TLP", lambda i: f"TLP:{i.get('tlp')}", 130),
            ("First seen", lambda i: local_text(i.get("first_seen_utc"), seconds=False)
             if i.get("first_seen_utc") else "", 130),
            ("Last seen", lambda i: local_text(i.get("last_seen_utc"), seconds=False)
             if i.get("last_seen_utc") else "", 130),
            ("Source", lambda i: str(i.get("source")), 150),
        )

    def detail_fields(self, item: reg.Item) -> list[tuple[str, str]]:
        events = ", ".join(f"event {e.id}" for e in reg.linked_events(self.binder, item))
        return [("Type", dict(check.IOC_TYPES).get(item.get("type"), item.get("type"))),
                ("Value", item.get("value")), ("Hash algorithm", item.get("hash_algorithm")),
                ("TLP", f"TLP:{item.get('tlp')}"), ("First seen", item.get("first_seen") or ""),
                ("Last seen", item.get("last_seen") or ""), ("Source", item.get("source")),
                ("Description", item.get("description")), ("Timeline", events)]

    def make_form(self, author) -> SignedDialog:
        self.type = QComboBox()
        self.type.setAccessibleName("Indicator type")
        for key, label in check.IOC_TYPES:
            self.type.addItem(label, key)
        self.value = line_field("Indicator value", "e.g. evil-cdn.example")
        self.tlp = _choice("TLP", check.TLP_LEVELS, "AMBER")
        self.first_seen = line_field("First seen", "optional, e.g. 2026-11-20T08:00+01:00")
        self.last_seen = line_field("Last seen", "optional")
        self.source = line_field("Source", "where it was found, e.g. checkout page source")
        self.description = line_field("Description", "what it is")

        def save(a, w) -> int:
            return reg.add_indicator(self.binder, self.incident_id, a,
                                     type=self.type.currentData(), value=self.value.text(),
                                     tlp=self.tlp.currentData(),
                                     first_seen=self.first_seen.text() or None,
                                     last_seen=self.last_seen.text() or None,
                                     source=self.source.text(),
                                     description=self.description.text(), witness=w)

        dialog = self.signed_form(author, "New indicator",
                                  "The value is checked for its type before it is signed.", [
                                      ("&Type", self.type), ("&Value", self.value),
                                      ("T&LP", self.tlp), ("&First seen", self.first_seen),
                                      ("La&st seen", self.last_seen), ("S&ource", self.source),
                                      ("&Description", self.description)], save)
        self.value.setFocus()
        return dialog


# ---------------------------------------------------------------- assets


class AssetsPane(RegisterPane):
    """Affected systems and accounts and where each stands in containment."""

    REGISTER = "asset"
    TITLE = "Affected assets"
    NOUN = "asset"
    COMMAND = "incident.asset"
    INTRO = ("Systems and accounts the attack touched. Each status change (suspected, "
             "confirmed, contained, cleaned, restored) is a signed entry.")

    def extra_buttons(self) -> list[QPushButton]:
        self.status_button = QPushButton("Set status…")
        self.status_button.setAccessibleName("Set the selected asset's status")
        self.status_button.setToolTip("Move the selected asset to another containment status")
        self.status_button.clicked.connect(self.change_status)
        return [self.status_button]

    def columns(self) -> tuple[Column, ...]:
        return (
            ("Name", lambda i: str(i.get("name")), 0),
            ("Kind", lambda i: str(i.get("asset_kind")), 160),
            ("Status", lambda i: str(i.get("status")), 110),
            ("Since", lambda i: local_text(_status_since(i), seconds=False), 150),
            ("Note", lambda i: str(i.get("note")), 220),
        )

    def detail_fields(self, item: reg.Item) -> list[tuple[str, str]]:
        return [("Name", item.get("name")), ("Kind", item.get("asset_kind")),
                ("Status", item.get("status")), ("Note", item.get("note"))]

    def selection_changed(self, item: reg.Item) -> None:
        self.status_button.setEnabled(not item.withdrawn)

    def make_form(self, author) -> SignedDialog:
        self.name = line_field("Asset name", "host name, account or service, e.g. web01")
        self.kind = _editable_combo("Asset kind", ["", *reg.ASSET_KINDS])
        self.status = _choice("Containment status", reg.ASSET_STATUSES, "suspected")
        self.note = line_field("Note", "optional")

        def save(a, w) -> int:
            return reg.add_asset(self.binder, self.incident_id, a, name=self.name.text(),
                                 kind=self.kind.currentText(), status=self.status.currentData(),
                                 note=self.note.text(), witness=w)

        dialog = self.signed_form(author, "New affected asset", "", [
            ("&Name", self.name), ("&Kind", self.kind), ("&Status", self.status),
            ("N&ote", self.note)], save)
        self.name.setFocus()
        return dialog

    def change_status(self) -> SignedDialog | None:
        """Move the selected asset to another status, saying why."""
        item = self.selected()
        if item is None:
            self.message.setText("Select the asset first.")
            return None
        following = reg.ASSET_STATUSES[min(reg.ASSET_STATUSES.index(item.get("status")) + 1,
                                           len(reg.ASSET_STATUSES) - 1)] \
            if item.get("status") in reg.ASSET_STATUSES else "confirmed"
        self.new_status = _choice("New status", reg.ASSET_STATUSES, following)
        self.status_reason = line_field("Why", "e.g. firewalled at 14:05, password reset")
        return self.change_form(
            f"Status of {item.get('name')}", f"Now {item.get('status')}.",
            [("&Status", self.new_status), ("&Why", self.status_reason)],
            lambda a, w: reg.set_asset_status(self.binder, item.id, a,
                                              self.new_status.currentData(),
                                              self.status_reason.text(), witness=w))


def _status_since(item: reg.Item) -> str:
    for change in reversed(item.history):
        if "status" in change.changes:
            return change.recorded_at
    return item.created_at


# ---------------------------------------------------------------- tasks


class TasksPane(RegisterPane):
    """Tasks with an owner and a due time; overdue ones in red."""

    REGISTER = "task"
    TITLE = "Tasks"
    NOUN = "task"
    COMMAND = "incident.task"
    INTRO = ("Who does what by when. Overdue tasks show in red here and in the header; a "
             "checklist item of the Guide can become a task.")

    def extra_buttons(self) -> list[QPushButton]:
        self.done_button = QPushButton("Mark done…")
        self.done_button.setAccessibleName("Mark the selected task done")
        self.done_button.setToolTip("Sign that the selected task is done")
        self.done_button.clicked.connect(self.mark_done)
        return [self.done_button]

    def refresh(self) -> None:
        # Owners' names are read once per refresh, not once per row and repaint.
        self.owner_of = reg.owner_namer(self.binder)
        super().refresh()

    def is_late(self, item: reg.Item) -> bool:
        return (item.get("status") == "open" and bool(item.get("due_utc"))
                and item.get("due_utc") < reg._now_text(None))

    def columns(self) -> tuple[Column, ...]:
        return (
            ("Task", lambda i: str(i.get("title")), 0),
            ("Owner", lambda i: self.owner_of(i.fields), 160),
            ("Due", lambda i: (local_text(i.get("due_utc"), seconds=False)
                               if i.get("due_utc") else ""), 150),
            ("Status", lambda i: "overdue" if self.is_late(i) else str(i.get("status")), 90),
            ("From checklist", lambda i: str((i.get("checklist") or {}).get("phase", "")), 150),
        )

    def detail_fields(self, item: reg.Item) -> list[tuple[str, str]]:
        ref = item.get("checklist") or {}
        return [("Task", item.get("title")), ("Owner", self.owner_of(item.fields)),
                ("Due", item.get("due") or ""), ("Status", item.get("status")),
                ("From checklist", f"{ref.get('phase')}: {ref.get('text')}" if ref else ""),
                ("Note", item.get("note"))]

    def selection_changed(self, item: reg.Item) -> None:
        self.done_button.setEnabled(item.get("status") == "open" and not item.withdrawn)

    def make_form(self, author, *, title: str = "", checklist: dict | None = None) -> SignedDialog:
        self.title = line_field("Task title", "what has to be done")
        self.title.setText(title)
        self.owner = QComboBox()
        self.owner.setEditable(True)
        self.owner.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.owner.setAccessibleName("Owner")
        self.owner.addItem("", "")
        # People by name (signers as their certificates name them, then roster contacts
        # while the binder is unlocked); each stores the contact it stands for.
        for choice in reg.owner_choices(self.binder):
            self.owner.addItem(choice.label, choice.ref)
        self.owner.setToolTip("Pick a person, or type an enrolled signer's or a roster "
                              "contact's name")
        self.due = line_field("Due", "optional, e.g. 2026-11-29T18:00+01:00")
        self.note = line_field("Note", "optional")
        self.checklist_ref = checklist

        def save(a, _w) -> int:
            return reg.add_task(self.binder, self.incident_id, a, title=self.title.text(),
                                owner=_picked(self.owner) or None,
                                due=self.due.text() or None, note=self.note.text(),
                                checklist=self.checklist_ref)

        intro = (f"From the checklist of {checklist['phase']}." if checklist else "")
        dialog = self.signed_form(author, "New task", intro, [
            ("&Task", self.title), ("&Owner", self.owner), ("&Due", self.due),
            ("&Note", self.note)], save, witness=False)
        self.title.setFocus()
        return dialog

    def new_task_from(self, phase: str, index: int, text: str) -> SignedDialog | None:
        """Open the task form for a checklist item of the plan."""
        author = ask_author(self, self.signer_provider, "A new task")
        if author is None:
            return None
        return self.open_form(self.make_form(author, title=text, checklist={
            "phase": phase, "item": index, "text": text}))

    def mark_done(self) -> SignedDialog | None:
        """Sign that the selected task is done."""
        item = self.selected()
        if item is None:
            self.message.setText("Select the task first.")
            return None
        self.done_note = line_field("What was done", "optional")
        return self.change_form(
            f"Task done: {item.get('title')}", "", [("&Note", self.done_note)],
            lambda a, _w: reg.complete_task(self.binder, item.id, a, self.done_note.text()),
            ok_text="Sign: done", witness=False)
