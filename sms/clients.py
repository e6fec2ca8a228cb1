"""Who is asking: the client's IP address, which the per-IP limits count."""

import ipaddress

from django.conf import settings


def client_ip(request):
    """The client's IP address (str; an IPv6 client's /64 network), or None without one.

    With TRUSTED_PROXY_COUNT = 0 only REMOTE_ADDR is believed: a client can write any
    X-Forwarded-For it likes. Behind N proxies of our own (a TLS proxy, a load balancer),
    each appends the address it saw, so the client's is the N-th entry from the right;
    entries further left are the client's own to forge. A header with fewer entries than
    that, or a malformed entry, leaves REMOTE_ADDR.
    """
    remote = request.META.get("REMOTE_ADDR") or ""
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    address = hops[-proxies] if proxies and len(hops) >= proxies else remote
    try:
        return limited_network(ipaddress.ip_address(address))
    except ValueError:
        return None


def limited_network(address):
    """What the per-IP limits count as one client: an IPv4 address, or an IPv6 address's
    /64 network (one subscriber's usual allocation, RFC 6177), as its first address, so
    that an attacker holding a /64 is one client, not 2**64."""
    if address.version == 4:
        return str(address)
    if address.ipv4_mapped:
        return str(address.ipv4_mapped)
    return str(ipaddress.ip_network(f"{address}/64", strict=False).network_address)
