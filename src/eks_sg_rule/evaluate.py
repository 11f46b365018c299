"""Account snapshot -> evaluations: one per EKS cluster and one per SG that plays a role for one.

Pure: no AWS, no Lambda. The same output feeds AWS Config (rule.py) and the terminal (cli.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .checks import Judge
from .checks2026 import egress_mode_note
from .model import Membership, Snapshot, Topology, sg_usage
from .requirements import judged_checks
from .results import CheckResult, Status
from .settings import Settings

CLUSTER_TYPE = "AWS::EKS::Cluster"
SECURITY_GROUP_TYPE = "AWS::EC2::SecurityGroup"
# The network-path components (NetworkPath) by id prefix, as AWS Config names their resource types.
COMPONENT_TYPES = {
    "acl-": "AWS::EC2::NetworkAcl",
    "rtb-": "AWS::EC2::RouteTable",
    "vpce-": "AWS::EC2::VPCEndpoint",
    "nat-": "AWS::EC2::NatGateway",
}
MAX_ANNOTATION = 256


@dataclass(frozen=True, slots=True)
class ResourceEvaluation:
    resource_type: str
    resource_id: str
    compliance_type: Status
    # The whole explanation; AWS Config receives `annotation`, the same cut to 256 characters.
    detail: str
    checks: tuple[CheckResult, ...] = ()
    # A cluster's reads that failed (Topology.incomplete), kept even when it fails: waivers.py must
    # not call a cluster COMPLIANT once its failures are waived if something could not be read.
    incomplete: tuple[str, ...] = ()

    @property
    def key(self) -> tuple[str, str]:
        return (self.resource_type, self.resource_id)

    @property
    def annotation(self) -> str:
        """What PutEvaluations sends: `detail` cut at a word boundary to Config's 256 characters."""
        return fit(self.detail)

    def to_json(self) -> dict[str, Any]:
        return {
            "resource_type": self.resource_type,
            "resource_id": self.resource_id,
            "compliance_type": self.compliance_type.value,
            "annotation": self.annotation,
            "detail": self.detail,
            "checks": [
                {"id": c.check_id, "status": c.status.value, "detail": c.detail, **path_json(c)} for c in self.checks
            ],
        }


def path_json(result: CheckResult) -> dict[str, Any]:
    """A check's optional keys in its JSON: "waived" ("until DATE: reason") when a waiver covers its
    failure (waivers.py); a network-path check's "components" (every component on a path it
    judged, when any) and "findings" (those naming a component or a change, each {"message",
    "security_group_id" when set, "component_id" when set, "change" when set}). {} for every other
    check, whose JSON is unchanged (issue 18: "waived" is new, only where a waiver applies)."""
    document: dict[str, Any] = {"waived": result.waived} if result.waived else {}
    if result.components:
        document["components"] = list(result.components)
    found = [f for f in result.findings if f.component_id or f.change]
    if found:
        document["findings"] = [
            {
                "message": f.message,
                **({"security_group_id": f.security_group_id} if f.security_group_id else {}),
                **({"component_id": f.component_id} if f.component_id else {}),
                **({"change": f.change} if f.change else {}),
            }
            for f in found
        ]
    return document


def fit(text: str, limit: int = MAX_ANNOTATION) -> str:
    """Config annotations hold 256 characters: cut at a word boundary and say so."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 2].rsplit(" ", 1)[0].rstrip(";,: ")
    return cut + " …"


@dataclass(frozen=True, slots=True)
class ClusterVerdict:
    topology: Topology
    results: tuple[CheckResult, ...]
    evaluation: ResourceEvaluation


def _grouped(results: list[CheckResult]) -> str:
    """ "ID: detail" per result, checks with the same detail named together."""
    by_detail: dict[str, list[str]] = {}
    for result in results:
        by_detail.setdefault(result.detail, []).append(result.check_id)
    return "; ".join(f"{', '.join(ids)}: {detail}" for detail, ids in by_detail.items())


def judge_cluster(topology: Topology, settings: Settings) -> ClusterVerdict:
    cluster = topology.cluster
    judge = Judge(topology, settings.exempt_sg_ids)
    checks = judged_checks(settings.level, settings.network_path, settings.requirement_set)
    results = tuple(
        result
        for check, result in ((check, judge.judge(check)) for check in checks)
        if not check.reported_only_when_failing or result.status is Status.NON_COMPLIANT
    )
    failed = [r for r in results if r.status is Status.NON_COMPLIANT]
    unjudged = [r for r in results if r.cannot_judge]
    unresolved = "; ".join(topology.unresolved)
    if failed:
        compliance = Status.NON_COMPLIANT
        annotation = _grouped(failed) + (f" (unresolved: {unresolved})" if unresolved else "")
    elif unjudged or all(r.status is Status.NOT_APPLICABLE for r in results):
        compliance = Status.NOT_APPLICABLE
        annotation = (f"unresolved: {unresolved}; " if unresolved else "") + _grouped(unjudged or list(results))
    elif topology.incomplete:
        # Every check passed on what could be read; what could not be read might fail one.
        compliance = Status.NOT_APPLICABLE
        annotation = f"cannot judge: {'; '.join(topology.incomplete)}"
    else:
        compliance = Status.COMPLIANT
        passed = [r.check_id for r in results if r.status is Status.COMPLIANT]
        annotation = f"{settings.level.value} level: {', '.join(passed)} pass"
        by_tags = [g.label for g in topology.node_groups if g.membership is Membership.TAGS]
        if by_tags:
            annotation += f"; node membership of {', '.join(by_tags)} rests on user-set tags only"
    if note := egress_mode_note(topology):
        annotation += f"; {note}"
    evaluation = ResourceEvaluation(
        CLUSTER_TYPE, cluster.name, compliance, annotation, results, incomplete=tuple(topology.incomplete)
    )
    return ClusterVerdict(topology, results, evaluation)


def not_applicable(resource_type: str, resource_id: str, why: str) -> ResourceEvaluation:
    return ResourceEvaluation(resource_type, resource_id, Status.NOT_APPLICABLE, why)


def _sg_evaluation(sg_id: str, verdicts: list[ClusterVerdict], settings: Settings) -> ResourceEvaluation:
    if sg_id in settings.exempt_sg_ids:
        return not_applicable(SECURITY_GROUP_TYPE, sg_id, "exempted by the ExemptSecurityGroupIds rule parameter")
    if all(sg_id not in verdict.topology.security_groups for verdict in verdicts):
        return not_applicable(SECURITY_GROUP_TYPE, sg_id, f"{sg_id} could not be read (deleted or another account's)")
    several = len(verdicts) > 1
    checks: list[CheckResult] = []
    # (cluster prefix, detail) -> the check ids that fail with it: at recommended, CP_SG_MINIMUM and
    # CP_SG_RECOMMENDED often miss the same rule, named once as "CP_SG_MINIMUM, CP_SG_RECOMMENDED: ...".
    failures: dict[tuple[str, str], list[str]] = {}
    judged = False
    for verdict in verdicts:
        prefix = f"{verdict.topology.cluster.name}: " if several else ""
        judged = judged or verdict.evaluation.compliance_type is not Status.NOT_APPLICABLE
        for result in verdict.results:
            own = tuple(f for f in result.findings if f.security_group_id == sg_id)
            if own:
                detail = "; ".join(dict.fromkeys(f.message for f in own))
                # The findings travel with the SG's check: a report needs them even when the
                # cluster that has them was not asked for.
                checks.append(CheckResult(result.check_id, Status.NON_COMPLIANT, prefix + detail, own))
                failures.setdefault((prefix, detail), []).append(result.check_id)
            elif result.status is Status.NOT_APPLICABLE:
                checks.append(CheckResult(result.check_id, Status.NOT_APPLICABLE, prefix + result.detail))
            else:
                checks.append(CheckResult(result.check_id, Status.COMPLIANT, prefix + "nothing missing on this SG"))
    clusters = ", ".join(v.topology.cluster.name for v in verdicts)
    if failures:
        annotation = "; ".join(f"{prefix}{', '.join(ids)}: {detail}" for (prefix, detail), ids in failures.items())
        return ResourceEvaluation(SECURITY_GROUP_TYPE, sg_id, Status.NON_COMPLIANT, annotation, tuple(checks))
    if not judged:
        why = "; ".join(v.evaluation.detail for v in verdicts)
        return ResourceEvaluation(SECURITY_GROUP_TYPE, sg_id, Status.NOT_APPLICABLE, why, tuple(checks))
    annotation = f"nothing missing on this SG for cluster {clusters} ({settings.level.value} level)"
    return ResourceEvaluation(SECURITY_GROUP_TYPE, sg_id, Status.COMPLIANT, annotation, tuple(checks))


def component_type(component_id: str) -> str:
    """The AWS Config resource type of a network-path component by its id: acl- AWS::EC2::NetworkAcl,
    rtb- AWS::EC2::RouteTable, vpce- AWS::EC2::VPCEndpoint, nat- AWS::EC2::NatGateway; anything else
    (the cluster's name, for its publicAccessCidrs) is the cluster, AWS::EKS::Cluster."""
    for prefix, resource_type in COMPONENT_TYPES.items():
        if component_id.startswith(prefix):
            return resource_type
    return CLUSTER_TYPE


def _component_evaluations(verdicts: list[ClusterVerdict]) -> list[ResourceEvaluation]:
    """One evaluation per network-path component (acl-, rtb-, vpce-, nat-) on a path a path check
    judged: NON_COMPLIANT with the findings that name it; NOT_APPLICABLE when a check whose paths
    cross it could not judge them; else COMPLIANT. None without path results (NetworkPath off)."""
    by_component: dict[str, list[tuple[ClusterVerdict, CheckResult]]] = {}
    for verdict in verdicts:
        for result in verdict.results:
            named = [f.component_id for f in result.findings if f.component_id]
            for component_id in dict.fromkeys([*result.components, *named]):
                if component_type(component_id) != CLUSTER_TYPE:
                    by_component.setdefault(component_id, []).append((verdict, result))
    evaluations = []
    for component_id, uses in by_component.items():
        several = len({verdict.topology.cluster.name for verdict, _ in uses}) > 1
        checks: list[CheckResult] = []
        failures: list[str] = []
        unjudged: list[str] = []
        for verdict, result in uses:
            prefix = f"{verdict.topology.cluster.name}: " if several else ""
            own = tuple(f for f in result.findings if f.component_id == component_id)
            if own:
                detail = prefix + "; ".join(dict.fromkeys(f.message for f in own))
                checks.append(
                    CheckResult(result.check_id, Status.NON_COMPLIANT, detail, own, components=(component_id,))
                )
                failures.append(f"{result.check_id}: {detail}")
            elif result.cannot_judge:
                checks.append(CheckResult(result.check_id, Status.NOT_APPLICABLE, prefix + result.detail))
                unjudged.append(f"{result.check_id}: {prefix}{result.detail}")
            else:
                text = f"{prefix}nothing blocks the required paths through {component_id}"
                checks.append(CheckResult(result.check_id, Status.COMPLIANT, text))
        resource_type = component_type(component_id)
        if failures:
            status, detail = Status.NON_COMPLIANT, "; ".join(failures)
        elif unjudged:
            status, detail = Status.NOT_APPLICABLE, "; ".join(unjudged)
        else:
            clusters = ", ".join(dict.fromkeys(verdict.topology.cluster.name for verdict, _ in uses))
            status, detail = Status.COMPLIANT, f"nothing blocks the required paths through {component_id} ({clusters})"
        evaluations.append(ResourceEvaluation(resource_type, component_id, status, detail, tuple(checks)))
    return evaluations


def _sg_users(
    verdicts: list[ClusterVerdict], snapshot: Snapshot, settings: Settings, usage: Mapping[str, list[str]]
) -> dict[str, list[ClusterVerdict]]:
    """Role SG -> verdicts of every in-scope cluster using it, judging clusters not asked for as needed."""
    judged = {verdict.topology.cluster.name: verdict for verdict in verdicts}
    by_sg: dict[str, list[ClusterVerdict]] = {}
    for verdict in verdicts:
        for sg_id in verdict.topology.role_sg_ids():
            if sg_id in by_sg:
                continue
            users = by_sg.setdefault(sg_id, [])
            for name in usage.get(sg_id, ()):
                topology = snapshot.topologies[name]
                if name not in judged and settings.refusal(topology.cluster) is None:
                    judged[name] = judge_cluster(topology, settings)
                if name in judged:
                    users.append(judged[name])
    return by_sg


def evaluate(
    snapshot: Snapshot,
    settings: Settings,
    clusters: Iterable[str] | None = None,
    security_groups: Iterable[str] = (),
) -> list[ResourceEvaluation]:
    """Evaluations for the named clusters (all when None) and for the clusters using the named SGs.

    Each judged cluster brings an evaluation for every SG that plays a role for it, judged against
    every in-scope cluster that uses it; a named SG that plays no role is NOT_APPLICABLE.
    """
    usage = sg_usage(snapshot.topologies.values())
    if clusters is None:
        wanted = [*snapshot.topologies, *snapshot.unreadable_clusters]
    else:
        wanted = list(dict.fromkeys(clusters))
    requested_sgs = list(dict.fromkeys(security_groups))
    for sg_id in requested_sgs:
        wanted.extend(name for name in usage.get(sg_id, ()) if name not in wanted)

    evaluations: list[ResourceEvaluation] = []
    verdicts: list[ClusterVerdict] = []
    for name in wanted:
        topology = snapshot.topologies.get(name)
        if topology is None:
            why = snapshot.unreadable_clusters.get(name, f"cluster {name} not found in this account and region")
            evaluations.append(not_applicable(CLUSTER_TYPE, name, why))
        elif reason := settings.refusal(topology.cluster):
            evaluations.append(not_applicable(CLUSTER_TYPE, name, reason))
        else:
            verdicts.append(judge_cluster(topology, settings))
            evaluations.append(verdicts[-1].evaluation)

    by_sg = _sg_users(verdicts, snapshot, settings, usage)
    evaluations.extend(_sg_evaluation(sg_id, users, settings) for sg_id, users in by_sg.items())
    evaluations.extend(
        not_applicable(SECURITY_GROUP_TYPE, sg_id, "not used by any EKS cluster in scope (control plane or nodes)")
        for sg_id in requested_sgs
        if sg_id not in by_sg
    )
    evaluations.extend(_component_evaluations(verdicts))
    return evaluations
