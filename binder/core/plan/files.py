"""Plan text files on disk: the one way `plan import`, `init --plan FILE` and the app read them.

The file must be a regular file of at most :data:`MAX_PLAN_BYTES` (the bundled
plan is about 32 KiB), in UTF-8; its content is then checked by
:func:`binder.core.plan.format.parse_plan`, which names the place of any mistake.
"""

from __future__ import annotations

import os

from binder.core.errors import BadInput
from binder.core.plan.format import Plan, parse_plan
from binder.core.storage.files import read_input_file

MAX_PLAN_BYTES = 1 << 20


def read_plan_file(path: str | os.PathLike[str]) -> str:
    """The text of a plan file, or :class:`BadInput` (missing, not a file, too large, not UTF-8)."""
    data = read_input_file(path, what="plan file", limit=MAX_PLAN_BYTES)
    try:
        # utf-8-sig: some Windows editors start UTF-8 files with a byte-order mark.
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadInput(f"{path} is not UTF-8 text (byte {exc.start}); save the plan as UTF-8") from None


def load_plan_file(path: str | os.PathLike[str]) -> Plan:
    """Read and check a plan file (:class:`PlanFormatError` names the place of a mistake)."""
    return parse_plan(read_plan_file(path))
