"""One way to write money, sizes and counts, whatever the door."""

from __future__ import annotations

from decimal import Decimal

import pytest

from binder.core import formatting as fmt


@pytest.mark.parametrize(("amount", "currency", "shown"), [
    ("0.005", "EUR", "0.01"),  # half up, where the old report printed 0.00 (half even)
    ("0.015", "EUR", "0.02"),
    ("0.025", "EUR", "0.03"),  # half even would give 0.02
    ("1234567.895", "EUR", "1,234,567.90"),
    ("-0.005", "EUR", "-0.01"),
    ("-1234.565", "USD", "-1,234.57"),
    ("-0.004", "EUR", "0.00"),  # never "-0.00"
    ("9999999999999.9999", "EUR", "10,000,000,000,000.00"),
    ("12000.5", "eur", "12,000.50"),
    ("1234.5", "JPY", "1,235"),  # no minor unit
    ("1.0005", "KWD", "1.001"),  # three decimals
    ("7", "XYZ", "7.00"),  # unknown codes get two
])
def test_money_rounds_half_up_to_the_currencys_minor_unit(amount, currency, shown):
    assert fmt.amount_text(Decimal(amount), currency) == shown
    assert fmt.amount_text(Decimal(amount), currency, grouped=False) == shown.replace(",", "")
    assert fmt.money_text(Decimal(amount), "EUR") == f"EUR {fmt.amount_text(Decimal(amount), 'EUR')}"


def test_counts_and_sizes():
    assert fmt.count_text(1, "file") == "1 file"
    assert fmt.count_text(2, "file") == "2 files"
    assert fmt.count_text(0, "entry", "entries") == "0 entries"
    assert fmt.count_text(12345, "entry", "entries") == "12,345 entries"
    assert fmt.size_text(1) == "1 byte"
    assert fmt.size_text(1023) == "1,023 bytes"
    assert fmt.size_text(1024) == "1.0 KiB"
    assert fmt.size_text(int(1.5 * 1024 ** 3)) == "1.5 GiB"
    assert fmt.size_text(3 * 1024 ** 5) == "3072.0 TiB"
