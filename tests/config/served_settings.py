"""The settings of the servers and workers tests/test_scale_out.py starts: production's
(config.settings, read from the environment the test gives them), except where static files
come from. Production serves what `collectstatic` wrote (a manifest of hashed names); the
test does not take that deployment step, so pages link the files where they lie."""

from config.settings import *  # noqa: F403

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
