"""The picture's network-path model, without matplotlib: per node group, its paths to the EKS API, ECR and
S3 (NODE_EGRESS_AWS_APIS) and its flows with the control plane through the network ACLs (NACL_MINIMUM,
NACL_RECOMMENDED), each with its verdict and the component that blocks it.

As report/flows.py, what fails comes from the engine's results, never from re-judging: a path fails
only where a failing finding names it. A finding is placed by what it names: a node group by its
label, one of its subnets, or the network ACL or route table of one of them (a finding naming no node
group's is every group's); a service by its VPC endpoint's service name, the cluster's name (its
publicAccessCidrs: the EKS API), or the words of its message ("to ECR", "to S3", "API endpoint"; none:
every service). A path of a check that could not be judged is drawn as "cannot judge", never as a
pass. Drawn by report/diagram.py; only when the scan ran with the network-path checks.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from ..model import NodeGroup, Topology
from ..requirements import PATH_CHECKS, Kind
from ..results import CheckResult, Finding, Status
from .flows import FAILED, OK, UNKNOWN

EKS_API, ECR, S3 = "EKS API", "ECR", "S3"
NACLS = "network ACLs"  # the control plane's and the nodes' flows through the network ACLs
SERVICES = (EKS_API, ECR, S3)
CANNOT_JUDGE = "cannot judge"
NACL_CHECKS = tuple(check.id for check in PATH_CHECKS if check.kind is Kind.NACL)
API_CHECKS = tuple(check.id for check in PATH_CHECKS if check.kind is Kind.AWS_APIS)

_TO = re.compile(r"\bto (?:the )?(ECR|S3|EKS API|(?:cluster'?s? )?API endpoint|API server)\b", re.IGNORECASE)
_WORDS = {
    ECR: re.compile(r"\bECR\b|\becr\.(?:api|dkr)\b", re.IGNORECASE),
    S3: re.compile(r"\bS3\b|\.s3\b", re.IGNORECASE),
    EKS_API: re.compile(r"EKS API|API endpoint|API server|publicAccessCidrs|endpointPrivateAccess|\.eks\b"),
}


@dataclass(frozen=True, slots=True)
class PathEdge:
    """One drawn path: from node group `group` (its index) to `target` (EKS_API, ECR, S3 or NACLS),
    its status (flows.OK / FAILED / UNKNOWN) and the components that block it (FAILED only)."""

    group: int
    target: str
    status: str
    blocking: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """`TCP 443`, `blocked at acl-1, rtb-2`, or `cannot judge`."""
        if self.status == FAILED:
            return "blocked at " + ", ".join(self.blocking) if self.blocking else "blocked"
        if self.status == UNKNOWN:
            return CANNOT_JUDGE
        return "required flows pass" if self.target == NACLS else "TCP 443"


def _named(text: str, name: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text) is not None


def _group_names(topology: Topology, group: NodeGroup) -> set[str]:
    """What names a node group in a finding: its label, its subnets, their network ACL and route table."""
    names = {group.label}
    vpc = topology.vpc
    if vpc is None:
        return names
    for node in group.nodes:
        for network in node.networks:
            subnet = vpc.subnet_of(network)
            if subnet is None:
                continue
            names.add(subnet.subnet_id)
            acl, table = vpc.network_acl_of(subnet.subnet_id), vpc.route_table_of(subnet.subnet_id)
            names |= {acl.acl_id} if acl else set()
            names |= {table.route_table_id} if table else set()
    return names


def _names_any(finding: Finding, names: set[str]) -> bool:
    return finding.component_id in names or any(_named(finding.message, name) for name in names)


def services_of(topology: Topology, finding: Finding) -> tuple[str, ...]:
    """The services (EKS_API, ECR, S3) a NODE_EGRESS_AWS_APIS finding is about; all when it names none."""
    vpc, component = topology.vpc, finding.component_id or ""
    if component == topology.cluster.name:
        return (EKS_API,)
    if vpc is not None and component.startswith("vpce-"):
        endpoint = next((e for e in vpc.endpoints if e.endpoint_id == component), None)
        if endpoint is not None:
            service = endpoint.service_name.split(".")[3:]  # com.amazonaws.<region>.<service…>
            found = {"ecr": ECR, "s3": S3, "eks": EKS_API}.get(service[0] if service else "")
            if found:
                return (found,)
    if match := _TO.search(finding.message):
        word = match.group(1).upper()
        return (ECR,) if word == "ECR" else (S3,) if word == "S3" else (EKS_API,)
    named = tuple(service for service in SERVICES if _WORDS[service].search(finding.message))
    return named or SERVICES


def _edge(index: int, target: str, result: CheckResult, findings: list[Finding], cluster: str) -> PathEdge:
    if result.status is Status.NOT_APPLICABLE:
        return PathEdge(index, target, UNKNOWN)
    if findings:
        hops = (f.component_id or f.security_group_id for f in findings)
        blocking = tuple(dict.fromkeys(f"publicAccessCidrs of {hop}" if hop == cluster else hop for hop in hops))
        return PathEdge(index, target, FAILED, tuple(b for b in blocking if b))
    if result.status is Status.NON_COMPLIANT and CANNOT_JUDGE in result.detail:
        return PathEdge(index, target, UNKNOWN)  # another path failed; this one was not judged
    return PathEdge(index, target, OK)


def path_edges(topology: Topology, results: Mapping[str, CheckResult]) -> list[PathEdge]:
    """Per node group: its paths to EKS_API, ECR and S3 when NODE_EGRESS_AWS_APIS was judged, then its
    flows through the network ACLs (NACLS, the NACL checks' results merged) when one was. [] without
    network-path results (the scan ran without NetworkPath) or without node groups."""
    nacl = [results[check] for check in NACL_CHECKS if check in results]
    apis = next((results[check] for check in API_CHECKS if check in results), None)
    everyone = [_group_names(topology, group) for group in topology.node_groups]
    known = set().union(*everyone) if everyone else set()
    edges: list[PathEdge] = []
    for index, names in enumerate(everyone):

        def mine(finding: Finding, names: set[str] = names) -> bool:
            return _names_any(finding, names) or not _names_any(finding, known)

        if apis is not None:
            for service in SERVICES:
                found = [f for f in apis.findings if mine(f) and service in services_of(topology, f)]
                edges.append(_edge(index, service, apis, found, topology.cluster.name))
        if nacl:
            failing = [r for r in nacl if r.status is Status.NON_COMPLIANT] or nacl
            worst = next((r for r in nacl if r.status is Status.NOT_APPLICABLE), failing[0])
            found = [f for r in nacl for f in r.findings if mine(f)]
            edges.append(_edge(index, NACLS, worst if not found else failing[0], found, topology.cluster.name))
    return edges
