"""One scan's result, assembled from what discovery read and the engine judged; its JSON document.

Pure: no AWS. Every renderer (table, JSON, Markdown, HTML) reads the same `ScanResult`, so they
cannot disagree. Details are the engine's whole text: only AWS Config gets them cut to 256 characters.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from ..arns import resource_arn
from ..evaluate import CLUSTER_TYPE, ResourceEvaluation, path_json
from ..model import Snapshot, Topology, sg_usage
from ..requirements import CHECKS_BY_ID, Kind, Level, Traffic
from ..results import CheckResult, Finding, Gap, Status
from ..severity import grading

CLUSTER_SG = "cluster SG"
CONTROL_PLANE_SG = "control-plane SG"
WORKER_SG = "worker SG"
STATUSES = tuple(status.value for status in Status)


@dataclass(frozen=True, slots=True)
class RegionScan:
    """What one region gave: the snapshot discovery read and the evaluations the engine made of it."""

    region: str
    snapshot: Snapshot
    evaluations: tuple[ResourceEvaluation, ...]


@dataclass(frozen=True, slots=True)
class Missing:
    """One rule a failing flow check wants, on the SG where it belongs."""

    security_group_id: str
    direction: str
    protocol: str  # "tcp", "all" (every protocol, EC2's -1) or "any" (some traffic of any protocol)
    ports: str  # "443", "443, 1025-65535"; "all" or "any" when the protocol is not tcp
    peer: str  # an SG id, or an address range (0.0.0.0/0, ::/0)

    def to_json(self) -> dict[str, str]:
        """{"security_group_id", "direction", "protocol", "ports", "peer"}."""
        return {
            "security_group_id": self.security_group_id,
            "direction": self.direction,
            "protocol": self.protocol,
            "ports": self.ports,
            "peer": self.peer,
        }

    def describe(self) -> str:
        """E.g. `ingress tcp 10250 from sg-1 on sg-2`."""
        traffic = f"tcp {self.ports}" if self.protocol == "tcp" else f"{self.protocol} traffic"
        where = "from" if self.direction == "ingress" else "to"
        return f"{self.direction} {traffic} {where} {self.peer} on {self.security_group_id}"


@dataclass(frozen=True, slots=True)
class CheckView:
    """A check result with what a reader needs beside it: its title, its AWS doc link, what is missing."""

    result: CheckResult
    title: str
    doc_url: str
    missing: tuple[Missing, ...]
    is_flow_check: bool

    @property
    def blocking(self) -> tuple[Finding, ...]:
        """A network-path check's findings that name the component blocking a path (acl-…, rtb-…,
        vpce-…, nat-…, a cluster), in the engine's order."""
        return tuple(f for f in self.result.findings if f.component_id)

    def to_json(self) -> dict[str, Any]:
        """{"id", "status", "detail", "title", "doc_url", "level", "severity"}, `missing` on a failing
        traffic check, and a network-path check's `components` and `findings` (evaluate.path_json) when
        it has any. `level` (minimum, recommended) and `severity` (high, medium: severity.py) are the
        check's, whatever its status; null for a check id the requirements do not know."""
        level, severity = grading(self.result.check_id)
        document: dict[str, Any] = {
            "id": self.result.check_id,
            "status": self.result.status.value,
            "detail": self.result.detail,
            "title": self.title,
            "doc_url": self.doc_url,
            "level": level.value if level else None,
            "severity": severity.value if severity else None,
        }
        if self.is_flow_check and self.result.status is Status.NON_COMPLIANT:
            document["missing"] = [item.to_json() for item in self.missing]
        document.update(path_json(self.result))
        return document


@dataclass(frozen=True, slots=True)
class EvaluationView:
    """One evaluation, in its region, with the SG's name, the clusters it serves and its roles there."""

    region: str
    evaluation: ResourceEvaluation
    checks: tuple[CheckView, ...]
    group_name: str | None = None
    clusters: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    topology: Topology | None = None  # clusters only: what was read, for the picture
    account: str | None = None  # the account id the region was read in (None: sts did not answer)

    @property
    def is_cluster(self) -> bool:
        """An EKS cluster's evaluation (else an SG's)."""
        return self.evaluation.resource_type == CLUSTER_TYPE

    @property
    def status(self) -> Status:
        """The evaluation's compliance."""
        return self.evaluation.compliance_type

    @property
    def arn(self) -> str | None:
        """The resource's ARN (arns.resource_arn); None when the account is unknown."""
        return resource_arn(self.evaluation.resource_type, self.evaluation.resource_id, self.region, self.account)

    def to_json(self) -> dict[str, Any]:
        """The engine's evaluation document plus `account_id`, `region`, `arn` (null when the account
        is unknown), and for an SG `group_name`, `clusters`, `roles`."""
        document = self.evaluation.to_json()
        document["account_id"] = self.account
        document["region"] = self.region
        document["arn"] = self.arn
        document["checks"] = [check.to_json() for check in self.checks]
        if not self.is_cluster:
            document["group_name"] = self.group_name
            document["clusters"] = list(self.clusters)
            document["roles"] = list(self.roles)
        return document


@dataclass(frozen=True, slots=True)
class ScanResult:
    """Everything one `scan` found, across its regions."""

    level: Level
    regions: tuple[str, ...]
    account: str | None
    generated_at: datetime
    tool_version: str
    evaluations: tuple[EvaluationView, ...]

    @property
    def clusters(self) -> tuple[EvaluationView, ...]:
        """The cluster evaluations, every region."""
        return tuple(view for view in self.evaluations if view.is_cluster)

    @property
    def security_groups(self) -> tuple[EvaluationView, ...]:
        """The SG evaluations, every region."""
        return tuple(view for view in self.evaluations if not view.is_cluster)

    @property
    def non_compliant(self) -> bool:
        """Whether anything is NON_COMPLIANT: the scan's exit code 1."""
        return any(view.status is Status.NON_COMPLIANT for view in self.evaluations)

    def summary(self) -> dict[str, dict[str, int]]:
        """Counts per status, clusters and SGs apart: {"clusters": {"total", "COMPLIANT", ...}, "security_groups"}."""
        return {"clusters": _counts(self.clusters), "security_groups": _counts(self.security_groups)}

    def security_groups_of(self, cluster: EvaluationView) -> tuple[EvaluationView, ...]:
        """The SG evaluations of the SGs that play a role for this cluster, in the order of its roles."""
        if cluster.topology is None:
            return ()
        order = {sg: index for index, sg in enumerate(cluster.topology.role_sg_ids())}
        mine = [
            view
            for view in self.security_groups
            if view.region == cluster.region and view.evaluation.resource_id in order
        ]
        return tuple(sorted(mine, key=lambda view: order[view.evaluation.resource_id]))

    def to_json(self) -> dict[str, Any]:
        """The scan document: today's `level` and `evaluations`, plus where, when, by what, and the counts."""
        return {
            "level": self.level.value,
            "regions": list(self.regions),
            "account": self.account,
            "generated_at": self.generated_at.isoformat(timespec="seconds"),
            "tool_version": self.tool_version,
            "summary": self.summary(),
            "evaluations": [view.to_json() for view in self.evaluations],
        }


def _counts(views: Iterable[EvaluationView]) -> dict[str, int]:
    counted = Counter(view.status.value for view in views)
    return {"total": sum(counted.values()), **{status: counted.get(status, 0) for status in STATUSES}}


def sg_roles(sg_id: str, topologies: Iterable[Topology]) -> tuple[str, ...]:
    """What an SG is for the clusters using it: cluster SG, control-plane SG (securityGroupIds), worker SG."""
    roles: set[str] = set()
    for topology in topologies:
        if sg_id == topology.cluster.cluster_sg_id:
            roles.add(CLUSTER_SG)
        if sg_id in topology.cluster.additional_sg_ids:
            roles.add(CONTROL_PLANE_SG)
        if sg_id in topology.worker_sg_ids:
            roles.add(WORKER_SG)
    return tuple(role for role in (CLUSTER_SG, CONTROL_PLANE_SG, WORKER_SG) if role in roles)


def missing_rules(findings: Iterable[Finding], topology: Topology | None, sg_id: str | None = None) -> list[Missing]:
    """The rules the findings' gaps call for (one per peer), only those on `sg_id` when given."""
    items: list[Missing] = []
    # No cluster read (an SG's view with no user): IPv4, the default family.
    anywhere = str(topology.cluster.anywhere) if topology is not None else "0.0.0.0/0"
    for finding in findings:
        gap: Gap | None = finding.gap
        if gap is None or (sg_id is not None and finding.security_group_id != sg_id):
            continue
        if gap.traffic in (Traffic.TCP, Traffic.UDP):
            protocol, ports = gap.traffic.value, gap.ports.describe()
        else:
            protocol = ports = "all" if gap.traffic is Traffic.ALL else "any"
        for peer in gap.peer_sg_ids or (anywhere,):
            item = Missing(finding.security_group_id, gap.direction.value, protocol, ports, peer)
            if item not in items:
                items.append(item)
    return items


def _check_view(
    result: CheckResult, findings: Iterable[Finding], topology: Topology | None, sg_id: str | None
) -> CheckView:
    check = CHECKS_BY_ID.get(result.check_id)
    is_flow = check is not None and check.kind is Kind.FLOWS
    missing = missing_rules(findings, topology, sg_id) if is_flow and result.status is Status.NON_COMPLIANT else []
    return CheckView(
        result,
        check.title if check else result.check_id,
        check.doc_url if check else "",
        tuple(missing),
        is_flow,
    )


def _region_views(scan: RegionScan) -> list[EvaluationView]:
    topologies = scan.snapshot.topologies
    usage = sg_usage(topologies.values())
    views: list[EvaluationView] = []
    for evaluation in scan.evaluations:
        if evaluation.resource_type == CLUSTER_TYPE:
            topology = topologies.get(evaluation.resource_id)
            checks = tuple(_check_view(c, c.findings, topology, None) for c in evaluation.checks)
            views.append(EvaluationView(scan.region, evaluation, checks, topology=topology))
            continue
        sg_id = evaluation.resource_id
        users = usage.get(sg_id, [])
        using = [topologies[name] for name in users]
        group = next((t.security_groups[sg_id] for t in using if sg_id in t.security_groups), None)
        checks = tuple(_check_view(c, c.findings, using[0] if using else None, sg_id) for c in evaluation.checks)
        views.append(
            EvaluationView(
                scan.region,
                evaluation,
                checks,
                group_name=group.name if group else None,
                clusters=tuple(users),
                roles=sg_roles(sg_id, using),
            )
        )
    return views


def build_result(
    level: Level, scans: Iterable[RegionScan], account: str | None, generated_at: datetime, tool_version: str
) -> ScanResult:
    """Assemble one result from the regions scanned, in the order they were given; every evaluation
    carries `account` (None when unknown)."""
    scans = list(scans)
    views = tuple(replace(view, account=account) for scan in scans for view in _region_views(scan))
    return ScanResult(level, tuple(scan.region for scan in scans), account, generated_at, tool_version, views)
