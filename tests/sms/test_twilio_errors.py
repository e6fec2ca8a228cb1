import pytest

from sms.twilio_errors import explain, is_permanent

REQUIRED = [
    21211,
    21408,
    21610,
    21614,
    30003,
    30004,
    30005,
    30006,
    30007,
    30008,
    30032,
    30034,
    30044,
    20429,
    20003,
]


@pytest.mark.parametrize("code", REQUIRED)
def test_common_codes_are_explained_with_a_link(code):
    error = explain(code)
    assert error.known
    assert error.title and error.explanation and error.action
    assert error.docs_url == f"https://www.twilio.com/docs/api/errors/{code}"


def test_codes_arriving_as_text_are_understood():
    assert explain("30003").code == 30003


def test_unknown_code_keeps_code_link_and_twilios_message():
    error = explain(39999, "Something odd happened")
    assert not error.known
    assert error.code == 39999
    assert error.explanation == "Something odd happened"
    assert error.docs_url.endswith("/39999")


def test_no_code_has_no_link():
    assert explain(None, "Twilio did not confirm the message").docs_url == ""


@pytest.mark.parametrize(
    ("code", "permanent"),
    [(21211, True), (21610, True), (30003, False), (None, False), (39999, False)],
)
def test_permanence(code, permanent):
    assert is_permanent(code) is permanent
