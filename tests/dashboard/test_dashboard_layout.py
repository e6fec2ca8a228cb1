"""The dashboard reads in one order at every width: the phone widget (with "Getting started")
first, so that at phone width it is on the first screen, then the quick actions, then the SMS
widget. Its heading says where you are: no breadcrumb trail repeats it."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_phone_widget_comes_before_the_quick_actions_and_the_sms_widget(user_client):
    html = user_client.get(reverse("dashboard:home")).content.decode()
    order = [
        html.index('id="phone-widget"'),
        html.index('id="quick-actions-heading"'),
        html.index('id="sms-widget"'),
    ]
    assert order == sorted(order)
    assert html.index("<h1>") < order[0]


def test_a_first_time_user_meets_getting_started_before_anything_else(user_client):
    html = user_client.get(reverse("dashboard:home")).content.decode()
    main = html[html.index('<main id="main"') :]
    assert main.index("Getting started") < main.index("Quick actions")
    assert main.index("Add your first number") < main.index("Manage phone numbers")


def test_the_dashboard_has_no_breadcrumbs_but_the_pages_below_it_do(user_client):
    assert (
        'aria-label="Breadcrumb"' not in user_client.get(reverse("dashboard:home")).content.decode()
    )
    below = user_client.get(reverse("phones:manage")).content.decode()
    assert '<nav class="breadcrumbs" aria-label="Breadcrumb">' in below
