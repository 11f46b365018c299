"""The picture's pieces without AWS: which part of a node group a finding lands on when SGs are shared,
the layout's brackets and SG lines that fit their boxes, the empty node column's words, and the HTML
report's links and fix-plan cells."""

from __future__ import annotations

import ipaddress
from dataclasses import replace

from eks_sg_rule.evaluate import CLUSTER_TYPE, ResourceEvaluation
from eks_sg_rule.model import Interface, NodeGroup, NodeGroupKind
from eks_sg_rule.network import PortSet
from eks_sg_rule.plan import Change
from eks_sg_rule.report.diagram import cluster_svg, empty_note
from eks_sg_rule.report.flows import CONTROL_PLANE, FAILED, INTERNET, OK, PODS, UNKNOWN, Edge, Place, flow_edges
from eks_sg_rule.report.html import _action, _cluster, _failing, _sg_link, _where, console_url
from eks_sg_rule.report.layout import LINE, fit_chars, node_parts, sg_line
from eks_sg_rule.report.scan import EvaluationView
from eks_sg_rule.requirements import Direction, Level, Traffic
from eks_sg_rule.results import CheckResult, Finding, Gap, Status
from tests.conftest import REGION
from tests.engine.builders import everything, judge, nodegroup, sg, topology


def _shared_owner() -> tuple[object, dict[str, CheckResult]]:
    """ng-1's nodes carry `sg-n` only; ng-2's `sg-n` and the cluster SG: both owned by `sg-n`, which
    admits nothing. Only ng-1 misses the kubelet's TCP 10250 from the control plane."""
    top = topology(
        [sg("sg-cluster", [everything(sgs=["sg-cluster"])]), sg("sg-n")],
        [nodegroup("ng-1", ["sg-n"]), nodegroup("ng-2", ["sg-n", "sg-cluster"], ips=["10.0.9.1"])],
    )
    return top, {check: judge(top, check) for check in ("CP_SG_MINIMUM", "WORKER_SG_MINIMUM")}


def test_a_finding_on_a_shared_sg_lands_on_the_side_its_words_name() -> None:
    top, results = _shared_owner()
    assert results["WORKER_SG_MINIMUM"].status is Status.NON_COMPLIANT

    drawn = {(e.source, e.target, e.traffic): e.status for e in flow_edges(top, Level.MINIMUM, results)}  # type: ignore[arg-type]

    assert drawn[(CONTROL_PLANE, Place(0), "TCP 10250")] == FAILED
    assert drawn[(CONTROL_PLANE, Place(1), "TCP 10250")] == OK


def test_a_finding_whose_words_name_no_side_fails_every_side_sharing_its_sg() -> None:
    top, results = _shared_owner()
    gap = Gap(Direction.INGRESS, Traffic.TCP, PortSet.of((10250, 10250)), ("sg-cluster",))
    vague = CheckResult("WORKER_SG_MINIMUM", Status.NON_COMPLIANT, "x", (Finding("sg-n", "kubelet blocked", gap),))

    drawn = {
        (e.source, e.target, e.traffic): e.status
        for e in flow_edges(top, Level.MINIMUM, {**results, "WORKER_SG_MINIMUM": vague})  # type: ignore[arg-type]
    }

    assert drawn[(CONTROL_PLANE, Place(0), "TCP 10250")] == FAILED
    assert drawn[(CONTROL_PLANE, Place(1), "TCP 10250")] == FAILED


def test_a_gap_naming_no_peer_fails_every_peer_and_a_missing_result_is_unknown() -> None:
    top, _ = _shared_owner()
    gap = Gap(Direction.INGRESS, Traffic.TCP, PortSet.of((443, 443)), ())
    result = CheckResult("CP_SG_MINIMUM", Status.NON_COMPLIANT, "x", (Finding("sg-cluster", "m", gap),))

    edges = flow_edges(top, Level.MINIMUM, {"CP_SG_MINIMUM": result})  # type: ignore[arg-type]

    api = [e for e in edges if e.traffic == "TCP 443"]
    assert [e.status for e in api] == [FAILED, FAILED]
    assert {e.status for e in edges if e.traffic == "any traffic"} == {UNKNOWN}


def _with_pods(group: NodeGroup, pod_sg: str) -> NodeGroup:
    pod = Interface("eni-pod", frozenset([pod_sg]), (ipaddress.ip_network("100.64.0.10/32"),))
    return replace(group, nodes=tuple(replace(node, pod_interfaces=(pod,)) for node in group.nodes))


def test_brackets_join_parts_one_arrow_both_ways_when_they_agree() -> None:
    """The pods' SG admits the nodes' (the cluster SG); the cluster SG admits only itself."""
    pods_sg = sg("sg-pods", [everything(sgs=["sg-pods", "sg-cluster"])])
    top = topology(
        [sg("sg-cluster", [everything(sgs=["sg-cluster"])]), pods_sg],
        [_with_pods(nodegroup("ng-1", ["sg-cluster"]), "sg-pods"), NodeGroup("empty", NodeGroupKind.MANAGED, ())],
    )
    results = {check: judge(top, check) for check in ("WORKER_SG_MINIMUM", "WORKER_SG_RECOMMENDED")}
    edges = flow_edges(top, Level.RECOMMENDED, results)  # type: ignore[arg-type]

    parts, brackets = node_parts(top, edges, 0.0)  # type: ignore[arg-type]

    assert list(parts) == [Place(0), Place(0, PODS), Place(1)]  # the group without nodes keeps a box
    assert parts[Place(1)].left == [] and parts[Place(0, PODS)].sg_ids == ["sg-pods"]
    # Pods admit the nodes, the nodes do not admit the pods: one arrow each way, each its own verdict.
    assert {b.ends: [e.status for e in b.edges] for b in brackets} == {
        (Place(0), Place(0, PODS)): [OK],
        (Place(0, PODS), Place(0)): [FAILED],
    }
    assert parts[Place(0, PODS)].top < parts[Place(0)].top - parts[Place(0)].height
    svg = cluster_svg(top, Level.RECOMMENDED, results, {})  # type: ignore[arg-type]
    assert "pod interfaces (secondary)" in svg and "pods → nodes" in svg

    agreeing = [
        Edge(Place(0), Place(1), "any traffic", "node-to-node", [OK]),
        Edge(Place(1), Place(0), "any traffic", "node-to-node", [OK]),
    ]
    _, [both] = node_parts(top, agreeing, 0.0)  # type: ignore[arg-type]
    assert len(both.edges) == 2


def test_sg_lines_fit_their_boxes() -> None:
    width = 4.0
    line = sg_line(
        "sg-0123456789abcdef0",
        "a-very-long-security-group-name-from-terraform",
        " (cluster SG)",
        Status.NON_COMPLIANT,
        width,
    )

    assert len(line) <= fit_chars(width) and line.startswith("✗ sg-0123456789abcdef0  a-very") and "…" in line
    assert line.endswith(" (cluster SG)")
    assert sg_line("sg-1", None, "", Status.NOT_APPLICABLE, width) == "· sg-1  (not readable)"
    assert sg_line("sg-0123456789abcdef0", "name", " (cluster SG)", Status.COMPLIANT, 1.0).startswith("✓ sg-")
    assert fit_chars(1.0) > 0 and LINE > 0


def test_the_empty_node_column_says_fargate_or_cannot_judge() -> None:
    top = topology([sg("sg-cluster")], [])
    fargate = replace(top, cluster=replace(top.cluster, fargate_profiles=("a", "b", "c", "d")))

    assert "cannot judge" in empty_note(top)
    assert "pods run on Fargate" in empty_note(fargate) and "+1 more" in empty_note(fargate)
    assert "cannot judge" not in empty_note(fargate)


def test_sg_ids_link_to_their_console_and_manual_changes_are_for_a_person() -> None:
    assert console_url("eu-west-1", "sg-1") == (
        "https://eu-west-1.console.aws.amazon.com/ec2/home?region=eu-west-1#SecurityGroup:groupId=sg-1"
    )
    assert console_url("cn-north-1", "sg-1").startswith("https://console.amazonaws.cn/ec2/home?region=cn-north-1#")
    assert console_url("us-gov-west-1", "sg-1").startswith("https://console.amazonaws-us-gov.com/ec2/")
    assert _sg_link("us-east-1", "acl-1") == "<code>acl-1</code>"
    manual = Change("manual", "", ("NACL_MINIMUM",), "open it", component_id="acl-1", command="aws ec2 x")
    assert _action(manual) == "by a person (AWS CLI below)"
    assert _where("us-east-1", manual) == "<code>acl-1</code>"
    on_sg = Change("manual", "sg-1", ("NODE_EGRESS_AWS_APIS",), "d", component_id="vpce-1")
    assert _where("us-east-1", on_sg).endswith("</a> <code>vpce-1</code>")
    assert _action(Change("authorize-ingress", "sg-1", ("CP_SG_MINIMUM",), "d")) == "<code>authorize-ingress</code>"


def test_the_cluster_sgs_own_flows_and_findings_without_a_gap() -> None:
    """CLUSTER_SG_RULES: a cluster SG that does not admit itself draws the control plane's loop red; a
    finding without a gap (none names a flow) draws nothing red."""
    top = topology([sg("sg-cluster", egress=[])], [nodegroup("ng-1", ["sg-cluster"])])
    results = {"CLUSTER_SG_RULES": judge(top, "CLUSTER_SG_RULES")}
    assert results["CLUSTER_SG_RULES"].status is Status.NON_COMPLIANT

    drawn = {(e.source, e.target, e.traffic): e.status for e in flow_edges(top, Level.RECOMMENDED, results)}  # type: ignore[arg-type]
    assert drawn[(CONTROL_PLANE, CONTROL_PLANE, "all traffic")] == FAILED
    assert drawn[(CONTROL_PLANE, INTERNET, "all traffic")] == FAILED

    gapless = CheckResult("CP_SG_MINIMUM", Status.NON_COMPLIANT, "x", (Finding("sg-cluster", "no gap"),))
    edges = flow_edges(top, Level.MINIMUM, {"CP_SG_MINIMUM": gapless})  # type: ignore[arg-type]
    assert {e.status for e in edges if e.traffic == "TCP 443"} == {OK}
    no_cluster_sg = replace(top, cluster=replace(top.cluster, cluster_sg_id=None))
    edges = flow_edges(no_cluster_sg, Level.RECOMMENDED, {"CLUSTER_SG_RULES": results["CLUSTER_SG_RULES"]})  # type: ignore[arg-type]
    assert [e.status for e in edges if e.source == e.target == CONTROL_PLANE] == [FAILED]


def test_a_cluster_without_a_topology_says_why_in_the_summary_and_its_section() -> None:
    evaluation = ResourceEvaluation(CLUSTER_TYPE, "c9", Status.NOT_APPLICABLE, "cluster c9 not found")
    view = EvaluationView(REGION, evaluation, ())

    assert _failing(view) == "cluster c9 not found"
    assert _cluster(None, view, None)[-1] == "<p>cluster c9 not found</p>"  # type: ignore[arg-type]
