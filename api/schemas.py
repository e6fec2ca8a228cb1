"""What the routers share: examples in the OpenAPI description, id bounds, simulation."""

from sms.senders import simulates_outcomes

# Ids are 64-bit: a larger one names nothing, and is refused as input rather than looked up.
bounded_id = {"ge": 1, "le": 2**63 - 1}

SIMULATE_DESCRIPTION = (
    "Development only (the offline sender): the delivery report to play back, as the "
    "page's Simulate choice. Ignored with a real sender."
)


def examples(*values):
    """A schema's `json_schema_extra` with these examples (dicts)."""
    return {"examples": list(values)}


def simulated(outcome):
    """The outcome value to simulate (an OutboxMessage.Outcome or None): itself with the
    offline sender, "" with a real one, which sends what it is given."""
    return outcome.value if outcome and simulates_outcomes() else ""


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
