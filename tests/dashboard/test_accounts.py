import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_root_sends_visitor_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.url == reverse("login")


def test_root_sends_signed_in_user_to_dashboard(user_client):
    response = user_client.get("/")
    assert response.url == reverse("dashboard:home")


@pytest.mark.parametrize(
    "url", ["/dashboard/", "/dashboard/phone-management/", "/dashboard/sms-tests/"]
)
def test_pages_require_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_signup_creates_account_and_signs_in(client, django_user_model):
    response = client.post(
        reverse("signup"),
        {
            "username": "carol",
            "email": "carol@example.com",
            "first_name": "Carol",
            "password1": "a long passphrase 77",
            "password2": "a long passphrase 77",
        },
        follow=True,
    )
    assert django_user_model.objects.filter(username="carol").exists()
    assert response.redirect_chain[-1][0] == reverse("dashboard:home")
    assert "Hello, Carol" in response.content.decode()


def test_signup_with_mismatched_passwords_shows_error_next_to_field(client, django_user_model):
    response = client.post(
        reverse("signup"),
        {"username": "dave", "password1": "a long passphrase 77", "password2": "other 99 words"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_password2_error"' in html
    assert "match" in html
    assert not django_user_model.objects.filter(username="dave").exists()


def test_logout_is_post_only(user_client):
    assert user_client.get(reverse("logout")).status_code == 405
    response = user_client.post(reverse("logout"))
    assert response.status_code == 302
    assert user_client.get("/dashboard/").status_code == 302


def test_password_reset_sends_email(client, user, mailoutbox):
    client.post(reverse("password_reset"), {"email": user.email})
    assert len(mailoutbox) == 1
    assert "/accounts/reset/" in mailoutbox[0].body


def test_layout_has_sidebar_breadcrumbs_and_current_page(user_client):
    html = user_client.get("/dashboard/phone-management/").content.decode()
    assert 'aria-label="Main"' in html
    assert 'aria-label="Breadcrumb"' in html
    assert '<a href="/dashboard/phone-management/" aria-current="page">' in html, (
        "sidebar marks Phone Numbers as the current page"
    )
    assert "Phone number management" in html
