"""axe-core finds no serious or critical violation on the main pages, light or dark."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from sms.models import Status
from tests.factories import MessageFactory, PhoneNumberFactory, UserFactory

from .states import code_rows_in_every_state, outcome_unknown_test

pytestmark = pytest.mark.django_db(transaction=True)

SIGNED_OUT = ["/accounts/login/", "/accounts/signup/"]
PHONES = "/dashboard/phone-management/"
SIGNED_IN = ["/dashboard/", PHONES, "/dashboard/sms-tests/", "/dashboard/sms-tests/panel/"]

CODE_STATES = [
    "Sending code",
    "Code sent",
    "Code delivered",
    "Code not delivered",
    "Outcome unknown",
]


def serious_violations(page):
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_main_pages_have_no_serious_violations(page, live_url, sign_in, scheme):
    page.emulate_media(color_scheme=scheme)
    found = {}
    for path in SIGNED_OUT:
        page.goto(live_url + path)
        found[path] = serious_violations(page)

    user = UserFactory()
    phone = PhoneNumberFactory(user=user, primary=True, label="Mobile")
    PhoneNumberFactory(user=user, number="+14155550177")
    MessageFactory(user=user, phone=phone, status=Status.DELIVERED)
    MessageFactory(user=user, phone=phone, status=Status.UNDELIVERED, error_code=30003)
    outcome_unknown_test(user, phone)
    # Pending numbers whose code is sending, sent, delivered, refused (21610) and unknown.
    code_rows_in_every_state(user)
    sign_in(user)
    for path in SIGNED_IN:
        page.goto(live_url + path)
        if path == PHONES:
            # Checked once the SMS panel has loaded into its placeholder.
            panel = page.locator("#sms-testing")
            expect(panel.get_by_role("button", name="Send test message")).to_be_visible()
            expect(page.locator(".code-delivery .badge")).to_have_text(CODE_STATES)
        found[path] = serious_violations(page)
    assert {path: v for path, v in found.items() if v} == {}


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_staff_insights_page_has_no_serious_violations(page, live_url, sign_in, scheme):
    page.emulate_media(color_scheme=scheme)
    staff = UserFactory(is_staff=True)
    phone = PhoneNumberFactory(user=staff, primary=True)
    MessageFactory(user=staff, phone=phone, status=Status.DELIVERED, segments=2)
    MessageFactory(user=staff, phone=phone, status=Status.UNDELIVERED, error_code=30003)
    sign_in(staff)
    page.goto(f"{live_url}/staff/insights/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator("svg").first).to_be_visible()  # the charts are drawn
    assert serious_violations(page) == []
