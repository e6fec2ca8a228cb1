"""With DEBUG off, the project refuses to start without a SECRET_KEY, ALLOWED_HOSTS and an
https PUBLIC_BASE_URL.

Each test starts a fresh Python process with config.settings (not the test settings), an
environment made from this one minus the variables under test, and SQLite.
"""

import os
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
UNDER_TEST = [
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "PUBLIC_BASE_URL",
    "DEBUG",
    "DATABASE_URL",
    "DJANGO_SETTINGS_MODULE",
]
SECRET = "a-long-production-secret-" + "x" * 40

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
    result = start(DEBUG="false", SECRET_KEY=SECRET)

    message = refusal(result)
    assert "Set the ALLOWED_HOSTS environment variable" in message
    assert "SECRET_KEY environment variable" not in message


def test_production_with_empty_secret_key_refuses_to_start():
    # .env.example ships "SECRET_KEY=": copying it and forgetting the key must not start.
    result = start(DEBUG="false", SECRET_KEY="", ALLOWED_HOSTS="sms.example.com")

    assert "SECRET_KEY is empty" in refusal(result)


def test_production_without_public_base_url_refuses_to_start_and_names_it():
    # Callbacks would go to 127.0.0.1 and codes would end in "@127.0.0.1 #123456".
    result = start(DEBUG="false", SECRET_KEY=SECRET, ALLOWED_HOSTS="sms.example.com")

    message = refusal(result)
    assert "PUBLIC_BASE_URL must be the site's public https:// URL" in message


def test_production_with_a_plain_http_public_base_url_refuses_to_start():
    result = start(
        DEBUG="false",
        SECRET_KEY=SECRET,
        ALLOWED_HOSTS="sms.example.com",
        PUBLIC_BASE_URL="http://sms.example.com",
    )

    assert "PUBLIC_BASE_URL must be the site's public https:// URL" in refusal(result)


def test_development_falls_back_to_the_local_server_for_public_base_url():
    script = SHOW_SETTINGS.replace("settings.DEBUG)", "settings.PUBLIC_BASE_URL)")
    result = start(script, DEBUG="true")

    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == "http://127.0.0.1:8000"


def test_production_with_secret_key_and_allowed_hosts_starts_and_passes_check():
    result = start(
        MANAGE_CHECK,
        DEBUG="false",
        SECRET_KEY=SECRET,
        ALLOWED_HOSTS="sms.example.com",
        PUBLIC_BASE_URL="https://sms.example.com",
    )

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
