import socket

import pytest

from .fake_twilio import FakeTwilio


@pytest.fixture
def fake_twilio(settings):
    """Twilio's Messages API on 127.0.0.1, where TwilioSender now sends."""
    with FakeTwilio() as fake:
        settings.TWILIO_API_BASE_URL = fake.url
        yield fake


@pytest.fixture
def unreachable_twilio(settings):
    """Points TwilioSender at a port that refuses connections.

    The kernel refuses connections to a socket bound but not listening; holding it open
    keeps anything else from taking the port during the test.
    """
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        host, port = sock.getsockname()
        settings.TWILIO_API_BASE_URL = f"http://{host}:{port}"
        yield
