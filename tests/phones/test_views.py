"""The phone-management page and its actions, as HTML: full page, htmx fragment, no JavaScript."""

import re
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from phones.models import PhoneEvent, PhoneNumber
from tests.factories import PhoneNumberFactory

from .conftest import HTMX, words

pytestmark = pytest.mark.django_db

MANAGE = "/dashboard/phone-management/"


def url(name, phone):
    return reverse(f"phones:{name}", args=[phone.pk])


def assert_fragment(response, *ids):
    """Only the changed pieces came back, with the overview out of band, and others told."""
    html = response.content.decode()
    assert response.status_code == 200
    for id_ in ids:
        assert f'id="{id_}"' in html
    assert 'id="phone-overview"' in html
    assert 'hx-swap-oob="true"' in html[html.index('id="phone-overview"') - 80 :]
    assert "<html" not in html and 'id="sidebar"' not in html
    assert "phones-changed" in response.headers["HX-Trigger"]
    return html


def message_texts(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_page_has_breadcrumbs_overview_and_add_form(user_client, user):
    PhoneNumberFactory(user=user, primary=True, number="+12065550102")
    PhoneNumberFactory(user=user, verified=True)
    PhoneNumberFactory(user=user)
    html = user_client.get(MANAGE).content.decode()

    assert '<a href="/dashboard/">Dashboard</a>' in html
    assert 'aria-current="page">Phone number management</a>' in html
    figures = html[html.index('id="phone-overview"') :]
    assert "Total numbers</dt><dd>3<" in figures
    assert "Verified</dt><dd>2<" in figures
    assert "Pending verification</dt><dd>1<" in figures
    assert "Primary number</dt><dd" in figures and "(206) 555-0102" in figures
    assert '<label for="id_number">Phone number' in html
    assert '<label for="id_label">Label' in html
    assert ">Add number</button>" in html
    assert "You have no phone numbers yet" not in html


def test_an_empty_page_invites_the_first_number(user_client):
    html = user_client.get(MANAGE).content.decode()
    assert "You have no phone numbers yet" in html
    assert "None yet" in html


def test_verification_form_is_labelled_for_one_time_codes(user_client, phone):
    html = user_client.get(MANAGE).content.decode()
    form = html[html.index('class="verify-form"') :]
    form = form[: form.index("</form>")]
    assert 'hx-history="false"' in form
    assert f'<label for="phone-{phone.pk}-code">Verification code' in form
    assert 'inputmode="numeric"' in form and 'autocomplete="one-time-code"' in form
    assert ">Verify</button>" in form


def test_the_send_button_says_send_before_any_code_and_resend_after(user_client, phone, clock):
    assert ">\n            Send code\n" in user_client.get(MANAGE).content.decode()
    phone.start_verification()
    clock.shift(timedelta(seconds=61))
    html = user_client.get(MANAGE).content.decode()
    assert "Resend code\n" in html and "disabled" not in html


def test_during_the_cooldown_the_button_is_disabled_and_says_how_long(user_client, phone, clock):
    phone.start_verification()
    clock.shift(timedelta(seconds=15))
    html = user_client.get(MANAGE).content.decode()
    button = re.search(r"<button [^>]*disabled>(.*?)</button>", html, re.S)
    assert words(button.group(1)) == "Resend code in 45 s"
    # app.js counts it down from there.
    assert 'data-countdown="45" data-countdown-format="short"' in button.group(1)
    # htmx re-enables it by fetching the row again when the cooldown ends.
    assert 'hx-trigger="load delay:45s"' in html
    assert f'hx-get="{url("row", phone)}"' in html


def test_when_a_quota_is_reached_the_row_says_when_to_retry(user_client, phone, clock):
    for _ in range(5):
        phone.start_verification()
        clock.shift(timedelta(minutes=5))
    html = user_client.get(MANAGE).content.decode()
    assert "disabled>" in html
    assert "You can request another in 35 minutes." in html


class TestAdd:
    def post(self, client, number="+1 206 555 0101", **extra):
        data = {"number": number, "label": "Work", "region": "US"}
        return client.post(reverse("phones:add"), data | extra.pop("data", {}), **extra)

    def test_htmx_add_sends_the_first_code_and_appends_the_row(
        self, user_client, user, sms_outbox, committed
    ):
        with committed():
            response = self.post(user_client, **HTMX)

        phone = user.phone_numbers.get()
        html = assert_fragment(response, "add-phone", f"phone-{phone.pk}")
        assert 'hx-swap-oob="beforeend:#phone-list"' in html
        assert "We are sending a code to (206) 555-0101. Enter it below." in html
        assert [sms.to for sms in sms_outbox] == ["+12065550101"]
        code_input = re.search(rf'<input [^>]*id="phone-{phone.pk}-code">', html).group()
        assert " autofocus " in code_input  # the cursor waits for the code
        assert 'name="number"' in html and 'value="+1 206 555 0101"' not in html  # form reset
        assert set(phone.events.values_list("kind", flat=True)) == {
            PhoneEvent.Kind.ADDED,
            PhoneEvent.Kind.CODE_SENT,
        }

    def test_without_javascript_add_redirects_to_the_row_with_a_message(self, user_client, user):
        response = self.post(user_client)
        phone = user.phone_numbers.get()
        assert response.status_code == 302
        assert response.url == f"{MANAGE}#phone-{phone.pk}"
        assert message_texts(response) == [
            "Added (206) 555-0101. We are sending a code to (206) 555-0101. Enter it below."
        ]
        assert phone.label == "Work"

    def test_htmx_bad_number_shows_the_error_next_to_the_field(self, user_client, user):
        response = self.post(user_client, number="555 CALL NOW", **HTMX)

        html = response.content.decode()
        assert response.status_code == 200
        assert 'id="add-phone"' in html and "<html" not in html
        assert 'aria-describedby="id_number_error"' in html and 'aria-invalid="true"' in html
        assert 'id="id_number_error"><li>Use digits only' in html
        assert "HX-Trigger" not in response.headers
        assert not user.phone_numbers.exists()

    def test_without_javascript_a_bad_number_shows_the_page_with_the_error(self, user_client):
        response = self.post(user_client, number="+1 900 234 5678")
        html = response.content.decode()
        assert response.status_code == 200
        assert "<html" in html
        assert 'id="id_number_error"><li>This is a premium-rate number' in html
        assert 'value="+1 900 234 5678"' in html  # what was typed is kept

    def test_posted_primary_verified_and_owner_fields_are_ignored(
        self, user_client, user, other_user
    ):
        extra = {"is_primary": "on", "verified_at": "2026-01-01 00:00", "user": other_user.pk}
        self.post(user_client, data=extra)

        phone = PhoneNumber.objects.get()
        assert phone.user == user
        assert not phone.is_primary and not phone.is_verified

    def test_a_number_is_added_even_when_no_code_can_be_sent_and_says_why(
        self, user_client, user, clock, send_code, sms_outbox
    ):
        for phone in PhoneNumberFactory.create_batch(2, user=user):
            for _ in range(5):
                send_code(phone)
                clock.shift(timedelta(minutes=5))

        response = self.post(user_client, **HTMX)

        html = assert_fragment(response, f"phone-{user.phone_numbers.get(label='Work').pk}")
        assert (
            "Added (206) 555-0101. No code was sent: You have requested 10 codes in the last "
            "24 hours. You can request another in 23 hours 10 minutes."
        ) in html
        assert 'class="notice notice-error" role="alert"' in html
        assert len(sms_outbox) == 10

    def test_a_number_whose_code_the_provider_refuses_is_added_and_its_row_says_why(
        self, user_client, user, refusing_sender, committed, sms_outbox
    ):
        with committed():
            self.post(user_client, **HTMX)

        phone = user.phone_numbers.get()
        html = user_client.get(url("row", phone), **HTMX).content.decode()
        assert "Code not delivered</span>" in html
        assert (
            "The code was not sent: Twilio says this number cannot receive SMS, usually "
            "because it is a landline. Use a mobile number."
        ) in html
        assert "disabled" not in html  # nothing was sent: a new code may be asked for at once
        assert sms_outbox == []


class TestSendCode:
    def test_htmx_resend_swaps_the_row_and_overview(
        self, user_client, phone, sms_outbox, committed
    ):
        with committed():
            response = user_client.post(url("send_code", phone), **HTMX)
        html = assert_fragment(response, f"phone-{phone.pk}")
        assert "We are sending a code to (206) 555-0101. Enter it below." in html
        assert len(sms_outbox) == 1

    def test_without_javascript_resend_redirects_with_a_message(self, user_client, phone):
        response = user_client.post(url("send_code", phone))
        assert response.status_code == 302
        assert response.url == f"{MANAGE}#phone-{phone.pk}"
        assert message_texts(response) == [
            "We are sending a code to (206) 555-0101. Enter it below."
        ]

    def test_a_resend_during_the_cooldown_says_how_long_to_wait(
        self, user_client, phone, clock, sms_outbox, send_code, committed
    ):
        send_code(phone)
        clock.shift(timedelta(seconds=50))
        with committed():
            response = user_client.post(url("send_code", phone), **HTMX)
        html = response.content.decode()
        assert "A code was just sent. You can request another in 10 seconds." in html
        assert "HX-Trigger" not in response.headers  # nothing changed
        assert len(sms_outbox) == 1

    def test_without_javascript_a_quota_message_says_when_to_retry(self, user_client, user, clock):
        phones = PhoneNumberFactory.create_batch(2, user=user)
        for n in range(10):
            phones[n % 2].start_verification()
            clock.shift(timedelta(minutes=30))
        response = user_client.post(url("send_code", phones[0]))
        # The first code (at the start) leaves the 24-hour window in 19 hours.
        assert message_texts(response) == [
            "You have requested 10 codes in the last 24 hours. You can request another in 19 hours."
        ]


class TestVerify:
    @pytest.fixture
    def code(self, phone, send_code, clock):
        return send_code(phone)

    def test_htmx_right_code_verifies_in_place(self, user_client, phone, code):
        response = user_client.post(url("verify", phone), {"code": code}, **HTMX)
        html = assert_fragment(response, f"phone-{phone.pk}")
        row = html[: html.index('id="phone-overview"')]
        assert "(206) 555-0101 is verified. It is your primary number." in row
        assert ">Verified</span>" in row and ">Primary</span>" in row
        assert "Verification code" not in row
        phone.refresh_from_db()
        assert phone.is_primary

    def test_without_javascript_right_code_redirects_with_a_message(self, user_client, phone, code):
        response = user_client.post(url("verify", phone), {"code": f" {code[:3]} {code[3:]} "})
        assert response.status_code == 302
        assert message_texts(response) == ["(206) 555-0101 is verified. It is your primary number."]

    @pytest.mark.parametrize(
        ("setup", "error"),
        [
            ("wrong", "That code is not right. 4 tries left."),
            ("expired", "This code has expired. Send a new code."),
            ("exhausted", "Too many wrong tries for this code. Send a new code to try again."),
            ("malformed", "Enter the 6-digit code from the text message."),
        ],
    )
    def test_each_rejection_has_its_own_message_next_to_the_field(
        self, user_client, phone, code, clock, setup, error
    ):
        typed = code
        if setup == "wrong" or setup == "malformed":
            typed = "12345" if setup == "malformed" else f"{(int(code) + 1) % 10**6:06d}"
        elif setup == "expired":
            clock.shift(timedelta(minutes=11))
        else:
            PhoneNumber.objects.filter(pk=phone.pk).update(code_attempts=5)

        response = user_client.post(url("verify", phone), {"code": typed}, **HTMX)

        html = response.content.decode()
        assert f'id="phone-{phone.pk}-code_error"><li>{error}</li>' in html
        assert f'aria-describedby="phone-{phone.pk}-code_error"' in html
        assert "<html" not in html
        phone.refresh_from_db()
        assert not phone.is_verified

    def test_without_javascript_a_wrong_code_shows_the_page_with_the_error(
        self, user_client, phone, code
    ):
        wrong = f"{(int(code) + 1) % 10**6:06d}"
        response = user_client.post(url("verify", phone), {"code": wrong})
        html = response.content.decode()
        assert response.status_code == 200 and "<html" in html
        assert f'id="phone-{phone.pk}-code_error"><li>That code is not right.' in html


class TestPrimary:
    def test_htmx_make_primary_swaps_both_rows_and_the_overview(self, user_client, user):
        old = PhoneNumberFactory(user=user, primary=True)
        new = PhoneNumberFactory(user=user, verified=True, number="+12065550109")

        response = user_client.post(url("make_primary", new), **HTMX)

        html = assert_fragment(response, f"phone-{new.pk}", f"phone-{old.pk}")
        old_row = html[html.index(f'id="phone-{old.pk}"') :]
        assert old_row.startswith(f'id="phone-{old.pk}" hx-swap-oob="true"')
        assert ">Primary</span>" not in old_row[: old_row.index("</li>")]
        assert "(206) 555-0109 is now primary." in html
        assert "Primary number</dt><dd" in html and "(206) 555-0109</dd>" in html

    def test_without_javascript_make_primary_redirects_with_a_message(self, user_client, user):
        PhoneNumberFactory(user=user, primary=True)
        new = PhoneNumberFactory(user=user, verified=True, number="+12065550109")
        response = user_client.post(url("make_primary", new))
        assert response.status_code == 302
        assert message_texts(response) == ["(206) 555-0109 is now primary."]

    def test_a_pending_number_cannot_be_made_primary(self, user_client, phone):
        response = user_client.post(url("make_primary", phone), **HTMX)
        assert "Only a verified number can be your primary number." in response.content.decode()
        phone.refresh_from_db()
        assert not phone.is_primary


class TestLabel:
    def test_htmx_label_edit_swaps_the_row(self, user_client, phone):
        response = user_client.post(url("edit_label", phone), {"label": "Home"}, **HTMX)
        html = assert_fragment(response, f"phone-{phone.pk}")
        assert '<span class="phone-label">Home</span>' in html
        phone.refresh_from_db()
        assert phone.label == "Home"

    def test_a_too_long_label_is_refused_next_to_the_field(self, user_client, phone):
        response = user_client.post(url("edit_label", phone), {"label": "x" * 41}, **HTMX)
        html = response.content.decode()
        assert '<details class="label-editor" open>' in html
        assert f'id="phone-{phone.pk}-label_error"><li>Ensure this value has at most 40' in html
        phone.refresh_from_db()
        assert phone.label == ""

    def test_without_javascript_label_edit_redirects_with_a_message(self, user_client, phone):
        response = user_client.post(url("edit_label", phone), {"label": "Home"})
        assert response.status_code == 302
        assert message_texts(response) == ["Label saved."]


class TestDelete:
    def test_without_javascript_delete_asks_for_confirmation_first(self, user_client, phone):
        response = user_client.get(url("delete", phone))
        html = response.content.decode()
        assert "Delete (206) 555-0101?" in html
        assert f'<form method="post" action="{url("delete", phone)}">' in html
        assert PhoneNumber.objects.filter(pk=phone.pk).exists()

    def test_the_delete_link_leads_to_the_confirmation_page_or_opens_the_rows_dialog(
        self, user_client, phone
    ):
        html = user_client.get(MANAGE).content.decode()
        link = re.search(r'<a [^>]*class="[^"]*button-delete[^"]*"[^>]*>', html).group()
        # Without JavaScript the link is followed; app.js opens the dialog it names instead.
        assert f'href="{url("delete", phone)}"' in link
        assert f'data-dialog="delete-dialog-{phone.pk}"' in link
        assert "hx-post" not in link and "hx-confirm" not in html

    def test_deleting_the_primary_says_which_number_was_promoted(self, user_client, user):
        primary = PhoneNumberFactory(user=user, primary=True, number="+12065550101")
        PhoneNumberFactory(user=user, verified=True, number="+12065550102")

        response = user_client.post(url("delete", primary))

        assert response.status_code == 302 and response.url == MANAGE
        assert message_texts(response) == [
            "Deleted (206) 555-0101. (206) 555-0102 is now your primary number."
        ]

    def test_htmx_delete_replaces_the_row_and_updates_the_promoted_one(self, user_client, user):
        primary = PhoneNumberFactory(user=user, primary=True, number="+12065550101")
        other = PhoneNumberFactory(user=user, verified=True, number="+12065550102")

        response = user_client.post(url("delete", primary), **HTMX)

        html = assert_fragment(response, f"phone-{primary.pk}", f"phone-{other.pk}")
        assert html.lstrip().startswith(f'<li class="item phone-removed" id="phone-{primary.pk}"')
        assert f'id="phone-{other.pk}" hx-swap-oob="true"' in html
        assert "Total numbers</dt><dd>1<" in html
        assert not PhoneNumber.objects.filter(pk=primary.pk).exists()


def test_the_row_url_gives_htmx_the_row_and_browsers_the_page(user_client, phone):
    html = user_client.get(url("row", phone), **HTMX).content.decode()
    assert html.lstrip().startswith(f'<li class="item phone" id="phone-{phone.pk}"')
    response = user_client.get(url("row", phone))
    assert response.status_code == 302 and response.url == f"{MANAGE}#phone-{phone.pk}"


NUMBER_URLS = [
    ("row", "get"),
    ("code_delivery", "get"),
    ("send_code", "post"),
    ("verify", "post"),
    ("make_primary", "post"),
    ("edit_label", "post"),
    ("delete", "get"),
    ("delete", "post"),
]


@pytest.mark.parametrize(("name", "method"), NUMBER_URLS)
@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_someone_elses_number_is_not_found(user_client, other_user, name, method, htmx):
    theirs = PhoneNumberFactory(user=other_user, verified=True, number="+12065550199")
    data = {"code": "123456", "label": "Mine now"} if method == "post" else {}
    response = getattr(user_client, method)(url(name, theirs), data, **(HTMX if htmx else {}))

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.label == "" and theirs.is_verified
    assert list(PhoneEvent.objects.filter(phone=theirs)) == []


@pytest.mark.parametrize("name", ["send_code", "verify", "make_primary", "edit_label"])
def test_actions_refuse_get(user_client, phone, name):
    assert user_client.get(url(name, phone)).status_code == 405


POSTS = ["add", *sorted({name for name, method in NUMBER_URLS if method == "post"})]


@pytest.mark.parametrize("name", POSTS)
def test_every_post_needs_the_csrf_token(user, phone, name):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    target = reverse("phones:add") if name == "add" else url(name, phone)
    data = {"number": "+12065550102", "code": "123456", "label": "Home"}

    assert client.post(target, data).status_code == 403
    assert client.post(target, data, **HTMX).status_code == 403

    client.get(MANAGE)  # sets the CSRF cookie, as the page does for htmx via <body hx-headers>
    token = client.cookies["csrftoken"].value
    assert client.post(target, data, HTTP_X_CSRFTOKEN=token).status_code != 403


@pytest.mark.parametrize(
    "path", [MANAGE, "/dashboard/phone-management/1/", "/dashboard/phone-management/1/delete/"]
)
def test_visitors_are_sent_to_log_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_the_page_still_renders_when_the_twilio_settings_are_incomplete(
    user_client, phone, settings
):
    settings.SMS_SENDER = "sms.senders.twilio.TwilioSender"
    settings.TWILIO_FROM_NUMBER = ""
    response = user_client.get(MANAGE)
    assert response.status_code == 200
    assert 'id="send-code-' in response.content.decode()
