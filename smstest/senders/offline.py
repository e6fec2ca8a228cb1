import secrets

from . import BaseSender, SendResult


class OfflineSender(BaseSender):
    """For development without a Twilio account: stores messages (listed at /dev/outbox/)."""

    def send(self, to, body, status_callback=None):
        from smstest.models import OutboxMessage

        sid = "SM" + secrets.token_hex(16)
        OutboxMessage.objects.create(to=to, body=body, sid=sid)
        return SendResult(sid=sid, status="queued")
