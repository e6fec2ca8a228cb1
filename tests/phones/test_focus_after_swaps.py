"""After htmx swaps in what an action changed, the focus has somewhere to go: the changed row's
notice (data-focus, focusable with tabindex="-1", which app.js focuses), or the field htmx
focuses itself (autofocus) when the next step is typing."""

import re

import pytest
from django.urls import reverse

from tests.factories import PhoneNumberFactory

from .conftest import HTMX

pytestmark = pytest.mark.django_db


def url(name, phone):
    return reverse(f"phones:{name}", args=[phone.pk])


def focus_targets(html):
    """The opening tags of the elements app.js would focus."""
    return re.findall(r"<[a-z]+ [^>]*\bdata-focus\b[^>]*>", html)


def assert_focuses_the_notice(html, phone, text):
    [target] = focus_targets(html)
    assert f'id="phone-{phone.pk}-notice"' in target and 'tabindex="-1"' in target
    after = html[html.index(target) :]
    assert after.index(text) < after.index("</div>"), "the focused element holds the notice"


@pytest.fixture
def pending(user):
    return PhoneNumberFactory(user=user, number="+12065550101")


@pytest.fixture
def verified(user):
    return PhoneNumberFactory(user=user, verified=True, number="+12065550102")


def test_saving_a_label_focuses_the_rows_notice(user_client, verified):
    response = user_client.post(url("edit_label", verified), {"label": "Home"}, **HTMX)
    assert_focuses_the_notice(response.content.decode(), verified, "Label saved.")


def test_making_a_number_primary_focuses_its_notice_not_the_other_rows(user_client, user, verified):
    old = PhoneNumberFactory(user=user, primary=True, number="+12065550103")
    html = user_client.post(url("make_primary", verified), **HTMX).content.decode()
    assert_focuses_the_notice(html, verified, "(206) 555-0102 is now primary.")
    old_row = html[html.index(f'id="phone-{old.pk}"') :]
    assert "data-focus" not in old_row[: old_row.index("</li>")]


def test_verifying_focuses_the_notice(user_client, pending, send_code, clock):
    code = send_code(pending)
    html = user_client.post(url("verify", pending), {"code": code}, **HTMX).content.decode()
    assert_focuses_the_notice(html, pending, "(206) 555-0101 is verified.")
    assert "autofocus" not in html


def test_a_refused_send_focuses_the_error_notice(user_client, pending, send_code, clock):
    send_code(pending)
    html = user_client.post(url("send_code", pending), **HTMX).content.decode()
    assert_focuses_the_notice(html, pending, "A code was just sent.")
    assert "autofocus" not in html


def test_sending_a_code_puts_the_cursor_in_the_code_field_which_reads_out_the_notice(
    user_client, pending, committed
):
    with committed():
        html = user_client.post(url("send_code", pending), **HTMX).content.decode()
    code_input = re.search(rf'<input [^>]*id="phone-{pending.pk}-code"[^>]*>', html).group()
    assert " autofocus" in code_input  # htmx focuses it; app.js then leaves the focus alone
    assert f'aria-describedby="phone-{pending.pk}-notice"' in code_input
    assert_focuses_the_notice(html, pending, "We are sending a code to (206) 555-0101.")


def test_a_wrong_code_puts_the_cursor_back_in_the_field_next_to_its_error(
    user_client, pending, send_code, clock
):
    code = send_code(pending)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    html = user_client.post(url("verify", pending), {"code": wrong}, **HTMX).content.decode()
    code_input = re.search(rf'<input [^>]*id="phone-{pending.pk}-code"[^>]*>', html).group()
    assert " autofocus" in code_input
    assert f'aria-describedby="phone-{pending.pk}-code_error"' in code_input


def test_deleting_focuses_the_removal_notice(user_client, verified):
    html = user_client.post(url("delete", verified), **HTMX).content.decode()
    [target] = focus_targets(html)
    assert target == (
        f'<li class="item phone-removed" id="phone-{verified.pk}" tabindex="-1" data-focus>'
    )
    assert "Deleted (206) 555-0102." in html


def test_the_full_page_has_nothing_to_focus(user_client, pending, verified):
    html = user_client.get(reverse("phones:manage")).content.decode()
    assert focus_targets(html) == []
