"""Every table of records in the app is read-only: history is changed by new entries only."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QTableView

from binder.core.incident import impact, workflow
from binder.core.incident.evidence import register_evidence
from binder.ui.shell import NAV_ACCESS, NAV_INCIDENTS, NAV_READINESS, NAV_ROSTER
from tests.helpers import LEAD, LEAD_PASS

EXPECTED = {"Incident list", "Journal entries", "Evidence register", "Custody history",
            "Regulatory clocks", "Decisions", "Notifications register", "Impact lines",
            "Readiness items", "Contacts"}


def test_record_tables_cannot_be_edited_in_place(qtbot, window_for, made, incident_id, tmp_path):
    b = made.binder
    workflow.record_decision(b, incident_id, made.lead, decision="Take the store offline",
                             reason="skimmer active")
    impact.add_impact(b, incident_id, made.lead, "Lost sales", "100", "EUR")
    log = tmp_path / "access.log"
    log.write_text("GET /checkout\n")
    register_evidence(b, incident_id, log, made.lead, description="nginx log")
    window = window_for(made.path, binder=b)
    window.sign_in(LEAD, LEAD_PASS)
    window.open_incident(incident_id)
    for pane in range(window.workspace.tabs.count()):
        window.workspace.show_pane(pane)
    for nav in (NAV_INCIDENTS, NAV_ROSTER, NAV_READINESS, NAV_ACCESS):
        window.navigate(nav)
    tables = {t.accessibleName(): t for t in window.findChildren(QTableView)
              if t.accessibleName() != "RACI matrix"}
    assert EXPECTED <= set(tables), sorted(EXPECTED - set(tables))
    for name, table in tables.items():
        assert table.editTriggers() == QAbstractItemView.EditTrigger.NoEditTriggers, name
        assert table.selectionBehavior() == QAbstractItemView.SelectionBehavior.SelectRows, name
        assert table.selectionMode() == QAbstractItemView.SelectionMode.SingleSelection, name
        assert not table.verticalHeader().isVisible(), name
    decisions = tables["Decisions"]
    before = decisions.item(0, 1).text()
    decisions.setCurrentCell(0, 1)
    decisions.setFocus()
    qtbot.keyClick(decisions, Qt.Key.Key_F2)
    qtbot.keyClicks(decisions, "edited")
    assert decisions.item(0, 1).text() == before


def test_a_long_register_is_shown_a_page_at_a_time(qtbot):
    from binder.core.incident import registers as reg
    from binder.ui.screens.registers import RegisterModel
    from binder.ui.tables import read_only_table

    items = [reg.Item(register="ioc", id=n, incident_id=1, seq=n, hash="h", last_hash="h",
                      created_at="2026-11-30T10:00:00+00:00", created_by=LEAD,
                      fields={"value": f"evil{n}.example"}) for n in range(1, 451)]
    model = RegisterModel((("Value", lambda item: item.get("value"), 0),), chunk=200)
    view = read_only_table(QTableView())
    qtbot.addWidget(view)
    view.setModel(model)
    model.set_items(items)
    assert (model.columnCount(), model.headerData(0, Qt.Orientation.Horizontal)) == (1, "Value")
    assert (model.rowCount(), model.total()) == (200, 450) and model.canFetchMore()
    assert model.row_of(420) == 419  # finding an item shows the pages up to it
    assert model.rowCount() == 450 and not model.canFetchMore()
    model.set_query("EVIL44")  # 44 and 440 to 449
    assert (model.rowCount(), model.total()) == (11, 11)
    assert model.item_at(0).id == 44 and model.item_at(11) is None
