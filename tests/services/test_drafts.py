"""Drafts: overwritten scratch space that survives closing and reopening the binder."""

from __future__ import annotations

import pytest

from binder.core.errors import BadInput
from binder.core.storage.database import open_binder
from binder.services import drafts


def test_save_overwrites_and_reopens(made, incident_id):
    drafts.save_draft(made.binder, incident_id, "first words")
    drafts.save_draft(made.binder, incident_id, "first words, then more", "because")
    made.binder.close()
    with open_binder(made.path) as b:
        d = drafts.load_draft(b, incident_id)
        assert (d.text, d.reason) == ("first words, then more", "because")
        assert d.updated_at.endswith("Z")
        assert b.conn.execute("SELECT count(*) FROM draft").fetchone()[0] == 1


def test_clear_and_empty_draft_remove_it(made, incident_id):
    drafts.save_draft(made.binder, incident_id, "x")
    drafts.clear_draft(made.binder, incident_id)
    assert drafts.load_draft(made.binder, incident_id) is None
    drafts.save_draft(made.binder, incident_id, "y")
    drafts.save_draft(made.binder, incident_id, "   ", "")
    assert drafts.load_draft(made.binder, incident_id) is None


def test_drafts_are_per_incident(made, incident_id):
    from binder.core.incident.record import open_incident

    other = open_incident(made.binder, made.lead, title="Second")
    drafts.save_draft(made.binder, incident_id, "one")
    drafts.save_draft(made.binder, other, "two")
    assert drafts.load_draft(made.binder, incident_id).text == "one"
    assert drafts.load_draft(made.binder, other).text == "two"


def test_control_characters_are_refused_and_old_draft_kept(made, incident_id):
    drafts.save_draft(made.binder, incident_id, "kept")
    with pytest.raises(BadInput, match="control character"):
        drafts.save_draft(made.binder, incident_id, "bad\x00text")
    assert drafts.load_draft(made.binder, incident_id).text == "kept"


def test_draft_for_unknown_incident_is_refused(made):
    with pytest.raises(Exception, match="FOREIGN KEY"):
        drafts.save_draft(made.binder, 999, "orphan")
