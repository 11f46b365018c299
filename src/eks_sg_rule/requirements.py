"""The requirement text's tables as data: one entry per check id, driving engine, annotations and docs.

Source: AWS, "Amazon EKS security group considerations" (sec-group-reqs). Each `Flow` is one row
of a table there: a direction on the subject's SGs, a peer, a protocol and a port range.
"""

from __future__ import annotations

from dataclasses import replace

from .network import PortSet
from .requirement_types import (
    DOC_URL,
    Check,
    Direction,
    Flow,
    Kind,
    Level,
    NodeInterfaces,
    Party,
    RequirementSet,
    Traffic,
)
from .requirements2026 import ADDED, CLUSTER_SG_EXISTS, KEPT

__all__ = [
    "CHECKS",
    "CHECKS_2026",
    "CHECKS_BY_ID",
    "DOC_URL",
    "PATH_CHECKS",
    "Check",
    "Direction",
    "Flow",
    "Kind",
    "Level",
    "NodeInterfaces",
    "Party",
    "RequirementSet",
    "Traffic",
    "check_of",
    "checks_for",
    "interface_table",
    "judged_checks",
    "markdown_table",
]


def _tcp(*ranges: tuple[int, int]) -> PortSet:
    return PortSet.of(*ranges)


_CP = "Control plane and worker node security groups: Control Plane Security Group"
_WORKER = "Control plane and worker node security groups: Worker Node Security Group"
_CLUSTER_SG = "Cluster security group"

_API_FROM_WORKERS = Flow(
    Direction.INGRESS, Party.WORKERS, Traffic.TCP, _tcp((443, 443)), "API server", "Minimum inbound traffic"
)
_KUBELET_TO_WORKERS = Flow(
    Direction.EGRESS,
    Party.WORKERS,
    Traffic.TCP,
    _tcp((10250, 10250)),
    "kubelet",
    "Minimum outbound traffic",
    NodeInterfaces.PRIMARY,
)

CHECKS: tuple[Check, ...] = (
    Check(
        id="CP_SG_MINIMUM",
        title="Control plane SG: minimum traffic",
        doc_anchor="control-plane-worker-node-sgs",
        level=Level.MINIMUM,
        kind=Kind.FLOWS,
        subject=Party.CONTROL_PLANE,
        passes_when="the control plane admits TCP 443 from every worker node, and may send TCP 10250 to every "
        "worker node",
        doc_section=_CP,
        flows=(_API_FROM_WORKERS, _KUBELET_TO_WORKERS),
    ),
    Check(
        id="WORKER_SG_MINIMUM",
        title="Worker node SGs: minimum traffic",
        doc_anchor="control-plane-worker-node-sgs",
        level=Level.MINIMUM,
        kind=Kind.FLOWS,
        subject=Party.WORKERS,
        passes_when="every node admits TCP 10250 from the control plane, may send TCP 443 to it, and admits some "
        "traffic from the other worker nodes",
        doc_section=_WORKER,
        flows=(
            Flow(
                Direction.INGRESS,
                Party.CONTROL_PLANE,
                Traffic.TCP,
                _tcp((10250, 10250)),
                "kubelet",
                "Minimum inbound traffic (from control plane)",
                NodeInterfaces.PRIMARY,
            ),
            Flow(
                Direction.EGRESS,
                Party.CONTROL_PLANE,
                Traffic.TCP,
                _tcp((443, 443)),
                "API server",
                "Minimum outbound traffic",
            ),
            Flow(
                Direction.INGRESS,
                Party.WORKERS,
                Traffic.ANY,
                PortSet(),
                "node-to-node",
                "Minimum inbound traffic (from other worker nodes)",
                NodeInterfaces.SAME_KIND,
            ),
        ),
    ),
    Check(
        id="TAG_OWNED",
        title="One worker SG tagged kubernetes.io/cluster/<name>=owned",
        doc_anchor="control-plane-worker-node-sgs",
        level=Level.MINIMUM,
        kind=Kind.TAG_OWNED,
        subject=Party.WORKERS,
        passes_when="a node with one SG passes; a node with several SGs has exactly one SG carrying the tag key "
        "`kubernetes.io/cluster/<cluster-name>`, and its value is `owned`",
        doc_section=_WORKER + " (tag)",
    ),
    Check(
        id="CP_SG_RECOMMENDED",
        title="Control plane SG: recommended traffic",
        doc_anchor="control-plane-worker-node-sgs",
        level=Level.RECOMMENDED,
        kind=Kind.FLOWS,
        subject=Party.CONTROL_PLANE,
        passes_when="as CP_SG_MINIMUM, and the control plane may send TCP 1025-65535 to every worker node",
        doc_section=_CP,
        flows=(
            Flow(
                Direction.INGRESS,
                Party.WORKERS,
                Traffic.TCP,
                _tcp((443, 443)),
                "API server",
                "Recommended inbound traffic",
            ),
            _KUBELET_TO_WORKERS,
            Flow(
                Direction.EGRESS,
                Party.WORKERS,
                Traffic.TCP,
                _tcp((1025, 65535)),
                "kubelet and extension API servers",
                "Recommended outbound traffic",
            ),
        ),
    ),
    Check(
        id="WORKER_SG_RECOMMENDED",
        title="Worker node SGs: recommended traffic",
        doc_anchor="control-plane-worker-node-sgs",
        level=Level.RECOMMENDED,
        kind=Kind.FLOWS,
        subject=Party.WORKERS,
        passes_when="every node admits TCP 443 and TCP 1025-65535 from the control plane and from every worker "
        "node, and may send all traffic to 0.0.0.0/0",
        doc_section=_WORKER,
        flows=(
            Flow(
                Direction.INGRESS,
                Party.CONTROL_PLANE,
                Traffic.TCP,
                _tcp((443, 443), (1025, 65535)),
                "control plane",
                "Recommended inbound traffic",
            ),
            Flow(
                Direction.INGRESS,
                Party.WORKERS,
                Traffic.TCP,
                _tcp((443, 443), (1025, 65535)),
                "node-to-node",
                "Recommended inbound traffic",
            ),
            Flow(
                Direction.EGRESS,
                Party.ANYWHERE,
                Traffic.ALL,
                PortSet.all_ports(),
                "internet (EKS, ECR, S3 APIs)",
                "Recommended outbound traffic",
            ),
        ),
    ),
    Check(
        id="CLUSTER_SG_RULES",
        title="Cluster SG: recommended rules",
        doc_anchor="cluster-sg",
        level=Level.RECOMMENDED,
        kind=Kind.FLOWS,
        subject=Party.CLUSTER_SG,
        passes_when="the cluster SG admits all traffic from itself and may send all traffic to 0.0.0.0/0 (or ::/0 "
        "for IPv6 clusters)",
        doc_section=_CLUSTER_SG,
        flows=(
            Flow(
                Direction.INGRESS,
                Party.CLUSTER_SG,
                Traffic.ALL,
                PortSet.all_ports(),
                "self",
                "Recommended inbound traffic",
            ),
            Flow(
                Direction.EGRESS,
                Party.ANYWHERE,
                Traffic.ALL,
                PortSet.all_ports(),
                "internet",
                "Recommended outbound traffic",
            ),
        ),
    ),
    Check(
        id="CLUSTER_SG_ON_WORKERS",
        title="Cluster SG on every worker node",
        doc_anchor="cluster-sg",
        level=Level.RECOMMENDED,
        kind=Kind.CLUSTER_SG_ON_WORKERS,
        subject=Party.WORKERS,
        passes_when="every worker node carries the cluster SG",
        doc_section=_CLUSTER_SG,
    ),
    Check(
        id="DEDICATED_CP_SG",
        title="A dedicated control-plane SG per cluster",
        doc_anchor="control-plane-worker-node-sgs",
        level=Level.RECOMMENDED,
        kind=Kind.DEDICATED,
        subject=Party.CONTROL_PLANE,
        passes_when="no SG in `securityGroupIds` is attached to worker nodes or used by another cluster",
        doc_section="Control plane and worker node security groups (dedicated security group per control plane)",
    ),
)

_PATH = "Worker Node Security Group, minimum outbound traffic (footnote), and the flows of every row above"

# The network-path checks (NetworkPath option, off by default): the same required flows, judged
# through the network ACLs, routes and VPC endpoints they cross, and the requirement text's own
# footnote (nodes reach the Amazon EKS APIs, Amazon ECR and Amazon S3).
PATH_CHECKS: tuple[Check, ...] = (
    Check(
        id="NACL_MINIMUM",
        title="Network ACLs pass the minimum flows",
        level=Level.MINIMUM,
        kind=Kind.NACL,
        subject=Party.WORKERS,
        passes_when="the flows of CP_SG_MINIMUM and WORKER_SG_MINIMUM (control plane and nodes, node to node) pass "
        "the network ACL of every subnet they leave and enter, both ways: the request on its port and the response "
        "on 1024-65535",
        doc_section=_CP + "; " + _WORKER + " (minimum rows), through network ACLs",
        doc_anchor="control-plane-worker-node-sgs",
        network_path=True,
    ),
    Check(
        id="NACL_RECOMMENDED",
        title="Network ACLs pass the recommended flows",
        level=Level.RECOMMENDED,
        kind=Kind.NACL,
        subject=Party.WORKERS,
        passes_when="as NACL_MINIMUM, for the flows of CP_SG_RECOMMENDED and WORKER_SG_RECOMMENDED between the "
        "control plane and the nodes and between nodes",
        doc_section=_CP + "; " + _WORKER + " (recommended rows), through network ACLs",
        doc_anchor="control-plane-worker-node-sgs",
        network_path=True,
    ),
    Check(
        id="NODE_EGRESS_AWS_APIS",
        title="Nodes reach the EKS API, ECR and S3",
        level=Level.MINIMUM,
        kind=Kind.AWS_APIS,
        subject=Party.WORKERS,
        passes_when="from every node group's primary interfaces, TCP 443 reaches the cluster's API endpoint, ECR "
        "(ecr.api, ecr.dkr) and S3, through VPC endpoints or an internet route, SG egress, network ACLs both ways "
        "and the endpoint's publicAccessCidrs included",
        doc_section=_PATH,
        doc_anchor="control-plane-worker-node-sgs",
        network_path=True,
    ),
)

# The 2026 set (requirements2026): the kept 2020 checks re-cited, then the added ones. Its recommended
# level is its minimum level (the current page recommends nothing beyond it).
CHECKS_2026: tuple[Check, ...] = (
    *(
        replace(check, doc_page=KEPT[check.id][0], doc_anchor=KEPT[check.id][1], doc_section=KEPT[check.id][2])
        for check in CHECKS
        if check.id in KEPT
    ),
    *ADDED,
)
# In the 2020 set CLUSTER_SG_EXISTS is judged but reported only when it fails, so that a cluster
# without the health issue keeps exactly its 2020 verdict (judged_checks).
CLUSTER_SG_EXISTS_2020 = replace(CLUSTER_SG_EXISTS, reported_only_when_failing=True)

CHECKS_BY_ID = {check.id: check for check in (*CHECKS, *PATH_CHECKS, *ADDED)}


def checks_for(
    level: Level, network_path: bool = False, requirement_set: RequirementSet = RequirementSet.Y2020
) -> tuple[Check, ...]:
    """Level `recommended` runs every check; `minimum` the minimum ones. The network-path checks
    (PATH_CHECKS) join only with `network_path` (the NetworkPath option); without it the checks are
    exactly CHECKS'. `requirement_set` picks the table: 2020 is CHECKS (the default, exactly the
    historic tuple), 2026 is CHECKS_2026 (whose levels coincide: see requirements2026)."""
    base = CHECKS_2026 if requirement_set is RequirementSet.Y2026 else CHECKS
    wanted = (*base, *PATH_CHECKS) if network_path else base
    if level is Level.RECOMMENDED:
        return tuple(wanted)
    return tuple(check for check in wanted if check.level is Level.MINIMUM)


def check_of(check_id: str, requirement_set: RequirementSet = RequirementSet.Y2020) -> Check | None:
    """The check `check_id` as `requirement_set` words and cites it (CP_SG_MINIMUM and
    WORKER_SG_MINIMUM cite the current page under 2026), else CHECKS_BY_ID's; None for an unknown id.
    For reports that show a check's title and citation under the set it was judged by."""
    if requirement_set is RequirementSet.Y2026:
        for check in CHECKS_2026:
            if check.id == check_id:
                return check
    return CHECKS_BY_ID.get(check_id)


def judged_checks(
    level: Level, network_path: bool = False, requirement_set: RequirementSet = RequirementSet.Y2020
) -> tuple[Check, ...]:
    """What evaluate.judge_cluster and plan.Planner judge: checks_for(...), plus under 2020 the
    CLUSTER_SG_EXISTS check whose result is kept only when it fails (Check.reported_only_when_failing;
    the 2026 set lists CLUSTER_SG_EXISTS itself)."""
    checks = checks_for(level, network_path, requirement_set)
    if requirement_set is RequirementSet.Y2020:
        return (CLUSTER_SG_EXISTS_2020, *checks)
    return checks


def interface_table() -> str:
    """Which node interfaces each flow judges, as the README's "How traffic is judged" shows it."""
    rows = ["| check | flow | node interfaces judged |", "| --- | --- | --- |"]
    for check in CHECKS:
        for flow in check.flows:
            if Party.WORKERS not in (check.subject, flow.peer):
                continue
            towards = "from" if flow.direction is Direction.INGRESS else "to"
            subject = "nodes" if check.subject is Party.WORKERS else check.subject.value
            what = f"{subject}: {flow.direction.value} {flow.describe()} {towards} {flow.peer.value}"
            rows.append(f"| `{check.id}` | {what} | {flow.interfaces.value} |")
    return "\n".join(rows)


def markdown_table(requirement_set: RequirementSet = RequirementSet.Y2020) -> str:
    """The checks of a set as the README shows them (a test keeps the README equal to this). The 2020
    table is the historic one; the 2026 table links each section to its page (`Check.doc_url`), since
    its checks rest on several pages."""
    rows = ["| id | level | passes when | requirement (AWS doc section) |", "| --- | --- | --- | --- |"]
    if requirement_set is RequirementSet.Y2026:
        rows += [
            f"| `{c.id}` | {c.level.value} | {c.passes_when} | [{c.doc_section}]({c.doc_url}) |" for c in CHECKS_2026
        ]
    else:
        rows += [f"| `{c.id}` | {c.level.value} | {c.passes_when} | {c.doc_section} |" for c in CHECKS]
    return "\n".join(rows)
