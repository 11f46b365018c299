"""IP vocabulary shared by the SG model (model) and the VPC model (vpc): address networks and protocols.

Pure (no AWS calls).
"""

from __future__ import annotations

import ipaddress
from enum import StrEnum

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class Protocol(StrEnum):
    """IP protocols the requirements talk about; everything else is kept by number."""

    ALL = "-1"
    TCP = "tcp"
    UDP = "udp"
    ICMP = "icmp"
    ICMPV6 = "icmpv6"
    OTHER = "other"


_PROTOCOL_ALIASES = {
    "-1": Protocol.ALL,
    "all": Protocol.ALL,
    "tcp": Protocol.TCP,
    "6": Protocol.TCP,
    "udp": Protocol.UDP,
    "17": Protocol.UDP,
    "icmp": Protocol.ICMP,
    "1": Protocol.ICMP,
    "icmpv6": Protocol.ICMPV6,
    "58": Protocol.ICMPV6,
}


def parse_protocol(value: object) -> Protocol:
    """Map an EC2 `IpProtocol` (name or number, as string or int) to a Protocol."""
    return _PROTOCOL_ALIASES.get(str(value).strip().lower(), Protocol.OTHER)
