"""Scale-out: two web servers and two task workers on one PostgreSQL database, as on two
machines, with the real Twilio sender talking to a fake Twilio in this process.

Four accounts send test messages at once through both servers, 50 each up to their quota
plus 2 over it; both workers send them; Twilio's status callbacks ('sent', then
'delivered') come to one server or the other. Each message must reach Twilio exactly once,
the quota and the site's hourly budget (exactly 200 segments) must hold across processes,
and every message must end delivered.
"""

import concurrent.futures
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Sum
from django.test import Client
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks_db.models import DBTaskResult
from twilio.request_validator import RequestValidator

from phones.models import PhoneNumber
from sms.models import BudgetTrip, Message, Status
from tests.sms.fake_twilio import MESSAGES_PATH, FakeTwilio, created

PROJECT = Path(__file__).resolve().parents[1]
ACCOUNTS = 4
NUMBERS_PER_ACCOUNT = 2
PER_ACCOUNT = 50  # the quota: SMS_TESTS_PER_USER_PER_10_MINUTES
OVER_QUOTA = 2  # attempts per account beyond it, which must be refused
TOTAL = ACCOUNTS * PER_ACCOUNT  # 200, also the site's budget of segments per hour
WORKERS = ["scale-out-1", "scale-out-2"]
QUOTA_REFUSAL = "You have reached the test-message limit"

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_servers_and_two_workers_send_each_message_once_within_the_limits(tmp_path):
    started = time.monotonic()
    accounts = make_accounts()
    processes = []
    with FakeTwilio() as twilio:
        twilio.reply(*[created() for _ in range(TOTAL)])
        env = production_env(twilio.url)
        try:
            servers = []
            for n in (1, 2):
                port = free_port()
                processes.append(
                    start(
                        ["-m", "gunicorn", "-c", "config/gunicorn.py", "config.wsgi"],
                        {**env, "GUNICORN_BIND": f"127.0.0.1:{port}"},
                        tmp_path / f"web-{n}.log",
                    )
                )
                servers.append(f"http://127.0.0.1:{port}")
            for worker_id in WORKERS:
                processes.append(
                    start(
                        [
                            *["manage.py", "db_worker", "--interval", "0.1"],
                            *["--no-startup-delay", "--no-reload", "--worker-id", worker_id],
                        ],
                        env,
                        tmp_path / f"{worker_id}.log",
                    )
                )
            for server in servers:
                wait_until_healthy(server, processes, tmp_path)
            booted = time.monotonic()

            outcomes = send_all(servers, accounts)
            sent = time.monotonic()
            wait_until_handed_over(twilio, processes, tmp_path)
            handed_over = time.monotonic()
            report_all(servers, twilio)
        finally:
            stop(processes)
    reported = time.monotonic()

    # Through both servers: exactly the quota per account, the rest refused by it.
    statuses = [status for _, status, _ in outcomes]
    assert statuses.count(302) == TOTAL, outcomes
    refused = [text for _, status, text in outcomes if status == 200]
    assert len(refused) == ACCOUNTS * OVER_QUOTA
    assert all(QUOTA_REFUSAL in text for text in refused)
    tests = Message.objects.tests()
    for account in accounts:
        assert tests.filter(user=account["user"]).count() == PER_ACCOUNT
    # The site's hourly budget was reached and not passed, and never tripped.
    assert tests.aggregate(segments=Sum("segments"))["segments"] == TOTAL
    assert not BudgetTrip.objects.exists()

    # Each message reached Twilio exactly once, from both workers.
    assert len(twilio.requests) == TOTAL
    assert all(MESSAGES_PATH.match(request.path) for request in twilio.requests)
    callback_ids = [message_id(request.fields["StatusCallback"]) for request in twilio.requests]
    assert sorted(callback_ids) == sorted(str(m.public_id) for m in tests)
    sends = DBTaskResult.objects.filter(task_path="sms.tasks.send_message")
    assert sends.count() == TOTAL
    assert set(sends.values_list("status", flat=True)) == {"SUCCESSFUL"}
    assert {worker for ids in sends.values_list("worker_ids", flat=True) for worker in ids} == set(
        WORKERS
    )

    # Every message reached its final status, through callbacks to either server.
    sids = {answer["sid"] for _, answer in twilio.answers}
    assert set(tests.values_list("twilio_sid", flat=True)) == sids
    assert set(tests.values_list("status", flat=True)) == {Status.DELIVERED}
    for message in tests.prefetch_related("status_reports"):
        reports = [report.status for report in message.status_reports.all()]
        assert sorted(reports) == ["delivered", "queued", "sent"], reports

    print(
        f"\nscale-out: start {booted - started:.1f} s, {len(outcomes)} sends over HTTP "
        f"{sent - booted:.1f} s, all handed to Twilio {handed_over - booted:.1f} s, "
        f"{2 * TOTAL} callbacks {reported - handed_over:.1f} s, total {reported - started:.1f} s"
    )


# --- The accounts -------------------------------------------------------------------------


def make_accounts():
    """Accounts with verified numbers, made directly, each with a session and a CSRF token
    a client of the servers can present."""
    accounts = []
    for a in range(ACCOUNTS):
        user = get_user_model().objects.create_user(f"scale{a}", f"scale{a}@example.com", "x")
        phones = [
            PhoneNumber.objects.create(
                user=user,
                # 555-01xx: numbers phonenumbers takes as valid US mobiles, reserved for fiction.
                number=f"+141555501{a * NUMBERS_PER_ACCOUNT + n:02d}",
                verified_at=timezone.now(),
                is_primary=n == 0,
            )
            for n in range(NUMBERS_PER_ACCOUNT)
        ]
        client = Client()
        client.force_login(user)
        csrf = get_random_string(32)  # a CSRF secret of our choosing, as the cookie and field
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        accounts.append(
            {
                "user": user,
                "phones": phones,
                "csrf": csrf,
                "cookie": f"{settings.SESSION_COOKIE_NAME}={session}; "
                f"{settings.CSRF_COOKIE_NAME}={csrf}",
            }
        )
    return accounts


def send_all(servers, accounts):
    """Every account's attempts at once, interleaved, alternately to each server.
    Returns (account index, HTTP status, body if not a redirect) per attempt."""
    attempts = [(a, n) for n in range(PER_ACCOUNT + OVER_QUOTA) for a in range(len(accounts))]

    def send(index):
        a, n = attempts[index]
        account = accounts[a]
        response = requests.post(
            servers[index % len(servers)] + "/dashboard/sms-tests/send/",
            data={
                "csrfmiddlewaretoken": account["csrf"],
                "phone": account["phones"][n % NUMBERS_PER_ACCOUNT].pk,
                "template": "custom",
                "body": f"Scale-out test {a}-{n}",
            },
            headers={"Cookie": account["cookie"]},
            allow_redirects=False,
            timeout=30,
        )
        return a, response.status_code, "" if response.is_redirect else response.text

    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
        return list(pool.map(send, range(len(attempts))))


def report_all(servers, twilio):
    """Twilio's callbacks for each message it took: 'sent' to one server, then 'delivered'
    to the other, signed for the callback URL the message was sent with."""
    validator = RequestValidator(settings.TWILIO_AUTH_TOKEN)
    # The fake answers requests in parallel threads: its lists of requests and of answers
    # are not in the same order. Each text is unique, and the answer repeats it.
    sid_of_body = {answer["body"]: answer["sid"] for _, answer in twilio.answers}
    pairs = [
        (request.fields["StatusCallback"], sid_of_body[request.fields["Body"]])
        for request in twilio.requests
    ]

    def report(index):
        callback, sid = pairs[index]
        url = urlsplit(callback)
        for step, status in enumerate(["sent", "delivered"]):
            fields = {"MessageSid": sid, "MessageStatus": status}
            response = requests.post(
                f"{servers[(index + step) % len(servers)]}{url.path}?{url.query}",
                data=fields,
                headers={"X-Twilio-Signature": validator.compute_signature(callback, fields)},
                timeout=30,
            )
            assert response.status_code == 200, response.text

    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(report, range(len(pairs))))


def message_id(callback):
    query = urlsplit(callback).query
    assert query.startswith("m="), callback
    return query.removeprefix("m=")


# --- The processes ------------------------------------------------------------------------


def production_env(twilio_url):
    """Production's settings (DEBUG off) on the test database, with the real Twilio sender
    pointed at the fake, and quotas that let exactly TOTAL messages through."""
    database = connection.settings_dict
    credentials = quote(database["USER"] or "", safe="")
    if database["PASSWORD"]:
        credentials += ":" + quote(database["PASSWORD"], safe="")
    port = f":{database['PORT']}" if database["PORT"] else ""
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    env.update(
        DJANGO_SETTINGS_MODULE="tests.config.served_settings",
        DATABASE_URL=f"postgres://{credentials}@{database['HOST'] or 'localhost'}{port}/"
        f"{database['NAME']}",
        DEBUG="false",
        SECRET_KEY=settings.SECRET_KEY,  # the sessions made here must be valid there
        ALLOWED_HOSTS="127.0.0.1,localhost",
        PUBLIC_BASE_URL=settings.PUBLIC_BASE_URL,
        SECURE_SSL_REDIRECT="false",
        TASKS_BACKEND="django_tasks_db.DatabaseBackend",
        SMS_SENDER="sms.senders.twilio.TwilioSender",
        TWILIO_ACCOUNT_SID=settings.TWILIO_ACCOUNT_SID,
        TWILIO_AUTH_TOKEN=settings.TWILIO_AUTH_TOKEN,
        TWILIO_FROM_NUMBER=settings.TWILIO_FROM_NUMBER,
        TWILIO_MESSAGING_SERVICE_SID="",
        TWILIO_API_BASE_URL=twilio_url,
        PHONE_ALLOWED_REGIONS="US",
        SMS_TESTS_PER_USER_PER_10_MINUTES=str(PER_ACCOUNT),
        SMS_TESTS_PER_USER_PER_DAY="1000",
        SMS_TESTS_PER_NUMBER_PER_10_MINUTES="1000",
        SMS_BUDGET_SEGMENTS_PER_HOUR=str(TOTAL),
        SMS_BUDGET_SEGMENTS_PER_COUNTRY_PER_HOUR=str(TOTAL),
        SMS_BUDGET_PER_IP_PER_HOUR="1000",
        WEB_CONCURRENCY="2",
        GUNICORN_ACCESS_LOG="",
        LOG_LEVEL="WARNING",
    )
    return env


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(arguments, env, log_path):
    # Its own process group: stop() signals the server with its workers, and nothing else.
    return subprocess.Popen(
        [sys.executable, *arguments],
        cwd=PROJECT,
        env=env,
        stdout=log_path.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def logs(log_dir):
    return "\n".join(f"--- {path.name}\n{path.read_text()[-2000:]}" for path in log_dir.iterdir())


def wait_until_healthy(server, processes, log_dir, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert all(p.poll() is None for p in processes), logs(log_dir)
        try:
            if requests.get(server + "/healthz", timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    pytest.fail(f"{server} was not healthy within {timeout} s\n{logs(log_dir)}")


def wait_until_handed_over(twilio, processes, log_dir, timeout=60):
    """Until no message waits for a worker or for Twilio's answer."""
    waiting = Message.objects.filter(status__in=[Status.PENDING, Status.SUBMITTING])
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert all(p.poll() is None for p in processes), logs(log_dir)
        if len(twilio.requests) >= TOTAL and not waiting.exists():
            return
        time.sleep(0.2)
    pytest.fail(f"{waiting.count()} messages still waiting after {timeout} s\n{logs(log_dir)}")


def stop(processes):
    """SIGTERM to each process group (gunicorn and its workers stop gracefully on it), then
    SIGKILL for any still running after 20 s."""
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + 20
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
