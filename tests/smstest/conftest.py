import pytest


@pytest.fixture
def twilio(settings, fake_twilio):
    """The task sends through the real TwilioSender, to the local fake of Twilio's API."""
    settings.SMS_SENDER = "sms.senders.twilio.TwilioSender"
    return fake_twilio
