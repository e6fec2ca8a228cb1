"""What one account is told depends only on its own actions.

Another account can add the same number and ask for codes to it (or guess at its codes).
This account must not learn from its page when that happened, how often, or who: it gets
the generic "cannot send right now", never a countdown, a count or a name.
"""

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from phones.models import CodeRejected
from tests.factories import PhoneNumberFactory, UserFactory

from .conftest import HTMX, NOW, words

pytestmark = pytest.mark.django_db

NUMBER = "+12065550101"
MANAGE = reverse("phones:manage")
BUSY = "We cannot send a code to this number right now. Please try again in a few minutes."
GUARDED = "This code can no longer be checked. Send a new code."
# Anything that would say how long, how many, or that a code went out.
REVEALING = re.compile(
    r"\d+\s*(s|sec|second|seconds|minute|minutes|hour|hours)\b|just sent|\d+ codes|codes for "
    r"this number|in the last hour|too many wrong codes|another account|load delay:",
    re.IGNORECASE,
)
# Random CSRF tokens may end in "1s" and the like: they are not read.
CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"|"X-CSRFToken": "[^"]*"')


def revealing(html):
    return REVEALING.search(CSRF_TOKEN.sub("", html))


@pytest.fixture
def mallory():
    return UserFactory(
        username="mallory-the-other", email="mallory.other@example.net", first_name="Mallory"
    )


@pytest.fixture
def theirs(mallory):
    """The same phone number on another account."""
    return PhoneNumberFactory(user=mallory, number=NUMBER)


@pytest.fixture
def mine(user):
    return PhoneNumberFactory(user=user, number=NUMBER)


def send_code_button(html, phone):
    form = html[html.index(f'id="send-code-{phone.pk}"') :]
    return form[: form.index("</form>")]


def notice(html):
    match = re.search(r'<p class="notice[^"]*" role="(?:alert|status)">([^<]*)</p>', html)
    return match.group(1) if match else None


def assert_nothing_of(other, html, at=()):
    """No trace of the other account: its name, address, or when it acted."""
    for text in (other.username, other.email, other.first_name):
        assert text not in html
    for moment in at:
        assert moment.isoformat(timespec="seconds")[:19] not in html
        assert moment.strftime("%H:%M:%S") not in html


def press_send_code(client, phone, committed):
    with committed():
        response = client.post(reverse("phones:send_code", args=[phone.pk]), **HTMX)
    assert response.status_code == 200
    return response.content.decode()


def every_view_of(client, phone):
    """The page, the row fragment and the code-delivery fragment, as this account sees them."""
    row = reverse("phones:row", args=[phone.pk])
    delivery = reverse("phones:code_delivery", args=[phone.pk])
    return [
        client.get(MANAGE).content.decode(),
        client.get(row, **HTMX).content.decode(),
        client.get(delivery, **HTMX).content.decode(),
    ]


# Another account's codes


def test_adding_a_number_just_texted_by_another_account_gives_only_the_generic_answer(
    user_client, user, theirs, mallory, send_code, clock, sms_outbox
):
    clock.move_to(NOW - timedelta(seconds=17))
    send_code(theirs)
    sent_at = theirs.code_sent_at
    clock.move_to(NOW)

    response = user_client.post(
        reverse("phones:add"), {"region": "US", "number": NUMBER, "label": ""}, **HTMX
    )

    html = response.content.decode()
    mine = user.phone_numbers.get()
    assert notice(html) == f"Added (206) 555-0101. No code was sent: {BUSY}"
    button = send_code_button(html, mine)
    assert " disabled" not in button and "load delay" not in button
    assert ">\n            Send code\n" in button
    assert not revealing(html)
    assert_nothing_of(mallory, html, at=[sent_at])
    assert len(sms_outbox) == 1  # mallory's only


def test_pressing_send_code_during_another_accounts_cooldown_gives_only_the_generic_answer(
    user_client, mine, theirs, mallory, send_code, clock, committed, sms_outbox
):
    clock.move_to(NOW - timedelta(seconds=20))
    send_code(theirs)
    sent_at = theirs.code_sent_at
    clock.move_to(NOW)

    # Before pressing: the button is not disabled and counts nothing down.
    for html in every_view_of(user_client, mine):
        assert " disabled" not in html and "load delay" not in html
        assert not revealing(html)
        assert_nothing_of(mallory, html, at=[sent_at])

    html = press_send_code(user_client, mine, committed)

    assert notice(html) == BUSY
    assert " disabled" not in send_code_button(html, mine)
    assert not revealing(html)
    assert_nothing_of(mallory, html, at=[sent_at])
    assert len(sms_outbox) == 1
    mine.refresh_from_db()
    assert mine.code_hash == ""


def test_another_accounts_hourly_codes_give_only_the_generic_answer(
    user_client, mine, theirs, mallory, send_code, clock, committed, sms_outbox, settings
):
    moments = []
    for _ in range(settings.VERIFICATION_MAX_CODES_PER_NUMBER_PER_HOUR):
        send_code(theirs)
        moments.append(theirs.code_sent_at)
        clock.shift(timedelta(minutes=2))  # past every cooldown

    for html in every_view_of(user_client, mine):
        assert " disabled" not in html
        assert not revealing(html)
    html = press_send_code(user_client, mine, committed)

    assert notice(html) == BUSY
    assert "5" not in notice(html)
    assert not revealing(html)
    assert_nothing_of(mallory, html, at=moments)
    assert len(sms_outbox) == 5


def test_the_generic_answer_ends_when_the_others_codes_leave_the_window(
    user_client, mine, theirs, send_code, clock, committed, sms_outbox
):
    send_code(theirs)
    clock.shift(timedelta(seconds=30))
    assert notice(press_send_code(user_client, mine, committed)) == BUSY
    clock.shift(timedelta(seconds=31))
    html = press_send_code(user_client, mine, committed)
    assert notice(html) == "We are sending a code to (206) 555-0101. Enter it below."
    assert [sms.to for sms in sms_outbox] == [NUMBER, NUMBER]


# This account's own codes keep their exact waits


def test_this_accounts_own_cooldown_says_exactly_how_long(
    user_client, mine, send_code, clock, committed
):
    send_code(mine)
    clock.shift(timedelta(seconds=20))

    html = press_send_code(user_client, mine, committed)

    assert notice(html) == "A code was just sent. You can request another in 40 seconds."
    button = send_code_button(html, mine)
    assert "disabled>" in button and "Resend code in 40 s" in words(button)


def test_this_accounts_own_hourly_cap_says_how_many_and_how_long(
    user_client, mine, send_code, clock, committed
):
    for _ in range(5):
        send_code(mine)
        clock.shift(timedelta(minutes=2))  # 12:00, 12:02 … 12:08; now 12:10

    html = press_send_code(user_client, mine, committed)

    assert notice(html) == (
        "You have requested 5 codes for this number in the last hour. "
        "You can request another in 50 minutes."
    )


def test_own_codes_and_others_codes_are_told_apart(
    user_client, mine, theirs, send_code, clock, committed
):
    # This account's cooldown has ended; the other account's has not.
    send_code(mine)
    clock.shift(timedelta(seconds=61))
    send_code(theirs)
    clock.shift(timedelta(seconds=5))

    assert notice(press_send_code(user_client, mine, committed)) == BUSY


# Wrong codes


def use_up_a_code(phone, send_code):
    """Five wrong tries at a fresh code."""
    code = send_code(phone)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        try:
            phone.check_code(wrong)
        except CodeRejected as rejection:
            assert "not right" in rejection.message
    return code


def test_another_accounts_wrong_codes_never_show_this_account_too_many_wrong_codes(
    user_client, mine, theirs, mallory, send_code, clock, committed, sms_outbox, settings
):
    limit = settings.VERIFICATION_MAX_FAILURES_PER_ACCOUNT_PER_DAY
    for _ in range(limit // settings.VERIFICATION_MAX_ATTEMPTS):
        use_up_a_code(theirs, send_code)
        clock.shift(timedelta(minutes=2))
    # The other account has reached its own cap…
    assert "You have entered too many wrong codes" in theirs.code_request_refusal().message

    # …this account has not: its page says nothing of it, and its codes work.
    for html in every_view_of(user_client, mine):
        assert "too many" not in html.lower() and not revealing(html)
    html = press_send_code(user_client, mine, committed)
    assert notice(html) == "We are sending a code to (206) 555-0101. Enter it below."
    code = re.search(r"code is (\d{6})\.", sms_outbox[-1].body).group(1)
    wrong = f"{(int(code) + 1) % 10**6:06d}"

    response = user_client.post(reverse("phones:verify", args=[mine.pk]), {"code": wrong}, **HTMX)
    assert "That code is not right. 4 tries left." in response.content.decode()
    assert_nothing_of(mallory, response.content.decode())

    user_client.post(reverse("phones:verify", args=[mine.pk]), {"code": code}, **HTMX)
    mine.refresh_from_db()
    assert mine.is_verified


def test_a_guarded_numbers_old_code_gets_only_the_generic_message(
    user_client, mine, theirs, mallory, send_code, clock, committed, settings
):
    settings.VERIFICATION_MAX_FAILURES_PER_DAY = 10  # the number's cap across accounts
    code = send_code(mine)  # 12:00, before the others guessed
    clock.shift(timedelta(seconds=61))
    use_up_a_code(theirs, send_code)
    clock.shift(timedelta(seconds=61))
    use_up_a_code(PhoneNumberFactory(user=UserFactory(), number=NUMBER), send_code)
    clock.shift(timedelta(seconds=61))

    response = user_client.post(reverse("phones:verify", args=[mine.pk]), {"code": code}, **HTMX)

    html = response.content.decode()
    assert GUARDED in html
    for word in ("wrong", "too many", "account", "attempt", "guess"):
        assert word not in html.lower()
    assert_nothing_of(mallory, html)
    mine.refresh_from_db()
    assert not mine.is_verified

    # The owner, who gets the texts, verifies with a new code.
    html = press_send_code(user_client, mine, committed)
    assert notice(html) == "We are sending a code to (206) 555-0101. Enter it below."


def test_the_phone_page_shows_nothing_of_another_account_with_the_same_number(
    user_client, mine, theirs, mallory, send_code, clock, committed
):
    moments = []
    send_code(theirs)
    moments.append(theirs.code_sent_at)
    clock.shift(timedelta(seconds=61))
    use_up_a_code(theirs, send_code)
    moments.append(theirs.code_sent_at)
    clock.shift(timedelta(seconds=7))

    pages = [
        *every_view_of(user_client, mine),
        press_send_code(user_client, mine, committed),
        user_client.post(
            reverse("phones:verify", args=[mine.pk]), {"code": "000000"}, **HTMX
        ).content.decode(),
        user_client.get(reverse("dashboard:home")).content.decode(),
    ]
    for html in pages:
        assert_nothing_of(mallory, html, at=moments)
