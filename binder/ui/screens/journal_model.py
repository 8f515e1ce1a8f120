"""The journal table: a lazy model of an incident's entries and the painter of their badges.

The model never loads the whole journal: it asks the core for pages of entries
as the view scrolls (``canFetchMore``/``fetchMore``), newest first, so an
incident with 100k entries opens as fast as one with ten.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QPainter
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from binder.core.crypto import signers
from binder.core.crypto.meanings import AUTHOR
from binder.core.crypto.signers import UNVERIFIED, Identity
from binder.core.errors import BinderError
from binder.core.incident import journal as jr
from binder.core.incident.journal import EntryView
from binder.core.storage.database import Binder
from binder.ui.app import local_text, utc_text
from binder.ui.style import CORRECTED_GREY
from binder.ui.tables import PagedRecordModel

BADGE_COLOURS = {
    "signed": ("#166534", "#dcfce7"),
    "cosigned": ("#1e3a8a", "#dbeafe"),
    "corrected": ("#92400e", "#fef3c7"),
    "correction": ("#6b21a8", "#f3e8ff"),
}


class JournalModel(PagedRecordModel):
    """An incident's journal, latest first, fetched lazily in pages.

    ``order`` is ``event`` (by when things happened, the default) or ``entry``
    (as written). By event time a new entry can belong anywhere, so taking in
    new entries reloads from the latest; as written they only ever come first.
    """

    COLUMNS = ("#", "When", "Author", "Kind", "Entry", "Signatures")
    SEQ, WHEN, AUTHOR, KIND, TEXT, BADGES = range(6)
    ViewRole = Qt.ItemDataRole.UserRole + 1
    BadgesRole = Qt.ItemDataRole.UserRole + 2

    def __init__(self, binder: Binder, incident_id: int, parent=None, *, chunk: int = 400):
        super().__init__(parent, chunk=chunk)
        self.binder = binder
        self.incident_id = incident_id
        self.query = ""
        self.order = "event"
        # How many matching entries (oldest first) the model knows of. Entries added
        # later only ever come after them, so page offsets stay valid while we scroll.
        self._known = jr.count_matching(binder, incident_id)
        self._last_id = self._max_id()
        # Who signed, by certificate: names and roles as the certificates state them.
        self.names = signers.identities(binder)

    # -- size and lazy fetching -----------------------------------------------------------
    def available(self) -> int:
        """How many entries match (loaded or not)."""
        return self._known

    total = available  # what the journal's count line calls it

    def load(self, start: int, count: int) -> list[EntryView]:
        """Entries ``start``.. counted from the newest (the journal pages from its end)."""
        remaining = self._known - start
        views = jr.page(self.binder, self.incident_id, remaining - count, count, query=self.query,
                        order=self.order)
        views.reverse()
        if not views:
            self._known = start  # fewer than counted: stop asking for more
        return views

    def set_query(self, query: str) -> None:
        """Show only entries containing ``query`` (empty: all), reloading from the newest."""
        self.query = query.strip()
        self._reload()

    def set_order(self, order: str) -> None:
        """``event`` (when it happened) or ``entry`` (when written), reloading from the latest."""
        self.order = jr.check_order(order)
        self._reload()

    def _reload(self) -> None:
        self.beginResetModel()
        self.records = []
        self._known = jr.count_matching(self.binder, self.incident_id, self.query)
        self._last_id = self._max_id()
        self.names = signers.identities(self.binder)
        self.endResetModel()
        self.fetchMore()

    def _max_id(self) -> int:
        row = self.binder.conn.execute(
            "SELECT max(id) FROM entry WHERE incident_id = ?", (self.incident_id,)).fetchone()
        return row[0] or 0

    def refresh_new(self) -> list[int]:
        """Take in entries added since the last look (ours or another program's).

        Returns the ids of the new entries; corrected originals are restyled too.
        """
        now = jr.count_matching(self.binder, self.incident_id, self.query)
        if now <= self._known:
            return []
        if self.order == "event":
            new_ids = [r[0] for r in self.binder.conn.execute(
                "SELECT id FROM entry WHERE incident_id = ? AND id > ? ORDER BY id",
                (self.incident_id, self._last_id))]
            self._reload()
            return new_ids
        self._last_id = self._max_id()
        views = jr.page(self.binder, self.incident_id, self._known, now - self._known, query=self.query)
        views.reverse()
        self.names = signers.identities(self.binder)  # someone may have enrolled since
        self.beginInsertRows(QModelIndex(), 0, len(views) - 1)
        self.records[0:0] = views
        self._known = now
        self.endInsertRows()
        for view in views:
            if view.entry.corrects is not None:
                self.refresh_entry(view.entry.corrects)
        return [v.entry.id for v in views]

    def refresh_entry(self, entry_id: int) -> None:
        """Re-read one loaded entry (after a co-signature or a correction)."""
        row = self.row_of(entry_id)
        if row < 0:
            return
        seq = self.records[row].entry.seq
        fresh = jr.page(self.binder, self.incident_id, seq - 1, 1)
        if fresh and fresh[0].entry.id == entry_id:
            self.records[row] = fresh[0]
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.COLUMNS) - 1))

    def row_of(self, entry_id: int) -> int:
        """The row showing ``entry_id`` among loaded rows, or -1."""
        for row, view in enumerate(self.records):
            if view.entry.id == entry_id:
                return row
        return -1

    def view_at(self, row: int) -> EntryView | None:
        """The entry shown in ``row``."""
        return self.record_at(row)

    # -- presentation -----------------------------------------------------------------------
    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole:
            if section == self.WHEN:
                return "When it happened (as stated) or was recorded, in local time; hover for UTC"
        return super().headerData(section, orientation, role)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        view = self.records[index.row()]
        e = view.entry
        col = index.column()
        corrected = bool(view.corrected_by)
        if role == Qt.ItemDataRole.DisplayRole:
            if col == self.SEQ:
                return str(e.seq)
            if col == self.WHEN:
                if e.occurred_at:
                    return local_text(e.occurred_at, seconds=None)
                return local_text(e.recorded_at)
            if col == self.AUTHOR:
                return self.who(e.cert_fingerprint).name
            if col == self.KIND:
                return e.kind
            if col == self.TEXT:
                first = e.text.strip().splitlines()[0] if e.text.strip() else ""
                if e.kind == "correction" and e.corrects is not None:
                    first = f"Correction: {first}"
                return first + (f"  — why: {e.reason.splitlines()[0]}" if e.reason.strip() else "")
            if col == self.BADGES:
                return ", ".join(text for text, _ in badges(view, self.seq_of, self.names))
        if role == self.ViewRole:
            return view
        if role == self.BadgesRole and col == self.BADGES:
            return badges(view, self.seq_of, self.names)
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == self.WHEN:
                lines = [f"Written {local_text(e.recorded_at)} local = {utc_text(e.recorded_at)}"]
                if e.occurred_at:
                    lines.insert(0, f"Happened {local_text(e.occurred_at, seconds=None)} local = "
                                    f"{utc_text(e.occurred_at)} (stated as {e.occurred_at})")
                return "\n".join(lines)
            if col == self.TEXT:
                return e.text if not e.reason else f"{e.text}\n\nWhy: {e.reason}"
            if col == self.AUTHOR:
                return signature_text(self.who(e.cert_fingerprint), e.recorded_at, AUTHOR)
            if col == self.BADGES:
                return ", ".join(text for text, _ in badges(view, self.seq_of, self.names))
        if role == Qt.ItemDataRole.FontRole and corrected and col != self.BADGES:
            font = QFont()
            font.setStrikeOut(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole and corrected and col != self.BADGES:
            return QBrush(QColor(CORRECTED_GREY))
        if role == Qt.ItemDataRole.AccessibleTextRole:
            text = self.data(index, Qt.ItemDataRole.DisplayRole)
            return f"{text} (corrected)" if corrected else text
        if role == Qt.ItemDataRole.TextAlignmentRole and col == self.SEQ:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def who(self, fingerprint: str) -> Identity:
        """Who a certificate of this binder names (a new one is looked up once)."""
        if fingerprint not in self.names:
            self.names = signers.identities(self.binder)
        return self.names.get(fingerprint, UNVERIFIED)

    def seq_of(self, entry_id: int) -> int | None:
        """The number of an entry in this incident (for "corrected by #N")."""
        row = self.row_of(entry_id)
        if row >= 0:
            return self.records[row].entry.seq
        try:
            return jr.get_entry(self.binder, entry_id).seq
        except BinderError:
            return None


def signature_text(who: Identity, at: str, meaning: str) -> str:
    """One signature as 21 CFR 11.50 has it shown: printed name (and role), meaning, time."""
    return f"{who.label}\nsigned as {meaning}, {local_text(at)} local = {utc_text(at)}"


def badges(view: EntryView, seq_of: Callable[[int], int | None],
           names: dict[str, Identity] | None = None) -> list[tuple[str, str]]:
    """The badges of an entry: (text, kind) pairs for signed, co-signed, corrected; a
    co-signature reads as its meaning and the co-signer's name ("witness: Ελένη …")."""
    out = [("signed", "signed")]
    names = names or {}
    for mark in view.cosigns:
        who = names.get(mark.cert_fingerprint)
        out.append((f"{mark.meaning}: {who.name if who else mark.witness}", "cosigned"))
    e = view.entry
    if e.corrects is not None:
        out.append((f"corrects #{seq_of(e.corrects) or '?'}", "correction"))
    for fix in view.corrected_by:
        out.append((f"corrected by #{seq_of(fix) or '?'}", "corrected"))
    return out


class BadgeDelegate(QStyledItemDelegate):
    """Paints an entry's badges as small rounded pills."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index) -> None:
        items = index.data(JournalModel.BadgesRole)
        if not items:
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        style = opt.widget.style() if opt.widget else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        font = QFont(option.font)
        font.setPointSizeF(max(6.0, font.pointSizeF() * 0.88))
        painter.setFont(font)
        metrics = QFontMetrics(font)
        x = option.rect.x() + 4
        h = metrics.height() + 4
        y = option.rect.y() + (option.rect.height() - h) / 2
        for text, kind in items:
            fg, bg = BADGE_COLOURS.get(kind, ("#333333", "#eeeeee"))
            w = metrics.horizontalAdvance(text) + 12
            if x + w > option.rect.right():
                break
            rect = QRectF(x, y, w, h)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(bg))
            painter.drawRoundedRect(rect, h / 2, h / 2)
            painter.setPen(QColor(fg))
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
            x += w + 4
        painter.restore()

    def sizeHint(self, option, index) -> QSize:  # noqa: N802 - Qt API
        items = index.data(JournalModel.BadgesRole) or []
        metrics = QFontMetrics(option.font)
        width = sum(metrics.horizontalAdvance(t) + 16 for t, _ in items) + 8
        return QSize(width, metrics.height() + 10)
