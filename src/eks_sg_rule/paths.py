"""The network-path checks (NetworkPath option): NACL_MINIMUM, NACL_RECOMMENDED, NODE_EGRESS_AWS_APIS.

Pure (no AWS calls): topology (with its `vpc`, vpc.VpcNetwork) and one of requirements.PATH_CHECKS
in, a results.CheckResult out. checks.Judge.judge hands these checks here.

Semantics (the README states them from here):
- Without the VPC's network layer (`topology.vpc` None) or with any part of it unread
  (`vpc.unread`), every path check is NOT_APPLICABLE "cannot judge: …"; without worker nodes, as
  the SG checks (cannot judge).
- NACL_MINIMUM judges the flows of CP_SG_MINIMUM and WORKER_SG_MINIMUM, NACL_RECOMMENDED those of
  CP_SG_RECOMMENDED and WORKER_SG_RECOMMENDED: only flows between the control plane and the nodes
  and node to node (the flows to anywhere are NODE_EGRESS_AWS_APIS's). Each flow is judged for
  every pair of (node subnet, cluster subnet) or (node subnet, node subnet) that the node interfaces
  of the flow (requirements.NodeInterfaces: kubelet reaches the primary interfaces only) and the
  control plane's possible subnets make, in the cluster's address family, through both subnets'
  network ACLs, both ways (crossing.judge_crossing): the request on its port and the TCP response
  on 1024-65535. The node-to-node minimum ("any protocol you expect") passes when some traffic is
  allowed out of the source subnet and into the destination subnet (nacl.allows_some), each
  ordered pair judged. Pairs within one subnet never cross a network ACL and are skipped.
- NODE_EGRESS_AWS_APIS: see apis (and routes for routes and the internet path).
- The result is NON_COMPLIANT when any finding fails it (each names the ACL, route table, VPC
  endpoint, NAT gateway or the cluster's publicAccessCidrs, and carries the AWS CLI command of the
  change, never run by this project); else NOT_APPLICABLE with cannot_judge when a path goes
  through something not modelled (transit gateway, peering, virtual private gateway, Gateway Load
  Balancer or Network Firewall endpoint, an instance or interface: "cannot judge: … through <id>")
  or data is missing; else COMPLIANT, naming what passed. `components` lists every acl-, rtb-,
  vpce- and nat- on a judged path.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from .apis import judge_aws_apis
from .crossing import Outcome, Place, RuleNumbers, control_plane_places, judge_crossing, node_places
from .ip import IPNetwork, Protocol
from .model import IpFamily, Topology
from .network import PortSet
from .requirements import CHECKS, Check, Direction, Kind, NodeInterfaces, Party, Traffic
from .results import CheckResult, Status
from .sides import WorkerSide, names, selected, worker_sides
from .vpc import VpcNetwork

# The SG checks whose flows each NACL check judges.
NACL_FLOWS = {
    "NACL_MINIMUM": ("CP_SG_MINIMUM", "WORKER_SG_MINIMUM"),
    "NACL_RECOMMENDED": ("CP_SG_RECOMMENDED", "WORKER_SG_RECOMMENDED"),
}


@dataclass(frozen=True, slots=True)
class Leg:
    """One required flow as it travels: from `source` to `destination` (control plane or nodes)."""

    source: Party
    destination: Party
    traffic: Traffic
    ports: PortSet
    interfaces: NodeInterfaces
    purpose: str

    def describe(self) -> str:
        if self.traffic is Traffic.TCP:
            return f"{self.purpose} TCP {self.ports.describe()}"
        return f"{self.purpose}:"


def legs(check_id: str) -> list[Leg]:
    """The flows of the SG checks behind a NACL check, as source -> destination, deduplicated
    (the control plane's egress to the nodes and the nodes' ingress from it are one leg)."""
    found: dict[tuple[object, ...], Leg] = {}
    for check in CHECKS:
        if check.id not in NACL_FLOWS.get(check_id, ()):
            continue
        for flow in check.flows:
            if flow.peer not in (Party.CONTROL_PLANE, Party.WORKERS):
                continue
            ingress = flow.direction is Direction.INGRESS
            source, destination = (flow.peer, check.subject) if ingress else (check.subject, flow.peer)
            traffic = Traffic.TCP if flow.traffic is Traffic.TCP else Traffic.ANY
            key = (source, destination, traffic, flow.ports, flow.interfaces)
            found.setdefault(key, Leg(source, destination, traffic, flow.ports, flow.interfaces, flow.purpose))
    return list(found.values())


def judge_paths(topology: Topology, check: Check, numbers: RuleNumbers | None = None) -> CheckResult:
    """Judge one of requirements.PATH_CHECKS for one cluster (see the module's semantics).
    `numbers`: the rule numbers already given to suggested network ACL entries by the other path
    checks of this cluster (crossing.RuleNumbers; a fresh one when None), so that no two commands
    of one ACL and direction share a number."""
    vpc = topology.vpc
    if vpc is None:
        return CheckResult(
            check.id,
            Status.NOT_APPLICABLE,
            "cannot judge: the VPC's network ACLs, route tables and endpoints were not read",
            cannot_judge=True,
        )
    if vpc.unread:
        return CheckResult(
            check.id, Status.NOT_APPLICABLE, f"cannot judge: could not read {'; '.join(vpc.unread)}", cannot_judge=True
        )
    sides = worker_sides(topology)
    if not sides:
        return CheckResult(
            check.id, Status.NOT_APPLICABLE, "no worker nodes found: cannot judge their paths", cannot_judge=True
        )
    outcome = Outcome(numbers=numbers if numbers is not None else RuleNumbers())
    if check.kind is Kind.NACL:
        _judge_nacl(topology, vpc, sides, check.id, outcome)
    else:
        # The AWS APIs are reached over IPv4 whatever the cluster's family (see apis).
        ipv4 = dataclasses.replace(topology, cluster=dataclasses.replace(topology.cluster, ip_family=IpFamily.IPV4))
        judge_aws_apis(ipv4, vpc, worker_sides(ipv4), outcome)
    return outcome.result(check.id)


def _judge_nacl(topology: Topology, vpc: VpcNetwork, sides: list[WorkerSide], check_id: str, outcome: Outcome) -> None:
    places = {side: node_places(topology, vpc, side, outcome) for side in sides}
    control_plane = control_plane_places(topology, vpc, outcome)
    for leg in legs(check_id):
        acl_ids: list[str] = []
        crossed = False
        for source, destination in _pairs(leg, sides, places, control_plane):
            crossed = True
            protocol = Protocol.TCP if leg.traffic is Traffic.TCP else Protocol.ALL
            passed = judge_crossing(outcome, vpc, source, destination, protocol, leg.ports, leg.purpose)
            acl_ids.extend(passed or ())
        if not crossed:
            outcome.passed(f"{leg.describe().rstrip(':')} never crosses a network ACL (same subnet)")
        elif acl_ids:
            what = "some traffic passes" if leg.traffic is Traffic.ANY else "and its return pass"
            outcome.passed(f"{leg.describe()} {what} {names(dict.fromkeys(acl_ids))}")


def _pairs(
    leg: Leg, sides: list[WorkerSide], places: dict[WorkerSide, list[Place]], control_plane: list[Place]
) -> list[tuple[Place, Place]]:
    """(source, destination) places of a leg whose subnets differ, each pair once."""
    pairs: dict[tuple[str, tuple[IPNetwork, ...], str, tuple[IPNetwork, ...]], tuple[Place, Place]] = {}

    def add(source: Place, destination: Place) -> None:
        if source.subnet.subnet_id == destination.subnet.subnet_id:
            return  # same subnet: no network ACL between them
        key = (source.subnet.subnet_id, source.ranges, destination.subnet.subnet_id, destination.ranges)
        pairs.setdefault(key, (source, destination))

    chosen = selected(sides, leg.interfaces)
    if Party.CONTROL_PLANE in (leg.source, leg.destination):
        for side in chosen:
            for node in places[side]:
                for place in control_plane:
                    plane = dataclasses.replace(place, group=f"control plane for {node.group}")
                    if leg.source is Party.CONTROL_PLANE:
                        add(plane, node)
                    else:
                        add(node, plane)
        return list(pairs.values())
    for side in chosen:
        peers = selected(sides, leg.interfaces, like=side)
        for peer in peers:
            for source in places[side]:
                for destination in places[peer]:
                    add(source, destination)
    return list(pairs.values())
