"""Signing in through the real login form in a browser page (Playwright), for every test
that drives headless Chromium."""

PASSWORD = "correct horse 42"  # the factories' password


def sign_in(page, base_url, user, password=PASSWORD):
    """Sign `user` in on `page` at the live server `base_url`; returns when the dashboard
    has loaded."""
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base_url}/dashboard/")
