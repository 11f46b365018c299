"""The 2026 requirement set (issue 19): the contract, a passing and a failing case per check, the plan.

Pure: topologies from the builders, no AWS. The AWS pages each check rests on are cited in
eks_sg_rule.requirements2026; the failing cases' details are the annotations the product writes.
"""

from __future__ import annotations

import dataclasses
import ipaddress

import pytest

from eks_sg_rule.evaluate import judge_cluster
from eks_sg_rule.model import BRANCH, ClusterIssue, Insight, Interface, Node, NodeGroup, NodeGroupKind, Topology
from eks_sg_rule.plan import AUTHORIZE_EGRESS, AUTHORIZE_INGRESS, CREATE_TAGS, MANUAL, Planner
from eks_sg_rule.requirements import (
    CHECKS,
    CHECKS_2026,
    CHECKS_BY_ID,
    DOC_URL,
    Level,
    RequirementSet,
    check_of,
    checks_for,
    judged_checks,
    markdown_table,
)
from eks_sg_rule.results import Status
from eks_sg_rule.settings import Scope, Settings

from .builders import eks_default, everything, judge, nodegroup, owned, sg, tcp, topology, udp

Y2026 = RequirementSet.Y2026
IDS_2026 = [
    "CP_SG_MINIMUM",
    "WORKER_SG_MINIMUM",
    "NODE_TAG",
    "CLUSTER_SG_DEFAULT_RULES",
    "CLUSTER_SG_RESTRICTED_EGRESS",
    "HYBRID_NODES_NETWORK",
    "POD_SG_MINIMUM",
    "CLUSTER_SG_EXISTS",
]


def net(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    return ipaddress.ip_network(text)


def with_cluster(top: Topology, **changes: object) -> Topology:
    return dataclasses.replace(top, cluster=dataclasses.replace(top.cluster, **changes))


# --- contract ------------------------------------------------------------------------------------


def test_parse_accepts_the_sets_and_latest_and_names_them_otherwise() -> None:
    assert RequirementSet.parse("2020") is RequirementSet.Y2020
    assert RequirementSet.parse(" 2026 ") is Y2026
    assert RequirementSet.parse("LATEST") is Y2026
    with pytest.raises(ValueError, match="2020, 2026, latest"):
        RequirementSet.parse("2019")


def test_2020_is_todays_tuple_and_the_default() -> None:
    assert checks_for(Level.MINIMUM) == checks_for(Level.MINIMUM, requirement_set=RequirementSet.Y2020)
    assert checks_for(Level.RECOMMENDED, requirement_set=RequirementSet.Y2020) == CHECKS
    assert Settings().requirement_set is RequirementSet.Y2020
    assert Scope().requirement_set is RequirementSet.Y2020
    assert judged_checks(Level.MINIMUM)[0].reported_only_when_failing


def test_2026_ids_levels_and_citations() -> None:
    assert [c.id for c in CHECKS_2026] == IDS_2026
    # The page recommends nothing beyond the minimum: both levels run the same checks.
    assert checks_for(Level.RECOMMENDED, requirement_set=Y2026) == checks_for(Level.MINIMUM, requirement_set=Y2026)
    for check in CHECKS_2026:
        assert check.doc_url.startswith("https://") and "#" in check.doc_url
    assert CHECKS_BY_ID["CP_SG_MINIMUM"].doc_url == f"{DOC_URL}#control-plane-worker-node-sgs"
    kept = {c.id: c for c in CHECKS_2026}["CP_SG_MINIMUM"]
    assert kept.flows == CHECKS_BY_ID["CP_SG_MINIMUM"].flows
    assert kept.doc_url.endswith("#security-group-restricting-cluster-traffic")
    assert check_of("CP_SG_MINIMUM", Y2026) is kept
    assert check_of("CP_SG_MINIMUM") is CHECKS_BY_ID["CP_SG_MINIMUM"]
    assert check_of("NACL_MINIMUM", Y2026) is CHECKS_BY_ID["NACL_MINIMUM"]
    assert check_of("nope") is None
    with_paths = checks_for(Level.MINIMUM, network_path=True, requirement_set=Y2026)
    assert "NACL_MINIMUM" in [c.id for c in with_paths]


def test_markdown_tables_of_both_sets() -> None:
    assert markdown_table() == markdown_table(RequirementSet.Y2020)
    table = markdown_table(Y2026)
    assert table.count("\n") == len(CHECKS_2026) + 1
    section = "[Prepare networking for hybrid nodes: Cluster security group configuration]"
    assert section + "(https://docs.aws.amazon.com/eks/latest/userguide/hybrid-nodes-networking.html#" in table


def test_2020_verdicts_unchanged_without_the_health_issue_and_failing_with_it() -> None:
    top = eks_default()
    verdict = judge_cluster(top, Settings())
    assert "CLUSTER_SG_EXISTS" not in [r.check_id for r in verdict.results]
    issue = ClusterIssue("Ec2SecurityGroupNotFound", "sg gone", ("sg-cluster",))
    failing = judge_cluster(with_cluster(top, health_issues=(issue,)), Settings())
    assert failing.evaluation.compliance_type is Status.NON_COMPLIANT
    assert "You must recreate your cluster" in failing.evaluation.detail
    assert failing.results[0].check_id == "CLUSTER_SG_EXISTS"
    other = ClusterIssue("SubnetNotFound", "x")
    assert judge(with_cluster(top, health_issues=(other,)), "CLUSTER_SG_EXISTS").status is Status.COMPLIANT
    plan = Planner(with_cluster(top, health_issues=(issue,))).plan()
    assert [c.action for c in plan] == [MANUAL]


def test_egress_mode_shown_in_detail_never_a_finding() -> None:
    top = eks_default()
    assert "controlPlaneEgressMode" not in judge_cluster(top, Settings()).evaluation.detail
    routed = judge_cluster(with_cluster(top, control_plane_egress_mode="CUSTOMER_ROUTED"), Settings())
    assert routed.evaluation.compliance_type is Status.COMPLIANT
    assert "controlPlaneEgressMode CUSTOMER_ROUTED" in routed.evaluation.detail
    managed = judge_cluster(with_cluster(top, control_plane_egress_mode="AWS_MANAGED"), Settings())
    assert managed.evaluation.detail == judge_cluster(top, Settings()).evaluation.detail


def test_eks_defaults_pass_2026() -> None:
    verdict = judge_cluster(eks_default(), Settings(requirement_set=Y2026))
    assert verdict.evaluation.compliance_type is Status.COMPLIANT, verdict.evaluation.detail


# --- NODE_TAG ------------------------------------------------------------------------------------


def two_sgs(tags: dict[str, str]) -> Topology:
    groups = [sg("sg-cluster", [everything(sgs=["sg-cluster"])]), sg("sg-node", [], **tags)]
    return topology(groups, [nodegroup("ng-1", ["sg-cluster", "sg-node"])])


def test_node_tag_accepts_shared_and_owned() -> None:
    assert judge(two_sgs({"kubernetes.io/cluster/c1": "shared"}), "NODE_TAG").status is Status.COMPLIANT
    assert judge(two_sgs(owned()), "NODE_TAG").status is Status.COMPLIANT


def test_node_tag_fails_untagged_and_other_values() -> None:
    result = judge(two_sgs({}), "NODE_TAG")
    assert result.status is Status.NON_COMPLIANT
    assert result.detail.startswith(
        "nodegroup ng-1 (sg-cluster, sg-node): none tagged kubernetes.io/cluster/c1; tag exactly one owned or "
        "shared, e.g. sg-node"
    )
    other = judge(two_sgs({"kubernetes.io/cluster/c1": "yes"}), "NODE_TAG")
    assert "set it to owned or shared" in other.detail
    # The trust rules hold: nodes known by tags only need TrustNodeTags before a write.
    assert [c.action for c in Planner(two_sgs({}), Scope(requirement_set=Y2026)).plan()] == [MANUAL]
    plan = Planner(two_sgs({}), Scope(requirement_set=Y2026, trust_node_tags=True)).plan()
    assert [(c.action, c.security_group_id) for c in plan] == [(CREATE_TAGS, "sg-node")]


def test_node_tag_judges_branch_interfaces_and_duplicates() -> None:
    groups = [
        sg("sg-cluster", [everything(sgs=["sg-cluster"])], **owned()),
        sg("sg-pod-a"),
        sg("sg-pod-b"),
        sg("sg-x", **owned()),
    ]
    branch = Interface("eni-b", frozenset({"sg-pod-a", "sg-pod-b"}), (net("10.0.8.50/32"),), BRANCH)
    node = Node("i-1", frozenset({"sg-cluster", "sg-x"}), (net("10.0.8.10/32"),), (branch,))
    top = topology(groups, [NodeGroup("ng-1", NodeGroupKind.MANAGED, (node,))])
    result = judge(top, "NODE_TAG")
    assert "nodegroup ng-1 branch interfaces (sg-pod-a, sg-pod-b): none tagged" in result.detail
    assert "several SGs tagged kubernetes.io/cluster/c1 (sg-cluster, sg-x); keep it on sg-cluster" in result.detail
    unread = judge(dataclasses.replace(top, security_groups={"sg-cluster": groups[0]}), "NODE_TAG")
    assert "could not read sg-pod-a, sg-pod-b" in unread.detail
    one_unread = {g.group_id: g for g in groups if g.group_id != "sg-pod-b"}
    one_unread["sg-pod-a"] = sg("sg-pod-a", **owned())
    partial = judge(dataclasses.replace(top, security_groups=one_unread), "NODE_TAG")
    assert "cannot verify tags, could not read sg-pod-b" in partial.detail


# --- CLUSTER_SG_DEFAULT_RULES ------------------------------------------------------------------


def efa_top(cluster_sg_egress: list[object]) -> Topology:
    cluster = sg("sg-cluster", [everything(sgs=["sg-cluster"])], cluster_sg_egress)  # type: ignore[arg-type]
    group = nodegroup("efa", ["sg-cluster"])
    node = dataclasses.replace(group.nodes[0], efa=True)
    return topology([cluster], [dataclasses.replace(group, nodes=(node,))])


def test_default_rules_pass_with_self_egress_for_efa() -> None:
    top = efa_top([everything(cidrs=["0.0.0.0/0"]), everything(sgs=["sg-cluster"])])
    result = judge(top, "CLUSTER_SG_DEFAULT_RULES")
    assert result.status is Status.COMPLIANT
    assert "EFA nodes of nodegroup efa" in result.detail
    assert judge(eks_default(), "CLUSTER_SG_DEFAULT_RULES").detail.endswith("(no EFA node)")


def test_default_rules_fail_efa_without_self_egress_and_without_self_ingress() -> None:
    result = judge(efa_top([everything(cidrs=["0.0.0.0/0"])]), "CLUSTER_SG_DEFAULT_RULES")
    assert result.status is Status.NON_COMPLIANT
    assert result.detail == (
        "cluster SG sg-cluster does not allow all outbound traffic to itself, which EFA traffic of nodegroup efa "
        "needs; allow egress from sg-cluster"
    )
    plan = Planner(efa_top([everything(cidrs=["0.0.0.0/0"])]), Scope(requirement_set=Y2026)).plan()
    assert [(c.action, c.detail) for c in plan] == [(AUTHORIZE_EGRESS, "allow egress all traffic to sg-cluster")]
    no_self = topology([sg("sg-cluster")], [nodegroup("ng-1", ["sg-cluster"])])
    assert "does not admit all traffic from itself" in judge(no_self, "CLUSTER_SG_DEFAULT_RULES").detail
    unread = topology([], [nodegroup("ng-1", ["sg-cluster"])])
    assert judge(unread, "CLUSTER_SG_DEFAULT_RULES").cannot_judge


# --- CLUSTER_SG_RESTRICTED_EGRESS --------------------------------------------------------------


def restricted(egress: list[object]) -> Topology:
    cluster = sg("sg-cluster", [everything(sgs=["sg-cluster"])], egress)  # type: ignore[arg-type]
    return topology([cluster], [nodegroup("ng-1", ["sg-cluster"])])


def test_restricted_egress_passes_with_awss_minimum_or_all_egress() -> None:
    aws_minimum = [tcp(443, sgs=["sg-cluster"]), tcp(10250, sgs=["sg-cluster"]), tcp(53, sgs=["sg-cluster"])]
    aws_minimum.append(udp(53, 53, sgs=["sg-cluster"]))
    assert judge(restricted(aws_minimum), "CLUSTER_SG_RESTRICTED_EGRESS").status is Status.COMPLIANT
    assert judge(restricted([everything(sgs=["sg-cluster"])]), "CLUSTER_SG_RESTRICTED_EGRESS").status is (
        Status.COMPLIANT
    )
    assert "keeps all outbound" in judge(eks_default(), "CLUSTER_SG_RESTRICTED_EGRESS").detail
    # AWS's restricted layout fails 2020's CLUSTER_SG_RULES (issue 19's example) but passes 2026.
    verdict = judge_cluster(restricted(aws_minimum), Settings(requirement_set=Y2026))
    assert verdict.evaluation.compliance_type is Status.COMPLIANT, verdict.evaluation.detail
    assert judge(restricted(aws_minimum), "CLUSTER_SG_RULES").status is Status.NON_COMPLIANT


def test_restricted_egress_fails_without_udp_53() -> None:
    top = restricted([tcp(443, sgs=["sg-cluster"]), tcp(10250, sgs=["sg-cluster"]), tcp(53, sgs=["sg-cluster"])])
    result = judge(top, "CLUSTER_SG_RESTRICTED_EGRESS")
    assert result.detail == (
        "cluster SG sg-cluster has no all-traffic outbound rule to 0.0.0.0/0 and cannot send UDP 53 to itself "
        "(AWS's restricted minimum); allow egress from sg-cluster"
    )
    plan = Planner(top, Scope(requirement_set=Y2026)).plan()
    assert [c.permissions[0]["IpProtocol"] for c in plan] == ["udp"]
    assert plan[0].detail == "allow egress UDP 53 to sg-cluster"
    empty = judge(restricted([]), "CLUSTER_SG_RESTRICTED_EGRESS")
    assert "cannot send TCP 53, 443, 10250 to itself" in empty.detail
    assert judge(topology([], [nodegroup("ng-1", ["sg-cluster"])]), "CLUSTER_SG_RESTRICTED_EGRESS").cannot_judge


# --- HYBRID_NODES_NETWORK ----------------------------------------------------------------------


def hybrid(ingress: list[object], egress: list[object] | None = None, **cluster: object) -> Topology:
    cluster_egress = None if egress is None else [everything(sgs=["sg-cluster"])]
    groups = [
        sg("sg-cluster", [everything(sgs=["sg-cluster"])], cluster_egress, **owned()),
        sg("sg-hybrid", ingress, egress),  # type: ignore[arg-type]
    ]
    top = topology(groups, [nodegroup("ng-1", ["sg-cluster"])], additional=["sg-hybrid"])
    networks = {"remote_node_networks": (net("10.80.0.0/16"),), "remote_pod_networks": (net("10.85.0.0/16"),)}
    return with_cluster(top, **{**networks, **cluster})


def test_hybrid_passes_and_quotes_insights() -> None:
    insight = Insight("id-1", "Hybrid nodes networking", "MISCONFIGURATION", "WARNING", "pod CIDR overlaps")
    top = hybrid([tcp(443, cidrs=["10.80.0.0/16", "10.85.0.0/16"])], insights=(insight,))
    result = judge(top, "HYBRID_NODES_NETWORK")
    assert result.status is Status.COMPLIANT
    assert "Hybrid nodes networking: WARNING, pod CIDR overlaps" in result.detail
    passing = Insight("id-2", "x", "MISCONFIGURATION", "PASSING")
    assert "1 passing" in judge(dataclasses.replace(top, cluster=dataclasses.replace(
        top.cluster, insights=(passing,))), "HYBRID_NODES_NETWORK").detail  # fmt: skip
    not_hybrid = judge(eks_default(), "HYBRID_NODES_NETWORK")
    assert not_hybrid.status is Status.NOT_APPLICABLE and not not_hybrid.cannot_judge


def test_hybrid_fails_missing_pod_cidr_and_plans_manual_with_command() -> None:
    top = hybrid([tcp(443, cidrs=["10.80.0.0/16"])])
    result = judge(top, "HYBRID_NODES_NETWORK")
    assert result.detail == (
        "control plane SGs (sg-cluster, sg-hybrid) do not admit TCP 443 from remote pod CIDR 10.85.0.0/16; add "
        "ingress on sg-hybrid (EKS cluster insights not read)"
    )
    plan = Planner(top, Scope(requirement_set=Y2026)).plan()
    assert [c.action for c in plan] == [MANUAL]
    assert plan[0].command == (
        "aws ec2 authorize-security-group-ingress --group-id sg-hybrid --ip-permissions "
        "IpProtocol=tcp,FromPort=443,ToPort=443,IpRanges=[{CidrIp=10.85.0.0/16}]"
    )
    no_egress = judge(hybrid([tcp(443, cidrs=["10.0.0.0/8"])], []), "HYBRID_NODES_NETWORK")
    assert "do not allow outbound TCP 10250 to remote node CIDR 10.80.0.0/16; add egress" in no_egress.detail
    unread = dataclasses.replace(
        top, security_groups={k: v for k, v in top.security_groups.items() if k != "sg-hybrid"}
    )
    assert judge(unread, "HYBRID_NODES_NETWORK").cannot_judge


# --- POD_SG_MINIMUM ----------------------------------------------------------------------------


def pods(pod_ingress: list[object], pod_egress: list[object] | None) -> Topology:
    groups = [
        sg("sg-cluster", [everything(sgs=["sg-cluster"])], **owned()),
        sg("sg-pod", pod_ingress, pod_egress),  # type: ignore[arg-type]
    ]
    branch = Interface("eni-b", frozenset({"sg-pod"}), (net("10.0.8.50/32"),), BRANCH)
    secondary = Interface("eni-s", frozenset({"sg-cluster"}), (net("10.0.8.60/32"),))
    node = Node("i-1", frozenset({"sg-cluster"}), (net("10.0.8.10/32"),), (secondary, branch))
    return topology(groups, [NodeGroup("ng-1", NodeGroupKind.MANAGED, (node,))])


def test_pod_sg_passes_with_probe_port_and_dns() -> None:
    top = pods([tcp(8080, sgs=["sg-cluster"])], [tcp(53, sgs=["sg-cluster"]), udp(53, 53, sgs=["sg-cluster"])])
    assert judge(top, "POD_SG_MINIMUM").status is Status.COMPLIANT
    assert judge(pods([tcp(8080, sgs=["sg-cluster"])], None), "POD_SG_MINIMUM").status is Status.COMPLIANT
    assert judge(eks_default(), "POD_SG_MINIMUM").status is Status.NOT_APPLICABLE
    # Branch interfaces stay out of the node flows (WORKER_SG_MINIMUM judges node interfaces).
    assert judge(top, "WORKER_SG_MINIMUM").status is Status.COMPLIANT


def test_pod_sg_fails_blocked_dns_and_probes() -> None:
    top = pods([tcp(8080, sgs=["sg-cluster"])], [tcp(443, cidrs=["0.0.0.0/0"])])
    result = judge(top, "POD_SG_MINIMUM")
    assert result.detail.startswith(
        "nodegroup ng-1 branch interfaces (sg-pod) cannot send TCP and UDP 53 (DNS) to the nodes, the cluster SG "
        "or anywhere; allow egress from sg-pod to sg-cluster ("
    )
    assert len(result.findings) == 2
    assert (
        "not made: node membership rests on user-set tags"
        in Planner(top, Scope(requirement_set=Y2026)).plan()[0].detail
    )
    plan = Planner(top, Scope(requirement_set=Y2026, trust_node_tags=True)).plan()
    assert [(c.action, c.detail) for c in plan] == [(AUTHORIZE_EGRESS, "allow egress TCP 53 and UDP 53 to sg-cluster")]
    probes = judge(pods([], None), "POD_SG_MINIMUM")
    assert "admit no TCP from the node's SGs sg-cluster (kubelet probes)" in probes.detail
    assert [c.action for c in Planner(pods([], None), Scope(requirement_set=Y2026)).plan()] == [MANUAL]
    unread = pods([], None)
    unread = dataclasses.replace(unread, security_groups={"sg-cluster": unread.security_groups["sg-cluster"]})
    assert judge(unread, "POD_SG_MINIMUM").cannot_judge


def test_2026_plan_adds_the_self_ingress_rule() -> None:
    top = topology([sg("sg-cluster")], [nodegroup("ng-1", ["sg-cluster"])])
    changes = Planner(top, Scope(requirement_set=Y2026)).plan()
    assert (AUTHORIZE_INGRESS, "allow ingress all traffic from sg-cluster") in [(c.action, c.detail) for c in changes]
