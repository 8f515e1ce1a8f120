"""The one error hierarchy of Incident Binder.

The core raises these; the CLI maps ``exit_code`` to its exit status and the UI
shows ``str(error)`` in one dialog factory. Every message is one line that says
what is wrong and, where it helps, what to do.
"""

from __future__ import annotations


class BinderError(Exception):
    """Base of every error a user may see. ``exit_code`` is the CLI status."""

    exit_code = 2


class BadInput(BinderError):
    """The user gave something we cannot accept (exit 2, nothing written)."""


class NotFound(BadInput):
    """A named incident, entry, signer, contact or evidence item does not exist."""


class PlanFormatError(BadInput):
    """A plan text file is malformed; the message names the place."""


class NotABinder(BinderError):
    """The path is missing, is not SQLite, or is SQLite but not a binder."""


class UnsupportedFormat(BinderError):
    """A binder or envelope written by a newer (or unknown) format version."""


class BinderInUse(BinderError):
    """Another process holds the binder for writing."""


class ReadOnlyBinder(BinderError):
    """The binder sits on read-only media or lacks write permission."""


class AlreadyExists(BinderError):
    """Refusing to overwrite an existing file."""


class StorageFull(BinderError):
    """The disk (or the binder's page limit) is full; nothing was written."""


class CorruptEnvelope(BinderError):
    """An encrypted or signed envelope is damaged or truncated."""


class WrongPassphrase(BinderError):
    """A passphrase or recovery code did not unlock the key (exit 3)."""

    exit_code = 3


class Locked(BinderError):
    """The binder (or a signer) must be unlocked first and no secret was given."""

    exit_code = 3


class Cancelled(BinderError):
    """Long work was cancelled by the user; nothing was written."""


class IntegrityError(BinderError):
    """Stored history failed verification (exit 1)."""

    exit_code = 1
