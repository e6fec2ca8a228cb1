import os
import socket

import pytest

from tests.sms.fake_twilio import FakeTwilio

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def pytest_collection_modifyitems(config, items):
    """PostgreSQL-only tests skip on SQLite locally, but CI must never skip them."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return
    for item in items:
        if item.get_closest_marker("postgres"):
            if os.environ.get("CI"):
                raise pytest.UsageError("CI must run the postgres-marked tests on PostgreSQL")
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)"))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # Debian's Chromium: Playwright cannot download its own browser on these machines.
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
        ],
    }


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user(
        username="alice", email="alice@example.com", password="correct horse 42", first_name="Alice"
    )


@pytest.fixture
def other_user(django_user_model):
    return django_user_model.objects.create_user(
        username="bob", email="bob@example.com", password="correct horse 43", first_name="Bob"
    )


@pytest.fixture
def user_client(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed(): ...` runs what waits for the commit right after the block, as a
    request's commit does: a queued SMS is then handed to the (immediate) task backend."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture(autouse=True)
def sms_outbox():
    """Messages the locmem sender 'sent' during this test."""
    from sms.senders.locmem import LocmemSender

    LocmemSender.outbox.clear()
    yield LocmemSender.outbox
    LocmemSender.outbox.clear()


@pytest.fixture
def fake_twilio(settings):
    """Twilio's Messages API on 127.0.0.1, where TwilioSender now sends."""
    with FakeTwilio() as fake:
        settings.TWILIO_API_BASE_URL = fake.url
        yield fake


@pytest.fixture
def unreachable_twilio(settings):
    """Points TwilioSender at a port that refuses connections.

    The kernel refuses connections to a socket bound but not listening; holding it open
    keeps anything else from taking the port during the test.
    """
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        host, port = sock.getsockname()
        settings.TWILIO_API_BASE_URL = f"http://{host}:{port}"
        yield
