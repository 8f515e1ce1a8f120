"""First run as plain state: from "no binder yet" to a lead who can sign.

The welcome screen is a thin view over :class:`SetupFlow`; every rule (what may
follow what, what is refused, what is created when) lives here so it is tested
without Qt. Steps::

    welcome -> location -> passphrase -> recovery -> confirm -> enroll -> extras -> done

The binder file is created at the passphrase step (its keys need the
passphrase); until the recovery code is confirmed as written down, cancelling
removes that still-empty file again, because a binder whose only recovery
code was never recorded is a trap.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from binder.core.crypto import session, signers, vault
from binder.core.crypto.envelope import DEFAULT_KDF, KdfParams
from binder.core.crypto.signers import Signer, SigningSession
from binder.core.errors import AlreadyExists, BadInput, NotFound
from binder.core.plan import revisions as plans
from binder.core.storage.database import Binder, check_new_binder_path, create_binder, open_binder

BINDER_SUFFIX = ".binder"
DEFAULT_LEAD_ROLE = "Incident Lead"


class Step(StrEnum):
    """Where the first run stands."""

    WELCOME = "welcome"
    LOCATION = "location"
    PASSPHRASE = "passphrase"
    RECOVERY = "recovery"
    CONFIRM = "confirm"
    ENROLL = "enroll"
    EXTRAS = "extras"
    DONE = "done"


class Next(StrEnum):
    """What the app shows once set-up is done."""

    INCIDENTS = "incidents"
    ROSTER = "roster"
    DRILL = "drill"
    UNLOCK = "unlock"  # an existing binder was chosen: it still has to be unlocked


@dataclass(frozen=True)
class Strength:
    """How hard a passphrase is to guess, for the meter beside the field."""

    score: int  # 0 (refused) .. 4 (strong)
    label: str
    hint: str

    @property
    def acceptable(self) -> bool:
        """True when the passphrase may be used (what set-up itself checks)."""
        return self.score >= vault.MIN_PASSPHRASE_SCORE


def passphrase_strength(passphrase: str) -> Strength:
    """The meter beside the passphrase field: the core's estimate (zxcvbn), in words.

    The same estimate decides whether the passphrase is accepted, so the meter
    never shows "Good" for one that set-up would refuse.
    """
    estimate = vault.estimate_passphrase(passphrase)
    if len(passphrase) < vault.MIN_PASSPHRASE_LEN:
        return Strength(0, "Too short", f"Use at least {vault.MIN_PASSPHRASE_LEN} characters; "
                        "a few unrelated words work well.")
    if not estimate.acceptable:
        label = "Too common" if "common" in estimate.why else "Too weak"
        return Strength(estimate.score, label,
                        f"{estimate.why[:1].upper()}{estimate.why[1:]}: {estimate.advice}.")
    if estimate.score == 3:
        return Strength(3, "Good", "A good passphrase; another word makes it stronger still.")
    return Strength(4, "Strong", "A strong passphrase.")


def normalize_location(path: str | os.PathLike[str]) -> Path:
    """The binder path a user typed: ``~`` expanded, ``.binder`` added when missing."""
    text = str(path).strip()
    if not text:
        raise BadInput("choose where to keep the binder file")
    p = Path(text).expanduser()
    if p.is_dir():
        p = p / f"incident{BINDER_SUFFIX}"
    elif not p.suffix:
        p = p.with_name(p.name + BINDER_SUFFIX)
    return p.absolute()


@dataclass(frozen=True)
class SetupResult:
    """The outcome handed to the main window."""

    path: Path
    next: Next
    lead: str | None
    drill_incident_id: int | None = None


class SetupFlow:
    """The first-run conversation, one method per user action.

    ``kdf`` is the key-derivation strength for the binder and the lead's key;
    tests pass lighter parameters, the app uses the default.
    """

    def __init__(self, default_path: str | os.PathLike[str], *, kdf: KdfParams = DEFAULT_KDF):
        self.default_path = Path(default_path)
        self.kdf = kdf
        self.step = Step.WELCOME
        self.path: Path | None = None
        self.org = ""
        self.binder: Binder | None = None
        self.recovery_code: str | None = None
        self.written_down = False
        self.lead: Signer | None = None
        self.lead_session: SigningSession | None = None
        self.result: SetupResult | None = None

    # -- helpers -------------------------------------------------------------------------
    @staticmethod
    def check_new_passphrase(passphrase: str, confirmation: str) -> None:
        """Refuse two differing or weak passphrases (quick: a window asks before the slow
        step that uses them)."""
        if passphrase != confirmation:
            raise BadInput("the two passphrases differ; type the same passphrase twice")
        strength = passphrase_strength(passphrase)
        if not strength.acceptable:
            raise BadInput(f"{strength.label.lower()} passphrase: {strength.hint}")

    def _expect(self, *steps: Step) -> None:
        if self.step not in steps:
            raise BadInput(f"that is not possible at the {self.step.value} step")

    # -- welcome -------------------------------------------------------------------------
    def start_new(self) -> None:
        """The user wants a new binder."""
        self._expect(Step.WELCOME)
        self.step = Step.LOCATION

    def open_existing(self, path: str | os.PathLike[str]) -> SetupResult:
        """The user chose an existing binder file; it is checked, then handed on to unlock."""
        self._expect(Step.WELCOME)
        p = Path(str(path).strip()).expanduser()
        if not str(path).strip():
            raise BadInput("choose a binder file to open")
        with open_binder(p) as b:  # refuses non-binders, newer versions, read-only media
            if not vault.has_keys(b):
                raise BadInput(f"{p.name} was never finished (it has no passphrase); create a new binder")
        self.path = p.absolute()
        self.step = Step.DONE
        self.result = SetupResult(self.path, Next.UNLOCK, None)
        return self.result

    # -- location ------------------------------------------------------------------------
    def choose_location(self, path: str | os.PathLike[str], org: str = "") -> Path:
        """Where the new binder goes and the organisation it belongs to."""
        self._expect(Step.LOCATION)
        p = normalize_location(path)
        try:
            check_new_binder_path(p)
        except AlreadyExists:
            raise AlreadyExists(f"{p} already exists; open it instead, or choose another name") from None
        org = org.strip()
        if len(org) > 120 or "\n" in org:
            raise BadInput("the organisation name must be one line of at most 120 characters")
        self.path, self.org = p, org
        self.step = Step.PASSPHRASE
        return p

    # -- passphrase ----------------------------------------------------------------------
    def set_passphrase(self, passphrase: str, confirmation: str) -> str:
        """Create the binder with this passphrase; returns the recovery code to show."""
        self._expect(Step.PASSPHRASE)
        assert self.path is not None
        self.check_new_passphrase(passphrase, confirmation)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        binder = create_binder(self.path, org=self.org)
        try:
            code = session.create_keys(binder, passphrase, door="app", kdf=self.kdf)
            signers.create_root(binder)
            plans.load_default_plan(binder, author="first run")
        except BaseException:
            binder.close()
            _remove_binder_files(self.path)
            raise
        self.binder, self.recovery_code = binder, code
        self.step = Step.RECOVERY
        return code

    # -- recovery code -------------------------------------------------------------------
    def recovery_shown(self) -> None:
        """The code was on screen (and maybe printed); ask for the confirmation next."""
        self._expect(Step.RECOVERY)
        self.step = Step.CONFIRM

    def confirm_written_down(self, confirmed: bool) -> None:
        """The user states the recovery code is written down and kept apart."""
        self._expect(Step.CONFIRM)
        if not confirmed:
            raise BadInput("tick \"I wrote it down\" once the recovery code is on paper")
        self.written_down = True
        self.step = Step.ENROLL

    # -- the lead's signing key ----------------------------------------------------------
    def enroll_lead(
        self, person: str, passphrase: str, confirmation: str, *, role: str = DEFAULT_LEAD_ROLE,
        display_name: str | None = None,
    ) -> Signer:
        """Create the lead's signing key; they stay signed in afterwards."""
        self._expect(Step.ENROLL)
        assert self.binder is not None
        self.check_new_passphrase(passphrase, confirmation)
        signer = signers.enroll(
            self.binder, person, passphrase, display_name=display_name or None, role=role.strip(),
            kdf=self.kdf,
        )
        self.lead = signer
        self.lead_session = session.sign_in(self.binder, signer.person, passphrase, door="app")
        self.step = Step.EXTRAS
        return signer

    def skip_enroll(self) -> None:
        """Enrol later (from the roster); nothing can be signed until someone is enrolled."""
        self._expect(Step.ENROLL)
        self.step = Step.EXTRAS

    # -- extras --------------------------------------------------------------------------
    def finish(self, *, roster: bool = False, drill: bool = False) -> SetupResult:
        """Finish set-up; optionally go to the roster or straight into a drill."""
        self._expect(Step.EXTRAS)
        assert self.binder is not None and self.path is not None
        if roster and drill:
            raise BadInput("choose the roster or a drill first, not both")
        drill_id = None
        if drill:
            drill_id = self._open_drill()
        nxt = Next.DRILL if drill else Next.ROSTER if roster else Next.INCIDENTS
        self.result = SetupResult(self.path, nxt, self.lead.person if self.lead else None, drill_id)
        self.recovery_code = None  # shown once; not kept in memory longer than needed
        self.step = Step.DONE
        return self.result

    def _open_drill(self) -> int:
        from binder.core.incident.record import open_incident

        assert self.binder is not None
        if self.lead_session is None:
            raise BadInput("a drill is signed by its lead: enrol yourself first, or skip the drill")
        try:
            rev = plans.current_revision(self.binder)
        except NotFound:
            rev = None
        title, type_ = "Practice drill: card skimmer in checkout", "skimmer"
        kwargs = {}
        if rev is not None:
            plan = rev.plan
            scenarios = plan.scenarios
            if scenarios:
                title, type_ = f"Drill: {scenarios[0].title}", scenarios[0].incident_type
            kwargs = {"severities": tuple(plan.severities),
                      "types": tuple(k for k, _ in plan.incident_types)}
            if type_ not in kwargs["types"]:
                type_ = kwargs["types"][0]
            severity = "high" if "high" in kwargs["severities"] else kwargs["severities"][-1]
        else:
            severity = "high"
        return open_incident(
            self.binder, self.lead_session, title=title, type=type_, severity=severity, drill=True,
            plan_revision_id=rev.id if rev else None, **kwargs,
        )

    # -- going back and giving up ----------------------------------------------------------
    def back(self) -> None:
        """One step back where that makes sense (never undoing the binder's creation)."""
        previous = {
            Step.LOCATION: Step.WELCOME,
            Step.PASSPHRASE: Step.LOCATION,
            Step.CONFIRM: Step.RECOVERY,
        }
        if self.step not in previous:
            raise BadInput(f"cannot go back from the {self.step.value} step")
        self.step = previous[self.step]

    def cancel(self) -> None:
        """Give up. A binder whose recovery code was never confirmed is removed again."""
        if self.binder is not None:
            self.binder.close()
            if not self.written_down and self.path is not None:
                _remove_binder_files(self.path)
        self.binder = None
        self.recovery_code = None
        self.lead_session = None
        self.step = Step.WELCOME

    def take_binder(self) -> Binder | None:
        """Hand the open, unlocked binder to the app (the flow no longer owns it)."""
        binder, self.binder = self.binder, None
        return binder


def _remove_binder_files(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(f"{path}{suffix}")
