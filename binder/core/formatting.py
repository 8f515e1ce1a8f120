"""How every door writes money, sizes and counts: one module, no Qt, no reportlab.

The screens, the command line and the PDFs show the same amount for the same
figure because they all format it here (times have their own module,
:mod:`binder.core.times`):

- **Money** is stored exactly as typed (a decimal string in the signed journal
  entry, up to four decimals). It is shown rounded half up (0.005 -> 0.01,
  -0.005 -> -0.01) to the currency's minor unit, from ISO 4217: two decimals
  unless the currency has another exponent (JPY none, KWD three...). Totals are
  summed from the exact amounts and rounded once. A rounded zero is never shown
  as ``-0.00``.
- **Sizes** are binary units for people: ``512 bytes``, ``1.5 GiB``.
- **Counts** say ``1 file`` / ``2 files`` with thousands grouped.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

# Currencies whose minor unit is not two decimals, from the ISO 4217 code list
# (list one, column "Minor unit"). Any other three-letter code gets two decimals.
_MINOR_UNITS = {
    **dict.fromkeys(("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF",
                     "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF"), 0),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
    **dict.fromkeys(("CLF", "UYW"), 4),
}


# --------------------------------------------------------------------------- money


def minor_unit(currency: str) -> int:
    """How many decimals the currency's amounts have (ISO 4217 exponent; 2 if unknown)."""
    return _MINOR_UNITS.get(str(currency).strip().upper(), 2)


def round_money(amount: Decimal, currency: str) -> Decimal:
    """``amount`` rounded half up to the currency's minor unit (never negative zero)."""
    step = Decimal(1).scaleb(-minor_unit(currency))
    rounded = Decimal(amount).quantize(step, rounding=ROUND_HALF_UP)
    return rounded.copy_abs() if rounded.is_zero() else rounded


def amount_text(amount: Decimal, currency: str, *, grouped: bool = True) -> str:
    """The amount as shown everywhere: ``1,234,567.90`` (``grouped=False``: ``1234567.90``,
    for machine-readable output)."""
    return format(round_money(amount, currency), ",f" if grouped else "f")


def money_text(amount: Decimal, currency: str) -> str:
    """Currency and amount: ``EUR 1,234,567.90``."""
    return f"{currency} {amount_text(amount, currency)}"


# --------------------------------------------------------------------------- counts and sizes


def count_text(count: int, one: str, many: str | None = None) -> str:
    """``1 file``, ``2 files``, ``1,204 entries`` (``many`` defaults to ``one`` + s)."""
    return f"{count:,} {one if count == 1 else (many or one + 's')}"


def size_text(size: int) -> str:
    """A byte count for people: ``1 byte``, ``512 bytes``, ``1.5 GiB``."""
    if size < 1024:
        return count_text(size, "byte")
    value = size / 1024
    for unit in ("KiB", "MiB", "GiB"):
        if value < 1024:
            return f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TiB"
