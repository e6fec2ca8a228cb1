"""The dashboard home: quick actions first, then the phone and SMS widgets."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from phones.models import PhoneNumber, WrongCode
from sms.models import Status
from tests.factories import MessageFactory, PhoneNumberFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_manage_phone_numbers_is_the_first_quick_action(user_client):
    html = user_client.get(reverse("dashboard:home")).content.decode()
    actions = html[html.index("Quick actions") :]
    assert actions.index("Manage phone numbers") < actions.index("Send a test SMS")
    assert actions.index("Send a test SMS") < actions.index("View SMS history")
    assert 'href="/dashboard/phone-management/?from=quick-action"' in actions
    assert "Add, verify, and manage your phone numbers" in actions


def test_empty_widget_explains_and_offers_first_number(user_client):
    html = user_client.get(reverse("dashboard:home")).content.decode()
    assert "Add your first number" in html
    assert "Getting started" in html


def test_widget_shows_three_numbers_with_status_and_counts_the_rest(user_client, user):
    PhoneNumberFactory(user=user, primary=True, number="+14155550101")
    pending = PhoneNumberFactory(user=user, number="+14155550102")
    PhoneNumberFactory(user=user, verified=True, number="+14155550103")
    PhoneNumberFactory(user=user, number="+14155550104")
    PhoneNumberFactory(user=user, number="+14155550105")
    html = user_client.get(reverse("dashboard:phone_widget"), **HTMX).content.decode()
    assert html.count('class="item"') == 3
    assert "✅ Verified" in html and "⏳ Pending verification" in html
    assert "Primary" in html
    assert "+2 more" in html
    assert f"#phone-{pending.pk}" in html  # "Verify" goes to the first pending number
    assert "Manage all" in html and "Add phone" in html


def test_widget_fragment_is_only_the_widget_and_listens_for_phone_changes(user_client, user):
    PhoneNumberFactory(user=user)
    html = user_client.get(reverse("dashboard:phone_widget"), **HTMX).content.decode()
    assert html.lstrip().startswith('<section class="card widget" id="phone-widget"')
    assert 'hx-trigger="every 60s, phones-changed from:body"' in html
    assert "<html" not in html and "Quick actions" not in html


def test_last_updated_is_the_newest_change_in_words(user_client, user):
    with time_machine.travel(timezone.now() - timedelta(minutes=2), tick=False):
        PhoneNumberFactory(user=user)
    html = user_client.get(reverse("dashboard:phone_widget"), **HTMX).content.decode()
    assert "Last updated:" in html
    assert "2\xa0minutes ago" in html


def last_updated(client):
    html = client.get(reverse("dashboard:phone_widget"), **HTMX).content.decode()
    return html.split("Last updated: ")[1].split("</time>")[0]


def test_last_updated_follows_deletions_but_not_codes_sent_or_wrong_codes(
    user_client, user, sms_outbox, committed
):
    now = timezone.now()
    with time_machine.travel(now - timedelta(minutes=30), tick=False):
        kept = PhoneNumber.objects.create_for(user, "+14155550101")
        removed = PhoneNumber.objects.create_for(user, "+14155550102")
    with time_machine.travel(now - timedelta(minutes=20), tick=False):
        kept.change_label("Work")
    assert "20\xa0minutes ago" in last_updated(user_client)

    with time_machine.travel(now - timedelta(minutes=5), tick=False):
        removed.remove()
    with time_machine.travel(now - timedelta(minutes=1), tick=False):
        with committed():
            kept.start_verification()
        sent = sms_outbox[-1].body.split("code is ")[1][:6]
        with pytest.raises(WrongCode):
            kept.check_code(f"{(int(sent) + 1) % 10**6:06d}")
    assert "5\xa0minutes ago" in last_updated(user_client)


def test_widget_lists_verified_numbers_before_pending_ones(user_client, user):
    PhoneNumberFactory(user=user, number="+14155550101")
    PhoneNumberFactory(user=user, verified=True, number="+14155550102")
    PhoneNumberFactory(user=user, primary=True, number="+14155550103")
    html = user_client.get(reverse("dashboard:phone_widget"), **HTMX).content.decode()
    assert html.index("555-0103") < html.index("555-0102") < html.index("555-0101")


def test_checklist_ticks_only_adding_while_the_number_is_pending(user_client, user):
    PhoneNumberFactory(user=user)
    html = user_client.get(reverse("dashboard:phone_widget"), **HTMX).content.decode()
    assert '<li class="done">Add a phone number' in html
    assert "<li>Verify it" in html
    assert "<li>Send a test message" in html


def test_checklist_ticks_steps_from_real_data_and_disappears_when_done(user_client, user):
    phone = PhoneNumberFactory(user=user, primary=True)
    html = user_client.get(reverse("dashboard:phone_widget"), **HTMX).content.decode()
    assert '<li class="done">Add a phone number' in html
    assert '<li class="done">Verify it' in html
    assert "<li>Send a test message" in html
    MessageFactory(user=user, phone=phone)
    html = user_client.get(reverse("dashboard:phone_widget"), **HTMX).content.decode()
    assert "Getting started" not in html


def test_sms_widget_shows_latest_test_live_and_thirty_day_counts(user_client, user):
    phone = PhoneNumberFactory(user=user, primary=True)
    MessageFactory(user=user, phone=phone, status=Status.DELIVERED)
    MessageFactory(user=user, phone=phone, status=Status.UNDELIVERED, error_code=30003)
    latest = MessageFactory(user=user, phone=phone, status=Status.SENT)
    html = user_client.get(reverse("dashboard:home")).content.decode()
    widget = html[html.index('id="sms-widget"') :]
    assert f'id="message-{latest.pk}"' in widget
    assert 'hx-trigger="every 2s"' in widget  # the same polling card as the SMS panel
    assert "<dt>Sent (30 days)</dt><dd>3</dd>" in widget
    assert "<dt>Delivered</dt><dd>1</dd>" in widget
    assert "<dt>Failed</dt><dd>1</dd>" in widget


def test_other_users_numbers_never_appear(user_client):
    PhoneNumberFactory(verified=True, number="+14155550166")
    html = user_client.get(reverse("dashboard:home")).content.decode()
    assert "555-0166" not in html


def home_queries(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("dashboard:home"))
    assert response.status_code == 200
    return len(queries)


def test_home_renders_in_a_fixed_small_number_of_queries(
    user_client, user, django_assert_max_num_queries
):
    phone = PhoneNumberFactory(user=user, primary=True, number="+14155550999")
    MessageFactory(user=user, phone=phone)
    few = home_queries(user_client)
    for n in range(8):
        phone = PhoneNumberFactory(user=user, verified=n < 4, number=f"+1415555{n:04d}")
        MessageFactory.create_batch(3, user=user, phone=phone)
    with django_assert_max_num_queries(7):
        many = home_queries(user_client)
    assert many == few


def test_change_in_the_last_minute_reads_just_now(user_client, user):
    PhoneNumberFactory(user=user)
    html = user_client.get(reverse("dashboard:phone_widget"), **HTMX).content.decode()
    assert "Last updated: <time" in html and "just now" in html
