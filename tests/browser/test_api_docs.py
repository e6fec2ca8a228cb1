"""The API's interactive docs (/api/v1/docs) run under the site's strict CSP."""

import pytest
from playwright.sync_api import expect

from tests.factories import PhoneNumberFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_docs_render_every_endpoint_without_a_console_error(page, live_url):
    errors = []
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_url}/api/v1/docs")
    expect(page.locator(".opblock")).to_have_count(12, timeout=10_000)
    expect(page.get_by_text("Phonebook API").first).to_be_visible()
    assert errors == []


def test_a_signed_in_user_tries_an_endpoint_from_the_docs(page, live_url, sign_in):
    user = UserFactory()
    PhoneNumberFactory(user=user, number="+12065550142")
    sign_in(user)
    errors = []
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    page.goto(f"{live_url}/api/v1/docs")
    operation = page.locator(".opblock", has_text="List your numbers")
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.get_by_role("button", name="Execute").click()
    answer = operation.locator(".live-responses-table")
    expect(answer).to_contain_text('"+12065550142"', timeout=10_000)
    assert errors == []
