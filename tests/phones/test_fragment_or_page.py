"""Every phone URL that answers htmx with a fragment and a browser with a page (or a redirect to
one) says so in Vary, so that no cache hands one the other's answer; and htmx restoring history
(HX-History-Restore-Request) gets what a browser gets, never a bare fragment."""

import pytest
from django.urls import reverse

from tests.factories import PhoneNumberFactory

from .conftest import HTMX

pytestmark = pytest.mark.django_db

MANAGE = reverse("phones:manage")
HISTORY_RESTORE = HTMX | {"HTTP_HX_HISTORY_RESTORE_REQUEST": "true"}


@pytest.fixture
def phone(user):
    return PhoneNumberFactory(user=user, number="+12065550101")


def vary(response):
    return {header.strip() for header in response.get("Vary", "").split(",")}


# (URL name, method, form data): every view whose answer depends on HX-Request.
FRAGMENT_OR_PAGE = [
    ("row", "get", {}),
    ("code_delivery", "get", {}),
    ("add", "post", {"number": "+1 206 555 0199", "region": "US"}),
    ("send_code", "post", {}),
    ("verify", "post", {"code": "12"}),
    ("make_primary", "post", {}),
    ("edit_label", "post", {"label": "Home"}),
    ("delete", "post", {}),
]


def target(name, phone):
    return reverse(f"phones:{name}", args=[] if name == "add" else [phone.pk])


@pytest.mark.parametrize(
    ("name", "method", "data"), FRAGMENT_OR_PAGE, ids=[view[0] for view in FRAGMENT_OR_PAGE]
)
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "fragment"])
def test_the_answer_varies_on_htmx_headers(user_client, phone, name, method, data, headers):
    response = getattr(user_client, method)(target(name, phone), data, **headers)
    assert response.status_code in (200, 286, 302)
    assert {"HX-Request", "HX-History-Restore-Request"} <= vary(response)


@pytest.mark.parametrize("name", ["row", "code_delivery"])
def test_a_history_restore_is_sent_to_the_page_like_a_browser(user_client, phone, name):
    response = user_client.get(target(name, phone), **HISTORY_RESTORE)
    assert response.status_code == 302
    assert response.url == f"{MANAGE}#phone-{phone.pk}"
    fragment = user_client.get(target(name, phone), **HTMX)
    assert fragment.status_code in (200, 286) and b"<html" not in fragment.content


def test_the_page_itself_is_always_the_page(user_client, phone):
    response = user_client.get(MANAGE, **HISTORY_RESTORE)
    assert response.status_code == 200
    assert b"<html" in response.content and b'id="sidebar"' in response.content


def test_the_delete_confirmation_is_always_a_page(user_client, phone):
    response = user_client.get(target("delete", phone), **HISTORY_RESTORE)
    assert b"<html" in response.content and b"Delete (206) 555-0101?" in response.content
