import secrets
from dataclasses import dataclass

from . import BaseSender, SendResult


@dataclass(frozen=True)
class SentSMS:
    to: str
    body: str
    sid: str
    status_callback: str | None


class LocmemSender(BaseSender):
    """For tests: keeps every message in `LocmemSender.outbox` (clear it between tests)."""

    outbox: list[SentSMS] = []

    def send(self, to, body, status_callback=None):
        sid = "SM" + secrets.token_hex(16)
        self.outbox.append(SentSMS(to=to, body=body, sid=sid, status_callback=status_callback))
        return SendResult(sid=sid, status="queued", sender="+15005550006")
