"""The checkpoint text: written exactly, read back forgivingly, signatures strict."""

from __future__ import annotations

import pytest

from binder.core.checkpoint.note import make_body, parse_note, sign_note, signature_valid
from binder.core.errors import BadInput, UnsupportedFormat

UUID = "9b1c4e0e-3f7a-4d8e-9d52-0c3f6f1b2a77"
ROOT = bytes(range(32))


def _signed(made):
    note = make_body(UUID, 1207, ROOT, "2026-11-29T14:05:07.123456Z")
    return sign_note(sign_note(note, made.lead), made.witness)


def test_layout_is_origin_size_root_format_time_then_signatures(made):
    text = _signed(made).text()
    lines = text.split("\n")
    assert lines[:6] == [f"incident-binder/{UUID}", "1207", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
                         "checkpoint-format 1", "time 2026-11-29T14:05:07Z", ""]
    assert lines[6].startswith(f"\u2014 {made.lead.signer.fingerprint} ")
    assert lines[7].startswith(f"\u2014 {made.witness.signer.fingerprint} ")
    assert text.endswith("\n") and lines[8] == ""


def test_round_trip_and_both_signatures_verify(made):
    note = _signed(made)
    back = parse_note(note.text())
    assert back == note
    for sig, who in zip(back.signatures, (made.lead, made.witness), strict=True):
        assert signature_valid(back, sig, who.signer.certificate)


def test_text_copied_from_paper_still_verifies(made):
    note = _signed(made)
    typed = note.text().replace("\u2014", "--").replace("\n", "  \r\n").replace("=", "")
    back = parse_note("\n\n" + typed)
    assert back.body == note.body
    assert all(signature_valid(back, s, p.signer.certificate)
               for s, p in zip(back.signatures, (made.lead, made.witness), strict=True))


def test_one_mistyped_character_fails_the_signature_not_the_parse(made):
    note = _signed(made)
    typed = note.text().replace("\n1207\n", "\n1208\n")
    back = parse_note(typed)
    assert back.size == 1208
    assert not signature_valid(back, back.signatures[0], made.lead.signer.certificate)


def test_body_without_time_is_read_but_cannot_check_signatures(made):
    note = _signed(made)
    body_only = "\n".join(note.text().split("\n")[:3])
    back = parse_note(body_only)
    assert (back.size, back.root, back.complete, back.signatures) == (1207, ROOT, False, ())


@pytest.mark.parametrize("text, why", [
    ("", "first line"),
    ("hello\n1\nAAAA\n", "first line"),
    (f"incident-binder/{UUID}\n", "three lines"),
    (f"incident-binder/not-a-uuid\n1\n{'A' * 44}\n", "UUID"),
    (f"incident-binder/{UUID}\nmany\n{'A' * 44}\n", "number of records"),
    (f"incident-binder/{UUID}\n-1\n{'A' * 44}\n", "number of records"),
    (f"incident-binder/{UUID}\n1\nnot base64!\n", "base64"),
    (f"incident-binder/{UUID}\n1\nAAAA\n", "32 bytes"),
    (f"incident-binder/{UUID}\n1\n{'A' * 43}=\nsurprise line\n", "unknown line"),
    (f"incident-binder/{UUID}\n1\n{'A' * 43}=\ntime yesterday\n", "time line"),
    (f"incident-binder/{UUID}\n1\n{'A' * 43}=\n\n\u2014 abc xyz\n", "fingerprint"),
    ("x" * 20000, "longer"),
    (b"\xff\xfe\x00", "UTF-8"),
])
def test_refusals_name_what_is_wrong(text, why):
    with pytest.raises(BadInput, match=why):
        parse_note(text)


def test_newer_format_is_refused_as_such():
    with pytest.raises(UnsupportedFormat, match="format 2"):
        parse_note(f"incident-binder/{UUID}\n1\n{'A' * 43}=\ncheckpoint-format 2\n")
