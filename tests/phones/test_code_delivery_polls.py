"""The row polls its code's delivery every 2 s; a poll that finds nothing new gets 204
after one query of ours, and any change to the number or its SMS re-renders (issue 12)."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.urls import reverse

from sms.models import Message

from .conftest import HTMX

pytestmark = pytest.mark.django_db

MANAGE = reverse("phones:manage")


def poll_url(client, phone):
    html = client.get(MANAGE).content.decode()
    poll = re.search(rf'id="code-delivery-{phone.pk}" hx-get="([^"]+)" hx-trigger="every 2s"', html)
    assert poll, "the row does not poll"
    return unescape(poll.group(1))


def test_an_unchanged_code_state_gets_204_after_one_query(
    user_client, phone, send_code, django_assert_num_queries
):
    send_code(phone)
    url = poll_url(user_client, phone)
    # The session, the signed-in user, and the number with its code's SMS.
    with django_assert_num_queries(3):
        response = user_client.get(url, **HTMX)
    assert response.status_code == 204 and response.content == b""


def test_a_delivery_report_re_renders_the_code_state(
    user_client, phone, send_code, sms_outbox, clock
):
    send_code(phone)
    url = poll_url(user_client, phone)
    clock.shift(timedelta(seconds=3))
    Message.objects.record_status_report(
        {"MessageSid": sms_outbox[-1].sid, "MessageStatus": "delivered"}
    )
    response = user_client.get(url, **HTMX)
    assert response.status_code == 286
    assert "Code delivered" in response.content.decode()


def test_a_number_verified_in_another_tab_re_renders_the_code_state(
    user_client, phone, send_code, clock
):
    code = send_code(phone)
    url = poll_url(user_client, phone)
    clock.shift(timedelta(seconds=3))
    phone.check_code(code)
    response = user_client.get(url, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    # The state swapped in says so, and polls no more.
    assert "Verified" in html and "every 2s" not in html


def test_a_new_code_re_renders_the_code_state(user_client, phone, send_code, clock):
    send_code(phone)
    url = poll_url(user_client, phone)
    clock.shift(timedelta(minutes=2))
    send_code(phone)
    response = user_client.get(url, **HTMX)
    assert response.status_code == 200
    assert poll_url(user_client, phone) != url
