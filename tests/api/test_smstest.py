"""/api/v1/sms/test/: sending, following one test, the history and the templates."""

from datetime import timedelta

import pytest
from django.utils import timezone

from sms.models import Message
from smstest.models import MessageTemplate
from tests.factories import MessageFactory, PhoneNumberFactory

from .conftest import TESTS

pytestmark = pytest.mark.django_db


@pytest.fixture
def phone(user):
    return PhoneNumberFactory(user=user, number="+12065550101", primary=True)


@pytest.fixture
def template():
    return MessageTemplate.objects.create(name="Hi", body="Hi {first_name}, from {site_name}.")


def report(message, status, **fields):
    Message.objects.record_status_report(
        {"MessageSid": message.twilio_sid, "MessageStatus": status, **fields}
    )


def test_a_custom_message_is_queued_then_sent_after_the_commit(api, phone, sms_outbox, committed):
    with committed():
        response = api.post(TESTS, {"phone_number": phone.pk, "message": "Does it arrive?"})
    assert response.status_code == 202
    body = response.json()
    assert body["number"] == "+12065550101"
    assert body["text"] == "Does it arrive?"
    assert (body["status"], body["is_final"], body["delivery_status"]) == (
        "pending",
        False,
        "on-the-way",
    )
    assert (body["segments"], body["encoding"]) == (1, "GSM-7")
    message = Message.objects.get()
    assert body["id"] == str(message.public_id)
    assert [sms.body for sms in sms_outbox] == ["Does it arrive?"]


def test_the_number_can_be_given_in_e164_and_a_template_by_its_id(api, phone, template):
    response = api.post(TESTS, {"phone_number": "+12065550101", "template": template.pk})
    assert response.status_code == 202
    assert response.json()["text"] == "Hi Alice, from Phonebook."


def test_unicode_text_is_measured_in_ucs2_segments(api, phone):
    response = api.post(TESTS, {"phone_number": phone.pk, "message": "Grüße 👋 " * 10})
    assert response.json()["encoding"] == "UCS-2"
    assert response.json()["segments"] == 2


@pytest.mark.parametrize("by", ["id", "e164"])
def test_a_number_of_yours_not_verified_yet_is_a_conflict_saying_to_verify_it(api, user, phone, by):
    pending = PhoneNumberFactory(user=user, number="+12065550109")
    named = pending.pk if by == "id" else "+12065550109"
    response = api.post(TESTS, {"phone_number": named, "message": "Hi"})
    assert response.status_code == 409
    assert response.json() == {
        "code": "not_verified",
        "message": "Test messages go only to numbers you have verified. Verify this number "
        "first: send it a code and check the code.",
        "errors": [],
    }
    assert not Message.objects.exists()


CHOOSE = {
    "field": "phone_number",
    "code": "invalid_choice",
    "message": "Choose one of your verified numbers: its id, or the number in E.164.",
}


def test_another_accounts_number_is_refused_like_any_unknown_one(api, phone, other_user):
    theirs = PhoneNumberFactory(user=other_user, number="+12065550102", verified=True)
    answers = [
        api.post(TESTS, {"phone_number": named, "message": "Hi"})
        for named in (theirs.pk, theirs.number.as_e164, 987654, "+12065550199")
    ]
    assert [answer.status_code for answer in answers] == [422] * 4
    assert [answer.json() for answer in answers] == [
        {"code": "invalid", "message": CHOOSE["message"], "errors": [CHOOSE]}
    ] * 4
    assert not Message.objects.exists()


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("", CHOOSE["message"]),
        ("not a number", CHOOSE["message"]),
        ("+1206555\x000101", "Null characters are not allowed."),
    ],
)
def test_a_number_that_is_no_number_is_refused_as_unknown(api, phone, number, message):
    response = api.post(TESTS, {"phone_number": number, "message": "Hi"})
    assert response.status_code == 422
    assert [(e["field"], e["message"]) for e in response.json()["errors"]] == [
        ("phone_number", message)
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"phone_number": True}, "phone_number"),
        ({"phone_number": 1.0}, "phone_number"),
        ({"phone_number": None}, "phone_number"),
        ({"phone_number": [1]}, "phone_number"),
        ({"phone_number": 0}, "phone_number"),
        ({"phone_number": "{pk}", "template": True}, "template"),
        ({"phone_number": "{pk}", "template": 1.0}, "template"),
        ({"phone_number": "{pk}", "template": "1"}, "template"),
    ],
)
def test_a_bool_or_a_float_is_no_id(api, phone, template, body, field):
    body = {key: phone.pk if value == "{pk}" else value for key, value in body.items()}
    response = api.post(TESTS, {**body, "message": "Hi"} if field == "template" else body)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"
    assert [error["field"] for error in response.json()["errors"]] == [field]
    assert not Message.objects.exists()


def test_a_wrong_type_of_number_is_one_error_on_the_field(api, phone):
    response = api.post(TESTS, {"phone_number": True, "template": 1})
    assert response.json()["errors"] == [
        {
            "field": "phone_number",
            "code": "invalid",
            "message": "Give the number's id (an integer) or the number in E.164 (a string).",
        }
    ]


def test_neither_template_nor_text_is_refused(api, phone):
    response = api.post(TESTS, {"phone_number": phone.pk})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "message"


def test_text_with_a_bidirectional_override_is_refused(api, phone):
    response = api.post(TESTS, {"phone_number": phone.pk, "message": "Pay \u202eevil"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "message"


def test_a_test_quota_reached_is_429_with_the_seconds_to_wait(api, user, phone, clock):
    for _ in range(3):
        MessageFactory(user=user, phone=phone)
    response = api.post(TESTS, {"phone_number": phone.pk, "message": "Hi"})
    assert response.status_code == 429
    assert response.json()["code"] == "test_quota_reached"
    assert response.json()["message"].startswith(
        "You have reached the test-message limit. This number has had 3 tests in the last "
        "10 minutes (the limit)."
    )
    assert response["Retry-After"] == "600"


def test_a_site_budget_reached_is_429_retry_after_an_hour(api, phone, settings):
    settings.SMS_BUDGET_SEGMENTS_PER_COUNTRY_PER_HOUR = 0
    response = api.post(TESTS, {"phone_number": phone.pk, "message": "Hi"})
    assert response.status_code == 429
    assert response.json() == {
        "code": "budget_reached",
        "message": "We cannot send more text messages to this country right now. "
        "Please try again in an hour.",
        "errors": [],
    }
    assert response["Retry-After"] == "3600"


def test_simulate_is_kept_with_the_offline_sender(api, phone, settings):
    settings.SMS_SENDER = "sms.senders.offline.OfflineSender"
    api.post(TESTS, {"phone_number": phone.pk, "message": "Hi", "simulate": "failed"})
    assert Message.objects.get().simulate == "failed"


def test_the_status_is_followed_until_it_is_final(api, phone, committed):
    with committed():
        test_id = api.post(TESTS, {"phone_number": phone.pk, "message": "Hi"}).json()["id"]
    message = Message.objects.get()
    sent = api.get(f"{TESTS}{test_id}").json()
    assert (sent["status"], sent["is_final"], sent["sid"]) == ("queued", False, message.twilio_sid)
    report(message, "delivered")
    delivered = api.get(f"{TESTS}{test_id}").json()
    assert (delivered["status"], delivered["delivery_status"], delivered["is_final"]) == (
        "delivered",
        "delivered",
        True,
    )
    assert delivered["delivered_at"] is not None
    assert delivered["error"] is None


def test_a_failed_test_explains_the_error(api, phone, committed):
    with committed():
        test_id = api.post(TESTS, {"phone_number": phone.pk, "message": "Hi"}).json()["id"]
    report(Message.objects.get(), "undelivered", ErrorCode="30003")
    body = api.get(f"{TESTS}{test_id}").json()
    assert body["delivery_status"] == "not-delivered"
    assert body["is_final"] is True
    assert body["error"]["code"] == 30003
    assert body["error"]["docs_url"].endswith("30003")
    assert body["error"]["title"]


def test_a_test_stuck_in_a_dead_worker_becomes_outcome_unknown(api, user, phone):
    message = MessageFactory(
        user=user,
        phone=phone,
        status="submitting",
        submitted_at=timezone.now() - timedelta(minutes=6),
    )
    body = api.get(f"{TESTS}{message.public_id}").json()
    assert body["status"] == "unknown"
    assert body["delivery_status"] == "unknown"
    assert body["error"]["title"] == "Outcome unknown"


def test_an_unknown_test_id_is_not_found(api):
    response = api.get(f"{TESTS}0b6f2a36-5d54-4a59-9c43-1f0e0e9f5a11")
    assert response.status_code == 404


def test_a_verification_code_is_no_test(api, user, phone):
    code = MessageFactory(user=user, phone=phone, purpose="verification")
    assert api.get(f"{TESTS}{code.public_id}").status_code == 404
    assert api.get(TESTS).json()["results"] == []


def test_the_history_is_newest_first_25_a_page(api, user, phone):
    now = timezone.now()
    messages = [
        MessageFactory(user=user, phone=phone, created_at=now - timedelta(minutes=minute))
        for minute in range(27)
    ]
    first = api.get(TESTS).json()
    assert (first["page"], first["has_next"]) == (1, True)
    assert [item["id"] for item in first["results"]] == [
        str(message.public_id) for message in messages[:25]
    ]
    second = api.get(TESTS, page=2).json()
    assert [item["id"] for item in second["results"]] == [
        str(message.public_id) for message in messages[25:]
    ]
    assert (second["page"], second["has_next"]) == (2, False)
    assert api.get(TESTS, page=3).json() == {"page": 3, "has_next": False, "results": []}


def test_the_history_filters_by_status_group_and_by_number(api, user, phone):
    other = PhoneNumberFactory(user=user, number="+12065550102", verified=True)
    delivered = MessageFactory(user=user, phone=phone, status="delivered")
    MessageFactory(user=user, phone=phone, status="failed")
    to_other = MessageFactory(user=user, phone=other, status="failed")

    def ids(**filters):
        return {item["id"] for item in api.get(TESTS, **filters).json()["results"]}

    assert ids(status="delivered") == {str(delivered.public_id)}
    assert len(ids(status="not-delivered")) == 2
    assert ids(status="failed", number="+12065550102") == {str(to_other.public_id)}
    assert ids(number="+19995550100") == set()


@pytest.mark.parametrize("typed", ["(206) 555-0102", "2065550102", "+1 206-555-0102"])
def test_the_history_filter_reads_the_number_as_the_add_form_does(api, user, phone, typed):
    other = PhoneNumberFactory(user=user, number="+12065550102", verified=True)
    to_other = MessageFactory(user=user, phone=other)
    MessageFactory(user=user, phone=phone)
    response = api.get(TESTS, number=typed)
    assert [item["id"] for item in response.json()["results"]] == [str(to_other.public_id)]


@pytest.mark.parametrize("typed", ["not a number", "+1206555\x000102", "12"])
def test_a_history_filter_that_is_no_number_matches_nothing(api, user, phone, typed):
    MessageFactory(user=user, phone=phone)
    response = api.get(TESTS, number=typed)
    assert response.status_code == 200
    assert response.json()["results"] == []


def test_an_unknown_status_filter_is_invalid_input(api):
    response = api.get(TESTS, status="lost")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "status"


def test_the_templates_are_the_active_ones_in_the_panels_order(api, template):
    MessageTemplate.objects.create(name="Old", body="Gone", is_active=False)
    listed = api.get(f"{TESTS}templates").json()
    assert {"id": template.pk, "name": "Hi", "text": "Hi {first_name}, from {site_name}."} in listed
    assert "Old" not in [item["name"] for item in listed]
    assert [item["id"] for item in listed] == list(
        MessageTemplate.objects.filter(is_active=True).values_list("pk", flat=True)
    )
