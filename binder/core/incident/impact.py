"""The financial impact of an incident: one signed line per cost, in its currency.

Negative amounts correct earlier lines; an estimate is marked as one until the
invoiced or booked figure replaces it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from binder.core.crypto.signers import SigningSession
from binder.core.errors import BadInput
from binder.core.incident.journal import NewEntry, check_text
from binder.core.incident.record import get_incident
from binder.core.incident.steps import append_step, one_line, stated_time
from binder.core.storage.database import Binder

#: Suggested financial impact categories (free text is accepted too).
IMPACT_CATEGORIES = (
    "Forensic investigation",
    "Legal and counsel",
    "Regulatory fines",
    "Card brand assessments",
    "Card reissue and fraud",
    "Lost revenue (downtime)",
    "Customer notification and support",
    "Remediation and recovery",
    "Other",
)
MAX_AMOUNT = Decimal("1e13")


@dataclass(frozen=True)
class ImpactLine:
    """One line of financial impact."""

    entry_id: int
    at: str
    author: str
    category: str
    amount: Decimal
    currency: str
    note: str
    estimate: bool = False  # an estimate, not an invoiced or booked figure


def parse_amount(value: str | int | Decimal) -> Decimal:
    """A money amount from text: plain decimal notation, at most 4 decimals."""
    if isinstance(value, float) or isinstance(value, bool):
        raise BadInput("give the amount as text, e.g. 1250.00 (not a floating-point number)")
    text = str(value).strip().replace("_", "")
    if not text:
        raise BadInput("the amount is empty; give a number such as 1250.00")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise BadInput(f"the amount {text[:40]!r} is not a number; write it like 1250.00") from None
    if not amount.is_finite() or "e" in text.lower():
        raise BadInput(f"the amount {text[:40]!r} is not a plain number; write it like 1250.00")
    if amount.as_tuple().exponent < -4:
        raise BadInput("the amount has more than 4 decimal places; round it")
    if abs(amount) >= MAX_AMOUNT:
        raise BadInput("the amount is implausibly large; check it")
    return amount


def add_impact(binder: Binder, incident_id: int, author: SigningSession, category: str,
               amount: str | int | Decimal, currency: str, note: str = "", *,
               occurred_at: str | None = None, estimate: bool = False) -> int:
    """Add one financial impact line (negative amounts correct earlier lines).

    ``estimate=True`` marks a figure that is estimated, not invoiced or booked.
    """
    category = one_line(category, "category", limit=200)
    value = parse_amount(amount)
    code = str(currency).strip().upper()
    if len(code) != 3 or not code.isascii() or not code.isalpha():
        raise BadInput(f"the currency {str(currency)[:20]!r} is not a 3-letter code such as EUR or USD")
    check_text(note, "note", limit=4000)
    incident = get_incident(binder, incident_id)
    text = format(value, "f")
    data = {"category": category, "amount": text, "currency": code, "note": note.strip()}
    if estimate:
        data["estimate"] = True  # only when set: earlier lines keep their signed form
    return append_step(binder, incident.id, author, NewEntry(
        text=f"Financial impact: {category} {text} {code}" + (" (estimate)" if estimate else "")
        + (f" ({note.strip()})" if note.strip() else ""),
        kind="impact", data=data, occurred_at=stated_time(occurred_at),
    ))
