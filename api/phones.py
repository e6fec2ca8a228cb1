"""`/api/v1/users/me/phone-numbers/`: the signed-in user's numbers, as on the phone page.

Every action calls the forms (AddPhoneForm, CodeForm, LabelForm) and PhoneNumber methods
the page calls, so the rules, limits and sentences are the page's. A number's `id` is the
page's own (its URLs use it too); another account's id answers 404, like an unknown one.
"""

from datetime import datetime
from typing import Annotated, Literal

from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Path, Router, Schema
from ninja import Status as Answer
from pydantic import ConfigDict, Field, StringConstraints

from phones.forms import AddPhoneForm, CodeForm, LabelForm
from phones.models import (
    CannotAddNumber,
    CodeRejected,
    CodeRequestRefused,
    NotVerified,
    PhoneNumber,
)
from sms.clients import client_ip
from sms.models import OutboxMessage

from .errors import invalid_form, refused
from .schemas import (
    SIMULATE_DESCRIPTION,
    answers,
    bounded_id,
    examples,
    form_max_length,
    simulated,
)

router = Router(tags=["Phone numbers"])


class CodeDeliveryOut(Schema):
    state: Literal["sending", "sent", "delivered", "unknown", "failed"]
    text: str = Field(description="What became of the code's SMS, as the page says it.")
    delivered_at: datetime | None


class CodeOut(Schema):
    status: Literal["live", "expired", "exhausted"] = Field(
        description="live: it can be checked; expired: too old; exhausted: too many wrong tries."
    )
    sent_at: datetime
    expires_at: datetime
    delivery: CodeDeliveryOut | None


PHONE_EXAMPLE = {
    "id": 7,
    "number": "+14155550123",
    "display": "(415) 555-0123",
    "label": "Work",
    "country": "US",
    "is_verified": False,
    "verified_at": None,
    "is_primary": False,
    "created_at": "2026-03-02T12:00:00Z",
    "code": {
        "status": "live",
        "sent_at": "2026-03-02T12:00:05Z",
        "expires_at": "2026-03-02T12:10:05Z",
        "delivery": {
            "state": "delivered",
            "text": "The code was delivered.",
            "delivered_at": "2026-03-02T12:00:09Z",
        },
    },
}


class PhoneOut(Schema):
    id: int
    number: str = Field(description="E.164")
    display: str = Field(description="As people write it: national format at home.")
    label: str
    country: str = Field(description="ISO 3166 code; empty for non-geographic numbers.")
    is_verified: bool
    verified_at: datetime | None
    is_primary: bool
    created_at: datetime
    code: CodeOut | None = Field(
        description="The last code sent to an unverified number; null without one."
    )

    model_config = ConfigDict(json_schema_extra=examples(PHONE_EXAMPLE))

    @staticmethod
    def resolve_number(phone):
        return phone.number.as_e164

    @staticmethod
    def resolve_code(phone):
        if phone.is_verified or phone.code_status == "none":
            return None
        delivery = phone.code_delivery
        return {
            "status": phone.code_status,
            "sent_at": phone.code_sent_at,
            "expires_at": phone.code_expires_at,
            "delivery": delivery
            and {
                "state": delivery.state,
                "text": delivery.text,
                "delivered_at": delivery.at,
            },
        }


class AddIn(Schema):
    number: str = Field(
        description="As typed: with + and the country code, or national with `region`.",
        **form_max_length(AddPhoneForm, "number"),
    )
    region: Annotated[str, StringConstraints(to_upper=True)] = Field(
        "",
        max_length=2,
        description="ISO 3166 code of the country the number is from when it has no +, "
        "in either case; one of PHONE_ALLOWED_REGIONS (default: the site's default region).",
    )
    label: str = Field("", **form_max_length(AddPhoneForm, "label"))

    model_config = ConfigDict(
        json_schema_extra=examples({"number": "(415) 555-0123", "region": "US", "label": "Work"})
    )


class LabelIn(Schema):
    label: str = Field(
        description="Empty removes the label.", **form_max_length(LabelForm, "label")
    )

    model_config = ConfigDict(json_schema_extra=examples({"label": "Work"}))


class SendCodeIn(Schema):
    simulate: OutboxMessage.Outcome | None = Field(None, description=SIMULATE_DESCRIPTION)

    model_config = ConfigDict(json_schema_extra=examples({"simulate": "delivered"}))


class VerifyIn(Schema):
    code: str = Field(
        description="The 6 digits the SMS carried.", **form_max_length(CodeForm, "code")
    )

    model_config = ConfigDict(json_schema_extra=examples({"code": "123456"}))


PhoneId = Path(..., **bounded_id, example=7)


def own_phone(request, phone_id):
    """The signed-in user's number `phone_id`; Http404 (answered 404) for any other."""
    return get_object_or_404(request.auth.phone_numbers.select_related("code_message"), pk=phone_id)


def fresh(phone):
    """`phone` (a PhoneNumber) as stored now, with its code's SMS, after an action changed it."""
    return PhoneNumber.objects.select_related("code_message").get(pk=phone.pk)


@router.get("/", response=answers({200: list[PhoneOut]}), summary="List your numbers")
def list_numbers(request):
    """Your numbers, oldest first, as the phone page lists them."""
    return request.auth.phone_numbers.select_related("code_message")


@router.post(
    "/",
    response=answers({201: PhoneOut}, 400, 403, 422),
    summary="Add a number",
    description="Adds an unverified number. It sends no code: ask for one with send-code. "
    "Refused with 422 and the page's sentence when the number is invalid, from a country "
    "we do not text or not a mobile number (`invalid`), already on your account or one "
    "too many (`cannot_add_number`).",
)
def add_number(request, payload: AddIn):
    form = AddPhoneForm(payload.dict(), user=request.auth)
    if not form.is_valid():
        raise invalid_form(form)
    try:
        phone = form.save()
    except CannotAddNumber as refusal:  # another request added one meanwhile
        raise refused(refusal) from None
    return Answer(201, fresh(phone))


@router.get("/{phone_id}", response=answers({200: PhoneOut}, 404), summary="Get a number")
def get_number(request, phone_id: int = PhoneId):
    return own_phone(request, phone_id)


@router.patch(
    "/{phone_id}",
    response=answers({200: PhoneOut}, 400, 403, 404, 422),
    summary="Change a number's label",
)
def change_label(request, payload: LabelIn, phone_id: int = PhoneId):
    phone = own_phone(request, phone_id)
    form = LabelForm(payload.dict())
    if not form.is_valid():
        raise invalid_form(form)
    phone.change_label(form.cleaned_data["label"])
    return phone


@router.delete(
    "/{phone_id}",
    response=answers({204: None}, 403, 404),
    summary="Delete a number",
    description="If it was your primary number, your oldest other verified number becomes "
    "primary. SMS to it that were not sent yet are cancelled.",
)
def delete_number(request, phone_id: int = PhoneId):
    phone = own_phone(request, phone_id)
    try:
        phone.remove()
    except PhoneNumber.DoesNotExist:
        raise Http404("Deleted meanwhile by another request") from None
    return Answer(204, None)


@router.post(
    "/{phone_id}/primary",
    response=answers({200: PhoneOut}, 403, 404, 409),
    summary="Make a number your primary number",
    description="Only a verified number can be primary (409 `not_verified`).",
)
def make_primary(request, phone_id: int = PhoneId):
    phone = own_phone(request, phone_id)
    try:
        phone.make_primary()
    except NotVerified as refusal:
        raise refused(refusal) from None
    return fresh(phone)


@router.post(
    "/{phone_id}/send-code",
    response=answers({202: PhoneOut}, 400, 403, 404, 409, 422, 429),
    summary="Send a verification code",
    description="Queues an SMS with a new 6-digit code (the previous code stops working); "
    "a worker sends it, and `code.delivery` follows it. 429 with Retry-After for every "
    "limit: the wait between codes, the hourly and daily code quotas, too many wrong "
    "codes, and the site's budgets; 409 when the number is verified already or SMS to it "
    "are turned off. The body is optional; when given, it is a JSON object.",
)
def send_code(request, payload: SendCodeIn | None = None, phone_id: int = PhoneId):
    phone = own_phone(request, phone_id)
    try:
        phone.start_verification(
            simulate=simulated(payload and payload.simulate), client_ip=client_ip(request)
        )
    except CodeRequestRefused as refusal:
        raise refused(refusal) from None
    return Answer(202, fresh(phone))


@router.post(
    "/{phone_id}/verify",
    response=answers({200: PhoneOut}, 400, 403, 404, 409, 429),
    summary="Verify a number with its code",
    description="422 for a wrong, expired or used-up code (the page's sentence: how many "
    "tries are left), 429 after too many wrong codes for the number today, 409 for a "
    "number verified already. The first verified number becomes primary.",
)
def verify(request, payload: VerifyIn, phone_id: int = PhoneId):
    phone = own_phone(request, phone_id)
    form = CodeForm(payload.dict())
    if not form.is_valid():
        raise invalid_form(form)
    try:
        phone.check_code(form.cleaned_data["code"])
    except CodeRejected as rejection:
        raise refused(rejection) from None
    return fresh(phone)
