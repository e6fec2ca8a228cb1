"""`check --deploy` catches a production site left on the offline sender."""

import pytest
from django.core.checks import run_checks

OFFLINE = "sms.senders.offline.OfflineSender"
TWILIO = "sms.senders.twilio.TwilioSender"


def deploy_warnings():
    return {message.id for message in run_checks(include_deployment_checks=True)}


@pytest.mark.parametrize(
    ("debug", "sender", "warned"),
    [
        (False, OFFLINE, True),
        (False, TWILIO, False),
        (True, OFFLINE, False),
    ],
)
def test_production_on_the_offline_sender_is_a_deploy_warning(settings, debug, sender, warned):
    settings.DEBUG = debug
    settings.SMS_SENDER = sender
    assert ("sms.W001" in deploy_warnings()) is warned
