"""The evidence register's tables: items with their last re-check, and custody events."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from binder.core.crypto.signers import name_for_login
from binder.core.formatting import size_text
from binder.core.incident.evidence import CustodyEvent, EvidenceItem
from binder.core.incident.recheck import RecheckResult
from binder.ui.style import CHIP_COLOURS
from binder.ui.tables import RecordModel

STATUS_COLOURS = {"ok": "green", "changed": "red", "missing": "amber", "unreadable": "amber"}
STATUS_TEXT = {"ok": "Unchanged", "changed": "CHANGED", "missing": "File missing",
               "unreadable": "Unreadable"}


def zoned_text(iso: str) -> str:
    """A zoned ISO time as written (custody forms keep the zone): ``2026-11-29 14:05 +01:00``."""
    if not iso:
        return ""
    text = iso.replace("T", " ")
    if len(text) >= 22 and text[-6] in "+-":
        return f"{text[:16]} {text[-6:]}"
    return text[:16]


class EvidenceTableModel(RecordModel):
    """Evidence items as rows, with the latest re-check result per item."""

    COLUMNS = ("Item", "Description", "Type", "Size", "SHA-256", "Custodian", "Location",
               "State", "Last check")

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._checks: dict[int, RecheckResult] = {}
        self._names: dict = {}

    def set_items(self, items: Sequence[EvidenceItem], names: dict | None = None) -> None:
        """Replace every row (re-check results are kept per item); ``names``
        (``signers.names_by_login``) shows custodians who sign by name."""
        self._names = names or {}
        self.set_records(items)

    def set_checks(self, results: Sequence[RecheckResult]) -> None:
        """Show the outcome of a re-check."""
        self._checks.update({r.evidence_id: r for r in results})
        if self.records:
            col = self.COLUMNS.index("Last check")
            self.dataChanged.emit(self.index(0, col), self.index(len(self.records) - 1, col))

    def custodian_name(self, item: EvidenceItem) -> str:
        """Who holds ``item``: a signer as their certificate names them, anyone else as typed."""
        return name_for_login(self._names, item.custodian)

    def check_of(self, evidence_id: int) -> RecheckResult | None:
        """The last re-check of an item in this session, if any."""
        return self._checks.get(evidence_id)

    def item_at(self, row: int) -> EvidenceItem | None:
        """The item shown in ``row``."""
        return self.record_at(row)

    def row_of(self, evidence_id: int) -> int:
        """The row showing ``evidence_id``, or -1."""
        return next((i for i, it in enumerate(self.records) if it.id == evidence_id), -1)

    def _text(self, item: EvidenceItem, column: str) -> str:
        check = self._checks.get(item.id)
        return {
            "Item": item.label,
            "Description": item.description.replace("\n", " "),
            "Type": item.type,
            "Size": size_text(item.size),
            "SHA-256": item.sha256[:16] + "…",
            "Custodian": self.custodian_name(item),
            "Location": item.location,
            "State": item.disposition.capitalize() if item.disposition else "In custody",
            "Last check": STATUS_TEXT.get(check.status, check.status) if check else "",
        }[column]

    def data(self, index, role=Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        item = self.records[index.row()]
        column = self.COLUMNS[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._text(item, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == "SHA-256":
                return item.sha256
            if column == "Last check" and (check := self._checks.get(item.id)):
                return str(check)
            if column == "Description":
                return item.description
            if column == "Location":
                return f"{item.location}\nFile: {item.file}"
        if role == Qt.ItemDataRole.UserRole:
            return item.id
        check = self._checks.get(item.id)
        if column == "Last check" and check and role in (
            Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ForegroundRole
        ):
            bg, fg = CHIP_COLOURS[STATUS_COLOURS.get(check.status, "grey")]
            return QColor(bg if role == Qt.ItemDataRole.BackgroundRole else fg)
        if column == "Size" and role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


def receipt_text(event: CustodyEvent, names: dict | None = None) -> str:
    """Who signed the receipt of a hand-over (empty for other custody events), by name when
    ``names`` (``signers.names_by_login``) knows them."""
    if event.action != "transfer":
        return ""
    receipt = event.receipt
    if receipt is None:
        return "not acknowledged"
    who = name_for_login(names or {}, receipt.signer)
    if receipt.role == "receiver":
        return f"signed by {who}"
    return f"witnessed by {who}"


class CustodyTableModel(RecordModel):
    """One item's chain of custody, oldest first."""

    # Who held it, who handed it over and who witnessed come first: at 1366x768 they are on
    # screen without scrolling; notes and checks follow.
    COLUMNS = ("#", "Time", "Action", "From", "To", "Witness", "Location", "Seal",
               "Purpose / note", "Re-hash", "Signed by", "Receipt")

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._names: dict = {}

    def set_events(self, events: Sequence[CustodyEvent], names: dict | None = None) -> None:
        """Replace every row; ``names`` (``signers.names_by_login``) shows people by name."""
        self._names = names or {}
        self.set_records(events)

    def _name(self, login: str) -> str:
        return name_for_login(self._names, login)

    def event_at(self, row: int) -> CustodyEvent | None:
        """The custody event in ``row``."""
        return self.record_at(row)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        e = self.records[index.row()]
        column = self.COLUMNS[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole,
                    Qt.ItemDataRole.ToolTipRole):
            purpose = e.purpose
            if e.authority:
                purpose = f"authority: {e.authority}" + (f"; {purpose}" if purpose else "")
            return {
                "#": str(e.seq),
                "Time": zoned_text(e.time),
                "Action": e.action.capitalize(),
                "From": self._name(e.released_by),
                "To": self._name(e.received_by),
                "Purpose / note": purpose.replace("\n", " "),
                "Location": e.location,
                "Seal": e.seal,
                "Re-hash": e.rehash,
                "Signed by": self._name(e.author),
                "Witness": ", ".join(map(self._name, e.witnesses)),
                "Receipt": receipt_text(e, self._names),
            }[column]
        return None
