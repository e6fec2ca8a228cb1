"""What the routers share: examples in the OpenAPI description, id bounds, the forms'
limits, simulation."""

from pydantic import ValidationError, WrapValidator
from pydantic_core import PydanticCustomError

from sms.models import OutboxMessage

# Ids are 64-bit: a larger one names nothing, and is refused as input rather than looked up.
bounded_id = {"ge": 1, "le": 2**63 - 1}

SIMULATE_DESCRIPTION = (
    "Development only (the offline sender): the delivery report to play back, as the "
    "page's Simulate choice. Ignored with a real sender."
)


def form_max_length(form_class, name):
    """A Field keyword stating the longest text the field `name` of `form_class` (a Django
    form) takes: the field's max_length, else its widget's maxlength (a field that checks
    the length in its clean method, for a sentence of its own).

    Only stated, in the OpenAPI description: the form enforces it, so that the answer is
    the page's sentence.
    """
    field = form_class.base_fields[name]
    return {"json_schema_extra": {"maxLength": field.max_length or field.widget.attrs["maxlength"]}}


def one_error(code, message):
    """A validator (for Annotated) that answers any invalid value of a union type with one
    error, `code` and `message`, on the field itself: pydantic gives one per member of the
    union, each at a location naming the member ("phone_number.int")."""

    def validate(value, handler):
        try:
            return handler(value)
        except ValidationError:
            raise PydanticCustomError(code, message) from None

    return WrapValidator(validate)


def examples(*values):
    """A schema's `json_schema_extra` with these examples (dicts)."""
    return {"examples": list(values)}


def simulated(outcome):
    """The outcome value to simulate (an OutboxMessage.Outcome or None): itself with the
    offline sender, "" with a real one, which sends what it is given."""
    return OutboxMessage.outcome_to_play(outcome.value if outcome else "")


def answers(ok, *refusals):
    """An operation's `response` mapping: `ok` ({status: schema}), then an ErrorOut for
    401 and 422 (every operation needs credentials, and may be given parameters of the
    wrong type or out of bounds) and for each status in `refusals`."""
    from .errors import ErrorOut

    return {**ok, **dict.fromkeys((401, 422, *refusals), ErrorOut)}


def param_example(value):
    """A query parameter's example (a Field keyword). A parameter's `examples` must be a map in
    OpenAPI, and django-ninja copies the schema's list there; a single `example` is right."""
    return {"json_schema_extra": {"example": value}}
