"""The dashboard's widgets refresh themselves from their own URLs. Those URLs answer htmx with the
widget alone and a browser (or htmx restoring history) with the dashboard, at the widget; the
answer says so in Vary."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
HISTORY_RESTORE = HTMX | {"HTTP_HX_HISTORY_RESTORE_REQUEST": "true"}
WIDGETS = [("dashboard:phone_widget", "phone-widget"), ("dashboard:sms_widget", "sms-widget")]


def vary(response):
    return {header.strip() for header in response.get("Vary", "").split(",")}


@pytest.mark.parametrize(("name", "widget"), WIDGETS)
def test_htmx_gets_the_widget_alone(user_client, name, widget):
    response = user_client.get(reverse(name), **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<section class="card widget" id="{widget}"')
    assert "<html" not in html
    assert {"HX-Request", "HX-History-Restore-Request"} <= vary(response)


@pytest.mark.parametrize(("name", "widget"), WIDGETS)
@pytest.mark.parametrize("headers", [{}, HISTORY_RESTORE], ids=["browser", "history-restore"])
def test_a_browser_or_a_history_restore_goes_to_the_dashboard_at_the_widget(
    user_client, name, widget, headers
):
    response = user_client.get(reverse(name), **headers)
    assert response.status_code == 302
    assert response.url == f"{reverse('dashboard:home')}#{widget}"
    assert {"HX-Request", "HX-History-Restore-Request"} <= vary(response)
