"""Times as people state them, and as screens and documents show them.

Two kinds of time live in a binder. A *recorded* time (when an entry was
written, a co-signature made) comes from this computer's clock and is stored
in UTC. An *event* time (when something actually happened, as a person states
it) is kept exactly as it was typed, with its zone offset: ``2026-11-29T07:58``
typed on a laptop in Berlin is stored as ``2026-11-29T07:58+01:00`` and never
becomes ``07:58:02`` or ``06:58:00.000000Z``. Lawyers read the offset as the
witness's own words; arithmetic and ordering convert to UTC (:func:`utc`).

Every time shown carries its zone: documents give UTC and name the local time
with its offset (:func:`document_time`), screens give local time with the
zone (:func:`screen_time`, through ``binder.ui.app.local_text``).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, tzinfo

from binder.core.errors import BadInput

#: What a person types: a date, a time to the minute (seconds and fractions
#: optional) and an optional offset; ``T`` or a space between date and time.
_TYPED = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})[Tt ](?P<hh>\d{2}):(?P<mm>\d{2})"
    r"(?::(?P<ss>\d{2})(?:[.,](?P<frac>\d{1,6}))?)?"
    r"\s*(?P<zone>[Zz]|UTC|[+-]\d{2}:?\d{2}|[+-]\d{2})?"
)
EXAMPLE = "2026-11-29T14:05 or 2026-11-29T14:05+01:00"


def _bad(value: object, what: str) -> BadInput:
    shown = str(value)[:40]
    return BadInput(f"the {what} {shown!r} is not a valid time; use ISO 8601, e.g. {EXAMPLE}")


def _offset_text(offset: timedelta) -> str:
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, mins = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{mins:02d}"


def parse_event_time(value: str, what: str = "time", *, zone: tzinfo | None = None) -> str:
    """An event time as typed, checked, with its zone offset made explicit.

    The date and time keep the precision typed (``07:58`` stays ``07:58``,
    ``07:58:02.5`` stays so). ``Z``/``UTC`` and ``+HH:MM`` offsets are kept;
    a time without one is this computer's local time (``zone`` in tests), and
    its offset on that date is written down so the stored text means one
    moment everywhere. Raises :class:`BadInput` with one line otherwise.
    """
    if not isinstance(value, str) or not value.strip():
        raise BadInput(f"the {what} is empty; give a time like {EXAMPLE}")
    text = value.strip()
    match = _TYPED.fullmatch(text)
    if match is None:
        raise _bad(value, what)
    g = match.groupdict()
    clock = f"{g['hh']}:{g['mm']}"
    if g["ss"] is not None:
        clock += f":{g['ss']}"
        if g["frac"] is not None:
            clock += f".{g['frac']}"
    try:
        naive = datetime.fromisoformat(f"{g['date']}T{clock}")
    except ValueError:
        raise _bad(value, what) from None
    raw_zone = g["zone"]
    if raw_zone in ("Z", "z", "UTC"):
        return f"{g['date']}T{clock}Z"
    if raw_zone:
        sign, digits = raw_zone[0], raw_zone[1:].replace(":", "")
        hours, mins = int(digits[:2]), int(digits[2:] or 0)
        if hours > 23 or mins > 59:
            raise _bad(value, what)
        stated_text = f"{g['date']}T{clock}{sign}{hours:02d}:{mins:02d}"
        try:
            utc(stated_text)  # year 1 / 9999 pushed past the calendar by the offset
        except (OverflowError, ValueError):
            raise _bad(value, what) from None
        return stated_text
    try:
        moment = naive.replace(tzinfo=zone) if zone is not None else naive.astimezone()
        offset = moment.utcoffset() or timedelta(0)
        moment.astimezone(UTC)  # year 1 / 9999 pushed past the calendar by the offset
    except (OverflowError, ValueError):
        raise _bad(value, what) from None
    if offset.total_seconds() % 60:
        # A historical local mean time (seconds in the offset) cannot be written as +HH:MM.
        raise BadInput(f"the {what} {text!r} needs an explicit offset, e.g. {g['date']}T{clock}+00:00")
    return f"{g['date']}T{clock}{_offset_text(offset)}"


def utc(value: str | datetime) -> datetime:
    """Any stored time as an aware UTC datetime (a stored time without zone is UTC)."""
    if isinstance(value, datetime):
        moment = value
    else:
        text = str(value).strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        elif text.endswith("UTC"):
            text = text[:-3].rstrip() + "+00:00"
        moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def utc_iso(value: str | datetime) -> str:
    """The UTC form the journal writes: ``2026-11-29T06:58:00.000000Z``."""
    return utc(value).isoformat(timespec="microseconds").replace("+00:00", "Z")


def stated(value: str | datetime) -> datetime:
    """A stored time as an aware datetime in the offset it was stated in (UTC when none)."""
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    text = str(value).strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def has_local_offset(value: str | datetime | None) -> bool:
    """True when the time was stated in a zone other than UTC."""
    if not value:
        return False
    try:
        return bool(stated(value).utcoffset())
    except ValueError:
        return False


def _precise(value: str | datetime, seconds: bool | None) -> bool:
    if seconds is not None:
        return seconds
    if isinstance(value, datetime):
        return bool(value.second or value.microsecond)
    match = _TYPED.match(str(value).strip())
    return bool(match and match.group("ss") is not None and match.group("ss") != "00")


def zone_label(moment: datetime) -> str:
    """``CET (UTC+01:00)``, ``UTC+05:30`` or ``UTC``: a zone a reader can place."""
    offset = moment.utcoffset() or timedelta(0)
    if not offset:
        return "UTC"
    name = moment.tzname() or ""
    numeric = f"UTC{_offset_text(offset)}"
    # tzname() of a fixed offset is "UTC+01:00" itself; only a real abbreviation adds something.
    if name and not name.startswith(("UTC", "+", "-")):
        return f"{name} ({numeric})"
    return numeric


def document_time(value: str | datetime | None, *, seconds: bool | None = False,
                  zone: tzinfo | None = None) -> str:
    """A time for a document: UTC first, then the local time with its offset.

    ``2026-11-29 06:58 UTC (07:58 UTC+01:00)``. The local part is the offset
    the time was stated in; for a time stored in UTC, the local time in
    ``zone`` when one is given (the plan's zone), else UTC alone.
    """
    if not value:
        return ""
    try:
        moment = utc(value)
        local = stated(value) if has_local_offset(value) else (
            moment.astimezone(zone) if zone is not None else None)
    except (ValueError, OverflowError):
        return str(value)
    fmt = "%Y-%m-%d %H:%M:%S" if _precise(value, seconds) else "%Y-%m-%d %H:%M"
    text = f"{moment.strftime(fmt)} UTC"
    if local is not None and local.utcoffset():
        clock_fmt = "%H:%M:%S" if _precise(value, seconds) else "%H:%M"
        day = "" if local.date() == moment.date() else local.strftime("%Y-%m-%d ")
        text += f" ({day}{local.strftime(clock_fmt)} UTC{_offset_text(local.utcoffset())})"
    return text


def screen_time(value: str | datetime | None, *, seconds: bool | None = False,
                zone: tzinfo | None = None, now: datetime | None = None) -> str:
    """A time for a screen: local time with its zone, ``Sat 29 Nov 07:58 CET``.

    ``zone`` defaults to this computer's zone; ``today`` replaces the date of
    today, and the year is shown only when it is not this year.
    """
    if not value:
        return ""
    try:
        moment = utc(value)
    except (ValueError, OverflowError):
        return str(value)
    local = moment.astimezone(zone) if zone is not None else moment.astimezone()
    clock = local.strftime("%H:%M:%S" if _precise(value, seconds) else "%H:%M")
    today = (now or datetime.now(UTC)).astimezone(local.tzinfo).date()
    if local.date() == today:
        day = "today"
    elif local.year == today.year:
        day = local.strftime("%a %d %b")
    else:
        day = local.strftime("%d %b %Y")
    label = local.tzname() or zone_label(local)
    if label.startswith(("+", "-")):
        label = "UTC" + label
    return f"{day} {clock} {label}"
