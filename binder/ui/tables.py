"""Tables that show records: read-only, whole rows selected, rows fitted to wrapped text."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
)

View = TypeVar("View", bound=QTableView)
_ROOT = QModelIndex()


class RecordModel(QAbstractTableModel):
    """A read-only table of records, one a row (a flat table: no children).

    The column headers are declared once, as ``COLUMNS`` (or ``columns=`` where they vary
    per table); the records shown are :attr:`records`, replaced whole by
    :meth:`set_records`. A subclass writes only ``data()``.
    """

    COLUMNS: tuple[str, ...] = ()

    def __init__(self, parent: QObject | None = None, *,
                 columns: Sequence[str] | None = None) -> None:
        super().__init__(parent)
        if columns is not None:
            self.COLUMNS = tuple(columns)
        self.records: list[Any] = []

    def set_records(self, records: Iterable[Any]) -> None:
        """Show these records instead of the ones shown."""
        self.beginResetModel()
        self.records = list(records)
        self.endResetModel()

    def record_at(self, row: int) -> Any | None:
        """The record shown in ``row``; None past the end."""
        return self.records[row] if 0 <= row < len(self.records) else None

    def rowCount(self, parent=_ROOT) -> int:  # noqa: N802 - Qt API
        return 0 if parent.isValid() else len(self.records)

    def columnCount(self, parent=_ROOT) -> int:  # noqa: N802 - Qt API
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if (orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
                and 0 <= section < len(self.COLUMNS)):
            return self.COLUMNS[section]
        return None


class PagedRecordModel(RecordModel):
    """A :class:`RecordModel` that can grow long: the view asks for ``chunk`` more records as
    it scrolls (Qt's canFetchMore/fetchMore), so 100k rows cost only what is on screen.

    A subclass says how many records there are (:meth:`available`) and loads a page of
    them in display order (:meth:`load`).
    """

    def __init__(self, parent: QObject | None = None, *, columns: Sequence[str] | None = None,
                 chunk: int = 200) -> None:
        super().__init__(parent, columns=columns)
        self.chunk = chunk

    def available(self) -> int:
        """How many records there are to show, loaded or not."""
        raise NotImplementedError

    def load(self, start: int, count: int) -> list[Any]:
        """Records ``start`` to ``start + count - 1`` in display order (fewer if gone)."""
        raise NotImplementedError

    def canFetchMore(self, parent=_ROOT) -> bool:  # noqa: N802 - Qt API
        return not parent.isValid() and len(self.records) < self.available()

    def fetchMore(self, parent=_ROOT) -> None:  # noqa: N802 - Qt API
        if parent.isValid():
            return
        loaded = len(self.records)
        count = min(self.chunk, self.available() - loaded)
        more = self.load(loaded, count) if count > 0 else []
        if not more:
            return
        self.beginInsertRows(QModelIndex(), loaded, loaded + len(more) - 1)
        self.records.extend(more)
        self.endInsertRows()


def read_only_table(view: View) -> View:
    """Set up a table that shows records: nothing editable in place, one whole row
    selected at a time, alternating row colours, no row numbers. Returns ``view``."""
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setAlternatingRowColors(True)
    view.verticalHeader().setVisible(False)
    return view


class RegisterTable(QTableWidget):
    """A read-only register whose rows grow to fit wrapped text as the columns change."""

    def __init__(self, rows: int, columns: int) -> None:
        super().__init__(rows, columns)
        self.horizontalHeader().sectionResized.connect(lambda *_: self._fit_rows())

    def _fit_rows(self) -> None:
        if self.wordWrap():
            self.resizeRowsToContents()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._fit_rows()


def register_table(name: str, columns: tuple[str, ...], *stretch: str, wrap: bool = True) -> QTableWidget:
    """A read-only register table: whole rows selected, ``stretch`` columns take the room."""
    table = read_only_table(RegisterTable(0, len(columns)))
    table.setAccessibleName(name)
    table.setHorizontalHeaderLabels(list(columns))
    table.setWordWrap(wrap)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    for column in stretch:
        header.setSectionResizeMode(columns.index(column), QHeaderView.ResizeMode.Stretch)
    return table


def cell(text: str, tooltip: str = "") -> QTableWidgetItem:
    """A table item whose tooltip shows the full text (or ``tooltip``)."""
    item = QTableWidgetItem(text)
    item.setToolTip(tooltip or text)
    return item


def fill_rows(table: QTableWidget, rows: list[list[QTableWidgetItem]]) -> None:
    """Replace the table's rows, fitting row heights to wrapped text."""
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, item in enumerate(row):
            table.setItem(r, c, item)
    if table.wordWrap():
        table.resizeRowsToContents()
