"""Pure reachability: port sets, peers, and what a set of security-group rules lets through.

Security-group rules on one network interface add up, so the question is never "does this rule
exist" but "does the union of rules on this side permit this traffic to or from that peer".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import reduce

from .ip import IPNetwork, Protocol
from .model import Permission

MAX_PORT = 65535


@dataclass(frozen=True, slots=True)
class PortSet:
    """A set of ports as sorted, disjoint, non-adjacent closed intervals."""

    intervals: tuple[tuple[int, int], ...] = ()

    @classmethod
    def of(cls, *ranges: tuple[int, int]) -> PortSet:
        merged: list[tuple[int, int]] = []
        for low, high in sorted((max(0, lo), min(MAX_PORT, hi)) for lo, hi in ranges):
            if low > high:
                continue
            if merged and low <= merged[-1][1] + 1:
                merged[-1] = (merged[-1][0], max(merged[-1][1], high))
            else:
                merged.append((low, high))
        return cls(tuple(merged))

    @classmethod
    def all_ports(cls) -> PortSet:
        return cls(((0, MAX_PORT),))

    def __bool__(self) -> bool:
        return bool(self.intervals)

    def union(self, other: PortSet) -> PortSet:
        return PortSet.of(*self.intervals, *other.intervals)

    def intersection(self, other: PortSet) -> PortSet:
        result: list[tuple[int, int]] = []
        for lo_a, hi_a in self.intervals:
            for lo_b, hi_b in other.intervals:
                low, high = max(lo_a, lo_b), min(hi_a, hi_b)
                if low <= high:
                    result.append((low, high))
        return PortSet.of(*result)

    def difference(self, other: PortSet) -> PortSet:
        remaining = list(self.intervals)
        for cut_lo, cut_hi in other.intervals:
            next_remaining: list[tuple[int, int]] = []
            for low, high in remaining:
                if cut_hi < low or cut_lo > high:
                    next_remaining.append((low, high))
                    continue
                if low < cut_lo:
                    next_remaining.append((low, cut_lo - 1))
                if high > cut_hi:
                    next_remaining.append((cut_hi + 1, high))
            remaining = next_remaining
        return PortSet.of(*remaining)

    def contains(self, port: int) -> bool:
        return any(low <= port <= high for low, high in self.intervals)

    def describe(self) -> str:
        return ", ".join(str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in self.intervals)


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One end of a flow: the SGs it carries and the addresses it sends from / receives on.

    An endpoint with no known networks is matched by CIDR rules only when they cover every address.
    """

    label: str
    security_group_ids: frozenset[str]
    networks: tuple[IPNetwork, ...] = ()


@dataclass(frozen=True, slots=True)
class Reach:
    """What a set of rules permits towards (egress) or from (ingress) one endpoint."""

    tcp: PortSet = PortSet()
    all_traffic: bool = False
    anything: bool = False
    # The UDP ports allowed (a "-1" rule allows them all; a `udp` rule its range). Only the 2026
    # set's DNS rules (UDP 53) read it; `anything` already counted UDP rules before.
    udp: PortSet = PortSet()

    def union(self, other: Reach) -> Reach:
        return Reach(
            self.tcp.union(other.tcp),
            self.all_traffic or other.all_traffic,
            self.anything or other.anything,
            self.udp.union(other.udp),
        )

    def intersection(self, other: Reach) -> Reach:
        return Reach(
            self.tcp.intersection(other.tcp),
            self.all_traffic and other.all_traffic,
            self.anything and other.anything,
            self.udp.intersection(other.udp),
        )


NOTHING = Reach()


def _reach_of(permission: Permission) -> Reach:
    if permission.protocol is Protocol.ALL:
        return Reach(PortSet.all_ports(), all_traffic=True, anything=True, udp=PortSet.all_ports())
    ranged = permission.from_port is not None and permission.to_port is not None
    if permission.protocol is Protocol.TCP and ranged:
        return Reach(PortSet.of((permission.from_port or 0, permission.to_port or 0)), anything=True)
    if permission.protocol is Protocol.UDP and ranged:
        return Reach(anything=True, udp=PortSet.of((permission.from_port or 0, permission.to_port or 0)))
    return Reach(anything=True)


def covers(cidr: IPNetwork, network: IPNetwork) -> bool:
    return cidr.version == network.version and network.subnet_of(cidr)  # type: ignore[arg-type]


def _cidrs_of(permission: Permission, prefix_lists: Mapping[str, tuple[IPNetwork, ...]]) -> list[IPNetwork]:
    cidrs = list(permission.cidrs)
    for prefix_list_id in permission.prefix_list_ids:
        cidrs.extend(prefix_lists.get(prefix_list_id, ()))
    return cidrs


def reach(
    permissions: Iterable[Permission],
    peer: Endpoint,
    prefix_lists: Mapping[str, tuple[IPNetwork, ...]] | None = None,
) -> Reach:
    """The union of what `permissions` allow for `peer`, holding for every address of the peer."""
    prefix_lists = prefix_lists or {}
    by_group = NOTHING
    # One reach per peer network (or one for "every address" when the peer's addresses are unknown).
    targets: tuple[IPNetwork | None, ...] = peer.networks or (None,)
    by_network = [NOTHING for _ in targets]
    for permission in permissions:
        granted = _reach_of(permission)
        if permission.group_ids & peer.security_group_ids:
            by_group = by_group.union(granted)
        cidrs = _cidrs_of(permission, prefix_lists)
        if not cidrs:
            continue
        for index, target in enumerate(targets):
            if any(cidr.prefixlen == 0 if target is None else covers(cidr, target) for cidr in cidrs):
                by_network[index] = by_network[index].union(granted)
    return by_group.union(reduce(Reach.intersection, by_network))
