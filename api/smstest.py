"""`/api/v1/sms/test/`: send test SMS to your verified numbers and follow their status.

Sending goes through SendTestForm.send(), as the SMS panel does: the same number, text and
quota rules, under the same lock, with the same sentences. A test's `id` is its message's
opaque `public_id` (a UUID, also in Twilio's status-callback URL), never the row's
sequential key: ids reveal nothing about how many messages the site has sent.
"""

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from django.shortcuts import get_object_or_404
from ninja import Path, Query, Router, Schema
from ninja import Status as Answer
from phonenumber_field.phonenumber import PhoneNumber, to_python
from pydantic import ConfigDict, Field, StrictInt, StrictStr

from sms.clients import client_ip
from sms.destinations import numbers_meant_by
from sms.models import Message, OutboxMessage, Status
from smstest.forms import CUSTOM, SendTestForm
from smstest.models import MessageTemplate, tests_of
from smstest.paging import MAX_PAGE, page_of
from smstest.views import STATUS_GROUPS, status_group

from .errors import ApiError, invalid_form
from .schemas import (
    SIMULATE_DESCRIPTION,
    answers,
    bounded_id,
    examples,
    form_max_length,
    one_error,
    param_example,
)

router = Router(tags=["SMS tests"])
DeliveryStatus = Literal[tuple(group.value for group in STATUS_GROUPS)]
StatusFilter = Literal[tuple(group.value for group in STATUS_GROUPS) + tuple(Status.values)]


class TestError(Schema):
    code: int | None = Field(description="Twilio's error code; null when none is known.")
    title: str
    message: str = Field(description="What happened, in plain words.")
    action: str = Field(description="What to do about it.")
    docs_url: str = Field(description="Twilio's page for the code; empty without one.")


TEST_EXAMPLE = {
    "id": "0b6f2a36-5d54-4a59-9c43-1f0e0e9f5a11",
    "number": "+14155550123",
    "text": "Hello from Phonebook! This is a test message sent at 12:00.",
    "status": "delivered",
    "status_label": "Delivered",
    "delivery_status": "delivered",
    "is_final": True,
    "sent_at": "2026-03-02T12:00:00Z",
    "delivered_at": "2026-03-02T12:00:04Z",
    "error": None,
    "segments": 1,
    "encoding": "GSM-7",
    "sid": "SM0123456789abcdef0123456789abcdef",
}


class TestOut(Schema):
    id: UUID
    number: str = Field(description="E.164")
    text: str
    status: Status = Field(description="Where the message is now (Twilio's status words).")
    status_label: str
    delivery_status: DeliveryStatus = Field(
        description="The status in the history filter's words: delivered, not-delivered, "
        "unknown (the outcome could not be confirmed) or on-the-way."
    )
    is_final: bool = Field(description="True once the status can no longer change: stop polling.")
    sent_at: datetime = Field(description="When the test was asked for.")
    delivered_at: datetime | None
    error: TestError | None
    segments: int
    encoding: Literal["GSM-7", "UCS-2"]
    sid: str | None = Field(description="Twilio's message SID, once Twilio has the message.")

    model_config = ConfigDict(json_schema_extra=examples(TEST_EXAMPLE))

    @staticmethod
    def resolve_id(message):
        return message.public_id

    @staticmethod
    def resolve_number(message):
        return message.to_number.as_e164

    @staticmethod
    def resolve_text(message):
        return message.body

    @staticmethod
    def resolve_status_label(message):
        return message.get_status_display()

    @staticmethod
    def resolve_delivery_status(message):
        return status_group(message.status).value

    @staticmethod
    def resolve_sent_at(message):
        return message.created_at

    @staticmethod
    def resolve_error(message):
        error = message.error
        if error is None:
            return None
        return {
            "code": error.code,
            "title": error.title,
            "message": error.explanation,
            "action": error.action,
            "docs_url": error.docs_url,
        }

    @staticmethod
    def resolve_sid(message):
        return message.twilio_sid


# One of the user's numbers: its id, or its number in E.164. Strict: JSON true or 1.0 is
# no id (pydantic would read them as 1).
PhoneRef = Annotated[
    Annotated[StrictInt, Field(**bounded_id)] | StrictStr,
    one_error("invalid", "Give the number's id (an integer) or the number in E.164 (a string)."),
]


class TestIn(Schema):
    phone_number: PhoneRef = Field(
        description="One of your verified numbers: its id, or the number in E.164."
    )
    template: StrictInt | None = Field(
        None, **bounded_id, description="A template's id (see /sms/test/templates)."
    )
    message: Annotated[str, Field(**form_max_length(SendTestForm, "body"))] | None = Field(
        None,
        description="Your own text. With a template too, the template is sent if this is "
        "its text, else this text, as on the panel.",
    )
    simulate: OutboxMessage.Outcome | None = Field(None, description=SIMULATE_DESCRIPTION)

    model_config = ConfigDict(
        json_schema_extra=examples(
            {"phone_number": "+14155550123", "template": 1},
            {"phone_number": 7, "message": "Does this reach the phone?", "simulate": "failed"},
        )
    )

    def form_data(self):
        """The SendTestForm fields this request stands for."""
        return {
            "phone": self.phone_number,
            "template": CUSTOM if self.template is None else str(self.template),
            "body": self.message or "",
            "simulate": self.simulate.value if self.simulate else "",
        }


class TestPage(Schema):
    page: int
    has_next: bool = Field(
        description="Whether an older page follows (the list is not counted: a page costs "
        "the same however many tests there are)."
    )
    results: list[TestOut]

    model_config = ConfigDict(
        json_schema_extra=examples({"page": 1, "has_next": False, "results": [TEST_EXAMPLE]})
    )


class TemplateOut(Schema):
    id: int
    name: str
    text: str = Field(
        description="With its placeholders ({site_name}, {first_name}, {number}, {time}), "
        "filled in when sent."
    )

    model_config = ConfigDict(
        json_schema_extra=examples(
            {"id": 1, "name": "Hello", "text": "Hello from {site_name}! Sent at {time}."}
        )
    )

    @staticmethod
    def resolve_text(template):
        return template.body


class HistoryFilters(Schema):
    status: StatusFilter | None = Field(
        None, description="A delivery_status group, or one status.", **param_example("delivered")
    )
    number: str | None = Field(
        None,
        max_length=40,
        description="Only tests to this number: in E.164, or national in the site's "
        "default region or an allowed one, as the add form reads numbers.",
        **param_example("+14155550123"),
    )
    page: int = Field(
        1,
        ge=1,
        le=MAX_PAGE,
        description="From 1; past the last: an empty page.",
        **param_example(2),
    )


TestId = Path(..., example=TEST_EXAMPLE["id"])


@router.post(
    "/",
    response=answers({202: TestOut}, 400, 403, 409, 422, 429),
    summary="Send a test SMS",
    description="Queues a test to one of your verified numbers; a worker sends it. Poll "
    "its status until `is_final`. 409 `not_verified` for a number of yours that is not "
    "verified yet; 422 for a number that is none of your verified ones (whether it exists "
    "elsewhere is not told), and with the panel's sentences for an unknown template or "
    "text we cannot send; 429 with Retry-After over a test quota (`test_quota_reached`) "
    "or a site budget (`budget_reached`).",
)
def send_test(request, payload: TestIn):
    """The queued test (202), or the ApiError of SendTestForm's refusal; a number of the
    user's that is not verified yet is a 409 of its own."""
    phone = named_phone(request.auth, payload.phone_number)
    data = payload.form_data()
    data["phone"] = phone.pk if phone else data["phone"]
    form = SendTestForm(data, user=request.auth, client_ip=client_ip(request))
    # The form's refusal of a number that is none of the user's verified ones, in the
    # API's words: it names ids and E.164 numbers, not the panel's select.
    for reason in ("required", "invalid_choice"):
        form.fields["phone"].error_messages[reason] = CHOOSE_A_VERIFIED_NUMBER
    message = form.send()
    if message is None:
        if phone and not phone.is_verified and form.has_error("phone", "invalid_choice"):
            raise ApiError(409, "not_verified", VERIFY_IT_FIRST)
        raise invalid_form(form, {"phone": "phone_number", "body": "message"})
    return Answer(202, message)


CHOOSE_A_VERIFIED_NUMBER = "Choose one of your verified numbers: its id, or the number in E.164."
# The panel's sentence for an account without a verified number, and what to do.
VERIFY_IT_FIRST = (
    "Test messages go only to numbers you have verified. Verify this number first: send "
    "it a code and check the code."
)


def named_phone(user, value):
    """The PhoneNumber of `user`, verified or not, that `value` names (its id, an int, or
    its number in E.164, a str), or None. Another account's number is None too: the
    answer must not tell whether it exists."""
    if isinstance(value, int):
        return user.phone_numbers.filter(pk=value).first()
    # Parsed first: only a valid number is looked up (PostgreSQL refuses some text, such
    # as a NUL character, in a query).
    number = to_python(value)
    if isinstance(number, PhoneNumber) and number.is_valid():
        return user.phone_numbers.filter(number=number).first()
    return None


@router.get("/", response=answers({200: TestPage}), summary="Your tests, newest first")
def history(request, filters: Query[HistoryFilters]):
    """Paginated by 25 like the history page, with the same status groups."""
    tests = tests_of(request.auth)
    if filters.status:
        tests = tests.filter(status__in=status_group(filters.status).statuses)
    if filters.number:
        # The number however it is written, as the add form reads it (valid numbers only,
        # so nothing else reaches the query), among the numbers this user has texted.
        texted = set(Message.objects.recipients_of(request.auth, Message.Purpose.TEST))
        meant = numbers_meant_by(filters.number) & texted
        tests = tests.filter(to_number__in=meant)
    page = page_of(tests, filters.page)
    return {"page": page.number, "has_next": page.has_next, "results": page.object_list}


@router.get("/templates", response=answers({200: list[TemplateOut]}), summary="Templates to send")
def templates(request):
    """The active templates, in the panel's order."""
    return MessageTemplate.objects.filter(is_active=True)


@router.get(
    "/{test_id}",
    response=answers({200: TestOut}, 404),
    summary="A test's status",
    description="Poll this (every few seconds) until `is_final` is true. Some carriers "
    "never report delivery: a test may stay `sent` for good.",
)
def test_status(request, test_id: UUID = TestId):
    message = get_object_or_404(tests_of(request.auth), public_id=test_id)
    if message.give_up_if_stuck():  # a worker died mid-send, as the page checks
        message.refresh_from_db()
    return message
