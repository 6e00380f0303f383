"""Which address a web request came from, for throttling sign-ins per client address.

Why: the throttle must count the browser's address, which an attacker cannot choose,
not a header they can. The socket's peer is the client unless it is one of the
operator's trusted reverse proxies (``SAFEDIAL_TRUSTED_PROXIES``). Behind one, the
client is the right-most address in ``X-Forwarded-For`` that is not itself a trusted
proxy: each proxy appends the address it received from, so everything left of the
first untrusted hop was written by the client and is ignored.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from typing import Final

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: What a request without a usable peer address (a test client, a Unix socket) counts as.
UNKNOWN: Final = "unknown"


def parse_networks(entries: Iterable[str]) -> tuple[IpNetwork, ...]:
    """Addresses and CIDR ranges (``10.0.0.5``, ``10.1.0.0/16``, ``::1``); ValueError names
    the entry that is neither."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise ValueError(f"{entry.strip()!r} is not an IP address or CIDR range") from None
    return tuple(networks)


def _address(text: str | None) -> IpAddress | None:
    if not text:
        return None
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(address: IpAddress, trusted: Sequence[IpNetwork]) -> bool:
    return any(address.version == network.version and address in network for network in trusted)


def client_address(peer_ip: str | None, x_forwarded_for: str | None,
                   trusted: Sequence[IpNetwork]) -> str:
    """The client's address: the socket peer, unless that is a trusted proxy; then the
    right-most untrusted address of ``X-Forwarded-For``.

    When every forwarded address is trusted, the left-most one is the client; a
    malformed entry stops the walk at the last good hop (never past it).
    """
    peer = _address(peer_ip)
    if peer is None:
        return UNKNOWN
    if not _trusted(peer, trusted):
        return str(peer)
    hops = [hop for hop in (x_forwarded_for or "").split(",") if hop.strip()]
    client = peer
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            break
        client = address
        if not _trusted(address, trusted):
            break
    return str(client)
