"""Who is asking: the client's IP address, which the per-IP limits count."""

import ipaddress

from django.conf import settings


def client_ip(request):
    """The client's IP address (str), or None when the request has none.

    With TRUSTED_PROXY_COUNT = 0 only REMOTE_ADDR is believed: a client can write any
    X-Forwarded-For it likes. Behind N proxies of our own (a TLS proxy, a load balancer),
    each appends the address it saw, so the client's is the N-th entry from the right;
    entries further left are the client's own to forge. A header with fewer entries than
    that, or a malformed entry, leaves REMOTE_ADDR.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = settings.TRUSTED_PROXY_COUNT
    if not proxies:
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    if len(hops) < proxies:
        return remote
    try:
        return str(ipaddress.ip_address(hops[-proxies]))
    except ValueError:
        return remote
