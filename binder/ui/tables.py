"""Tables that show records: read-only, whole rows selected, rows fitted to wrapped text."""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
)

View = TypeVar("View", bound=QTableView)


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
