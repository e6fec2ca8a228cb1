"""/api/v1/users/me/phone-numbers/: every action, its success and its refusals."""

from datetime import timedelta

import pytest

from phones.models import PhoneNumber
from sms.models import Message
from tests.factories import MessageFactory, PhoneNumberFactory

from .conftest import NUMBERS, bearer

pytestmark = pytest.mark.django_db


@pytest.fixture
def phone(user):
    return PhoneNumberFactory(user=user, number="+12065550101")


def url(phone, action=""):
    return f"{NUMBERS}{phone.pk}" + (f"/{action}" if action else "")


def test_the_list_has_the_users_numbers_oldest_first_in_e164(api, user):
    first = PhoneNumberFactory(user=user, number="+12065550101", primary=True, label="Home")
    PhoneNumberFactory(user=user, number="+447911123456")
    response = api.get(NUMBERS)
    assert response.status_code == 200
    listed = response.json()
    assert [item["number"] for item in listed] == ["+12065550101", "+447911123456"]
    assert listed[0] | {"verified_at": None, "created_at": None} == {
        "id": first.pk,
        "number": "+12065550101",
        "display": "(206) 555-0101",
        "label": "Home",
        "country": "US",
        "is_verified": True,
        "verified_at": None,
        "is_primary": True,
        "created_at": None,
        "code": None,
    }
    assert listed[1]["country"] == "GB"


def test_adding_a_number_stores_it_unverified_and_sends_no_code(api, user, sms_outbox, committed):
    with committed():
        response = api.post(NUMBERS, {"number": "(206) 555-0101", "region": "US", "label": "Work"})
    assert response.status_code == 201
    assert response.json()["number"] == "+12065550101"
    assert response.json()["label"] == "Work"
    assert response.json()["is_verified"] is False
    assert user.phone_numbers.get().label == "Work"
    assert sms_outbox == []


def test_an_invalid_number_is_refused_with_the_forms_sentence(api, user):
    response = api.post(NUMBERS, {"number": "call me"})
    assert response.status_code == 422
    assert response.json() == {
        "code": "invalid",
        "message": "Use digits only: a phone number has no letters.",
        "errors": [
            {
                "field": "number",
                "code": "invalid",
                "message": "Use digits only: a phone number has no letters.",
            }
        ],
    }
    assert not user.phone_numbers.exists()


def test_a_number_already_on_the_account_is_refused_as_cannot_add_number(api, phone):
    response = api.post(NUMBERS, {"number": "+12065550101"})
    assert response.status_code == 422
    assert response.json() == {
        "code": "cannot_add_number",
        "message": "This number is already on your account.",
        "errors": [
            {
                "field": "number",
                "code": "cannot_add_number",
                "message": "This number is already on your account.",
            }
        ],
    }


def test_one_number_too_many_is_refused_as_cannot_add_number(api, user, settings):
    settings.PHONES_MAX_PER_USER = 1
    PhoneNumberFactory(user=user)
    response = api.post(NUMBERS, {"number": "+12065550101"})
    assert response.status_code == 422
    assert response.json()["code"] == "cannot_add_number"
    assert response.json()["message"] == (
        "You can have at most 1 numbers. Delete one you no longer use to add another."
    )
    assert response.json()["errors"][0]["code"] == "cannot_add_number"


def test_the_region_is_read_in_either_case(api, user):
    response = api.post(NUMBERS, {"number": "(206) 555-0101", "region": "us"})
    assert response.status_code == 201
    assert response.json()["number"] == "+12065550101"


def test_a_number_too_long_is_refused_with_the_forms_sentence(api, user):
    response = api.post(NUMBERS, {"number": "1" * 33})
    assert response.status_code == 422
    assert response.json()["message"] == (
        "That is too long for a phone number: at most 32 characters."
    )
    assert not user.phone_numbers.exists()


def test_a_missing_number_is_refused_as_invalid_input(api):
    response = api.post(NUMBERS, {"label": "Work"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "number"


def test_a_body_that_is_not_json_is_a_bad_request(client, token):
    response = client.post(
        NUMBERS, "{not json", content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_request"


@pytest.mark.parametrize("body", ['"x"', "[1, 2]", "null", "7", "true"])
def test_a_body_that_is_json_but_no_object_is_a_bad_request(client, token, body):
    response = client.post(NUMBERS, body, content_type="application/json", **bearer(token))
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_request"


@pytest.mark.parametrize("body", ['"x"', "[1, 2]", "null", "7", "true"])
def test_send_code_refuses_a_body_that_is_no_object_and_sends_nothing(
    client, token, phone, body, committed, sms_outbox
):
    with committed():
        response = client.post(
            url(phone, "send-code"), body, content_type="application/json", **bearer(token)
        )
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_request"
    assert not Message.objects.exists()
    assert sms_outbox == []


def test_send_code_takes_an_empty_body_as_no_body(client, token, phone):
    # As curl -X POST without -d sends it.
    response = client.post(url(phone, "send-code"), "", content_type="", **bearer(token))
    assert response.status_code == 202


def test_one_number_is_read_by_its_id(api, phone):
    response = api.get(url(phone))
    assert response.status_code == 200
    assert response.json()["id"] == phone.pk


def test_an_unknown_id_is_not_found(api):
    response = api.get(f"{NUMBERS}987654")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_the_label_is_changed(api, phone):
    response = api.patch(url(phone), {"label": "Work"})
    assert response.status_code == 200
    assert response.json()["label"] == "Work"
    phone.refresh_from_db()
    assert phone.label == "Work"


def test_a_label_too_long_is_refused_with_the_forms_sentence(api, phone):
    response = api.patch(url(phone), {"label": "x" * 41})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "label",
            "code": "max_length",
            "message": "Ensure this value has at most 40 characters (it has 41).",
        }
    ]


def test_deleting_the_primary_number_promotes_the_oldest_other_verified_one(api, user, clock):
    primary = PhoneNumberFactory(user=user, primary=True)
    clock.shift(timedelta(minutes=1))
    PhoneNumberFactory(user=user)  # older than the two below, but not verified
    clock.shift(timedelta(minutes=1))
    oldest = PhoneNumberFactory(user=user, verified=True)
    clock.shift(timedelta(minutes=1))
    newest = PhoneNumberFactory(user=user, verified=True)
    response = api.delete(url(primary))
    assert response.status_code == 204
    assert not PhoneNumber.objects.filter(pk=primary.pk).exists()
    listed = {item["id"]: item["is_primary"] for item in api.get(NUMBERS).json()}
    assert listed[oldest.pk] is True
    assert [pk for pk, is_primary in listed.items() if is_primary] == [oldest.pk]
    assert listed[newest.pk] is False


def test_deleting_twice_answers_not_found(api, phone):
    api.delete(url(phone))
    assert api.delete(url(phone)).status_code == 404


def test_a_verified_number_becomes_primary(api, user):
    PhoneNumberFactory(user=user, primary=True)
    phone = PhoneNumberFactory(user=user, verified=True)
    response = api.post(url(phone, "primary"))
    assert response.status_code == 200
    assert response.json()["is_primary"] is True
    assert user.phone_numbers.get(is_primary=True) == phone


def test_an_unverified_number_cannot_become_primary(api, phone):
    response = api.post(url(phone, "primary"))
    assert response.status_code == 409
    assert response.json()["code"] == "not_verified"
    assert response.json()["message"] == "Only a verified number can be your primary number."


def test_send_code_queues_the_sms_and_shows_the_code_state(api, phone, sms_outbox, committed):
    with committed():
        response = api.post(url(phone, "send-code"))
    assert response.status_code == 202
    code = response.json()["code"]
    assert code["status"] == "live"
    assert code["delivery"]["state"] == "sending"
    assert len(sms_outbox) == 1
    sid = Message.objects.get().twilio_sid
    Message.objects.record_status_report({"MessageSid": sid, "MessageStatus": "delivered"})
    delivery = api.get(url(phone)).json()["code"]["delivery"]
    assert delivery["state"] == "delivered"
    assert delivery["text"] == "The code was delivered."


def test_a_second_code_within_the_cooldown_is_429_with_the_seconds_to_wait(api, phone, clock):
    api.post(url(phone, "send-code"))
    clock.shift(timedelta(seconds=18))
    response = api.post(url(phone, "send-code"))
    assert response.status_code == 429
    assert response["Retry-After"] == "42"
    assert response.json() == {
        "code": "resend_too_soon",
        "message": "A code was just sent. You can request another in 42 seconds.",
        "errors": [],
    }


def test_the_hourly_code_quota_is_429_with_retry_after(api, phone, clock):
    for _ in range(5):
        assert api.post(url(phone, "send-code")).status_code == 202
        clock.shift(timedelta(minutes=2))
    response = api.post(url(phone, "send-code"))
    assert response.status_code == 429
    assert response.json()["code"] == "code_quota_reached"
    assert response["Retry-After"] == str(50 * 60)


def test_codes_other_accounts_asked_for_are_429_without_revealing_them(api, phone, other_user):
    PhoneNumberFactory(user=other_user, number=phone.number).start_verification()
    response = api.post(url(phone, "send-code"))
    assert response.status_code == 429
    assert response.json()["code"] == "number_busy"
    assert response.json()["message"] == (
        "We cannot send a code to this number right now. Please try again in a few minutes."
    )
    assert response["Retry-After"] == "300"


def test_a_site_budget_reached_is_429_retry_after_an_hour(api, phone, settings):
    settings.SMS_BUDGET_SEGMENTS_PER_HOUR = 0
    response = api.post(url(phone, "send-code"))
    assert response.status_code == 429
    assert response.json() == {
        "code": "budget_reached",
        "message": "We cannot send text messages right now. Please try again in an hour.",
        "errors": [],
    }
    assert response["Retry-After"] == "3600"
    assert not Message.objects.exists()


def test_a_countrys_budget_reached_is_429_budget_reached_too(api, phone, settings):
    settings.SMS_BUDGET_SEGMENTS_PER_COUNTRY_PER_HOUR = 0
    response = api.post(url(phone, "send-code"))
    assert response.status_code == 429
    assert response.json()["code"] == "budget_reached"
    assert response.json()["message"] == (
        "We cannot send more text messages to this country right now. Please try again in an hour."
    )
    assert response["Retry-After"] == "3600"
    assert not Message.objects.exists()


def test_a_verified_number_gets_no_code(api, user):
    phone = PhoneNumberFactory(user=user, verified=True)
    response = api.post(url(phone, "send-code"))
    assert response.status_code == 409
    assert response.json()["code"] == "already_verified"


def test_sending_to_a_region_turned_off_is_a_conflict(api, user, settings, sms_outbox):
    phone = PhoneNumberFactory(user=user, number="+447911123456")
    settings.PHONE_ALLOWED_REGIONS = ["US"]
    response = api.post(url(phone, "send-code"))
    assert response.status_code == 409
    assert response.json() == {
        "code": "sending_turned_off",
        "message": "SMS to United Kingdom are turned off on this site.",
        "errors": [],
    }
    assert "Retry-After" not in response
    assert not Message.objects.exists()


def test_simulate_picks_the_offline_senders_outcome(api, phone, settings):
    settings.SMS_SENDER = "sms.senders.offline.OfflineSender"
    api.post(url(phone, "send-code"), {"simulate": "undelivered"})
    assert Message.objects.get().simulate == "undelivered"


def test_simulate_is_ignored_with_a_real_sender(api, phone):
    api.post(url(phone, "send-code"), {"simulate": "undelivered"})
    assert Message.objects.get().simulate == ""


def test_the_right_code_verifies_and_makes_the_first_number_primary(api, phone, send_code):
    code = send_code(phone)
    response = api.post(url(phone, "verify"), {"code": f" {code[:3]}-{code[3:]} "})
    assert response.status_code == 200
    assert response.json()["is_verified"] is True
    assert response.json()["is_primary"] is True


def test_a_wrong_code_says_how_many_tries_are_left(api, phone, send_code):
    code = send_code(phone)
    wrong = "000000" if code != "000000" else "111111"
    response = api.post(url(phone, "verify"), {"code": wrong})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "code", "code": "wrong_code", "message": "That code is not right. 4 tries left."}
    ]


def test_a_code_that_is_not_six_digits_is_refused_by_the_form(api, phone, send_code):
    send_code(phone)
    response = api.post(url(phone, "verify"), {"code": "12"})
    assert response.status_code == 422
    assert response.json()["message"] == "Enter the 6-digit code from the text message."


def test_an_expired_code_is_refused_as_code_expired(api, phone, send_code, clock):
    code = send_code(phone)
    clock.shift(timedelta(minutes=11))
    response = api.post(url(phone, "verify"), {"code": code})
    assert response.status_code == 422
    assert response.json() == {
        "code": "code_expired",
        "message": "This code has expired. Send a new code.",
        "errors": [
            {
                "field": "code",
                "code": "code_expired",
                "message": "This code has expired. Send a new code.",
            }
        ],
    }
    phone.refresh_from_db()
    assert not phone.is_verified


def test_a_code_of_a_guarded_number_checked_twice_needs_renewal(api, phone, send_code, settings):
    # Every number is guarded (its daily cap of wrong codes across accounts is 0): a code
    # takes one try, and even the right code cannot be checked after a wrong one.
    settings.VERIFICATION_MAX_FAILURES_PER_DAY = 0
    code = send_code(phone)
    api.post(url(phone, "verify"), {"code": "000000" if code != "000000" else "111111"})
    response = api.post(url(phone, "verify"), {"code": code})
    assert response.status_code == 422
    assert response.json() == {
        "code": "code_needs_renewal",
        "message": "This code can no longer be checked. Send a new code.",
        "errors": [
            {
                "field": "code",
                "code": "code_needs_renewal",
                "message": "This code can no longer be checked. Send a new code.",
            }
        ],
    }
    phone.refresh_from_db()
    assert not phone.is_verified


def test_checking_before_any_code_was_sent_is_refused(api, phone):
    response = api.post(url(phone, "verify"), {"code": "123456"})
    assert response.status_code == 422
    assert response.json()["code"] == "no_code_sent"


def test_too_many_wrong_codes_today_is_429_with_retry_after(api, phone, send_code, clock):
    for _ in range(2):
        code = send_code(phone)
        wrong = "000000" if code != "000000" else "111111"
        for _ in range(5):
            api.post(url(phone, "verify"), {"code": wrong})
        clock.shift(timedelta(minutes=15))
    response = api.post(url(phone, "verify"), {"code": "123456"})
    assert response.status_code == 429
    assert response.json()["code"] == "too_many_wrong_codes"
    assert int(response["Retry-After"]) > 22 * 3600


def test_messages_of_the_code_sms_carry_no_secret(api, phone, send_code):
    code = send_code(phone)
    assert code not in api.get(url(phone)).content.decode()


def test_a_pending_sms_to_a_deleted_number_is_cancelled(api, user):
    phone = PhoneNumberFactory(user=user, verified=True)
    message = MessageFactory(user=user, phone=phone)
    api.delete(url(phone))
    message.refresh_from_db()
    assert message.status == "failed"
