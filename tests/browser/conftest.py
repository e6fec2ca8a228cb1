"""Browser journeys: real headless Chromium against the live server, at two widths."""

import threading
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.db import connection
from django_tasks_db.management.commands.db_worker import Worker
from twilio.request_validator import RequestValidator

from tests.signing_in import PASSWORD
from tests.signing_in import sign_in as sign_in_on

VIEWPORTS = {"desktop": (1280, 800), "phone": (390, 844)}


def pytest_collection_modifyitems(items):
    # The hook sees every collected test, not only this folder's.
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(params=VIEWPORTS.values(), ids=VIEWPORTS.keys())
def browser_context_args(browser_context_args, request):
    width, height = request.param
    return {**browser_context_args, "viewport": {"width": width, "height": height}}


@pytest.fixture
def live_url(live_server):
    return live_server.url


@pytest.fixture
def sign_in(page, live_url):
    def sign_in(user, password=PASSWORD):
        sign_in_on(page, live_url, user, password)

    return sign_in


@pytest.fixture
def no_js_page(browser, browser_context_args):
    """A page in a browser context with JavaScript turned off, at the test's width."""
    context = browser.new_context(**browser_context_args, java_script_enabled=False)
    yield context.new_page()
    context.close()


@pytest.fixture
def sign_in_without_javascript(no_js_page, live_url):
    def sign_in(user, password=PASSWORD):
        sign_in_on(no_js_page, live_url, user, password)
        return no_js_page

    return sign_in


@pytest.fixture
def twilio_reports(live_url, settings):
    """Play Twilio: POST a signed status callback to the live server's webhook."""

    def report(sid, status, **extra):
        fields = {"MessageSid": sid, "MessageStatus": status, **extra}
        public_url = settings.PUBLIC_BASE_URL + "/webhooks/twilio/status/"
        signature = RequestValidator(settings.TWILIO_AUTH_TOKEN).compute_signature(
            public_url, fields
        )
        request = urllib.request.Request(
            f"{live_url}/webhooks/twilio/status/",
            data=urllib.parse.urlencode(fields).encode(),
            headers={"X-Twilio-Signature": signature},
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 200

    return report


@pytest.fixture
def offline_sender(settings):
    """Development's SMS sender: messages are kept and listed at /dev/outbox/."""
    settings.SMS_SENDER = "sms.senders.offline.OfflineSender"
    settings.DEBUG = True  # the outbox page exists only in development


@pytest.fixture
def task_worker(settings, offline_sender):
    """What `make run` starts beside the web server: the database task queue and a worker.

    The offline sender plays its delivery reports as deferred tasks, which the worker runs.
    """
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.OFFLINE_SENDER_STEP_SECONDS = 2
    worker = Worker(
        queue_names=["default"],
        interval=0.1,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="browser-tests",
        excluded_queue_names=[],
    )

    def work():
        try:
            worker.run()
        finally:
            connection.close()

    thread = threading.Thread(target=work)
    thread.start()
    yield
    worker.running = False
    thread.join(timeout=10)
