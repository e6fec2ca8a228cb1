"""The SMS history page: the number filter, the 30-day figures and pagination."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from sms.models import Message, Status
from tests.factories import MessageFactory, PhoneNumberFactory

pytestmark = pytest.mark.django_db

HISTORY = reverse("smstest:history")


def listed_bodies(html):
    """The message texts in the results table, top to bottom."""
    return re.findall(r'<td class="col-message">(.*?)</td>', html)


def figure(html, label):
    match = re.search(rf"<dt>{re.escape(label)}</dt><dd>(.*?)</dd>", html)
    assert match, f"no figure {label!r} on the page"
    return match.group(1)


def make_message(user, phone, body, *, age, status=Status.SENT, delivery_seconds=None):
    """A test message sent `age` ago, delivered `delivery_seconds` after it was sent."""
    message = MessageFactory(user=user, phone=phone, body=body)
    created_at = timezone.now() - age
    delivered_at = None
    if delivery_seconds is not None:
        status = Status.DELIVERED
        delivered_at = created_at + timedelta(seconds=delivery_seconds)
    Message.objects.filter(pk=message.pk).update(
        created_at=created_at, delivered_at=delivered_at, status=status
    )
    return message


@pytest.fixture
def home_phone(user):
    return PhoneNumberFactory(user=user, verified=True, number="+14155550123")


@pytest.fixture
def work_phone(user):
    return PhoneNumberFactory(user=user, verified=True, number="+14155550145")


# Filtering by number


def test_filtering_by_number_lists_only_messages_to_that_number(
    user_client, user, home_phone, work_phone
):
    make_message(user, home_phone, "to home 1", age=timedelta(minutes=3))
    make_message(user, work_phone, "to work", age=timedelta(minutes=2))
    make_message(user, home_phone, "to home 2", age=timedelta(minutes=1))

    html = user_client.get(HISTORY, {"number": "+14155550123"}).content.decode()

    assert listed_bodies(html) == ["to home 2", "to home 1"]
    assert '<option value="+14155550123" selected>' in html
    assert '<option value="+14155550145">' in html  # still offered, not chosen


def test_number_filter_with_htmx_returns_only_the_filtered_results(
    user_client, user, home_phone, work_phone
):
    make_message(user, home_phone, "to home", age=timedelta(minutes=2))
    make_message(user, work_phone, "to work", age=timedelta(minutes=1))

    response = user_client.get(HISTORY, {"number": "+14155550145"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()

    assert response.status_code == 200
    assert "<html" not in html
    assert listed_bodies(html) == ["to work"]


def test_number_filter_never_shows_another_users_messages_to_the_same_number(
    user_client, user, other_user, home_phone
):
    # The number moved to another account and was tested from there too.
    make_message(user, home_phone, "mine to shared", age=timedelta(minutes=2))
    theirs = PhoneNumberFactory(user=other_user, number="+14155550123")
    make_message(other_user, theirs, "theirs to shared", age=timedelta(minutes=1))

    html = user_client.get(HISTORY, {"number": "+14155550123"}).content.decode()

    assert listed_bodies(html) == ["mine to shared"]


@pytest.mark.parametrize("as_pk", [False, True], ids=["as-number", "as-phone-id"])
def test_filtering_by_another_users_number_shows_nothing_of_theirs(
    user_client, user, other_user, home_phone, as_pk
):
    make_message(user, home_phone, "my message", age=timedelta(minutes=2))
    theirs = PhoneNumberFactory(user=other_user, verified=True, number="+14155550188")
    make_message(other_user, theirs, "their secret", age=timedelta(minutes=1))

    response = user_client.get(HISTORY, {"number": theirs.pk if as_pk else "+14155550188"})
    html = response.content.decode()

    assert response.status_code == 200
    assert listed_bodies(html) == []
    assert "No tests match these filters." in html
    assert "their secret" not in html
    # Their number is not offered in the filter either.
    assert "555-0188" not in html and "+14155550188" not in html


@pytest.mark.parametrize(
    "junk",
    ["not-a-number", "12", "+", "\x00", "'; DROP TABLE x; --"],
    ids=["letters", "too-short", "plus-only", "nul-byte", "sql"],
)
def test_a_malformed_number_filter_shows_no_results_instead_of_an_error(
    user_client, user, home_phone, junk
):
    make_message(user, home_phone, "my message", age=timedelta(minutes=1))

    response = user_client.get(HISTORY, {"number": junk})

    assert response.status_code == 200
    assert listed_bodies(response.content.decode()) == []


# The 30-day figures


def test_delivery_rate_and_median_count_only_the_last_30_days(user_client, user, home_phone):
    # Within 30 days: delivered in 2, 4 and 9 s (one of them 29 days ago), and one failure.
    make_message(user, home_phone, "recent fast", age=timedelta(hours=1), delivery_seconds=2)
    make_message(user, home_phone, "recent mid", age=timedelta(days=29), delivery_seconds=4)
    make_message(user, home_phone, "recent slow", age=timedelta(hours=2), delivery_seconds=9)
    make_message(user, home_phone, "recent fail", age=timedelta(hours=3), status=Status.FAILED)
    # Older than 30 days: slow deliveries and failures that would change both figures.
    for days in (31, 40):
        make_message(user, home_phone, "old slow", age=timedelta(days=days), delivery_seconds=300)
    for days in (31, 45, 90):
        make_message(user, home_phone, "old fail", age=timedelta(days=days), status=Status.FAILED)

    html = user_client.get(HISTORY).content.decode()

    assert figure(html, "Tests (30 days)") == "4"
    assert figure(html, "Delivery rate") == "75%"  # 3 delivered of 4 finished
    assert figure(html, "Median time to delivery") == "4.0 s"
    # The old messages are still listed; they only leave the figures.
    assert listed_bodies(html).count("old fail") == 3


def test_figures_are_empty_when_every_message_is_older_than_30_days(user_client, user, home_phone):
    make_message(user, home_phone, "old ok", age=timedelta(days=31), delivery_seconds=3)
    make_message(user, home_phone, "old fail", age=timedelta(days=60), status=Status.FAILED)

    html = user_client.get(HISTORY).content.decode()

    assert figure(html, "Tests (30 days)") == "0"
    assert figure(html, "Delivery rate") == "—"
    assert figure(html, "Median time to delivery") == "—"
    assert listed_bodies(html) == ["old ok", "old fail"]


# Pagination


@pytest.fixture
def thirty_messages(user, home_phone):
    """msg-01 (oldest) … msg-30 (newest), a minute apart."""
    for n in range(1, 31):
        make_message(user, home_phone, f"msg-{n:02d}", age=timedelta(minutes=100 - n))


def test_first_page_has_the_25_newest_messages_newest_first(user_client, thirty_messages):
    html = user_client.get(HISTORY).content.decode()

    assert listed_bodies(html) == [f"msg-{n:02d}" for n in range(30, 5, -1)]
    assert "<span>Page 1</span>" in html
    assert "page=2" in html and "Older" in html and "Newer" not in html


def test_second_page_has_the_remaining_5_oldest_newest_first(user_client, thirty_messages):
    html = user_client.get(HISTORY, {"page": 2}).content.decode()

    assert listed_bodies(html) == ["msg-05", "msg-04", "msg-03", "msg-02", "msg-01"]
    assert "<span>Page 2</span>" in html
    assert "page=1" in html and "Newer" in html and "Older" not in html


def test_a_page_past_the_end_says_so_and_leads_back_to_the_newest(user_client, thirty_messages):
    html = user_client.get(HISTORY, {"page": 3}).content.decode()
    assert listed_bodies(html) == []
    assert "No tests on this page: the list ends earlier." in html
    assert "No test messages yet" not in html


def test_a_page_past_the_end_of_an_empty_list_says_there_are_no_tests_yet(user_client, user):
    html = user_client.get(HISTORY, {"page": 5}).content.decode()
    assert "No test messages yet" in html
    assert "the list ends earlier" not in html


@pytest.mark.parametrize("page", ["0", "-1", "x", "99999", "2.5"])
def test_a_page_that_is_no_page_number_shows_the_first(user_client, thirty_messages, page):
    html = user_client.get(HISTORY, {"page": page}).content.decode()
    assert listed_bodies(html)[0] == "msg-30"


def test_page_links_keep_the_number_filter(user_client, user, thirty_messages, work_phone):
    make_message(user, work_phone, "to work", age=timedelta(minutes=1))

    html = user_client.get(HISTORY, {"number": "+14155550123"}).content.decode()
    assert "to work" not in listed_bodies(html)
    older = re.search(r'<a href="([^"]*)">Older', html).group(1)

    # Following the link, as a person would: still filtered, on page 2.
    page_2 = user_client.get(HISTORY + unescape(older)).content.decode()
    assert listed_bodies(page_2) == ["msg-05", "msg-04", "msg-03", "msg-02", "msg-01"]
    assert '<option value="+14155550123" selected>' in page_2
