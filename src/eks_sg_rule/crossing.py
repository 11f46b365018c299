"""The pieces every network-path check shares: where each side sits, what one network ACL lets
through, and how a finding names the blocking component and the change (as an AWS CLI command).

Pure (no AWS calls). Read by paths (the NACL checks) and routes (NODE_EGRESS_AWS_APIS).

Semantics (the README states them from here):
- A node side (checks' sides: node group, interface kind, SG set; addresses of the cluster's family)
  is placed by address: each address goes to the subnet holding it (vpc.VpcNetwork.subnet_of), and
  the side's addresses in one subnet are judged together as one range. A node group with no running
  instance brings its subnets' CIDRs (the addresses its nodes will take). An address in no subnet
  of the VPC cannot be judged.
- The control plane's network interfaces may sit in any of the cluster's subnets
  (`resourcesVpcConfig.subnetIds`): each such subnet is a control-plane place, its whole CIDR the
  control plane's range.
- A network ACL filters traffic leaving and entering a subnet (AWS: network ACLs), never traffic
  between two addresses of one subnet: same-subnet pairs are skipped. One crossing of a TCP flow
  between subnets A and B is four ACL decisions: the request leaving A (egress of A's ACL, peer the
  destination range) and entering B (ingress of B's ACL, peer the source range), and the response on
  the ephemeral range 1024-65535 leaving B and entering A. The decisions are nacl.blocked's: rules in
  number order, first match wins, the `*` rule denies the rest, per address family.
- A finding names the ACL, its subnet, the node group, what is denied and by which rule, and carries
  the `aws ec2 create-network-acl-entry` command of an allow rule numbered just below it (RuleNumbers:
  a distinct free number per ACL and direction between the previous rule and the blocking one;
  after the last rule when the `*` rule blocks; when none is left, the message says so and there is
  no command), for the range the message names (_allowed: a node's peer subnet CIDR, else exactly
  the blocked part).
"""

from __future__ import annotations

import dataclasses
import functools
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field

from .ip import IPNetwork, Protocol
from .model import Topology
from .nacl import EPHEMERAL, AclBlock, allows_some, blocked
from .network import PortSet, covers
from .results import CheckResult, Finding, Status
from .sides import MAX_NAMED, WorkerSide, names
from .vpc import DEFAULT_RULE_NUMBER, NetworkAcl, Subnet, VpcNetwork

MAX_RULE_NUMBER = 32766


@dataclass
class RuleNumbers:
    """The rule numbers the suggested allow rules take, per network ACL and direction, across every
    finding of the checks judged with it (NACL_MINIMUM and NACL_RECOMMENDED share one: checks.Judge).

    EC2 rejects a second entry with the same number in one direction of an ACL
    (CreateNetworkAclEntry: "NetworkAclEntryAlreadyExists"), so each distinct allow rule gets its own
    free number; asking again for the same rule (same ACL, direction, protocol, ports, CIDR and
    blocking rule) gives the same number, so identical findings give identical commands.
    A number is free when no entry of that direction uses it and no earlier suggestion took it.
    Before a numbered rule: the highest free number strictly between the previous rule of that
    direction and the blocking rule (the new allow is then decided after every earlier rule, so it
    shadows none of them, and before the blocking one). Before the `*` rule: the lowest free number
    from the next multiple of ten after the last rule, up to 32766. None when no number is left.
    """

    taken: dict[tuple[str, bool], set[int]] = field(default_factory=dict)
    given: dict[tuple[object, ...], int | None] = field(default_factory=dict)

    def number(self, acl: NetworkAcl, egress: bool, rule: tuple[object, ...], below: int) -> int | None:
        """The number of the allow rule `rule` (any hashable description of it) placed before rule
        `below` of `acl`'s `egress` direction; None when no free number is left there."""
        key = (acl.acl_id, egress, rule, below)
        if key in self.given:
            return self.given[key]
        used = {entry.rule_number for entry in acl.entries if entry.egress == egress}
        taken = self.taken.setdefault((acl.acl_id, egress), set())
        if below >= DEFAULT_RULE_NUMBER:
            last = max((n for n in used if n < DEFAULT_RULE_NUMBER), default=0)
            candidates = range((last // 10 + 1) * 10, MAX_RULE_NUMBER + 1)
        else:
            previous = max((n for n in used if n < below), default=0)
            candidates = range(below - 1, previous, -1)
        number = next((n for n in candidates if n not in used and n not in taken), None)
        if number is not None:
            taken.add(number)
        self.given[key] = number
        return number


@dataclass
class Outcome:
    """What one path check found so far: failures (deduplicated by message), "cannot judge" notes,
    every component on a judged path, and what passed (for the COMPLIANT detail)."""

    findings: list[Finding] = field(default_factory=list)
    cannot: list[str] = field(default_factory=list)
    components: list[str] = field(default_factory=list)
    passes: list[str] = field(default_factory=list)
    # An ACL finding's message without its purposes -> (its index in `findings`, the purposes).
    purposes: dict[str, tuple[int, list[str]]] = field(default_factory=dict)
    # The rule numbers given to suggested ACL entries (shared by the checks of one judge).
    numbers: RuleNumbers = field(default_factory=RuleNumbers)

    def fail(self, finding: Finding) -> None:
        if all(known.message != finding.message for known in self.findings):
            self.findings.append(finding)

    def fail_acl(self, finding: Finding, purpose: str) -> None:
        """An ACL finding: one rule blocking the same traffic for several flows is one finding
        naming every flow ("… (kubelet, API server return traffic)")."""
        known = self.purposes.get(finding.message)
        if known is None:
            self.purposes[finding.message] = (len(self.findings), [purpose])
            self.findings.append(dataclasses.replace(finding, message=f"{finding.message} ({purpose})"))
            return
        index, purposes = known
        if purpose not in purposes:
            purposes.append(purpose)
            message = f"{finding.message} ({', '.join(purposes)})"
            self.findings[index] = dataclasses.replace(self.findings[index], message=message)

    def unjudged(self, note: str) -> None:
        text = note if note.startswith("cannot judge: ") else f"cannot judge: {note}"
        if text not in self.cannot:
            self.cannot.append(text)

    def saw(self, *component_ids: str) -> None:
        for component_id in component_ids:
            if component_id and component_id not in self.components:
                self.components.append(component_id)

    def passed(self, text: str) -> None:
        if text not in self.passes:
            self.passes.append(text)

    def result(self, check_id: str) -> CheckResult:
        """NON_COMPLIANT when anything fails; else NOT_APPLICABLE (cannot judge) when any path could
        not be judged; else COMPLIANT with what passed."""
        components = tuple(self.components)
        if self.findings:
            detail = "; ".join(f.message for f in self.findings)
            if self.cannot:
                detail += "; " + "; ".join(self.cannot)
            return CheckResult(check_id, Status.NON_COMPLIANT, detail, tuple(self.findings), components=components)
        if self.cannot:
            return CheckResult(
                check_id, Status.NOT_APPLICABLE, "; ".join(self.cannot), cannot_judge=True, components=components
            )
        detail = "; ".join(self.passes) or "no required flow crosses a network ACL (every pair shares a subnet)"
        return CheckResult(check_id, Status.COMPLIANT, detail, components=components)


@dataclass(frozen=True, slots=True)
class Place:
    """One end of a path inside the VPC: a subnet and the range of it the end uses.

    `label` names the end in messages ("nodegroup ng-1", "control plane", "VPC endpoint vpce-…");
    `group` the node group a finding on this end names; `side` the node side, None otherwise.
    """

    subnet: Subnet
    ranges: tuple[IPNetwork, ...]
    label: str
    group: str
    side: WorkerSide | None = None


def subnet_ranges(topology: Topology, subnet: Subnet) -> tuple[IPNetwork, ...]:
    """The subnet's CIDRs of the cluster's family."""
    return topology.cluster.addresses(subnet.networks)


def node_places(topology: Topology, vpc: VpcNetwork, side: WorkerSide, outcome: Outcome) -> list[Place]:
    """The side's addresses grouped by subnet (collapsed); an address in no subnet is noted as not judged."""
    anywhere = topology.cluster.anywhere
    if side.endpoint.networks == (anywhere,):
        outcome.unjudged(f"{side.label} has no IPv{anywhere.version} address (the cluster's family)")
        return []
    by_subnet: dict[str, list[IPNetwork]] = {}
    for network in side.endpoint.networks:
        subnet = vpc.subnet_of(network)
        if subnet is None:
            outcome.unjudged(f"{network} of {side.label} lies in no subnet of {vpc.vpc_id}")
            continue
        by_subnet.setdefault(subnet.subnet_id, []).append(network)
    places = []
    for subnet_id, networks in by_subnet.items():
        v4 = ipaddress.collapse_addresses(n for n in networks if isinstance(n, ipaddress.IPv4Network))
        v6 = ipaddress.collapse_addresses(n for n in networks if isinstance(n, ipaddress.IPv6Network))
        ranges: tuple[IPNetwork, ...] = (*v4, *v6)
        places.append(Place(vpc.subnets[subnet_id], ranges, side.group.label, side.group.label, side))
    return places


def control_plane_places(topology: Topology, vpc: VpcNetwork, outcome: Outcome) -> list[Place]:
    """One place per cluster subnet (resourcesVpcConfig.subnetIds), its whole CIDR the range."""
    places = []
    for subnet_id in topology.cluster.subnet_ids:
        subnet = vpc.subnets.get(subnet_id)
        ranges = subnet_ranges(topology, subnet) if subnet else ()
        if subnet is None or not ranges:
            outcome.unjudged(f"cluster subnet {subnet_id} (control plane) was not read or has no CIDR of its family")
            continue
        places.append(Place(subnet, ranges, "control plane", "control plane"))
    if not topology.cluster.subnet_ids:
        outcome.unjudged(f"cluster {topology.cluster.name} names no subnet (where the control plane's interfaces sit)")
    return places


# --- one ACL decision --------------------------------------------------------------------------


def acl_of(vpc: VpcNetwork, subnet: Subnet, outcome: Outcome) -> NetworkAcl | None:
    acl = vpc.network_acl_of(subnet.subnet_id)
    if acl is None:
        outcome.unjudged(f"no network ACL known for subnet {subnet.subnet_id}")
    else:
        outcome.saw(acl.acl_id)
    return acl


def _traffic_text(protocol: Protocol, ports: PortSet, egress: bool) -> str:
    way = "outbound" if egress else "inbound"
    if protocol is Protocol.ALL:
        return f"all {way} traffic"
    return f"{way} {protocol.value.upper()} {ports.describe()}"


def acl_entry_command(
    acl: NetworkAcl,
    egress: bool,
    protocol: Protocol,
    ports: PortSet,
    cidr: IPNetwork,
    below: int,
    numbers: RuleNumbers | None = None,
) -> str | None:
    """`aws ec2 create-network-acl-entry` commands (one per port interval, joined by &&) adding an
    allow rule for `protocol`/`ports` and `cidr` before rule `below`, numbered by `numbers` (a fresh
    RuleNumbers when None). None when RuleNumbers has no free number left for one of them."""
    numbers = numbers if numbers is not None else RuleNumbers()
    intervals = [(0, 0)] if protocol is Protocol.ALL else list(ports.intervals)
    cidr_flag = "--ipv6-cidr-block" if cidr.version == 6 else "--cidr-block"
    commands = []
    for low, high in intervals:
        number = numbers.number(acl, egress, (protocol, low, high, cidr), below)
        if number is None:
            return None
        what = (
            "--protocol -1"
            if protocol is Protocol.ALL
            else f"--protocol {protocol.value} --port-range From={low},To={high}"
        )
        commands.append(
            f"aws ec2 create-network-acl-entry --network-acl-id {acl.acl_id} --{'egress' if egress else 'ingress'} "
            f"--rule-number {number} {what} {cidr_flag} {cidr} --rule-action allow"
        )
    return " && ".join(commands)


def _allowed(block: AclBlock, peers: tuple[IPNetwork, ...], wide: Iterable[IPNetwork]) -> IPNetwork:
    """The range a suggested allow rule names for a blocked part, which the finding's message names too.

    Node addresses (a peer range that is not itself one of the `wide` subnet CIDRs) widen to the
    smallest peer subnet CIDR holding the blocked part: nodes are replaced and take any address of
    their subnet, so allowing only today's addresses would break with the next node, and the subnet is
    the range the requirement is about. Any other peer (a control plane's or endpoint's subnet, all of
    the address family, a prefix list's CIDR) is allowed exactly as blocked: widening it, e.g. from
    the blocked 128.0.0.0/1 to 0.0.0.0/0, would open more than the rule blocks, and the minimal
    correct change allows exactly the part that is denied.
    """
    covering = [
        n
        for n in wide
        if n.version == block.peer.version and n not in peers and block.peer.subnet_of(n)  # type: ignore[arg-type]
    ]
    return min(covering, key=lambda n: n.num_addresses) if covering else block.peer


@functools.lru_cache(maxsize=65536)
def _block(acl: NetworkAcl, egress: bool, protocol: Protocol, ports: PortSet, peer: IPNetwork) -> AclBlock | None:
    """nacl.blocked, or for "some traffic" (protocol ALL, no ports) nacl.allows_some and then the
    rule that blocks all traffic; the same question recurs across flows, so it is asked once."""
    if protocol is Protocol.ALL and not ports:
        if allows_some(acl, egress, peer):
            return None
        return blocked(acl, egress, Protocol.ALL, PortSet.all_ports(), peer)
    return blocked(acl, egress, protocol, ports, peer)


def judge_acl(
    outcome: Outcome,
    vpc: VpcNetwork,
    place: Place,
    egress: bool,
    protocol: Protocol,
    ports: PortSet,
    peers: Iterable[IPNetwork],
    purpose: str,
    wide: Iterable[IPNetwork] = (),
) -> str | None:
    """One ACL decision: does the ACL of `place`'s subnet let `protocol`/`ports` leave towards
    (`egress`) or enter from every address of `peers`? Protocol ALL with no ports means "some
    traffic" (nacl.allows_some). Records a finding per blocking rule; returns the ACL id when it
    passes, None otherwise."""
    acl = acl_of(vpc, place.subnet, outcome)
    if acl is None:
        return None
    peers, wide = tuple(peers), tuple(wide)
    # What passes for the whole peer subnet passes for every address in it: one question, not one per node.
    enclosed = wide and all(any(covers(n, p) for n in wide) for p in peers)
    if enclosed and all(_block(acl, egress, protocol, ports, network) is None for network in wide):
        return acl.acl_id
    blocks = [block for peer in peers if (block := _block(acl, egress, protocol, ports, peer)) is not None]
    if not blocks:
        return acl.acl_id
    by_rule: dict[tuple[int, PortSet], list[AclBlock]] = {}
    for block in blocks:
        by_rule.setdefault((block.rule_number, block.ports), []).append(block)
    for (rule, blocked_ports), group in by_rule.items():
        where = (
            "at the default rule *: add an allow rule"
            if rule >= DEFAULT_RULE_NUMBER
            else (f"at rule {rule}: add an allow rule numbered below {rule}")
        )
        toward = "to" if egress else "from"
        cidrs = list(dict.fromkeys(_allowed(block, peers, wide) for block in group))
        peer_text = names(str(cidr) for cidr in cidrs)
        if len(cidrs) > MAX_NAMED:
            peer_text = f"{len(cidrs)} ranges in {names(str(cidr) for cidr in cidrs)}"
        commands = [
            acl_entry_command(acl, egress, protocol, blocked_ports, cidr, rule, outcome.numbers) for cidr in cidrs
        ]
        change = " && ".join(c for c in commands if c is not None)
        if any(c is None for c in commands):
            change = ""
            where += (
                f" (no free rule number is left below {rule} in the {'outbound' if egress else 'inbound'} rules "
                f"of {acl.acl_id}: renumber its rules to make room)"
            )
        message = (
            f"NACL {acl.acl_id} (subnet {place.subnet.subnet_id}, {place.group}) denies "
            f"{_traffic_text(protocol, blocked_ports, egress)} {toward} {peer_text} {where}"
        )
        outcome.fail_acl(Finding("", message, component_id=acl.acl_id, change=change), purpose)
    return None


def judge_crossing(
    outcome: Outcome,
    vpc: VpcNetwork,
    source: Place,
    destination: Place,
    protocol: Protocol,
    ports: PortSet,
    purpose: str,
) -> list[str] | None:
    """The four ACL decisions of one TCP flow between two subnets (two for "some traffic":
    leaving the source, entering the destination). Same-subnet pairs are never called here.
    Returns the ACL ids passed, None when something blocks or cannot be judged."""
    some = protocol is Protocol.ALL and not ports
    source_wide = subnet_ranges_of(source)
    destination_wide = subnet_ranges_of(destination)
    passed = [
        judge_acl(outcome, vpc, source, True, protocol, ports, destination.ranges, purpose, destination_wide),
        judge_acl(outcome, vpc, destination, False, protocol, ports, source.ranges, purpose, source_wide),
    ]
    if not some:
        back = f"{purpose} return traffic"
        passed += [
            judge_acl(outcome, vpc, destination, True, Protocol.TCP, EPHEMERAL, source.ranges, back, source_wide),
            judge_acl(outcome, vpc, source, False, Protocol.TCP, EPHEMERAL, destination.ranges, back, destination_wide),
        ]
    if any(acl_id is None for acl_id in passed):
        return None
    return list(dict.fromkeys(acl_id for acl_id in passed if acl_id))


def subnet_ranges_of(place: Place) -> tuple[IPNetwork, ...]:
    """The place's subnet CIDRs of the places' family (what an allow rule for it names)."""
    versions = {network.version for network in place.ranges}
    return tuple(network for network in place.subnet.networks if network.version in versions)
