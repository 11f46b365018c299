"""Each check id's pass and fail on hand-built topologies."""

from __future__ import annotations

import dataclasses
import re

import pytest

from eks_sg_rule.evaluate import evaluate
from eks_sg_rule.model import IpFamily, Snapshot
from eks_sg_rule.requirements import CHECKS, Level
from eks_sg_rule.results import Status
from eks_sg_rule.settings import Settings
from tests.engine.builders import eks_default, everything, judge, nodegroup, owned, sg, tcp, topology, udp

SELF_MANAGED_NODE_RULES = [
    everything(sgs=["sg-node"]),
    tcp(443, sgs=["sg-cp"]),
    tcp(1025, 65535, sgs=["sg-cp"]),
]


def self_managed(node_ingress=None, cp_ingress=None, cp_egress=None, node_egress=None, **kwargs):  # type: ignore[no-untyped-def]
    """The pre-cluster-SG pattern: a control-plane SG and a node SG, nodes carrying only the node SG."""
    groups = [
        sg("sg-cluster", [everything(sgs=["sg-cluster"])], **owned()),
        sg("sg-cp", cp_ingress if cp_ingress is not None else [tcp(443, sgs=["sg-node"])], cp_egress),
        sg("sg-node", node_ingress if node_ingress is not None else SELF_MANAGED_NODE_RULES, node_egress, **owned()),
    ]
    return topology(groups, [nodegroup("ng-1", ["sg-node"], ["sg-node"])], additional=["sg-cp"], **kwargs)


def test_eks_defaults_pass_every_check() -> None:
    top = eks_default()
    assert {check.id: judge(top, check.id).status for check in CHECKS} == {
        check.id: Status.COMPLIANT for check in CHECKS
    }


def test_cp_minimum_fails_without_api_access_from_nodes_and_blames_the_control_plane_sg() -> None:
    result = judge(self_managed(cp_ingress=[]), "CP_SG_MINIMUM")

    assert result.status is Status.NON_COMPLIANT
    [finding] = result.findings
    assert finding.security_group_id == "sg-cp"
    assert "does not admit API server TCP 443 from nodegroup ng-1 (sg-node)" in finding.message
    assert finding.message.endswith("allow ingress on sg-cp")


def test_cp_minimum_fails_when_no_control_plane_sg_may_send_kubelet_traffic() -> None:
    top = self_managed(cp_egress=[tcp(443, sgs=["sg-node"])])
    # The cluster SG is on the control plane too: its default egress would allow it; take that away.
    top.security_groups["sg-cluster"] = sg("sg-cluster", [everything(sgs=["sg-cluster"])], [], **owned())  # type: ignore[index]

    result = judge(top, "CP_SG_MINIMUM")

    assert result.status is Status.NON_COMPLIANT
    assert "cannot send kubelet TCP 10250 to nodegroup ng-1 (sg-node); allow egress from sg-cp" in result.detail


def test_worker_minimum_fails_without_kubelet_access_and_passes_once_a_cidr_covers_the_control_plane() -> None:
    failing = judge(
        self_managed(node_ingress=[everything(sgs=["sg-node"]), tcp(443, sgs=["sg-cp"])]), "WORKER_SG_MINIMUM"
    )
    assert failing.status is Status.NON_COMPLIANT
    assert "does not admit kubelet TCP 10250 from the control plane" in failing.detail
    assert failing.findings[0].security_group_id == "sg-node"

    vpc_wide = [everything(sgs=["sg-node"]), tcp(10250, cidrs=["10.0.0.0/16"])]
    assert judge(self_managed(node_ingress=vpc_wide), "WORKER_SG_MINIMUM").status is Status.COMPLIANT
    # A CIDR that covers only one of the control plane's subnets does not cover the control plane.
    one_subnet = [everything(sgs=["sg-node"]), tcp(10250, cidrs=["10.0.0.0/24"])]
    assert judge(self_managed(node_ingress=one_subnet), "WORKER_SG_MINIMUM").status is Status.NON_COMPLIANT


def test_worker_minimum_needs_some_traffic_from_other_nodes() -> None:
    rules = [tcp(10250, sgs=["sg-cp"])]
    result = judge(self_managed(node_ingress=rules), "WORKER_SG_MINIMUM")
    assert result.status is Status.NON_COMPLIANT
    assert "does not admit node-to-node any traffic from nodegroup ng-1" in result.detail

    udp_only = [tcp(10250, sgs=["sg-cp"]), udp(53, 53, sgs=["sg-node"])]
    assert judge(self_managed(node_ingress=udp_only), "WORKER_SG_MINIMUM").status is Status.COMPLIANT


def test_worker_minimum_needs_egress_to_the_api_server() -> None:
    result = judge(self_managed(node_egress=[tcp(10250, sgs=["sg-cp"])]), "WORKER_SG_MINIMUM")

    assert result.status is Status.NON_COMPLIANT
    assert "cannot send API server TCP 443 to the control plane" in result.detail
    assert "allow egress from sg-node" in result.detail


def test_several_rules_together_cover_a_port_range() -> None:
    split = [
        everything(sgs=["sg-node"]),
        tcp(443, sgs=["sg-cp"]),
        tcp(1025, 10249, sgs=["sg-cp"]),
        tcp(10250, sgs=["sg-cp"]),
        tcp(10251, 65535, sgs=["sg-cp"]),
    ]
    assert judge(self_managed(node_ingress=split), "WORKER_SG_RECOMMENDED").status is Status.COMPLIANT

    gap = [rule for rule in split if rule.from_port != 10251]
    result = judge(self_managed(node_ingress=gap), "WORKER_SG_RECOMMENDED")
    assert result.status is Status.NON_COMPLIANT
    assert "TCP 10251-65535 from the control plane" in result.detail


def test_rules_spread_over_a_nodes_two_and_three_sgs_add_up() -> None:
    groups = [
        sg("sg-cluster", [everything(sgs=["sg-cluster"])], **owned()),
        sg("sg-cp", [tcp(443, sgs=["sg-a"])]),
        sg("sg-a", [tcp(10250, sgs=["sg-cp"])], **owned()),
        sg("sg-b", [everything(sgs=["sg-b"])]),
        sg("sg-c", []),
    ]
    two = topology(groups, [nodegroup("ng", ["sg-a", "sg-b"])], additional=["sg-cp"])
    three = topology(groups, [nodegroup("ng", ["sg-a", "sg-b", "sg-c"])], additional=["sg-cp"])
    for top in (two, three):
        assert judge(top, "WORKER_SG_MINIMUM").status is Status.COMPLIANT
        assert judge(top, "CP_SG_MINIMUM").status is Status.COMPLIANT
        assert judge(top, "TAG_OWNED").status is Status.COMPLIANT


def test_prefix_list_entries_count_as_cidrs() -> None:
    rules = [everything(sgs=["sg-node"]), tcp(10250, prefix_lists=["pl-cp"])]
    covering = self_managed(node_ingress=rules, prefix_lists={"pl-cp": ("10.0.0.0/23",)})
    partial = self_managed(node_ingress=rules, prefix_lists={"pl-cp": ("10.0.1.0/24",)})
    unreadable = self_managed(node_ingress=rules)

    assert judge(covering, "WORKER_SG_MINIMUM").status is Status.COMPLIANT
    assert judge(partial, "WORKER_SG_MINIMUM").status is Status.NON_COMPLIANT
    assert judge(unreadable, "WORKER_SG_MINIMUM").status is Status.NON_COMPLIANT


def test_cp_recommended_needs_1025_65535_to_every_node() -> None:
    narrow = [tcp(443, sgs=["sg-node"]), tcp(10250, sgs=["sg-node"])]
    top = self_managed(cp_egress=narrow)
    top.security_groups["sg-cluster"] = sg("sg-cluster", [everything(sgs=["sg-cluster"])], [], **owned())  # type: ignore[index]

    assert judge(top, "CP_SG_MINIMUM").status is Status.COMPLIANT
    result = judge(top, "CP_SG_RECOMMENDED")
    assert result.status is Status.NON_COMPLIANT
    assert "TCP 1025-10249, 10251-65535 to nodegroup ng-1" in result.detail


def test_worker_recommended_needs_all_egress_to_the_internet() -> None:
    result = judge(eks_default_with_egress([tcp(443, cidrs=["0.0.0.0/0"])]), "WORKER_SG_RECOMMENDED")
    assert result.status is Status.NON_COMPLIANT
    assert "cannot send internet (EKS, ECR, S3 APIs) all traffic to 0.0.0.0/0" in result.detail
    # Without a peer SG to name, a repair cannot be a group-pair rule.
    assert all(f.gap is not None and f.gap.peer_sg_ids == () for f in result.findings if "0.0.0.0/0" in f.message)


def eks_default_with_egress(egress):  # type: ignore[no-untyped-def]
    cluster = sg("sg-cluster", [everything(sgs=["sg-cluster"])], egress, **owned())
    return topology([cluster], [nodegroup("ng-1", ["sg-cluster"])])


def test_cluster_sg_rules_need_self_ingress_and_all_egress() -> None:
    no_self = topology([sg("sg-cluster", [tcp(443, sgs=["sg-cluster"])], **owned())], [nodegroup("ng", ["sg-cluster"])])
    result = judge(no_self, "CLUSTER_SG_RULES")
    assert result.status is Status.NON_COMPLIANT
    assert (
        "cluster SG sg-cluster does not admit self all traffic from itself; allow ingress on sg-cluster"
        in result.detail
    )

    assert judge(eks_default_with_egress([tcp(0, 65535, cidrs=["0.0.0.0/0"])]), "CLUSTER_SG_RULES").status is (
        Status.NON_COMPLIANT
    )


def test_ipv6_clusters_need_egress_to_ipv6_anywhere() -> None:
    v4_only = eks_default()
    ipv6 = topology(list(v4_only.security_groups.values()), v4_only.node_groups, family=IpFamily.IPV6)
    assert judge(ipv6, "CLUSTER_SG_RULES").status is Status.NON_COMPLIANT

    both = sg("sg-cluster", [everything(sgs=["sg-cluster"])], [everything(cidrs=["0.0.0.0/0", "::/0"])], **owned())
    assert judge(topology([both], v4_only.node_groups, family=IpFamily.IPV6), "CLUSTER_SG_RULES").status is (
        Status.COMPLIANT
    )


def test_ipv6_node_addresses_are_matched_by_ipv6_cidrs_only() -> None:
    groups = [
        sg("sg-cluster", [everything(sgs=["sg-cluster"])], **owned()),
        sg("sg-cp", [tcp(443, cidrs=["10.0.0.0/8"])]),
        sg("sg-node", [everything(sgs=["sg-node"]), tcp(10250, sgs=["sg-cp"])]),
    ]
    v6_nodes = [nodegroup("ng", ["sg-node"], ips=["2600:1f14::10"])]
    v6 = {"additional": ["sg-cp"], "family": IpFamily.IPV6}
    assert judge(topology(groups, v6_nodes, **v6), "CP_SG_MINIMUM").status is Status.NON_COMPLIANT
    # Egress to an IPv6 node needs an IPv6 range too: 0.0.0.0/0 alone does not reach it.
    groups[1] = sg("sg-cp", [tcp(443, cidrs=["2600:1f14::/56"])])
    assert "cannot send kubelet TCP 10250" in judge(topology(groups, v6_nodes, **v6), "CP_SG_MINIMUM").detail
    groups[1] = sg("sg-cp", [tcp(443, cidrs=["2600:1f14::/56"])], [everything(cidrs=["0.0.0.0/0", "::/0"])])
    assert judge(topology(groups, v6_nodes, **v6), "CP_SG_MINIMUM").status is Status.COMPLIANT


@pytest.mark.parametrize(
    ("tags", "status", "message"),
    [
        ({"sg-a": owned(), "sg-b": {}}, Status.COMPLIANT, None),
        ({"sg-a": {}, "sg-b": {}}, Status.NON_COMPLIANT, "none tagged kubernetes.io/cluster/c1=owned"),
        ({"sg-a": owned(), "sg-b": owned()}, Status.NON_COMPLIANT, "several SGs tagged kubernetes.io/cluster/c1"),
        (
            {"sg-a": {"kubernetes.io/cluster/c1": "shared"}, "sg-b": {}},
            Status.NON_COMPLIANT,
            "'shared'; set it to owned",
        ),
        ({"sg-a": owned("other"), "sg-b": {}}, Status.NON_COMPLIANT, "none tagged"),
    ],
)
def test_tag_owned_on_nodes_with_two_sgs(tags: dict[str, dict[str, str]], status: Status, message: str | None) -> None:
    groups = [sg("sg-cluster", [everything(sgs=["sg-cluster"])]), *(sg(i, [], **t) for i, t in tags.items())]
    result = judge(topology(groups, [nodegroup("ng", ["sg-a", "sg-b"])]), "TAG_OWNED")
    assert result.status is status
    if message:
        assert message in result.detail


def test_tag_owned_passes_a_single_sg_node_without_any_tag() -> None:
    top = topology([sg("sg-cluster", [everything(sgs=["sg-cluster"])])], [nodegroup("ng", ["sg-cluster"])])
    result = judge(top, "TAG_OWNED")
    assert result.status is Status.COMPLIANT
    assert "single SG" in result.detail


def test_the_cluster_sg_plus_a_tagged_node_sg_is_the_common_outage() -> None:
    groups = [sg("sg-cluster", [everything(sgs=["sg-cluster"])], **owned()), sg("sg-node", [], **owned())]
    result = judge(topology(groups, [nodegroup("ng", ["sg-node", "sg-cluster"])]), "TAG_OWNED")

    assert result.status is Status.NON_COMPLIANT
    # Blamed on the node's own SG: EKS manages the cluster SG's tag.
    assert [f.security_group_id for f in result.findings] == ["sg-node"]
    assert "keep the tag on the cluster SG sg-cluster and remove it from sg-node" in result.detail


def test_tag_owned_never_passes_when_a_tag_cannot_be_read() -> None:
    groups = [sg("sg-cluster", [everything(sgs=["sg-cluster"])]), sg("sg-a", [], **owned())]
    result = judge(topology(groups, [nodegroup("ng", ["sg-a", "sg-gone"])]), "TAG_OWNED")
    assert result.status is Status.NON_COMPLIANT
    assert "could not read sg-gone" in result.detail


def test_cluster_sg_on_workers_says_how_to_satisfy_tag_owned_too() -> None:
    result = judge(self_managed(), "CLUSTER_SG_ON_WORKERS")

    assert result.status is Status.NON_COMPLIANT
    assert "lacks the cluster SG sg-cluster" in result.detail
    assert "remove kubernetes.io/cluster/c1 from sg-node so TAG_OWNED still passes" in result.detail
    assert judge(eks_default(), "CLUSTER_SG_ON_WORKERS").status is Status.COMPLIANT


def test_dedicated_cp_sg() -> None:
    attached = topology(
        [sg("sg-cluster", [everything(sgs=["sg-cluster"])]), sg("sg-cp", [])],
        [nodegroup("ng", ["sg-cluster", "sg-cp"])],
        additional=["sg-cp"],
    )
    result = judge(attached, "DEDICATED_CP_SG")
    assert result.status is Status.NON_COMPLIANT
    assert "sg-cp is attached to worker nodes (ng)" in result.detail
    assert judge(attached, "DEDICATED_CP_SG", exempt=["sg-cp"]).status is Status.COMPLIANT

    shared = self_managed(shared_with={"sg-cp": ("c2",)})
    assert "used by cluster c2" in judge(shared, "DEDICATED_CP_SG").detail
    assert judge(self_managed(), "DEDICATED_CP_SG").status is Status.COMPLIANT


def test_cluster_sg_checks_do_not_apply_before_1_14_but_cannot_be_judged_when_missing_later() -> None:
    legacy = self_managed(cluster_sg=None, version="1.13")
    modern = self_managed(cluster_sg=None, version="1.29")
    for check_id in ("CLUSTER_SG_RULES", "CLUSTER_SG_ON_WORKERS"):
        old, new = judge(legacy, check_id), judge(modern, check_id)
        assert (old.status, old.cannot_judge) == (Status.NOT_APPLICABLE, False)
        assert (new.status, new.cannot_judge) == (Status.NOT_APPLICABLE, True)


def test_a_cluster_with_no_nodes_is_never_compliant() -> None:
    top = topology([sg("sg-cluster", [everything(sgs=["sg-cluster"])], **owned())], [])
    for check_id in ("CP_SG_MINIMUM", "WORKER_SG_MINIMUM", "TAG_OWNED", "CLUSTER_SG_ON_WORKERS"):
        result = judge(top, check_id)
        assert (result.status, result.cannot_judge) == (Status.NOT_APPLICABLE, True)
    assert judge(top, "CLUSTER_SG_RULES").status is Status.COMPLIANT

    for level in Level:
        [cluster, cluster_sg] = evaluate(Snapshot({"c1": top}), Settings(level=level))
        assert cluster.compliance_type is Status.NOT_APPLICABLE
        assert "no worker nodes found" in cluster.annotation
        assert cluster_sg.compliance_type is Status.NOT_APPLICABLE


def test_an_unreadable_sg_only_ever_takes_permissions_away() -> None:
    top = self_managed()
    assert judge(top, "WORKER_SG_MINIMUM").status is Status.COMPLIANT
    del top.security_groups["sg-node"]  # type: ignore[attr-defined]
    result = judge(top, "WORKER_SG_MINIMUM")
    assert result.status is Status.NON_COMPLIANT
    assert "could not read sg-node" in result.detail


def test_evaluate_reports_the_cluster_and_each_role_sg_blaming_where_the_rule_belongs() -> None:
    top = self_managed(node_ingress=[everything(sgs=["sg-node"]), tcp(443, sgs=["sg-cp"])])

    evaluations = {e.resource_id: e for e in evaluate(Snapshot({"c1": top}), Settings())}

    assert set(evaluations) == {"c1", "sg-cluster", "sg-cp", "sg-node"}
    assert evaluations["c1"].resource_type == "AWS::EKS::Cluster"
    assert evaluations["c1"].compliance_type is Status.NON_COMPLIANT
    assert evaluations["sg-node"].compliance_type is Status.NON_COMPLIANT
    assert evaluations["sg-node"].annotation.startswith("WORKER_SG_MINIMUM: nodegroup ng-1 (sg-node) does not admit")
    assert evaluations["sg-cp"].compliance_type is Status.COMPLIANT
    assert evaluations["sg-cluster"].compliance_type is Status.COMPLIANT
    for evaluation in evaluations.values():
        assert 0 < len(evaluation.annotation) <= 256


def test_long_annotations_are_cut_to_256_characters_and_say_so() -> None:
    groups = [
        sg("sg-cluster", [everything(sgs=["sg-cluster"])]),
        *(sg(f"sg-n{i}", []) for i in range(12)),
    ]
    node_groups = [
        nodegroup(f"a-rather-long-node-group-name-{i}", [f"sg-n{i}", f"sg-n{(i + 1) % 12}"]) for i in range(12)
    ]
    [cluster, *_] = evaluate(Snapshot({"c1": topology(groups, node_groups)}), Settings(level=Level.RECOMMENDED))
    assert len(cluster.annotation) <= 256
    assert cluster.annotation.endswith("…")
    assert re.match(r"^[A-Z_]+(, [A-Z_]+)*: ", cluster.annotation)


def test_scope_and_status_make_clusters_not_applicable() -> None:
    snapshot = Snapshot({"prod-a": eks_default("prod-a"), "dev-b": eks_default("dev-b")})
    settings = Settings(cluster_name_pattern=re.compile(r"prod-.*"))
    by_id = {e.resource_id: e for e in evaluate(snapshot, settings)}
    assert by_id["prod-a"].compliance_type is Status.COMPLIANT
    assert by_id["dev-b"].compliance_type is Status.NOT_APPLICABLE
    assert "ClusterNamePattern" in by_id["dev-b"].annotation

    creating = topology(list(eks_default().security_groups.values()), [], status="CREATING")
    [evaluation] = evaluate(Snapshot({"c1": creating}), Settings())
    assert evaluation.compliance_type is Status.NOT_APPLICABLE
    assert "CREATING" in evaluation.annotation


def test_an_sg_no_cluster_uses_is_not_applicable_and_exempt_sgs_are_not_judged() -> None:
    snapshot = Snapshot({"c1": self_managed(cp_ingress=[])})
    by_id = {e.resource_id: e for e in evaluate(snapshot, Settings(), clusters=[], security_groups=["sg-web"])}
    assert by_id == {"sg-web": by_id["sg-web"]}
    assert by_id["sg-web"].compliance_type is Status.NOT_APPLICABLE

    exempt = {e.resource_id: e for e in evaluate(snapshot, Settings(exempt_sg_ids=frozenset({"sg-cp"})))}
    assert exempt["sg-cp"].compliance_type is Status.NOT_APPLICABLE
    assert exempt["c1"].compliance_type is Status.NON_COMPLIANT


def test_an_sg_shared_by_two_clusters_is_judged_for_both() -> None:
    first = self_managed(name="c1", cp_ingress=[])
    second = self_managed(name="c2")
    evaluations = evaluate(Snapshot({"c1": first, "c2": second}), Settings(), clusters=["c2"])
    by_id = {e.resource_id: e for e in evaluations}
    # Asked about c2 only, the shared control-plane SG still reports c1's failure, naming the cluster.
    assert by_id["sg-cp"].compliance_type is Status.NON_COMPLIANT
    assert by_id["sg-cp"].annotation.startswith("c1: CP_SG_MINIMUM")


def test_dedicated_cp_sg_cannot_pass_while_other_clusters_are_unread() -> None:
    top = dataclasses.replace(self_managed(), unread_clusters=("c7",))
    result = judge(top, "DEDICATED_CP_SG")
    assert (result.status, result.cannot_judge) == (Status.NOT_APPLICABLE, True)
    assert "c7 were not read" in result.detail
    # A sharing already seen is still reported.
    shared = dataclasses.replace(self_managed(shared_with={"sg-cp": ("c2",)}), unread_clusters=("c7",))
    assert judge(shared, "DEDICATED_CP_SG").status is Status.NON_COMPLIANT
