"""Segment counting, checked by hand against Twilio's rules and by properties."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sms.segments import GSM7_BASIC, analyse, validate_custom_text

CYRILLIC = "ж"


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("", "GSM-7", 0, 0),
        ("a" * 160, "GSM-7", 160, 1),
        ("a" * 161, "GSM-7", 161, 2),
        ("a" * 306, "GSM-7", 306, 2),
        ("a" * 307, "GSM-7", 307, 3),
        ("€" * 80, "GSM-7", 160, 1),
        ("€" * 81, "GSM-7", 162, 2),
        ("a" * 152 + "€" + "a" * 10, "GSM-7", 164, 2),
        ("a" * 152 + "€" + "a" * 152, "GSM-7", 306, 3),  # € moves whole to part two
        ("é" * 160, "GSM-7", 160, 1),  # é is in the GSM-7 alphabet
        (CYRILLIC * 70, "UCS-2", 70, 1),
        (CYRILLIC * 71, "UCS-2", 71, 2),
        (CYRILLIC * 134, "UCS-2", 134, 2),
        (CYRILLIC * 135, "UCS-2", 135, 3),
        ("Hello 👋", "UCS-2", 8, 1),
        (CYRILLIC * 66 + "👋" + CYRILLIC, "UCS-2", 69, 1),
        (CYRILLIC * 66 + "👋" + CYRILLIC * 66, "UCS-2", 134, 3),  # the pair is not split
        ("a" * 159 + "ç", "UCS-2", 160, 3),  # lower-case ç is not GSM-7 (only Ç is)
    ],
)
def test_hand_checked_cases(text, encoding, units, segments):
    info = analyse(text)
    assert (info.encoding, info.units, info.segments) == (encoding, units, segments)


def test_remaining_in_segment_counts_down_in_the_current_part():
    assert analyse("a" * 150).remaining_in_segment == 10
    assert analyse("a" * 161).remaining_in_segment == 153 - 8
    assert analyse("👋").remaining_in_segment == 68


basic = st.text(alphabet=sorted(GSM7_BASIC), max_size=600)


@settings(max_examples=200)
@given(basic)
def test_basic_gsm_text_follows_the_formula(text):
    info = analyse(text)
    n = len(text)
    expected = 0 if n == 0 else 1 if n <= 160 else -(-n // 153)
    assert (info.encoding, info.segments) == ("GSM-7", expected)


@settings(max_examples=200)
@given(st.text(max_size=400), st.text(min_size=1, max_size=5))
def test_segments_never_decrease_as_text_grows(text, more):
    assert analyse(text + more).segments >= analyse(text).segments


@settings(max_examples=200)
@given(st.text(max_size=400))
def test_segments_hold_every_unit(text):
    info = analyse(text)
    assert info.segments * info.per_segment >= info.units
    if any(char not in GSM7_BASIC and char not in "^{}\\[~]|€\f" for char in text):
        assert info.encoding == "UCS-2"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Enter a message"),
        ("   ", "Enter a message"),
        ("x" * 481, "480 characters or fewer (it has 481)"),
        ("ring\x07", "control characters"),
        ("evil\u202etxt.exe", "control characters"),
    ],
)
def test_custom_text_rejections(text, message):
    assert any(message in error for error in validate_custom_text(text))


def test_custom_text_allows_newlines_tabs_and_480_characters():
    assert validate_custom_text("line one\nline\ttwo") == []
    assert validate_custom_text("x" * 480) == []
