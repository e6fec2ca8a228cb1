"""GET /metrics: refused without its token or address, and the series it promises."""

import subprocess
import sys
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max
from prometheus_client.parser import text_string_to_metric_families
from twilio.request_validator import RequestValidator

from tests.factories import PhoneNumberFactory

pytestmark = pytest.mark.django_db
URL = "/metrics"
WEBHOOK = "/webhooks/twilio/status/"
PUBLIC_WEBHOOK = "https://sms.example.test/webhooks/twilio/status/"
TOKEN = "scrape-token-0123456789"


@pytest.fixture
def token(settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_IPS = []
    return TOKEN


def scrape(client=None, **headers):
    response = (client or Client()).get(URL, HTTP_AUTHORIZATION=f"Bearer {TOKEN}", **headers)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/plain")
    return series(response.content.decode())


def series(text):
    """{(sample name, ((label, value), ...)): value} of an exposition."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def callback(client, sid, status, **extra):
    fields = {"MessageSid": sid, "MessageStatus": status, **extra}
    signature = RequestValidator("test-auth-token").compute_signature(PUBLIC_WEBHOOK, fields)
    return client.post(WEBHOOK, fields, HTTP_X_TWILIO_SIGNATURE=signature)


def callbacks(values, outcome):
    return values.get(("phonebook_sms_status_callbacks_total", (("outcome", outcome),)), 0)


# Who may scrape


def test_without_a_token_or_addresses_configured_there_is_no_metrics_page(settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_IPS = []
    assert Client().get(URL, HTTP_AUTHORIZATION="Bearer anything").status_code == 404


@pytest.mark.parametrize("authorization", [None, "Bearer wrong-token", f"Basic {TOKEN}", "Bearer"])
def test_a_missing_or_wrong_token_is_refused(token, authorization):
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    response = Client().get(URL, **headers)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert b"phonebook_" not in response.content


def test_the_right_token_reads_the_metrics(token):
    assert ("phonebook_metrics_database_up", ()) in scrape()


def test_addresses_alone_let_those_networks_in(settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/8", "192.0.2.7"]
    assert Client().get(URL, REMOTE_ADDR="10.1.2.3").status_code == 200
    assert Client().get(URL, REMOTE_ADDR="192.0.2.7").status_code == 200
    assert Client().get(URL, REMOTE_ADDR="198.51.100.1").status_code == 403


def test_with_both_the_token_and_the_address_must_match(settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/8"]
    good = f"Bearer {TOKEN}"
    assert Client().get(URL, REMOTE_ADDR="10.0.0.9", HTTP_AUTHORIZATION=good).status_code == 200
    assert Client().get(URL, REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION=good).status_code == 403
    assert Client().get(URL, REMOTE_ADDR="10.0.0.9").status_code == 401


# What it exposes


def test_a_code_sent_and_its_callbacks_show_in_the_series(token, user, committed, client):
    before = scrape()
    phone = PhoneNumberFactory(user=user)
    with committed():
        message = phone.start_verification()
    message.refresh_from_db()
    assert callback(client, message.twilio_sid, "delivered").status_code == 200
    callback(client, message.twilio_sid, "delivered")  # a repeat
    callback(client, "SM" + "f" * 32, "delivered")  # no such message
    callback(client, message.twilio_sid, "delivered", ErrorCode="abc")  # malformed: 400

    values = scrape()
    purpose = (("purpose", "verification"),)
    assert values[("phonebook_sms_handed_over_total", purpose)] == 1
    assert values[("phonebook_sms_delivered_total", purpose)] == 1
    assert values[("phonebook_sms_messages", (*purpose, ("status", "delivered")))] == 1
    assert values[("phonebook_verification_codes_sent_total", ())] == 1
    assert values[("phonebook_phone_numbers_verified_total", ())] == 0
    for outcome in ("applied", "duplicate", "unknown", "rejected"):
        assert callbacks(values, outcome) == callbacks(before, outcome) + 1, outcome
    webhook = (("le", "0.2"), ("view", "sms:twilio_status"))
    assert values[("phonebook_http_request_duration_seconds_bucket", webhook)] >= 4
    assert values[("phonebook_metrics_database_up", ())] == 1


def test_failures_are_counted_by_status_and_error_code(token, user, client, committed):
    phone = PhoneNumberFactory(user=user)
    with committed():
        message = phone.start_verification()
    message.refresh_from_db()
    callback(client, message.twilio_sid, "undelivered", ErrorCode="30003")
    labels = (("error_code", "30003"), ("purpose", "verification"), ("status", "undelivered"))
    assert scrape()[("phonebook_sms_failed_total", labels)] == 1


def test_the_task_queue_depth_and_the_age_of_its_oldest_ready_task(token):
    task = DBTaskResult.objects.create(
        task_path="sms.tasks.send_message",
        args_kwargs={"args": [1], "kwargs": {}},
        backend_name="default",
        run_after=get_date_max(),
    )
    DBTaskResult.objects.filter(pk=task.pk).update(
        enqueued_at=timezone.now() - timedelta(minutes=3)
    )
    values = scrape()
    queue = (("queue", "default"),)
    assert values[("phonebook_task_queue_ready", queue)] == 1
    assert 170 < values[("phonebook_task_queue_oldest_ready_age_seconds", queue)] < 400


def test_with_a_multiprocess_directory_the_processes_files_are_added_up(
    token, tmp_path, monkeypatch
):
    """Under gunicorn every worker writes its counts to PROMETHEUS_MULTIPROC_DIR; a scrape,
    whichever worker answers it, reads them all."""
    worker = (
        "from prometheus_client import Counter\n"
        "c = Counter('phonebook_sms_status_callbacks', 'x', ['outcome'])\n"
        "c.labels(outcome='applied').inc(3)\n"
    )
    for _ in range(2):  # two worker processes
        subprocess.run(
            [sys.executable, "-c", worker],
            env={"PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "PATH": ""},
            check=True,
        )
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    values = scrape()
    assert callbacks(values, "applied") == 6
    assert ("phonebook_metrics_database_up", ()) in values  # the database's series too
