"""Budgets (sms/budgets.py): how much the site may text per hour, whoever asks.

Each budget refuses the send that would pass it, for a code (the row's notice) and for a
test message (the error above the form); nothing is stored or sent; the trip is recorded and
staff are mailed at most once per budget per hour; the budget frees up as the hour passes.
"""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from sms.clients import client_ip
from sms.models import BudgetTrip, Message, Status
from tests.factories import MessageFactory, PhoneNumberFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
HTMX = {"HTTP_HX_REQUEST": "true"}
IP = "203.0.113.7"
OTHER_IP = "198.51.100.23"
STAFF = [("Staff", "staff@example.com")]

# What the person is told: the exact texts of sms/budgets.py.
SITE_REFUSAL = "We cannot send text messages right now. Please try again in an hour."
COUNTRY_REFUSAL = (
    "We cannot send more text messages to this country right now. Please try again in an hour."
)
IP_REFUSAL = (
    "Too many text messages were asked for from your network in the last hour. "
    "Please try again later."
)
CODES_REFUSAL = (
    "Too many verification codes were asked for from your network in the last hour. "
    "Please try again later."
)

US_CODE_NUMBER = "+12065550101"  # the pending number a code goes to
US_TEST_NUMBER = "+12065550102"  # the verified number a test goes to
US_ELSEWHERE = "+12065550199"  # someone else's
GB_NUMBER = "+447911123456"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def staff(settings):
    settings.ADMINS = STAFF


@pytest.fixture
def pending(user):
    return PhoneNumberFactory(user=user, number=US_CODE_NUMBER)


@pytest.fixture
def verified(user):
    return PhoneNumberFactory(user=user, number=US_TEST_NUMBER, verified=True)


def spent(*, segments=1, country="GB", to_number=GB_NUMBER, ip=None, purpose="test", **fields):
    """A message someone else sent a minute ago, which may have cost money."""
    fields.setdefault("status", Status.SENT)
    if fields["status"] != Status.FAILED or "twilio_sid" not in fields:
        fields.setdefault("twilio_sid", "SM" + uuid.uuid4().hex)
    return MessageFactory(
        purpose=purpose,
        to_number=to_number,
        country=country,
        client_ip=ip,
        segments=segments,
        created_at=fields.pop("created_at", None) or timezone.now() - timedelta(minutes=1),
        **fields,
    )


# Each budget, filled to its limit by what others sent in the last minute.
def fill_site(settings):
    settings.SMS_BUDGET_SEGMENTS_PER_HOUR = 3
    spent(segments=3)


def fill_country(settings):
    settings.SMS_BUDGET_SEGMENTS_PER_COUNTRY_PER_HOUR = 3
    spent(segments=2, country="US", to_number=US_ELSEWHERE)
    spent(segments=1, country="US", to_number=US_ELSEWHERE)
    spent(segments=5, country="CA", to_number="+16045550101")  # other countries count for none


def fill_ip(settings):
    settings.SMS_BUDGET_PER_IP_PER_HOUR = 2
    spent(ip=IP, purpose="verification")
    spent(ip=IP, purpose="test")  # across purposes
    spent(ip=OTHER_IP)


def fill_ip_codes(settings):
    settings.CODE_REQUESTS_PER_IP_PER_HOUR = 2
    spent(ip=IP, purpose="verification")
    spent(ip=IP, purpose="verification")
    spent(ip=IP, purpose="test")  # only codes count


BUDGETS = {
    "site": (fill_site, SITE_REFUSAL, "SMS segments per hour for the whole site"),
    "country": (fill_country, COUNTRY_REFUSAL, "SMS segments per hour to one country"),
    "ip": (fill_ip, IP_REFUSAL, "SMS per hour asked for from one IP address"),
    "ip-codes": (
        fill_ip_codes,
        CODES_REFUSAL,
        "Verification codes per hour asked for from one IP address",
    ),
}
FOR_TESTS = ["site", "country", "ip"]  # the code-request budget counts codes only


def ask_for_code(client, phone, committed, ip=IP):
    with committed():
        response = client.post(reverse("phones:send_code", args=[phone.pk]), REMOTE_ADDR=ip, **HTMX)
    assert response.status_code == 200
    return response.content.decode()


def send_test(client, phone, committed, body="Hello", ip=IP):
    data = {"phone": phone.pk, "template": "custom", "body": body}
    with committed():
        response = client.post(reverse("smstest:send"), data, REMOTE_ADDR=ip, **HTMX)
    assert response.status_code == 200
    return response.content.decode()


def code_notice(html, message):
    return f'<p class="notice notice-error" role="alert">{message}</p>' in html


def error_above_form(html, message):
    alert = f'<div class="alert alert-error" role="alert"><p>{message}</p></div>'
    return alert in html and html.index(alert) < html.index('name="body"')


def budget_mails(mailoutbox):
    return [mail for mail in mailoutbox if "SMS budget reached" in mail.subject]


# A code


@pytest.mark.parametrize("key", BUDGETS)
def test_a_full_budget_refuses_the_next_code_and_sends_nothing(
    key, settings, user_client, pending, committed, sms_outbox
):
    fill, refusal, _title = BUDGETS[key]
    fill(settings)
    stored = Message.objects.count()

    html = ask_for_code(user_client, pending, committed)

    assert code_notice(html, refusal)
    assert Message.objects.count() == stored
    assert sms_outbox == []
    pending.refresh_from_db()
    assert pending.code_hash == "" and pending.code_sent_at is None
    assert not pending.events.filter(kind="code_sent").exists()


@pytest.mark.parametrize("key", BUDGETS)
def test_under_a_full_budget_adding_a_number_says_no_code_was_sent_and_why(
    key, settings, user_client, user, committed, sms_outbox
):
    fill, refusal, _title = BUDGETS[key]
    fill(settings)
    data = {"region": "US", "number": US_CODE_NUMBER, "label": ""}
    with committed():
        response = user_client.post(reverse("phones:add"), data, REMOTE_ADDR=IP, **HTMX)

    assert f"Added (206) 555-0101. No code was sent: {refusal}" in response.content.decode()
    assert user.phone_numbers.get().number == US_CODE_NUMBER
    assert sms_outbox == []


def test_a_row_refused_by_a_budget_does_not_claim_a_code_was_sent(
    settings, user_client, pending, committed
):
    fill_site(settings)
    html = ask_for_code(user_client, pending, committed)
    assert code_notice(html, SITE_REFUSAL)
    assert "Not verified yet: send a code to it." in html
    assert "Code sent" not in html and "Resend code" not in html


# A test message


@pytest.mark.parametrize("key", FOR_TESTS)
def test_a_full_budget_refuses_the_next_test_message_above_the_form(
    key, settings, user_client, verified, committed, sms_outbox
):
    fill, refusal, _title = BUDGETS[key]
    fill(settings)
    stored = Message.objects.count()

    html = send_test(user_client, verified, committed)

    assert error_above_form(html, refusal)
    assert Message.objects.count() == stored
    assert sms_outbox == []


def test_without_javascript_a_refused_test_shows_the_panel_page_with_the_error(
    settings, user_client, verified, committed, sms_outbox
):
    fill_site(settings)
    data = {"phone": verified.pk, "template": "custom", "body": "Hello"}
    with committed():
        response = user_client.post(reverse("smstest:send"), data, REMOTE_ADDR=IP)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" in html and error_above_form(html, SITE_REFUSAL)
    assert sms_outbox == []


def test_the_code_request_budget_does_not_refuse_test_messages(
    settings, user_client, verified, committed, sms_outbox
):
    fill_ip_codes(settings)
    html = send_test(user_client, verified, committed)
    assert CODES_REFUSAL not in html
    assert [sms.to for sms in sms_outbox] == [US_TEST_NUMBER]
    assert Message.objects.get(user=verified.user).client_ip == IP


# What staff get


@pytest.mark.parametrize("key", BUDGETS)
def test_a_refused_send_is_recorded_as_a_budget_trip(
    key, settings, user_client, user, pending, committed
):
    BUDGETS[key][0](settings)
    ask_for_code(user_client, pending, committed)

    trip = BudgetTrip.objects.get()
    assert (trip.budget, trip.country, trip.client_ip, trip.user) == (key, "US", IP, user)
    assert trip.created_at == NOW


@pytest.mark.parametrize("key", FOR_TESTS)
def test_a_refused_test_message_is_recorded_as_a_budget_trip(
    key, settings, user_client, user, verified, committed
):
    BUDGETS[key][0](settings)
    send_test(user_client, verified, committed)
    trip = BudgetTrip.objects.get()
    assert (trip.budget, trip.country, trip.client_ip, trip.user) == (key, "US", IP, user)


@pytest.mark.parametrize("key", BUDGETS)
def test_staff_are_mailed_once_per_budget_per_hour(
    key, settings, user_client, pending, verified, committed, clock, mailoutbox
):
    fill, refusal, title = BUDGETS[key]
    fill(settings)
    ask_for_code(user_client, pending, committed)
    ask_for_code(user_client, pending, committed)
    clock.shift(timedelta(minutes=30))
    fill(settings)
    ask_for_code(user_client, pending, committed)

    assert BudgetTrip.objects.filter(budget=key).count() == 3
    [mail] = budget_mails(mailoutbox)
    assert mail.to == ["staff@example.com"]
    assert title in mail.subject
    assert settings_name(key) in mail.body

    clock.shift(timedelta(minutes=31))  # an hour after the first mail
    fill(settings)
    html = ask_for_code(user_client, pending, committed)
    assert code_notice(html, refusal)
    assert len(budget_mails(mailoutbox)) == 2


def settings_name(key):
    return {
        "site": "SMS_BUDGET_SEGMENTS_PER_HOUR",
        "country": "SMS_BUDGET_SEGMENTS_PER_COUNTRY_PER_HOUR",
        "ip": "SMS_BUDGET_PER_IP_PER_HOUR",
        "ip-codes": "CODE_REQUESTS_PER_IP_PER_HOUR",
    }[key]


def test_each_budget_has_its_own_mail(
    settings, user_client, pending, verified, committed, mailoutbox
):
    fill_ip(settings)
    send_test(user_client, verified, committed)
    fill_site(settings)  # fuller now: the site budget is checked first
    send_test(user_client, verified, committed)
    send_test(user_client, verified, committed)

    subjects = [mail.subject for mail in budget_mails(mailoutbox)]
    assert len(subjects) == 2
    assert "SMS per hour asked for from one IP address" in subjects[0]
    assert "SMS segments per hour for the whole site" in subjects[1]


def test_no_mail_goes_to_anyone_but_staff_and_the_person_is_told_nothing_of_it(
    settings, user_client, pending, committed, mailoutbox
):
    fill_ip(settings)
    html = ask_for_code(user_client, pending, committed)
    assert all(mail.to == ["staff@example.com"] for mail in mailoutbox)
    assert IP not in html and "staff" not in html.lower()


# The hour passes


@pytest.mark.parametrize("key", BUDGETS)
def test_a_budget_frees_up_when_the_hour_has_passed(
    key, settings, user_client, pending, committed, clock, sms_outbox
):
    BUDGETS[key][0](settings)  # spent a minute ago
    ask_for_code(user_client, pending, committed)
    clock.shift(timedelta(minutes=58))
    assert code_notice(ask_for_code(user_client, pending, committed), BUDGETS[key][1])
    assert sms_outbox == []

    clock.shift(timedelta(minutes=1, seconds=1))
    html = ask_for_code(user_client, pending, committed)

    assert "We are sending a code to (206) 555-0101. Enter it below." in html
    assert [sms.to for sms in sms_outbox] == [US_CODE_NUMBER]


@pytest.mark.parametrize("key", FOR_TESTS)
def test_a_budget_frees_up_for_test_messages_when_the_hour_has_passed(
    key, settings, user_client, verified, committed, clock, sms_outbox
):
    BUDGETS[key][0](settings)
    assert error_above_form(send_test(user_client, verified, committed), BUDGETS[key][1])
    clock.shift(timedelta(minutes=59, seconds=1))
    send_test(user_client, verified, committed)
    assert [sms.to for sms in sms_outbox] == [US_TEST_NUMBER]


# What counts


@pytest.mark.parametrize(
    "setting", ["SMS_BUDGET_SEGMENTS_PER_HOUR", "SMS_BUDGET_SEGMENTS_PER_COUNTRY_PER_HOUR"]
)
def test_segments_not_messages_are_counted(
    setting, settings, user_client, verified, pending, committed, clock, sms_outbox
):
    setattr(settings, setting, 4)
    send_test(user_client, verified, committed, body="a" * 400)  # 3 segments
    assert Message.objects.get().segments == 3

    # 3 + 2 segments would pass 4: refused, though it is only the second message.
    html = send_test(user_client, verified, committed, body="b" * 200)
    refusal = SITE_REFUSAL if setting == "SMS_BUDGET_SEGMENTS_PER_HOUR" else COUNTRY_REFUSAL
    assert error_above_form(html, refusal)

    # 3 + 1 fits exactly; after it nothing does.
    ask_for_code(user_client, pending, committed)
    clock.shift(timedelta(minutes=2))  # past this account's own resend cooldown
    assert code_notice(ask_for_code(user_client, pending, committed), refusal)
    assert [sms.segments for sms in Message.objects.order_by("created_at", "pk")] == [3, 1]
    assert len(sms_outbox) == 2


def test_the_country_budget_counts_only_the_destinations_country(
    settings, user_client, user, committed, sms_outbox
):
    fill_country(settings)  # US is full
    gb = PhoneNumberFactory(user=user, number=GB_NUMBER, verified=True)
    us = PhoneNumberFactory(user=user, number=US_TEST_NUMBER, verified=True)

    assert error_above_form(send_test(user_client, us, committed), COUNTRY_REFUSAL)
    send_test(user_client, gb, committed)

    assert [sms.to for sms in sms_outbox] == [GB_NUMBER]
    assert Message.objects.get(user=user).country == "GB"


def test_messages_that_surely_sent_nothing_are_not_counted(
    settings, user_client, pending, committed, sms_outbox
):
    settings.SMS_BUDGET_SEGMENTS_PER_HOUR = 1
    settings.SMS_BUDGET_SEGMENTS_PER_COUNTRY_PER_HOUR = 1
    settings.SMS_BUDGET_PER_IP_PER_HOUR = 1
    settings.CODE_REQUESTS_PER_IP_PER_HOUR = 1
    for _ in range(3):  # refused by Twilio, or never left us: no SID
        spent(
            status=Status.FAILED,
            twilio_sid=None,
            country="US",
            to_number=US_ELSEWHERE,
            ip=IP,
            purpose="verification",
            segments=3,
        )

    ask_for_code(user_client, pending, committed)

    assert [sms.to for sms in sms_outbox] == [US_CODE_NUMBER]


@pytest.mark.parametrize(
    "status", [Status.FAILED, Status.UNDELIVERED, Status.UNKNOWN, Status.PENDING]
)
def test_messages_that_may_have_cost_money_are_counted(
    status, settings, user_client, pending, committed, sms_outbox
):
    settings.SMS_BUDGET_SEGMENTS_PER_HOUR = 1
    if status in (Status.FAILED, Status.UNDELIVERED):
        spent(status=status)  # with a SID: Twilio took it
    else:
        spent(status=status, twilio_sid=None)
    html = ask_for_code(user_client, pending, committed)
    assert code_notice(html, SITE_REFUSAL)
    assert sms_outbox == []


def test_messages_older_than_an_hour_are_not_counted(
    settings, user_client, pending, committed, sms_outbox
):
    settings.SMS_BUDGET_SEGMENTS_PER_HOUR = 1
    spent(created_at=NOW - timedelta(hours=1, seconds=1), segments=9)
    ask_for_code(user_client, pending, committed)
    assert [sms.to for sms in sms_outbox] == [US_CODE_NUMBER]


# Reached through the product itself


def test_the_ip_budget_counts_codes_and_tests_asked_for_from_one_address(
    settings, user_client, user, pending, verified, committed, sms_outbox
):
    settings.SMS_BUDGET_PER_IP_PER_HOUR = 2
    ask_for_code(user_client, pending, committed)
    send_test(user_client, verified, committed)
    assert [m.client_ip for m in Message.objects.all()] == [IP, IP]

    assert error_above_form(send_test(user_client, verified, committed), IP_REFUSAL)
    # Another account at the same address is refused as well; another address is not.
    neighbour = UserFactory()
    neighbour_phone = PhoneNumberFactory(user=neighbour, number="+12065550177")
    user_client.force_login(neighbour)
    assert code_notice(ask_for_code(user_client, neighbour_phone, committed), IP_REFUSAL)
    ask_for_code(user_client, neighbour_phone, committed, ip=OTHER_IP)

    assert [sms.to for sms in sms_outbox] == [US_CODE_NUMBER, US_TEST_NUMBER, "+12065550177"]


def test_the_code_request_budget_counts_codes_from_one_address_across_accounts(
    settings, client, committed, sms_outbox
):
    settings.CODE_REQUESTS_PER_IP_PER_HOUR = 2
    phones = [PhoneNumberFactory(number=f"+1206555016{n}") for n in range(4)]
    for phone in phones[:2]:
        client.force_login(phone.user)
        ask_for_code(client, phone, committed)

    client.force_login(phones[2].user)
    assert code_notice(ask_for_code(client, phones[2], committed), CODES_REFUSAL)
    client.force_login(phones[3].user)
    ask_for_code(client, phones[3], committed, ip=OTHER_IP)

    assert [sms.to for sms in sms_outbox] == [phones[0].number, phones[1].number, phones[3].number]


def test_a_forged_forwarded_for_header_does_not_escape_the_ip_budget(
    settings, user_client, verified, committed, sms_outbox
):
    settings.TRUSTED_PROXY_COUNT = 0
    fill_ip(settings)
    data = {"phone": verified.pk, "template": "custom", "body": "Hello"}
    with committed():
        response = user_client.post(
            reverse("smstest:send"),
            data,
            REMOTE_ADDR=IP,
            HTTP_X_FORWARDED_FOR="192.0.2.200",
            **HTMX,
        )
    assert error_above_form(response.content.decode(), IP_REFUSAL)
    assert sms_outbox == []


# Retry


@pytest.fixture
def undelivered(user, verified):
    return MessageFactory(
        user=user,
        to_number=verified.number,
        country="US",
        status=Status.UNDELIVERED,
        twilio_sid="SM" + uuid.uuid4().hex,
        error_code=30003,
        created_at=NOW - timedelta(minutes=5),
    )


def retry(client, message, committed, ip=IP):
    with committed():
        response = client.post(reverse("smstest:retry", args=[message.pk]), REMOTE_ADDR=ip, **HTMX)
    assert response.status_code == 200
    return response.content.decode()


def test_a_retry_is_refused_by_a_full_budget(
    settings, user_client, undelivered, committed, sms_outbox
):
    settings.SMS_BUDGET_SEGMENTS_PER_HOUR = 1  # the undelivered message used it

    html = retry(user_client, undelivered, committed)

    assert f'<p class="field-error" role="alert">{SITE_REFUSAL}</p>' in html
    assert not undelivered.retries.exists()
    assert sms_outbox == []
    assert BudgetTrip.objects.get().budget == "site"


def test_without_javascript_a_refused_retry_redirects_with_the_message(
    settings, user_client, undelivered, committed, sms_outbox
):
    settings.SMS_BUDGET_SEGMENTS_PER_HOUR = 1
    response = user_client.post(reverse("smstest:retry", args=[undelivered.pk]), REMOTE_ADDR=IP)
    assert response.status_code == 302
    page = user_client.get(response.url).content.decode()
    assert SITE_REFUSAL in page
    assert not undelivered.retries.exists()


def test_a_retry_counts_against_the_budgets(
    settings, user_client, undelivered, verified, committed, sms_outbox
):
    settings.SMS_BUDGET_PER_IP_PER_HOUR = 1  # the original came from no web request
    retry(user_client, undelivered, committed)

    again = undelivered.retries.get()
    assert (again.client_ip, again.country, again.segments) == (IP, "US", 1)
    assert error_above_form(send_test(user_client, verified, committed), IP_REFUSAL)
    assert [sms.to for sms in sms_outbox] == [US_TEST_NUMBER]


# The client's address


def request_from(remote_addr="10.0.0.1", forwarded_for=None):
    meta = {"REMOTE_ADDR": remote_addr}
    if forwarded_for is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return RequestFactory().get("/", **meta)


def test_the_client_ip_is_the_remote_address_by_default(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request_from("203.0.113.7")) == "203.0.113.7"
    assert client_ip(request_from("2001:db8::7")) == "2001:db8::"  # its /64


def test_without_trusted_proxies_a_forged_forwarded_for_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    forged = request_from("203.0.113.7", forwarded_for="192.0.2.1, 192.0.2.2")
    assert client_ip(forged) == "203.0.113.7"


def test_a_request_without_an_address_has_no_client_ip(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request_from("")) is None


@pytest.mark.parametrize(
    ("forwarded_for", "client"),
    [
        pytest.param("203.0.113.9", "203.0.113.9", id="one-entry"),
        pytest.param("192.0.2.66, 203.0.113.9", "203.0.113.9", id="one-forged"),
        pytest.param(
            "192.0.2.66, 192.0.2.67, 203.0.113.9",
            "203.0.113.9",
            id="two-forged",
        ),
    ],
)
def test_behind_one_trusted_proxy_the_client_ip_is_the_right_most_forwarded_for_entry(
    settings, forwarded_for, client
):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request_from("10.0.0.1", forwarded_for=forwarded_for)) == client


@pytest.mark.parametrize(
    ("remote", "counted_as"),
    [
        ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::"),
        ("2001:db8:1:2::1", "2001:db8:1:2::"),
        ("::ffff:203.0.113.9", "203.0.113.9"),
        ("203.0.113.9", "203.0.113.9"),
        ("not-an-address", None),
    ],
)
def test_an_ipv6_client_is_counted_by_its_64_network(settings, remote, counted_as):
    settings.TRUSTED_PROXY_COUNT = 0
    request = RequestFactory().get("/", REMOTE_ADDR=remote)
    assert client_ip(request) == counted_as
