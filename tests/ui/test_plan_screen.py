"""The Plan screen: edit a RACI cell, save, see the new revision; old revisions stay."""

from __future__ import annotations

from PySide6.QtCore import Qt

from binder.core.plan import revisions as plans
from binder.ui.screens.plan import PlanScreen, next_responsibility


def _cell_centre(grid, activity, role):
    row, col = grid.activities.index(activity), grid.roles.index(role)
    return grid.visualRect(grid.model().index(row, col)).center()


def _screen(qtbot, made):
    screen = PlanScreen(made.binder, author_provider=lambda: "alice")
    qtbot.addWidget(screen)
    screen.resize(1200, 700)
    screen.show()
    qtbot.waitUntil(screen.isVisible)
    return screen


def test_click_a_cell_save_and_see_the_new_revision(qtbot, made):
    screen = _screen(qtbot, made)
    grid = screen.grid
    assert grid.value("initial_assessment", "legal") == "None"
    assert not screen.save_button.isEnabled()
    qtbot.mouseClick(grid.viewport(), Qt.MouseButton.LeftButton,
                     pos=_cell_centre(grid, "initial_assessment", "legal"))
    assert grid.value("initial_assessment", "legal") == "Owner"
    qtbot.mouseClick(grid.viewport(), Qt.MouseButton.LeftButton,
                     pos=_cell_centre(grid, "initial_assessment", "legal"))
    assert grid.value("initial_assessment", "legal") == "Implements"
    assert screen.status.text() == "1 unsaved change"
    qtbot.keyClicks(screen.note, "Legal implements the first look")
    with qtbot.waitSignal(screen.saved):
        qtbot.mouseClick(screen.save_button, Qt.MouseButton.LeftButton)
    assert screen.status.text() == "Saved as revision 2"
    assert screen.revision_picker.currentText().startswith("Revision 2 (current)")
    assert not screen.save_button.isEnabled()

    current = plans.current_revision(made.binder)
    assert current.number == 2 and current.note == "Legal implements the first look"
    assert current.author == "alice"
    assert current.plan.activity("initial_assessment").responsibility("legal") == "Implements"
    first = plans.revisions(made.binder, current.plan_name)[0]
    assert first.plan.activity("initial_assessment").responsibility("legal") == "None"

    # The history selector still shows revision 1 as it was.
    screen.revision_picker.setCurrentIndex(1)
    assert screen.revision_picker.currentText().startswith("Revision 1 ")
    assert grid.value("initial_assessment", "legal") == "None"
    assert "older revision" in screen.summary.text()


def test_keys_set_cells_and_discard_restores(qtbot, made):
    screen = _screen(qtbot, made)
    grid = screen.grid
    grid.setFocus()
    grid.setCurrentCell(grid.activities.index("send_communication"), grid.roles.index("it"))
    qtbot.keyClick(grid, Qt.Key.Key_U)
    assert grid.value("send_communication", "it") == "Updates"
    qtbot.keyClick(grid, Qt.Key.Key_N)
    assert grid.value("send_communication", "it") == "None"
    assert grid.item(grid.currentRow(), grid.currentColumn()).text() == "—"
    qtbot.mouseClick(screen.discard_button, Qt.MouseButton.LeftButton)
    assert grid.value("send_communication", "it") == "Advises"
    assert not screen.save_button.isEnabled()
    assert plans.current_revision(made.binder).number == 1


def test_grid_shows_every_cell_coloured_with_a_legend(qtbot, made):
    screen = _screen(qtbot, made)
    grid = screen.grid
    plan = plans.current_revision(made.binder).plan
    assert grid.rowCount() == len(plan.activities) and grid.columnCount() == len(plan.internal_roles())
    owner = grid.item(grid.activities.index("initial_assessment"), grid.roles.index("lead"))
    assert owner.text() == "Owner" and owner.background().color().name() == "#b91c1c"
    legend = screen.findChild(type(screen), "") or screen
    names = {w.accessibleName() for w in legend.findChildren(type(screen.status))}
    for value in ("Owner", "Implements", "Advises", "Updates", "None"):
        assert any(n.startswith(f"{value}:") for n in names)
    assert [next_responsibility(v) for v in ("Owner", "Updates", "None")] == ["Implements", "None", "Owner"]


def test_phases_show_guidance_checklist_and_owners(qtbot, made):
    screen = _screen(qtbot, made)
    screen.tabs.setCurrentIndex(1)
    plan = plans.current_revision(made.binder).plan
    containment = [p.key for p in plan.phases].index("containment")
    screen.phase_list.setCurrentRow(containment)
    text = screen.phase_view.toPlainText()
    phase = plan.phase("containment")
    assert phase.name in text
    assert phase.checklist[0] in text
    assert "Owner: Incident Lead" in text


def test_a_revision_is_credited_to_a_signed_in_person_or_refused(qtbot, made):
    from binder.core.plan import revisions as plans
    from binder.ui.screens.plan import PlanScreen

    nobody = PlanScreen(made.binder, author_provider=lambda: None)
    qtbot.addWidget(nobody)
    nobody.show()
    before = plans.current_revision(made.binder).id
    nobody.save_button.setEnabled(True)  # as after an edit
    assert nobody.save() is None
    assert "sign in first" in nobody.message.text()
    assert plans.current_revision(made.binder).id == before  # nothing credited to "root"
