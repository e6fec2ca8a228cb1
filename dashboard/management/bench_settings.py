"""Settings of the gunicorn that `manage.py bench_http` starts: production's, plus the floor.

Everything else comes from the environment that command gives it (DEBUG off). Static files
are collected into BENCH_STATIC_ROOT, a temporary directory, not into ./staticfiles.
"""

import os

from config.settings import *  # noqa: F403

ROOT_URLCONF = "dashboard.management.bench_urls"
STATIC_ROOT = os.environ["BENCH_STATIC_ROOT"]
