"""/healthz, what load balancers probe: the database answers and the task queue is worked."""

from datetime import timedelta

import pytest
from django.db import OperationalError
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from config import health

pytestmark = pytest.mark.django_db


def enqueue(*, waited=timedelta(0), run_after=None, status="READY"):
    """A task row as django-tasks-db writes it, enqueued `waited` ago."""
    task = DBTaskResult.objects.create(
        args_kwargs={"args": [1], "kwargs": {}},
        task_path="sms.tasks.send_message",
        backend_name="default",
        queue_name="default",
        run_after=run_after,
        status=status,
    )
    # enqueued_at is auto_now_add: only an UPDATE can put it in the past.
    DBTaskResult.objects.filter(pk=task.pk).update(enqueued_at=timezone.now() - waited)
    return task


def test_healthy_without_signing_in(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == {"status": "ok"}
    assert body["checks"]["task_queue"]["status"] == "ok"
    assert body["checks"]["task_queue"]["max_age_seconds"] == 300
    assert "failed" not in body


def test_is_never_cached_and_sets_no_cookie(client):
    response = client.get("/healthz")

    assert "no-cache" in response["Cache-Control"]
    assert "no-store" in response["Cache-Control"]
    assert not response.cookies


def test_answers_head_and_refuses_post(client):
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405


def test_a_task_that_has_waited_too_long_fails_the_queue_check(client):
    enqueue(waited=timedelta(minutes=6))

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "failing"
    assert body["failed"] == ["task_queue"]
    assert body["checks"]["database"] == {"status": "ok"}
    queue = body["checks"]["task_queue"]
    assert queue["status"] == "failed"
    assert 355 < queue["oldest_ready_task_age_seconds"] < 400
    assert "db_worker" in queue["reason"]


def test_a_recent_task_is_fine(client):
    enqueue(waited=timedelta(minutes=4))

    response = client.get("/healthz")

    assert response.status_code == 200
    assert 235 < response.json()["checks"]["task_queue"]["oldest_ready_task_age_seconds"] < 280


def test_a_deferred_task_waits_from_its_run_after_not_from_when_it_was_enqueued(client):
    # check_delivery is enqueued to run 5 minutes, 30 minutes, 6 hours later.
    enqueue(waited=timedelta(hours=6), run_after=timezone.now() - timedelta(minutes=1))
    enqueue(waited=timedelta(hours=1), run_after=timezone.now() + timedelta(hours=5))

    assert client.get("/healthz").status_code == 200


def test_a_deferred_task_overdue_for_too_long_fails(client):
    enqueue(waited=timedelta(hours=1), run_after=timezone.now() - timedelta(minutes=10))

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["failed"] == ["task_queue"]


def test_running_and_finished_tasks_do_not_count(client):
    for status in ("RUNNING", "SUCCESSFUL", "FAILED"):
        enqueue(waited=timedelta(days=1), status=status)

    assert client.get("/healthz").status_code == 200


def test_the_threshold_is_a_setting_and_zero_turns_the_queue_check_off(client, settings):
    enqueue(waited=timedelta(minutes=2))
    settings.HEALTHZ_MAX_TASK_AGE_SECONDS = 60
    assert client.get("/healthz").status_code == 503

    settings.HEALTHZ_MAX_TASK_AGE_SECONDS = 0
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["checks"]["task_queue"] == {"status": "disabled"}


def test_a_database_that_does_not_answer_fails_and_says_only_which_check(
    client, monkeypatch, caplog
):
    class Unreachable:
        def cursor(self):
            raise OperationalError("connection to server at 10.0.0.5 refused; password=hunter2")

    monkeypatch.setattr(health, "connection", Unreachable())

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["failed"] == ["database"]
    assert body["checks"]["database"] == {
        "status": "failed",
        "reason": "the database did not answer",
    }
    assert body["checks"]["task_queue"] == {"status": "skipped"}
    # The details go to the log, not to whoever asks.
    assert "10.0.0.5" not in response.content.decode()
    assert "connection to server at 10.0.0.5 refused" in caplog.text


def test_is_not_redirected_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True

    assert client.get("/healthz").status_code == 200
    # Everything else still is.
    assert client.get("/accounts/login/").status_code == 301


def test_the_host_must_still_be_allowed(client, settings):
    settings.ALLOWED_HOSTS = ["sms.example.com"]

    assert client.get("/healthz", HTTP_HOST="sms.example.com").status_code == 200
    assert client.get("/healthz", HTTP_HOST="10.0.0.7").status_code == 400
