"""What keeps the remediation's plan the smallest: no change another change of the plan makes
unnecessary, and one rule where the SG's existing rules let a port range close a gap.

Security-group rules add up (EC2 evaluates the union of every rule of every SG on an interface), so
a rule overlapping one that exists changes nothing the SG lets through, and one broad rule (all
traffic from the cluster SG itself, say) can repair what several narrow ones would. The plan is
therefore made in rounds (`smallest`): plan, take the broadest planned rule, add it to a copy of
the topology (`with_rules`), judge and plan again, until no rule is planned; then drop each chosen
rule whose absence the others make up for. Ports: `merged` closes a gap between two planned ranges
when the SG already allows the ports between them from the same peer (`allowed_ports`).

Pure: no AWS. Used by plan.Planner.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from .ip import Protocol, parse_protocol
from .model import Permission, SecurityGroup, Topology
from .network import MAX_PORT, PortSet
from .plan_change import AUTHORIZE_INGRESS, Change, key_of
from .requirements import Direction


def allowed_ports(group: SecurityGroup | None, direction: Direction, peer: str) -> PortSet:
    """The TCP ports `group`'s existing rules of `direction` already allow from (ingress) or to
    (egress) the SG `peer` by naming it (UserIdGroupPairs); every port for an all-traffic ("-1") rule.
    Empty for an unknown group. A CIDR rule is not counted: a rule naming `peer` reaches every
    interface carrying it, wherever its address."""
    if group is None:
        return PortSet()
    rules = group.ingress if direction is Direction.INGRESS else group.egress
    ports = PortSet()
    for rule in rules:
        if peer not in rule.group_ids:
            continue
        if rule.protocol is Protocol.ALL:
            return PortSet.all_ports()
        if rule.protocol is Protocol.TCP and rule.from_port is not None and rule.to_port is not None:
            ports = ports.union(PortSet.of((rule.from_port, rule.to_port)))
    return ports


def merged(ports: PortSet, allowed: PortSet) -> PortSet:
    """`ports` with every gap between two of its ranges filled when `allowed` holds the whole gap:
    (1025-10249, 10251-65535) with 10250 allowed is 1025-65535. A gap partly outside `allowed` stays."""
    joined: list[tuple[int, int]] = []
    for low, high in ports.intervals:
        if joined and not PortSet.of((joined[-1][1] + 1, low - 1)).difference(allowed):
            joined[-1] = (joined[-1][0], high)
        else:
            joined.append((low, high))
    return PortSet(tuple(joined))


def _permission(document: dict[str, Any]) -> Permission:
    """The model of one EC2 IpPermission naming SGs (the only kind the remediation adds)."""
    groups = frozenset(str(pair["GroupId"]) for pair in document.get("UserIdGroupPairs") or ())
    protocol = parse_protocol(document["IpProtocol"])
    if protocol is Protocol.ALL:
        return Permission(protocol, group_ids=groups)
    low, high = int(document.get("FromPort", 0)), int(document.get("ToPort", MAX_PORT))
    return Permission(protocol, low, high, group_ids=groups)


def with_rules(topology: Topology, changes: Iterable[Change]) -> Topology:
    """`topology` as it would be after the rules of `changes` (authorize_ingress/egress, their
    EC2 IpPermissions) were added to their SGs; other changes and unknown SGs are left out."""
    groups = dict(topology.security_groups)
    for change in changes:
        group = groups.get(change.security_group_id)
        if not change.adds_rule or group is None:
            continue
        added = tuple(_permission(document) for document in change.permissions)
        if change.action == AUTHORIZE_INGRESS:
            groups[group.group_id] = replace(group, ingress=(*group.ingress, *added))
        else:
            groups[group.group_id] = replace(group, egress=(*group.egress, *added))
    return replace(topology, security_groups=groups)


def _breadth(change: Change) -> tuple[bool, int, int]:
    """Broadest first: all traffic, then the most TCP ports, then the most checks repaired."""
    everything = any(document["IpProtocol"] == "-1" for document in change.permissions)
    ports = sum(int(d.get("ToPort", 0)) - int(d.get("FromPort", 0)) + 1 for d in change.permissions)
    return (everything, ports, len(change.checks))


def _repairing(change: Change, before: list[Change], after: list[Change]) -> Change:
    """`change` naming every check it repairs: its own, and those the plan no longer needs after it."""
    left = {check for other in after for check in other.checks}
    gone = [check for other in before for check in other.checks if check not in left]
    return replace(change, checks=tuple(dict.fromkeys([*change.checks, *gone])))


# At most this many chosen all-traffic rules are tried for pruning (each try judges the cluster once):
# the cost stays bounded on a cluster of many SGs, where a redundant rule may then be left (never a
# missing one).
PRUNE_TRIES = 8


def _all_traffic(change: Change) -> bool:
    return any(document["IpProtocol"] == "-1" for document in change.permissions)


def smallest(topology: Topology, replan: Callable[[Topology], list[Change]]) -> list[Change]:
    """The smallest plan for `topology`: `replan(topology)` (one round of planning, every change
    guarded) made in rounds. Each round adds the planned rules of the broadest kind left (every
    all-traffic rule, else every TCP rule) to the topology and plans again, until no new rule is
    planned; then each chosen all-traffic rule that the others make unnecessary (the plan without it
    is the same) is dropped, broadest last. Returns the last round's other changes (manual, tags),
    then the chosen rules, an all-traffic one naming every check it repairs.

    Cost: a round judges the cluster once (checks.Judge); a plan needs a round per kind of rule
    (usually two or three) plus one per chosen all-traffic rule when there are several (at most
    PRUNE_TRIES, those repairing the fewest checks first). A TCP rule
    is never pruned: it is planned only once every all-traffic rule is in place, for a finding
    those leave."""
    chosen: list[Change] = []
    current = replan(topology)
    while candidates := [c for c in current if c.adds_rule and key_of(c) not in {key_of(x) for x in chosen}]:
        broad = [c for c in candidates if _all_traffic(c)] or candidates
        after = replan(with_rules(topology, [*chosen, *broad]))
        chosen += [_repairing(change, current, after) if len(broad) == 1 else change for change in broad]
        current = after
    rest = [change for change in current if not change.adds_rule]
    wanted = [key_of(change) for change in rest]
    broadest = [change for change in chosen if _all_traffic(change)]
    for change in sorted(broadest, key=_breadth)[:PRUNE_TRIES] if len(chosen) > 1 else ():
        others = [other for other in chosen if other is not change]
        if [key_of(c) for c in replan(with_rules(topology, others))] == wanted:
            chosen = others
    return [*rest, *chosen]
