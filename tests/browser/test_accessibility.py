"""axe-core finds no serious or critical violation on the main pages, light or dark."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from sms.models import Status
from tests.factories import PhoneNumberFactory, MessageFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

SIGNED_OUT = ["/accounts/login/", "/accounts/signup/"]
SIGNED_IN = ["/dashboard/", "/dashboard/phone-management/", "/dashboard/sms-tests/"]


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
    sign_in(user)
    for path in SIGNED_IN:
        page.goto(live_url + path)
        found[path] = serious_violations(page)
    assert {path: v for path, v in found.items() if v} == {}
