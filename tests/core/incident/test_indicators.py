"""Register values are checked per type and kept in one normal form."""

from __future__ import annotations

import pytest

from binder.core.errors import BadInput
from binder.core.incident import indicators as check


@pytest.mark.parametrize(("kind", "typed", "kept"), [
    ("domain", "Evil-CDN.Example.", "evil-cdn.example"),
    ("domain", "bücher.example", "xn--bcher-kva.example"),
    ("ip", "203.0.113.7", "203.0.113.7"),
    ("ip", "2001:DB8:0:0::7", "2001:db8::7"),
    ("ip", "203.0.113.0/24", "203.0.113.0/24"),
    ("url", "https://evil-cdn.example/js/skim.js?v=1", "https://evil-cdn.example/js/skim.js?v=1"),
    ("url", "http://203.0.113.7:8080/x", "http://203.0.113.7:8080/x"),
    ("hash", "D41D8CD98F00B204E9800998ECF8427E", "d41d8cd98f00b204e9800998ecf8427e"),
    ("hash", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
     "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    ("email", "Exfil@Evil-Mail.Example", "Exfil@evil-mail.example"),
    ("file_path", "/var/www/pub/static/_cache/merged/x.js", "/var/www/pub/static/_cache/merged/x.js"),
    ("file_path", r"C:\inetpub\wwwroot\shell.aspx", r"C:\inetpub\wwwroot\shell.aspx"),
    ("other", "  User-Agent: skimbot/1.0 ", "User-Agent: skimbot/1.0"),
])
def test_good_values_are_normalised(kind, typed, kept):
    assert check.ioc_value(kind, typed) == kept


@pytest.mark.parametrize(("kind", "typed", "says"), [
    ("domain", "localhost", "at least one dot"),
    ("domain", "evil_cdn.example", "not a valid domain"),
    ("domain", "10.0.0.1", "looks like an IP"),
    ("ip", "999.1.1.1", "not an IPv4 or IPv6"),
    ("ip", "203.0.113.7/24", "not an IPv4 or IPv6"),  # host bits set: not a network
    ("url", "evil-cdn.example/x.js", "full URL"),
    ("url", "https://evil cdn.example/", "spaces"),
    ("url", "https://exa_mple/", "URL host"),
    ("hash", "xyz", "hexadecimal"),
    ("hash", "abcd", "fits no algorithm"),
    ("email", "no-at-sign.example", "not an e-mail"),
    ("email", "a@b", "at least one dot"),
    ("file_path", "a\nb", "one line"),
    ("other", "", "empty"),
])
def test_bad_values_are_refused_with_one_line(kind, typed, says):
    with pytest.raises(BadInput) as err:
        check.ioc_value(kind, typed)
    assert says in str(err.value) and "\n" not in str(err.value)


def test_types_accept_common_spellings_and_refuse_unknown():
    assert check.ioc_type("IPv6") == "ip" and check.ioc_type("sha256") == "hash"
    assert check.ioc_type("e-mail") == "email" and check.ioc_type("file path") == "file_path"
    with pytest.raises(BadInput, match="unknown indicator type"):
        check.ioc_type("registry key")


def test_tlp_is_tlp_2_0():
    assert check.tlp("tlp:amber+strict") == "AMBER+STRICT"
    assert check.tlp("clear") == "CLEAR"
    with pytest.raises(BadInput, match="renamed TLP:CLEAR"):
        check.tlp("WHITE")
    with pytest.raises(BadInput, match="unknown TLP"):
        check.tlp("purple")


def test_attack_ids_are_checked_and_named_from_the_bundled_list():
    assert check.technique("t1059.007") == "T1059.007"
    assert check.technique_name("T1059.007").endswith("JavaScript")
    assert check.technique_name("T1505.003") == "Server Software Component: Web Shell"
    assert check.technique("T9999") == "T9999" and check.technique_name("T9999") == ""
    assert check.technique("") is None
    for bad in ("T123", "T1059.7", "1059", "TA0001", "T1059.0071"):
        with pytest.raises(BadInput, match="ATT&CK technique id"):
            check.technique(bad)
    assert len(check.techniques()) >= 25


def test_times_keep_their_offset_and_get_a_utc_for_ordering():
    at, utc, assumed = check.zoned("2026-11-28T03:14+01:00", "event time")
    assert (at, utc, assumed) == ("2026-11-28T03:14:00+01:00", "2026-11-28T02:14:00.000000Z", False)
    at, utc, assumed = check.zoned("2026-11-28T03:14:05.250Z", "event time")
    assert at == "2026-11-28T03:14:05.250000+00:00" and not assumed
    _, _, assumed = check.zoned("2026-11-28T03:14", "event time")
    assert assumed
    with pytest.raises(BadInput, match="not a valid time"):
        check.zoned("yesterday", "event time")
