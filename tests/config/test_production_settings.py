"""With DEBUG off, the project refuses to start without a SECRET_KEY and ALLOWED_HOSTS.

Each test starts a fresh Python process with config.settings (not the test settings), an
environment made from this one minus the variables under test, and SQLite.
"""

import os
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
UNDER_TEST = ["SECRET_KEY", "ALLOWED_HOSTS", "DEBUG", "DATABASE_URL", "DJANGO_SETTINGS_MODULE"]

# A developer's .env (git-ignored) would fill in what the test leaves out, so it is not read:
# these tests are about what the process does with exactly the environment it is given.
IGNORE_DOTENV = (
    "import environ\nenviron.Env.read_env = staticmethod(lambda *args, **kwargs: None)\n"
)
MANAGE_CHECK = (
    IGNORE_DOTENV
    + "from django.core.management import execute_from_command_line\n"
    + "execute_from_command_line(['manage.py', 'check'])\n"
)
SHOW_SETTINGS = (
    IGNORE_DOTENV
    + "import django\n"
    + "django.setup()\n"
    + "from django.conf import settings\n"
    + "print(repr(settings.SECRET_KEY), settings.ALLOWED_HOSTS, settings.DEBUG)\n"
)


def start(script=SHOW_SETTINGS, **variables):
    """Run `script` as the project would start, with only `variables` of those under test."""
    env = {key: value for key, value in os.environ.items() if key not in UNDER_TEST}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    env.update(variables)
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def refusal(result):
    """The last line of the traceback: the error the operator reads."""
    assert result.returncode != 0, f"started although it should not have:\n{result.stdout}"
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("django.core.exceptions.ImproperlyConfigured: "), result.stderr
    return last


def test_production_without_secret_key_refuses_to_start_and_names_it():
    # DEBUG unset means production.
    result = start(ALLOWED_HOSTS="sms.example.com")

    message = refusal(result)
    assert "Set the SECRET_KEY environment variable" in message
    assert "set DEBUG=true for local development" in message
    assert "django-insecure" not in result.stdout + result.stderr


def test_production_without_allowed_hosts_refuses_to_start_and_names_it():
    result = start(DEBUG="false", SECRET_KEY="a-long-production-secret-" + "x" * 40)

    message = refusal(result)
    assert "Set the ALLOWED_HOSTS environment variable" in message
    assert "SECRET_KEY environment variable" not in message


def test_production_with_empty_secret_key_refuses_to_start():
    # .env.example ships "SECRET_KEY=": copying it and forgetting the key must not start.
    result = start(DEBUG="false", SECRET_KEY="", ALLOWED_HOSTS="sms.example.com")

    assert "SECRET_KEY is empty" in refusal(result)


def test_production_with_secret_key_and_allowed_hosts_starts_and_passes_check():
    result = start(
        MANAGE_CHECK,
        DEBUG="false",
        SECRET_KEY="a-long-production-secret-" + "x" * 40,
        ALLOWED_HOSTS="sms.example.com",
    )

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
