"""What a register value must look like: indicators per type, ATT&CK ids, TLP, times.

Each check returns the value in one normal form (so ``Evil.COM.`` and
``evil.com`` are the same indicator) or raises :class:`BadInput` with one line
that says what is wrong and how to write it.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from datetime import datetime
from functools import cache
from urllib.parse import urlsplit

from binder.core.errors import BadInput
from binder.core.incident.journal import check_text, parse_time
from binder.core.resources import resources_dir

#: Indicator types, in the order forms offer them: (key, label).
IOC_TYPES: tuple[tuple[str, str], ...] = (
    ("domain", "Domain"),
    ("ip", "IP address"),
    ("url", "URL"),
    ("hash", "File hash"),
    ("email", "E-mail address"),
    ("file_path", "File path"),
    ("other", "Other"),
)
#: Traffic Light Protocol 2.0 labels (FIRST, TLP version 2.0, August 2022).
TLP_LEVELS = ("CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED")
#: Hex digest lengths and the algorithm each one means.
HASH_LENGTHS = {32: "MD5", 40: "SHA-1", 56: "SHA-224", 64: "SHA-256", 96: "SHA-384", 128: "SHA-512"}
TECHNIQUE_RE = re.compile(r"T\d{4}(\.\d{3})?")
_LABEL_RE = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_LOCAL_RE = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}")
MAX_VALUE = 4096


def one_line(value: str | None, what: str, *, required: bool = False, limit: int = 300) -> str:
    """A single line of text (names, titles, sources), stripped."""
    value = "" if value is None else value
    check_text(value, what, required=required, limit=limit)
    value = value.strip()
    if "\n" in value or "\r" in value:
        raise BadInput(f"the {what} must be one line")
    if required and not value:
        raise BadInput(f"the {what} is empty")
    return value


def ioc_type(value: str) -> str:
    """An indicator type key (labels and a few common spellings are accepted)."""
    text = (value or "").strip().casefold().replace("-", "_").replace(" ", "_")
    aliases = {"ipv4": "ip", "ipv6": "ip", "ip_address": "ip", "e_mail": "email", "mail": "email",
               "md5": "hash", "sha1": "hash", "sha256": "hash", "file_hash": "hash",
               "path": "file_path", "file": "file_path", "hostname": "domain", "fqdn": "domain"}
    text = aliases.get(text, text)
    keys = [k for k, _ in IOC_TYPES]
    if text not in keys:
        raise BadInput(f"unknown indicator type {value!r}; use one of {', '.join(keys)}")
    return text


def tlp(value: str | None) -> str:
    """A TLP 2.0 label; ``TLP:AMBER`` and ``amber`` both give ``AMBER``. WHITE became CLEAR."""
    text = (value or "").strip().upper().removeprefix("TLP:").strip()
    if text == "WHITE":
        raise BadInput("TLP:WHITE was renamed TLP:CLEAR in TLP 2.0; use CLEAR")
    if text not in TLP_LEVELS:
        raise BadInput(f"unknown TLP {value!r}; use one of {', '.join(TLP_LEVELS)} (TLP 2.0)")
    return text


def domain(value: str, what: str = "domain") -> str:
    """A host name in lower-case ASCII (internationalised names as their xn-- form)."""
    text = unicodedata.normalize("NFC", (value or "").strip()).rstrip(".")
    if not text:
        raise BadInput(f"the {what} is empty")
    try:
        ascii_name = text.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise BadInput(f"{value!r} is not a valid {what} (e.g. evil-cdn.example)") from None
    labels = ascii_name.split(".")
    if len(ascii_name) > 253 or len(labels) < 2 or not all(_LABEL_RE.fullmatch(x) for x in labels):
        raise BadInput(f"{value!r} is not a valid {what}: write it like evil-cdn.example "
                       "(letters, digits and hyphens, at least one dot)")
    if labels[-1].isdigit():
        raise BadInput(f"{value!r} looks like an IP address, not a {what}; use type ip")
    return ascii_name


def ip(value: str) -> str:
    """An IPv4 or IPv6 address (or network with /prefix), in its compressed form."""
    text = (value or "").strip()
    try:
        if "/" in text:
            return str(ipaddress.ip_network(text, strict=True))
        return str(ipaddress.ip_address(text))
    except ValueError:
        raise BadInput(f"{value!r} is not an IPv4 or IPv6 address (e.g. 203.0.113.7 or "
                       "2001:db8::7, or a network like 203.0.113.0/24)") from None


def url(value: str) -> str:
    """An absolute URL with a scheme and a valid host; kept as typed apart from the host case."""
    text = (value or "").strip()
    if not text or any(ch.isspace() for ch in text):
        raise BadInput(f"{value!r} is not a URL: it is empty or has spaces (percent-encode them)")
    try:
        parts = urlsplit(text)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise BadInput(f"{value!r} is not a valid URL") from None
    if not parts.scheme or not host or not re.fullmatch(r"[a-zA-Z][a-zA-Z0-9+.-]*", parts.scheme):
        raise BadInput(f"{value!r} is not a full URL; write it with its scheme, e.g. "
                       "https://evil-cdn.example/js/skimmer.js")
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        domain(host, "URL host")
    return text


def file_hash(value: str) -> str:
    """A hex digest (MD5, SHA-1, SHA-2), lower-case."""
    text = (value or "").strip().lower()
    if not re.fullmatch(r"[0-9a-f]+", text or "x"):
        raise BadInput(f"{value[:80]!r} is not a file hash: use hexadecimal digits only")
    if len(text) not in HASH_LENGTHS:
        lengths = ", ".join(f"{n} ({name})" for n, name in HASH_LENGTHS.items())
        raise BadInput(f"a file hash of {len(text)} hex digits fits no algorithm; expected {lengths}")
    return text


def hash_algorithm(digest: str) -> str:
    """``SHA-256`` for a 64-digit digest, and so on."""
    return HASH_LENGTHS.get(len(digest), "")


def email(value: str) -> str:
    """An e-mail address; the domain part is lower-cased."""
    text = (value or "").strip()
    local, sep, host = text.rpartition("@")
    if not sep or not _LOCAL_RE.fullmatch(local) or local.startswith(".") or ".." in local:
        raise BadInput(f"{value!r} is not an e-mail address (e.g. exfil@evil-mail.example)")
    return f"{local}@{domain(host, 'e-mail domain')}"


def file_path(value: str) -> str:
    """A file path as found (POSIX or Windows); one line, no control characters."""
    text = one_line(value, "file path", required=True, limit=MAX_VALUE)
    if "\x00" in text:
        raise BadInput("the file path contains a NUL character")
    return text


def ioc_value(kind: str, value: str) -> str:
    """The indicator ``value`` checked and normalised for its type ``kind``."""
    check_text(value or "", "indicator value", required=True, limit=MAX_VALUE)
    checks = {"domain": domain, "ip": ip, "url": url, "hash": file_hash, "email": email,
              "file_path": file_path}
    check = checks.get(kind)
    if check is None:
        return one_line(value, "indicator value", required=True, limit=MAX_VALUE)
    return check(value)


# ---------------------------------------------------------------- ATT&CK


@cache
def techniques() -> dict[str, tuple[str, str]]:
    """The bundled ATT&CK techniques: id -> (name, tactic)."""
    import tomllib  # only when a technique's name is wanted: short commands stay quick

    path = resources_dir() / "attack" / "techniques.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return {}
    return {t["id"]: (t["name"], t.get("tactic", "")) for t in data.get("technique", ())}


def technique(value: str | None) -> str | None:
    """An ATT&CK technique id (``T1059`` or ``T1059.007``), or None when empty."""
    text = (value or "").strip().upper()
    if not text:
        return None
    if not TECHNIQUE_RE.fullmatch(text):
        raise BadInput(f"{value!r} is not an ATT&CK technique id; write it like T1190 or T1059.007")
    return text


def technique_name(technique_id: str | None) -> str:
    """The technique's name when it is in the bundled list, else ''."""
    if not technique_id:
        return ""
    return techniques().get(technique_id, ("", ""))[0]


# ---------------------------------------------------------------- times


def zoned(value: str, what: str) -> tuple[str, str, bool]:
    """(the time with its offset, the same instant in UTC, whether the zone was assumed).

    A time typed with an offset keeps it; one without is taken as this
    computer's local time, and that assumption is recorded.
    """
    if not isinstance(value, str) or not value.strip():
        raise BadInput(f"the {what} is empty; give a time like 2026-11-28T03:14+01:00")
    utc = parse_time(value, what)
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    moment = datetime.fromisoformat(text)
    assumed = moment.tzinfo is None
    if assumed:
        moment = moment.astimezone()
    spec = "microseconds" if moment.microsecond else "seconds"
    return moment.isoformat(timespec=spec), utc, assumed
