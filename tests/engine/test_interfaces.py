"""Per network interface, in the cluster's address family: the node layouts in use today.

Each test is one of the inputs that were judged wrong before nodes were modelled as their
interfaces (issue "Right verdicts on every node layout in use today"), with its right value.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from collections.abc import Iterable

import pytest

from eks_sg_rule.evaluate import judge_cluster
from eks_sg_rule.model import Interface, Membership, Node, NodeGroup, NodeGroupKind, Topology
from eks_sg_rule.requirements import CHECKS, Level
from eks_sg_rule.results import Status
from eks_sg_rule.settings import Settings
from tests.engine.builders import everything, judge, owned, sg, tcp, topology


def net(*addresses: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(a, strict=False) for a in addresses)


def node(
    node_id: str,
    primary_sgs: Iterable[str],
    primary_ips: Iterable[str],
    pod_interfaces: Iterable[tuple[Iterable[str], Iterable[str]]] = (),
    membership: Membership = Membership.AWS,
) -> Node:
    pods = tuple(
        Interface(f"eni-{node_id}-{index}", frozenset(sgs), net(*ips))
        for index, (sgs, ips) in enumerate(pod_interfaces, start=1)
    )
    return Node(node_id, frozenset(primary_sgs), net(*primary_ips), pods, membership)


def group(name: str, *nodes: Node) -> NodeGroup:
    return NodeGroup(name, NodeGroupKind.MANAGED, nodes)


def statuses(top: Topology, level: Level) -> dict[str, Status]:
    return {r.check_id: r.status for r in judge_cluster(top, Settings(level=level)).results}


def dual_stack(top: Topology) -> Topology:
    """The same cluster with IPv6 /64 ranges on the control plane's subnets."""
    v6 = net("2600:1f14:aaaa:1::/64", "2600:1f14:aaaa:2::/64")
    return dataclasses.replace(top, control_plane_networks=top.control_plane_networks + v6)


def terraform_v21(node_ips: tuple[str, ...] = ("10.0.8.10",)) -> Topology:
    """terraform-aws-eks v21 defaults: managed nodes on the module's node SG; the module's cluster SG
    (an additional SG) admits 443 from the nodes; node and cluster SGs send all to 0.0.0.0/0; the
    control plane reaches the nodes through its SGs."""
    groups = [
        sg("sg-cluster", [everything(sgs=["sg-cluster"])], **owned()),
        sg("sg-cp", [tcp(443, sgs=["sg-node"])]),
        sg(
            "sg-node",
            [tcp(443, sgs=["sg-cp"]), tcp(10250, sgs=["sg-cp"]), tcp(1025, 65535, sgs=["sg-node"])],
            **owned(),
        ),
    ]
    return topology(groups, [group("ng-default", node("i-1", ["sg-node"], node_ips))], additional=["sg-cp"])


def test_ipv4_cluster_in_a_dual_stack_vpc_passes_minimum() -> None:
    plain = terraform_v21()
    assert set(statuses(plain, Level.MINIMUM).values()) == {Status.COMPLIANT}

    # IPv6 ranges on the cluster subnets, then an IPv6 address on the node too: the IPv4 cluster
    # carries its kubelet and API traffic over IPv4, so nothing changes.
    assert set(statuses(dual_stack(plain), Level.MINIMUM).values()) == {Status.COMPLIANT}
    both = dual_stack(terraform_v21(("10.0.8.10", "2600:1f14:aaaa:1::10")))
    assert set(statuses(both, Level.MINIMUM).values()) == {Status.COMPLIANT}


def test_the_reverse_for_an_ipv6_cluster_ipv4_ranges_do_not_count() -> None:
    from eks_sg_rule.model import IpFamily

    top = dual_stack(terraform_v21(("10.0.8.10", "2600:1f14:aaaa:1::10")))
    v6 = dataclasses.replace(top, cluster=dataclasses.replace(top.cluster, ip_family=IpFamily.IPV6))
    result = judge(v6, "WORKER_SG_MINIMUM")
    # sg-node sends all traffic to 0.0.0.0/0 only: no IPv6 path to the control plane's addresses.
    assert result.status is Status.NON_COMPLIANT
    assert "cannot send API server TCP 443" in result.detail


def custom_networking() -> Topology:
    """Primary interface on the cluster SG; the ENIConfig pod interface on the VPC's default SG."""
    groups = [
        sg("sg-cluster", [everything(sgs=["sg-cluster"])], **owned()),
        sg("sg-default", [everything(sgs=["sg-default"])]),
    ]
    nodes = [
        node(f"i-{i}", ["sg-cluster"], [f"10.0.8.{10 + i}"], [(["sg-default"], [f"100.64.0.{10 + i}"])])
        for i in range(2)
    ]
    return topology(groups, [group("ng-custom", *nodes)])


def test_custom_networking_pod_interface_outside_the_control_plane_sg() -> None:
    top = custom_networking()

    minimum = statuses(top, Level.MINIMUM)
    assert minimum == {
        "CP_SG_MINIMUM": Status.NON_COMPLIANT,
        "WORKER_SG_MINIMUM": Status.COMPLIANT,
        "TAG_OWNED": Status.COMPLIANT,
    }
    cp = judge(top, "CP_SG_MINIMUM")
    assert "does not admit API server TCP 443 from nodegroup ng-custom pod interfaces (sg-default)" in cp.detail
    assert [f.security_group_id for f in cp.findings] == ["sg-cluster"]
    recommended = statuses(top, Level.RECOMMENDED)
    assert recommended["CP_SG_RECOMMENDED"] is Status.NON_COMPLIANT
    assert recommended["WORKER_SG_RECOMMENDED"] is Status.NON_COMPLIANT
    worker = judge(top, "WORKER_SG_RECOMMENDED")
    assert "pod interfaces (sg-default) does not admit control plane TCP 443, 1025-65535" in worker.detail
    # The kubelet is reached on the primary interface only: no finding asks for 10250 on sg-default.
    assert "10250" not in worker.detail
    assert recommended["CLUSTER_SG_ON_WORKERS"] is Status.COMPLIANT  # judged on primary interfaces


def test_pod_interfaces_with_the_cluster_sg_pass() -> None:
    groups = [sg("sg-cluster", [everything(sgs=["sg-cluster"])], **owned())]
    n = node("i-1", ["sg-cluster"], ["10.0.8.10"], [(["sg-cluster"], ["100.64.0.10"])])
    assert set(statuses(topology(groups, [group("ng", n)]), Level.RECOMMENDED).values()) == {Status.COMPLIANT}


def test_node_to_node_minimum_compares_like_interfaces_only() -> None:
    """Primary from primary, pod interface from pod interface (WORKER_SG_MINIMUM)."""
    groups = [
        sg("sg-cluster", [everything(sgs=["sg-cluster"])], **owned()),
        # The pod SG admits only other pod interfaces; the primary SG only primaries.
        sg("sg-pods", [everything(sgs=["sg-pods"]), tcp(443, sgs=["sg-cluster"])]),
    ]
    n = node("i-1", ["sg-cluster"], ["10.0.8.10"], [(["sg-pods"], ["100.64.0.10"])])
    assert judge(topology(groups, [group("ng", n)]), "WORKER_SG_MINIMUM").status is Status.COMPLIANT


def test_tags_are_counted_per_interface() -> None:
    groups = [
        sg("sg-cluster", [everything(sgs=["sg-cluster"])], **owned()),
        sg("sg-node", [everything(sgs=["sg-node", "sg-cluster"])], **owned()),
    ]
    one_each = node("i-1", ["sg-node"], ["10.0.8.10"], [(["sg-cluster"], ["100.64.0.10"])])
    assert judge(topology(groups, [group("ng", one_each)]), "TAG_OWNED").status is Status.COMPLIANT

    both_on_one = node("i-2", ["sg-node", "sg-cluster"], ["10.0.8.11"], [(["sg-cluster"], ["100.64.0.11"])])
    result = judge(topology(groups, [group("ng", both_on_one)]), "TAG_OWNED")
    assert result.status is Status.NON_COMPLIANT
    assert "several SGs tagged kubernetes.io/cluster/c1" in result.detail


def legacy_quick_start(version: str, platform: str | None) -> Topology:
    groups = [
        sg("sg-cp", [tcp(443, sgs=["sg-node"])], [tcp(1025, 65535, sgs=["sg-node"]), tcp(443, sgs=["sg-node"])]),
        sg("sg-node", [everything(sgs=["sg-node"]), tcp(443, sgs=["sg-cp"]), tcp(1025, 65535, sgs=["sg-cp"])]),
    ]
    top = topology(
        groups, [group("ng", node("i-1", ["sg-node"], ["10.0.8.10"]))], cluster_sg=None, additional=["sg-cp"]
    )
    return dataclasses.replace(
        top, cluster=dataclasses.replace(top.cluster, version=version, platform_version=platform)
    )


def test_a_1_14_cluster_before_eks_3_has_no_cluster_sg_by_design() -> None:
    verdict = judge_cluster(legacy_quick_start("1.14", "eks.2"), Settings(level=Level.RECOMMENDED))

    by_id = {r.check_id: r for r in verdict.results}
    for check_id in ("CLUSTER_SG_RULES", "CLUSTER_SG_ON_WORKERS"):
        assert by_id[check_id].status is Status.NOT_APPLICABLE
        assert not by_id[check_id].cannot_judge
        assert "predates 1.14/eks.3" in by_id[check_id].detail
    # The verdict comes from the other checks.
    assert verdict.evaluation.compliance_type is Status.COMPLIANT


@pytest.mark.parametrize(("version", "platform"), [("1.14", "eks.3"), ("1.14", None), ("1.15", "eks.1")])
def test_from_1_14_eks_3_on_a_missing_cluster_sg_is_a_data_gap(version: str, platform: str | None) -> None:
    verdict = judge_cluster(legacy_quick_start(version, platform), Settings(level=Level.RECOMMENDED))

    result = {r.check_id: r for r in verdict.results}["CLUSTER_SG_RULES"]
    assert result.cannot_judge
    assert verdict.evaluation.compliance_type is Status.NOT_APPLICABLE


def test_fargate_only_cluster_worker_checks_do_not_apply_and_cluster_sg_rules_are_judged() -> None:
    groups = [sg("sg-cluster", [everything(sgs=["sg-cluster"])], **owned())]
    top = topology(groups, [])
    fargate = dataclasses.replace(top, cluster=dataclasses.replace(top.cluster, fargate_profiles=("fp-default",)))

    verdict = judge_cluster(fargate, Settings(level=Level.RECOMMENDED))
    by_id = {r.check_id: r for r in verdict.results}
    for check in CHECKS:
        if check.needs_nodes:
            assert by_id[check.id].status is Status.NOT_APPLICABLE
            assert not by_id[check.id].cannot_judge
            assert "pods run on Fargate (profiles fp-default)" in by_id[check.id].detail
    assert by_id["CLUSTER_SG_RULES"].status is Status.COMPLIANT
    assert by_id["DEDICATED_CP_SG"].status is Status.COMPLIANT
    assert verdict.evaluation.compliance_type is Status.COMPLIANT

    broken = dataclasses.replace(fargate, security_groups={"sg-cluster": sg("sg-cluster", [])})
    assert judge_cluster(broken, Settings(level=Level.RECOMMENDED)).evaluation.compliance_type is (Status.NON_COMPLIANT)
    # At minimum every check needs nodes: not applicable, with the Fargate reason, not a data gap.
    minimum = judge_cluster(fargate, Settings(level=Level.MINIMUM)).evaluation
    assert minimum.compliance_type is Status.NOT_APPLICABLE
    assert "Fargate" in minimum.detail and "cannot judge" not in minimum.detail


def test_tag_only_membership_is_said_in_the_check_details() -> None:
    top = custom_networking()
    tagged = dataclasses.replace(
        top,
        node_groups=tuple(
            dataclasses.replace(g, nodes=tuple(dataclasses.replace(n, membership=Membership.TAGS) for n in g.nodes))
            for g in top.node_groups
        ),
    )
    assert "rests on user-set tags only" in judge(tagged, "WORKER_SG_MINIMUM").detail
    assert "user-set tags" not in judge(top, "WORKER_SG_MINIMUM").detail
