"""User text shows exactly as typed on every screen: never as Qt rich text.

QLabel and tooltips guess "rich text" when a string looks like HTML, so a title
such as ``Skimmer <b>x</b>`` would turn bold and ``<img src=...>`` would load a
file. Every screen is visited with markup in every field a user can fill.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QHelpEvent, QTextDocument
from PySide6.QtGui import Qt as GuiQt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHeaderView,
    QLabel,
    QToolTip,
    QWidget,
)

from binder.core import roster
from binder.core.incident import impact, notifications, review, workflow
from binder.core.incident import journal as jr
from binder.core.incident.evidence import register_evidence
from binder.core.incident.journal import NewEntry
from binder.core.incident.record import open_incident
from binder.ui.shell import NAV_ACCESS, NAV_INCIDENTS, NAV_PLAN, NAV_READINESS, NAV_ROSTER

MARK = "<b>MARK</b><img src='/etc/passwd'>"


def _renders_as_markup(text: str, fmt: Qt.TextFormat) -> bool:
    if MARK not in text:
        return False
    if fmt == Qt.TextFormat.PlainText:
        return False
    return fmt == Qt.TextFormat.RichText or GuiQt.mightBeRichText(text)


def _hover_shows_literally(target: QWidget, pos: QPoint, raw: str) -> bool:
    """Hover for real and read back what the tooltip displays."""
    QToolTip.hideText()
    event = QHelpEvent(QEvent.Type.ToolTip, pos, target.mapToGlobal(pos))
    QApplication.sendEvent(target, event)
    shown = QToolTip.text()
    doc = QTextDocument()
    if GuiQt.mightBeRichText(shown):
        doc.setHtml(shown)
    else:
        doc.setPlainText(shown)
    QToolTip.hideText()
    return raw in doc.toPlainText() or raw.replace("\n", " ") in doc.toPlainText()


def _offenders(root: QWidget) -> list[str]:
    found = []
    for widget in [root, *root.findChildren(QWidget)]:
        if isinstance(widget, QLabel) and _renders_as_markup(widget.text(), widget.textFormat()):
            found.append(f"label {widget.objectName() or widget.accessibleName()!r}: {widget.text()[:60]!r}")
        tip = widget.toolTip()
        if (MARK in tip and widget.isVisible()
                and not _hover_shows_literally(widget, widget.rect().center(), tip)):
            found.append(f"tooltip of {type(widget).__name__} {widget.accessibleName()!r}")
        if (isinstance(widget, QAbstractItemView) and not isinstance(widget, QHeaderView)
                and widget.model() is not None):
            model = widget.model()
            root_index = widget.rootIndex()
            try:
                columns = model.columnCount(root_index)
            except TypeError:  # list models hide columnCount from Python
                columns = 1
            for row in range(min(model.rowCount(root_index), 50)):
                for col in range(columns):
                    index = model.index(row, col, root_index)
                    tip = model.data(index, Qt.ItemDataRole.ToolTipRole)
                    if not (isinstance(tip, str) and MARK in tip and widget.isVisible()):
                        continue
                    rect = widget.visualRect(index)
                    if rect.isEmpty() or not widget.viewport().rect().contains(rect.center()):
                        continue
                    if not _hover_shows_literally(widget.viewport(), rect.center(), tip):
                        found.append(f"cell tooltip in {type(widget).__name__} ({row},{col})")
    return found


def _fill(made, tmp_path) -> int:
    b, lead, wit = made.binder, made.lead, made.witness
    iid = open_incident(b, lead, title=f"Skimmer {MARK}", type="skimmer", severity="high")
    jr.append(b, iid, lead, NewEntry(text=f"Saw {MARK}", reason=f"because {MARK}"), witness=wit)
    workflow.record_decision(b, iid, lead, decision=f"Go offline {MARK}", reason=f"risk {MARK}",
                             options=[f"stay up {MARK}"], approved_by=f"Mgmt {MARK}")
    notifications.record_notification(b, iid, lead, party=f"acquirer {MARK}", channel="phone",
                                 message=f"told {MARK}")
    impact.add_impact(b, iid, lead, f"lost sales {MARK}", "100", "EUR", note=f"note {MARK}")
    review.add_review(b, iid, lead, f"lessons {MARK}")
    log = tmp_path / "access.log"
    log.write_text("GET /checkout\n")
    register_evidence(b, iid, log, lead, description=f"log {MARK}")
    roster.add_contact(b, role="lead", name=f"Dana {MARK}", phone="+1 555 0100",
                       notes=f"notes {MARK}")
    return iid


def test_markup_in_user_text_never_renders(qtbot, window_for, made, tmp_path):
    assert GuiQt.mightBeRichText(MARK)  # the check below can see what it must
    iid = _fill(made, tmp_path)
    window = window_for(made.path, binder=made.binder)
    window.sign_in("alice", "alice-passphrase")
    window.open_incident(iid)
    problems: list[str] = []
    for pane in range(window.workspace.tabs.count()):
        window.workspace.show_pane(pane)
        qtbot.wait(20)
        problems += [f"pane {pane}: {p}" for p in _offenders(window)]
    for nav in (NAV_INCIDENTS, NAV_PLAN, NAV_ROSTER, NAV_READINESS, NAV_ACCESS):
        window.navigate(nav)
        qtbot.wait(20)
        problems += [f"nav {nav}: {p}" for p in _offenders(window)]
    problems = sorted(set(problems))
    assert not problems, "\n".join(problems)


def test_the_sweep_notices_a_rich_label_and_tooltip(qtbot):
    from binder.ui.app import install_plain_tooltips

    label = QLabel(f"title {MARK}")
    label.setToolTip(f"tip {MARK}")
    qtbot.addWidget(label)
    label.show()
    qtbot.waitExposed(label)
    app = QApplication.instance()
    if not app.property("binder_plain_tooltips"):
        assert len(_offenders(label)) == 2  # rich label and a tooltip Qt renders as HTML
    install_plain_tooltips(app)
    label.setTextFormat(Qt.TextFormat.PlainText)
    assert not _offenders(label)
    doc = QTextDocument()
    doc.setPlainText(MARK)
    assert doc.toPlainText() == MARK
