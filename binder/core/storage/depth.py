"""How deeply a JSON document nests, measured before it is parsed.

Python's parsers recurse into nested arrays and objects; a file of 100,000
opening brackets makes them fail deep inside (or, for pure-Python parsers, run
out of stack). Every JSON file the app reads from outside (import lines,
bundles, checkpoint files, the bundle inside a PDF) is measured first and
refused with one line when it nests deeper than anything the app writes.
"""

from __future__ import annotations

import re
from itertools import accumulate

# A JSON string (escapes included); what is left after removing them is structure.
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_STEP = bytes.maketrans(b"[]{}", b"\x01\xff\x01\xff")


def json_depth(data: bytes | str) -> int:
    """The deepest nesting of arrays and objects in ``data`` (0 for a scalar).

    Linear in the size of the text, with the work done in C (regular
    expression, translate); only the brackets themselves are counted in Python.
    Brackets inside strings do not count.
    """
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else bytes(data)
    brackets = _STRING.sub(b"", raw).translate(_STEP, _NOT_BRACKETS)
    if not brackets:
        return 0
    return max(0, max(accumulate(1 if b == 1 else -1 for b in brackets)))
