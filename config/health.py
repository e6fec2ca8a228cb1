"""GET /healthz: may a load balancer send traffic to this web process?

No sign-in, never cached, never redirected to https (SECURE_REDIRECT_EXEMPT); the Host
header must still be one of ALLOWED_HOSTS. Two checks:

- database: a trivial query through this process's connection;
- task_queue: the oldest task ready to run in django-tasks-db's table has waited at most
  HEALTHZ_MAX_TASK_AGE_SECONDS (0 turns this check off). SMS go out only from
  `manage.py db_worker`: a queue nobody works means every code and test message waits.

200 {"status": "ok", "checks": {...}} when both pass, 503 {"status": "failing", "failed":
[...], "checks": {...}} otherwise. Errors are logged, not shown: the page is public.
"""

import logging

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Case, F, Min, When
from django.db.models.functions import Greatest
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django_tasks_db.models import DBTaskResult, get_date_max

logger = logging.getLogger(__name__)


@never_cache
@require_safe
def healthz(request):
    checks = {"database": check_database()}
    if checks["database"]["status"] == "ok":
        checks["task_queue"] = check_task_queue()
    else:
        checks["task_queue"] = {"status": "skipped"}
    failed = [name for name, check in checks.items() if check["status"] == "failed"]
    body = {"status": "failing" if failed else "ok", "checks": checks}
    if failed:
        body["failed"] = failed
    return JsonResponse(body, status=503 if failed else 200)


def check_database():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.exception("Health check: the database did not answer")
        return {"status": "failed", "reason": "the database did not answer"}
    return {"status": "ok"}


def check_task_queue():
    max_age = settings.HEALTHZ_MAX_TASK_AGE_SECONDS
    if not max_age:
        return {"status": "disabled"}
    # A task is ready since it was enqueued, or since its run_after if it was deferred
    # (django-tasks-db stores "no run_after" as the year 9999).
    ready_since = Case(
        When(run_after=get_date_max(), then=F("enqueued_at")),
        default=Greatest("enqueued_at", "run_after"),
    )
    try:
        oldest = DBTaskResult.objects.ready().aggregate(oldest=Min(ready_since))["oldest"]
    except DatabaseError:
        logger.exception("Health check: could not read the task queue")
        return {"status": "failed", "reason": "could not read the task queue"}
    age = max(0.0, (timezone.now() - oldest).total_seconds()) if oldest else 0.0
    result = {
        "status": "ok",
        "oldest_ready_task_age_seconds": round(age, 1),
        "max_age_seconds": max_age,
    }
    if age > max_age:
        result["status"] = "failed"
        result["reason"] = "tasks have waited too long: is a db_worker running?"
    return result
