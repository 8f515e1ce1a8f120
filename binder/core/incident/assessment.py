"""The incident's assessment: what happened, why, to whom, for how long, and what it costs.

Legal and management read these facts first (NIST SP 800-61r3 asks for the
sequence of events and the root cause, RS.AN-03, and for the magnitude,
RS.AN-08; a PCI forensic investigator's final report states the window in
which card data was at risk and how many accounts). They change while the
investigation goes on, so each statement is a signed journal entry of kind
``assessment`` that names only the fields it sets; the current assessment is
the newest statement of each field. Nothing is overwritten: the journal keeps
every earlier figure, and documents show the current one.

Money: impact lines keep their own currency; the assessment states the
reporting currency and the exchange rates used to total them, with where the
rates come from, so a summary can give one total and say how it was reached.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from binder.core.crypto.signers import SigningSession
from binder.core.errors import BadInput
from binder.core.incident import journal
from binder.core.incident.journal import NewEntry, check_text
from binder.core.incident.record import get_incident
from binder.core.storage.database import Binder

KIND = "assessment"
TEXT_FIELDS = ("what_happened", "root_cause", "data_exposed", "status")
COUNT_FIELDS = ("customers", "records")
TIME_FIELDS = ("exposure_from", "exposure_to")
LIST_FIELDS = ("risks", "asks")
FIELDS = TEXT_FIELDS + COUNT_FIELDS + TIME_FIELDS + LIST_FIELDS + (
    "estimated", "currency", "rates", "rates_source")
#: What each field is called where people read it.
LABELS = {
    "what_happened": "what happened", "root_cause": "root cause",
    "data_exposed": "data exposed", "status": "status", "customers": "customers affected",
    "records": "records affected", "exposure_from": "exposure window start",
    "exposure_to": "exposure window end", "risks": "open risks",
    "asks": "decisions needed from management", "estimated": "estimated figures",
    "currency": "reporting currency", "rates": "exchange rates",
    "rates_source": "source of the exchange rates",
}
MAX_COUNT = 10**12


@dataclass(frozen=True)
class Assessment:
    """The current value of each assessed field (the newest signed statement of it)."""

    values: Mapping[str, Any] = field(default_factory=dict)
    #: field -> (chain number, author, written at) of the statement that set it.
    sources: Mapping[str, tuple[int, str, str]] = field(default_factory=dict)
    statements: int = 0

    def get(self, name: str, default: Any = None) -> Any:
        """A field's current value (``default`` when never stated or cleared)."""
        value = self.values.get(name)
        return default if value in (None, "", [], {}) else value

    def is_estimate(self, name: str) -> bool:
        """True when the current figure of ``name`` was stated as an estimate."""
        return name in (self.values.get("estimated") or ())

    @property
    def rates(self) -> dict[str, Decimal]:
        """Currency -> how many units of the reporting currency one unit is worth."""
        out: dict[str, Decimal] = {}
        for code, text in (self.values.get("rates") or {}).items():
            try:
                out[code] = Decimal(str(text))
            except InvalidOperation:
                continue
        return out


def _count(value: Any, what: str) -> int:
    text = str(value).strip().replace(",", "").replace("_", "")
    if not text.isdigit():
        raise BadInput(f"the number of {what} {str(value)[:30]!r} is not a whole number; "
                       "write it like 1200")
    number = int(text)
    if number >= MAX_COUNT:
        raise BadInput(f"the number of {what} is implausibly large; check it")
    return number


def _currency(value: str) -> str:
    code = str(value).strip().upper()
    if len(code) != 3 or not code.isascii() or not code.isalpha():
        raise BadInput(f"the currency {str(value)[:20]!r} is not a 3-letter code such as EUR or USD")
    return code


def parse_rate(text: str) -> tuple[str, str]:
    """``USD=0.92`` (one USD is 0.92 of the reporting currency) -> (``USD``, ``0.92``)."""
    code, sep, number = str(text).partition("=")
    if not sep:
        raise BadInput(f"write an exchange rate as CODE=RATE, e.g. USD=0.92, not {text[:30]!r}")
    try:
        rate = Decimal(number.strip())
    except InvalidOperation:
        raise BadInput(f"the rate {number.strip()[:20]!r} is not a number; write it like 0.92") from None
    if not rate.is_finite() or rate <= 0 or "e" in number.lower():
        raise BadInput(f"the rate {number.strip()[:20]!r} must be a plain positive number")
    return _currency(code), format(rate, "f")


def check_fields(values: Mapping[str, Any]) -> dict[str, Any]:
    """The statement's fields checked and normalised; :class:`BadInput` names the first problem."""
    from binder.core.incident.evidence import zoned_time

    unknown = sorted(set(values) - set(FIELDS))
    if unknown:
        raise BadInput(f"unknown assessment field {unknown[0]!r}")
    out: dict[str, Any] = {}
    for name, value in values.items():
        if value is None:
            continue
        if name in TEXT_FIELDS:
            out[name] = check_text(str(value), LABELS[name], limit=4000).strip()
        elif name in COUNT_FIELDS:
            out[name] = None if str(value).strip() == "" else _count(value, LABELS[name].split()[0])
        elif name in TIME_FIELDS:
            out[name] = zoned_time(str(value), LABELS[name]) if str(value).strip() else ""
        elif name in LIST_FIELDS:
            items = [check_text(str(v), LABELS[name], limit=500).strip() for v in value]
            out[name] = [v for v in items if v]
        elif name == "estimated":
            wrong = [v for v in value if v not in COUNT_FIELDS]
            if wrong:
                raise BadInput(f"only {' and '.join(COUNT_FIELDS)} can be estimates, not {wrong[0]!r}")
            out[name] = sorted(set(value))
        elif name == "currency":
            out[name] = _currency(value) if str(value).strip() else ""
        elif name == "rates":
            pairs = [parse_rate(v) if isinstance(v, str) else (_currency(v[0]), str(v[1]))
                     for v in (value.items() if isinstance(value, Mapping) else value)]
            out[name] = dict(pairs)
        elif name == "rates_source":
            out[name] = check_text(str(value), "source of the exchange rates", limit=500).strip()
    start, end = out.get("exposure_from"), out.get("exposure_to")
    if start and end:
        from binder.core.incident.evidence import _moment

        if _moment(start) > _moment(end):
            raise BadInput("the exposure window ends before it starts; check the two times")
    return out


def assess(binder: Binder, incident_id: int | str, author: SigningSession, *,
           reason: str = "", witness: SigningSession | None = None, **values: Any) -> int:
    """Sign a statement of some assessment fields (the others keep their values).

    An empty text, count or time clears a field; an empty list clears a list.
    Returns the entry id. Nothing is written when a value is refused.
    """
    fields = check_fields(values)
    if not fields:
        raise BadInput("nothing to state; give at least one assessment field")
    check_text(reason, "reasoning", limit=4000)
    incident = get_incident(binder, incident_id)
    current = current_assessment(binder, incident.id)
    if fields.get("rates") and not (fields.get("currency") or current.get("currency")):
        raise BadInput("exchange rates need a reporting currency; give it as well (e.g. EUR)")
    restated = [k for k in COUNT_FIELDS if k in fields]
    if restated or "estimated" in fields:
        # A count stated again is exact unless it is named as an estimate this time.
        kept = [k for k in current.get("estimated", []) if k not in restated]
        fields["estimated"] = sorted(set(kept) | set(fields.get("estimated", [])))
    words = "; ".join(f"{LABELS[k]}: {_words(k, v)}" for k, v in fields.items())
    return journal.append(binder, incident.id, author, NewEntry(
        text=f"Assessment: {words}"[:4000], kind=KIND, reason=reason.strip(),
        data={"fields": fields}), witness=witness)


def _words(name: str, value: Any) -> str:
    if value in (None, "", [], {}):
        return "cleared"
    if isinstance(value, list):
        return " | ".join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"1 {k} = {v}" for k, v in value.items())
    return str(value)


def current_assessment(binder: Binder, incident_id: int) -> Assessment:
    """The newest statement of each field, with where it comes from."""
    values: dict[str, Any] = {}
    sources: dict[str, tuple[int, str, str]] = {}
    count = 0
    for entry in journal.iter_entries(binder, incident_id, kinds=(KIND,)):
        fields = (entry.data or {}).get("fields")
        if not isinstance(fields, dict):
            continue
        count += 1
        for name, value in fields.items():
            if name in FIELDS:
                values[name] = value
                sources[name] = (entry.seq, entry.author, entry.recorded_at)
    return Assessment(values=values, sources=sources, statements=count)


def convert(amount: Decimal, currency: str, target: str, rates: Mapping[str, Decimal]
            ) -> Decimal | None:
    """``amount`` of ``currency`` in ``target`` (None when no rate for it is stated)."""
    if currency == target:
        return amount
    rate = rates.get(currency)
    return None if rate is None else amount * rate


def reporting_currency(assessment: Assessment, currencies: Sequence[str]) -> str:
    """The stated reporting currency, else the only currency used, else the most common one."""
    stated = assessment.get("currency")
    if stated:
        return stated
    if not currencies:
        return ""
    return max(sorted(set(currencies)), key=list(currencies).count)
