"""The API tokens page: made and revoked without JavaScript, and accessible."""

import pytest
from playwright.sync_api import expect

from api.models import AccessToken
from tests.factories import UserFactory

from .test_accessibility import serious_violations

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_token_is_made_and_revoked_without_javascript(sign_in_without_javascript, live_url):
    page = sign_in_without_javascript(UserFactory())
    page.goto(f"{live_url}/accounts/tokens/")
    page.get_by_label("Token name").fill("Deploy pipeline")
    page.get_by_label("Read-only").check()
    page.get_by_role("button", name="Create token").click()
    secret = page.locator("#new-token").inner_text()
    assert AccessToken.objects.find(secret).read_only
    page.get_by_role("button", name="Revoke “Deploy pipeline”").click()
    expect(page.get_by_text("Revoked “Deploy pipeline”. It no longer works.")).to_be_visible()
    assert AccessToken.objects.find(secret).is_revoked


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_tokens_page_has_no_serious_violations(page, live_url, sign_in, scheme):
    page.emulate_media(color_scheme=scheme)
    user = UserFactory()
    AccessToken.objects.create_for(user, name="Old script")[0].revoke()
    sign_in(user)
    page.goto(f"{live_url}/accounts/tokens/")
    page.get_by_label("Token name").fill("CI")
    page.get_by_role("button", name="Create token").click()
    expect(page.locator("#new-token")).to_be_visible()
    assert serious_violations(page) == []
