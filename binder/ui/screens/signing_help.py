"""Help → Signing and witnesses: who signs, how to enrol, witness sessions, meanings.

The page states this binder's facts where it can (who is enrolled, how long a
signer stays signed in, whether the plan asks for the passphrase at every
signature) and takes each meaning's wording from the core, so it cannot drift
from what the signatures record. docs/USER_GUIDE.md says the same at length.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

from binder.core.crypto import meanings, signers
from binder.core.errors import BinderError
from binder.core.plan import revisions as plans
from binder.core.storage.database import Binder
from binder.ui.shortcuts import key_text


@dataclass(frozen=True)
class Section:
    """A heading, its paragraphs and (term, explanation) pairs, all plain text."""

    heading: str
    paragraphs: tuple[str, ...]
    terms: tuple[tuple[str, str], ...] = ()

    @property
    def text(self) -> str:
        """Everything the section says, as one line (tests read it)."""
        return " ".join((*self.paragraphs, *(f"{t}: {e}" for t, e in self.terms)))


def _command(label: str, name: str) -> str:
    keys = key_text(name)
    return f"“{label}” ({keys})" if keys else f"“{label}”"


def _enrolled(binder: Binder | None) -> str:
    if binder is None:
        return "Open a binder to see who is enrolled in it."
    try:
        people = [s.identity for s in signers.list_signers(binder)]
    except BinderError:
        return "Who is enrolled cannot be read from this binder now."
    if not people:
        return "Nobody is enrolled in this binder yet."
    listed = "; ".join(f"{p.name} — {p.role}" if p.role else p.name for p in people)
    return f"Enrolled in this binder: {listed}."


def signing_sections(binder: Binder | None, session_minutes: int) -> tuple[Section, ...]:
    """What the page says, as plain text (the dialog escapes it; tests read it)."""
    from binder.core.output.signing import MEANING_FOR_ROLE

    every = binder is not None and plans.passphrase_every_signature(binder)
    minutes = f"{session_minutes} minute{'s' if session_minutes != 1 else ''}"
    if every:
        session = ("This binder's plan asks for the passphrase at every signature "
                   "(passphrase_every_signature in the plan's [regulatory] table, the 21 CFR "
                   "Part 11 way): every form asks the witness again, even while signed in.")
    else:
        session = (f"A witness who signed in stays signed in for {minutes}: the next "
                   "co-signature, decision or evidence form picks them and does not ask again. "
                   "A plan can ask for the passphrase at every signature instead "
                   "(passphrase_every_signature = true in its [regulatory] table).")
    places = "; ".join(f"{role}: {meaning}" for role, meaning in MEANING_FOR_ROLE.items())
    return (
        Section("Who signs", (
            "A signer is a person on the roster who has a signing key. The binder issues each "
            "of them a certificate that states their full name and role; every screen and "
            "document shows the name and role from that certificate, so editing a table "
            "cannot put a signature under another name.",
            _enrolled(binder),
        )),
        Section("Enrolling someone", (
            f"Go to the {_command('Roster', 'go.roster')} screen, select the person and press "
            "“Enrol as signer…”. They type their own passphrase twice; nobody else should see "
            "it. Compare the certificate fingerprint shown with them, so everyone knows which "
            "key is theirs.",
            'On the command line: binder signer enroll "Full Name" (a contact\'s name or id).',
        )),
        Section("Signing in", (
            f"{_command('Sign in…', 'people.sign_in')} opens your own key with your own "
            f"passphrase. You stay signed in for {minutes}; "
            f"{_command('Settings…', 'file.settings')} changes how long. “Sign out” or "
            f"{_command('Lock now', 'file.lock')} ends it at once.",
        )),
        Section("Witnesses", (
            "Important steps are confirmed by a second person with their own key (the "
            "two-person rule). Select a journal entry and "
            f"{_command('Co-sign', 'incident.cosign')}, or choose a witness in the evidence, "
            "transfer or decision form. Nobody witnesses their own entry.",
            session,
            "An empty passphrase field is named as empty; nothing is signed.",
        )),
        Section("What a signature means", (
            "Every signature records one of these meanings, inside the signed bytes. Wherever "
            "a signature is shown (the journal, the command line, every PDF) it appears with "
            "the name, the role, the meaning and the time (21 CFR 11.50).",
            f"On the report's sign-off page each place has its meaning: {places}. Before "
            "anything is signed, a confirmation shows whose certificate signs, in which role "
            "and with what meaning.",
        ), tuple((m, meanings.EXPLAINED[m]) for m in meanings.MEANINGS)),
    )


def _html(section: Section) -> str:
    # Names come from certificates and the roster: escaped, they stay text.
    paragraphs = [f"<p>{escape(p)}</p>" for p in section.paragraphs]
    if section.terms:
        items = "".join(f"<li><b>{escape(t)}</b>: {escape(e)}</li>" for t, e in section.terms)
        paragraphs.insert(1, f"<ul>{items}</ul>")
    return f"<h3>{escape(section.heading)}</h3>{''.join(paragraphs)}"


class SigningHelpDialog(QDialog):
    """The Help menu's page on signing, enrolment, witness sessions and meanings."""

    def __init__(self, binder: Binder | None, session_minutes: int,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        title = "Signing and witnesses"
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.resize(720, 640)
        self.sections = signing_sections(binder, session_minutes)
        self.text = QTextBrowser()
        self.text.setAccessibleName(title)
        self.text.setOpenLinks(False)
        self.text.setHtml("".join(_html(section) for section in self.sections))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)
