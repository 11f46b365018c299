"""The remediation cannot be steered by tags, stays inside its scope and says when it did not fix.

Against moto through the demo seeder (real layouts) and the real remediation Lambda handler.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from demo.seed import Seeder

from eks_sg_rule.discovery import Discovery
from eks_sg_rule.evaluate import evaluate
from eks_sg_rule.plan import MANUAL, UNTRUSTED
from eks_sg_rule.remediation import remediate
from eks_sg_rule.remediation_handler import RemediationFailed, lambda_handler
from eks_sg_rule.requirements import Level
from eks_sg_rule.settings import Scope, Settings
from tests.conftest import ApiCalls, LambdaContext, discover, iam_client, rules_of
from tests.deploy.deployment import deploy_widest


@pytest.fixture(autouse=True)
def widest_deployment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The inputs here ask for the switches themselves: the remediation's deployment allows them all."""
    deploy_widest(monkeypatch)


def untagged_multi_sg_cluster(seeder: Seeder) -> tuple[str, str, str]:
    """c1 with Karpenter-like managed nodes on two SGs and no cluster tag: (cluster SG, node, extra)."""
    seeder.cluster("c1", "1.31", [])
    cluster_sg = seeder.eks_cluster_sg("c1")
    node = seeder.security_group("karpenter-node", "node")
    seeder.add_ingress(node, {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": node}, {"GroupId": cluster_sg}]})
    extra = seeder.security_group("extra", "extra")
    seeder.add_ingress(extra, {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": node}, {"GroupId": cluster_sg}]})
    seeder.managed_nodegroup("c1", "ng", seeder.launch_template("c1-ng", [node, extra]))
    seeder.managed_instances("c1", "ng", 1, [node, extra])
    return cluster_sg, node, extra


def referencing(seeder: Seeder, sg_id: str) -> list[str]:
    """SGs with a rule that names `sg_id` as its peer."""
    return [
        group["GroupId"]
        for group in seeder.ec2.describe_security_groups()["SecurityGroups"]
        for permission in (*group["IpPermissions"], *group["IpPermissionsEgress"])
        if any(pair.get("GroupId") == sg_id for pair in permission.get("UserIdGroupPairs", ()))
    ]


def verdict(seeder: Seeder, name: str, level: Level = Level.MINIMUM) -> str:
    snapshot = Discovery(eks=seeder.eks, ec2=seeder.ec2).snapshot()
    return next(e.compliance_type.value for e in evaluate(snapshot, Settings(level=level)) if e.resource_id == name)


@pytest.mark.parametrize("other_vpc", [False, True])
def test_a_tagged_attacker_instance_never_gets_a_rule(
    seeder: Seeder, lambda_context: LambdaContext, other_vpc: bool
) -> None:
    seeded = seeder.prod_managed()
    vpc = seeder.vpc_id
    subnets = None
    if other_vpc:
        vpc = seeder.ec2.create_vpc(CidrBlock="172.31.0.0/16")["Vpc"]["VpcId"]
        subnets = [seeder.ec2.create_subnet(VpcId=vpc, CidrBlock="172.31.0.0/20")["Subnet"]["SubnetId"]]
    db = seeder.ec2.create_security_group(GroupName="payments-db", Description="db", VpcId=vpc)["GroupId"]
    seeder.instances(1, [db], {"eks:cluster-name": "prod-managed", "Name": "payments-db"}, subnets=subnets)
    before = rules_of(seeder, db)

    plan = remediate(
        discover(seeder), seeder.ec2, iam_client(), "prod-managed", Scope(Level.RECOMMENDED), apply_changes=False
    )
    for change in plan.changes:
        assert change.action == MANUAL or db not in json.dumps(change.permissions)
    if not other_vpc:
        assert any(UNTRUSTED in c.detail for c in plan.changes)

    with pytest.raises(RemediationFailed) if not other_vpc else _nothing():
        lambda_handler({"ResourceId": "prod-managed", "DryRun": False}, lambda_context)
    assert rules_of(seeder, db) == before
    assert referencing(seeder, db) == []
    assert seeded.cluster_sg_id not in json.dumps(rules_of(seeder, db))


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *_: object) -> bool:
        return False


def test_trust_node_tags_is_the_operators_explicit_choice(seeder: Seeder) -> None:
    seeder.prod_managed()
    db = seeder.security_group("payments-db", "db")
    seeder.instances(1, [db], {"eks:cluster-name": "prod-managed"})

    outcome = remediate(
        discover(seeder),
        seeder.ec2,
        iam_client(),
        "prod-managed",
        Scope(Level.MINIMUM, trust_node_tags=True),
        apply_changes=True,
    )
    assert any(c.status == "applied" and db in json.dumps(c.permissions) for c in outcome.changes)


def test_another_clusters_sg_is_never_changed(seeder: Seeder) -> None:
    """c1's managed nodes carry c2's node SG, which lacks kubelet access from c1's control plane."""
    seeder.cluster("c2", "1.31", [])
    cluster_sg_2 = seeder.eks_cluster_sg("c2")
    shared = seeder.security_group("c2-node", "c2 nodes", tags={"kubernetes.io/cluster/c2": "owned"})
    seeder.add_ingress(shared, {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": shared}]})
    seeder.managed_nodegroup("c2", "ng")
    seeder.managed_instances("c2", "ng", 1, [shared, cluster_sg_2])
    seeder.cluster("c1", "1.31", [])
    seeder.eks_cluster_sg("c1")
    seeder.managed_nodegroup("c1", "ng", seeder.launch_template("c1-ng", [shared]))
    seeder.managed_instances("c1", "ng", 1, [shared])
    before = rules_of(seeder, shared)

    outcome = remediate(discover(seeder), seeder.ec2, iam_client(), "c1", Scope(Level.MINIMUM), apply_changes=True)

    assert rules_of(seeder, shared) == before
    refused = [c for c in outcome.changes if c.security_group_id == shared]
    assert refused and all(c.action == MANUAL and "also used by cluster c2" in c.detail for c in refused)


def test_an_exempt_sg_and_an_sg_outside_the_pattern_are_left_alone(
    seeder: Seeder, lambda_context: LambdaContext
) -> None:
    seeded = seeder.kubelet_blocked()
    [node] = seeded.node_sg_ids
    before = rules_of(seeder, node)
    base = {"ResourceId": "kubelet-blocked", "DryRun": False, "TrustNodeTags": True}

    with pytest.raises(RemediationFailed, match="manual change"):
        lambda_handler({**base, "ExemptSecurityGroupIds": f"sg-00000000,{node}"}, lambda_context)
    assert rules_of(seeder, node) == before

    with pytest.raises(RemediationFailed, match="resolves to no cluster in scope"):
        lambda_handler({**base, "ResourceId": node, "ClusterNamePattern": "prod-.*"}, lambda_context)
    with pytest.raises(RemediationFailed, match="does not match ClusterNamePattern"):
        lambda_handler({**base, "ClusterNamePattern": "prod-.*"}, lambda_context)
    assert rules_of(seeder, node) == before


def test_an_sg_resource_id_adds_only_the_rules_that_belong_on_that_sg(
    seeder: Seeder, lambda_context: LambdaContext
) -> None:
    seeded = seeder.kubelet_blocked()
    [control_plane] = seeded.additional_sg_ids
    before = rules_of(seeder, control_plane)

    result = lambda_handler(
        {"ResourceId": control_plane, "DryRun": True, "TrustNodeTags": True, "ComplianceLevel": "recommended"},
        lambda_context,
    )
    assert {c["security_group_id"] for o in result["clusters"] for c in o["changes"]} <= {control_plane}
    assert rules_of(seeder, control_plane) == before


def test_tag_removal_keeps_exactly_one_tagged_sg(seeder: Seeder) -> None:
    seeder.cluster("c1", "1.31", [])
    seeder.eks_cluster_sg("c1")
    a = seeder.security_group("a", "a", tags={"kubernetes.io/cluster/c1": "owned"})
    b = seeder.security_group("b", "b", tags={"kubernetes.io/cluster/c1": "owned"})
    for sg in (a, b):
        seeder.add_ingress(sg, {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": a}, {"GroupId": b}]})
    seeder.managed_nodegroup("c1", "ng", seeder.launch_template("c1-ng", [a, b]))
    seeder.managed_instances("c1", "ng", 1, [a, b])

    outcome = remediate(
        discover(seeder),
        seeder.ec2,
        iam_client(),
        "c1",
        Scope(Level.MINIMUM, allow_tag_removal=True),
        apply_changes=True,
    )

    assert [(c.action, c.status) for c in outcome.changes if c.checks == ("TAG_OWNED",)] == [("delete_tags", "applied")]
    tagged = [
        sg
        for sg in (a, b)
        if any(t["Key"] == "kubernetes.io/cluster/c1" for t in seeder.ec2.describe_tags(
            Filters=[{"Name": "resource-id", "Values": [sg]}])["Tags"])
    ]  # fmt: skip
    assert tagged == [min(a, b)]  # the node's own SGs: the first keeps it
    assert outcome.done


def test_an_untagged_multi_sg_node_is_tagged_on_its_own_sg(seeder: Seeder) -> None:
    """Karpenter-like nodes with two SGs and no tag; EKS tags the cluster SG, used elsewhere."""
    cluster_sg, node, extra = untagged_multi_sg_cluster(seeder)
    assert verdict(seeder, "c1") == "NON_COMPLIANT"

    outcome = remediate(discover(seeder), seeder.ec2, iam_client(), "c1", Scope(Level.MINIMUM), apply_changes=True)

    [tag] = [c for c in outcome.changes if c.action == "create_tags"]
    assert tag.security_group_id in (node, extra) and tag.security_group_id != cluster_sg
    assert tag.status == "applied"
    assert outcome.done
    assert verdict(seeder, "c1") == "COMPLIANT"


@pytest.mark.parametrize(
    "resource_id",
    ["sg-0123456789abcdef0", "sg-12345678"],  # an SG that exists nowhere; a cluster named like an SG id
)
def test_a_resource_that_resolves_to_no_cluster_fails(
    seeder: Seeder, lambda_context: LambdaContext, resource_id: str
) -> None:
    seeder.prod_managed()
    with pytest.raises(RemediationFailed, match="resolves to no cluster in scope"):
        lambda_handler({"ResourceId": resource_id, "DryRun": False}, lambda_context)


def test_an_unused_sg_fails_and_a_dry_run_returns_the_plan(seeder: Seeder, lambda_context: LambdaContext) -> None:
    seeder.prod_managed()
    unused = seeder.security_group("web", "web")
    with pytest.raises(RemediationFailed, match="used by no EKS cluster"):
        lambda_handler({"ResourceId": unused, "DryRun": False}, lambda_context)
    result = lambda_handler({"ResourceId": "prod-managed", "DryRun": True}, lambda_context)
    assert result["clusters"][0]["changes"] == []


def test_only_manual_changes_left_fails_loudly(seeder: Seeder, lambda_context: LambdaContext) -> None:
    seeder.kubelet_blocked()  # self-managed: membership by tags only, so the fix is manual
    with pytest.raises(RemediationFailed, match="manual change"):
        lambda_handler({"ResourceId": "kubelet-blocked", "DryRun": False}, lambda_context)


class FailingSecond:
    """An EC2 client whose second write fails (a denied or throttled call in the middle)."""

    def __init__(self, ec2: Any) -> None:
        self.ec2 = ec2
        self.writes = 0

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.ec2, name)
        if not name.startswith(("authorize_", "create_tags", "delete_tags")):
            return method

        def write(**kwargs: Any) -> Any:
            self.writes += 1
            if self.writes == 2:
                from botocore.exceptions import ClientError

                raise ClientError({"Error": {"Code": "UnauthorizedOperation", "Message": "no"}}, name)
            return method(**kwargs)

        return write


def test_a_failed_write_stops_and_names_what_was_applied(seeder: Seeder) -> None:
    from eks_sg_rule.aws.writes import ApplyFailed

    seeder.dual_stack_ipv4()  # two rules to add at the recommended level
    ec2 = FailingSecond(seeder.ec2)
    with pytest.raises(ApplyFailed, match=r"failed \(UnauthorizedOperation\); applied before it: authorize_") as caught:
        remediate(discover(seeder), ec2, iam_client(), "dual-stack-v4", Scope(Level.RECOMMENDED), apply_changes=True)
    statuses = [c.status for c in caught.value.changes if c.automatic]
    assert statuses[:2] == ["applied", "failed"]
    assert all(s == "planned" for s in statuses[2:])


def test_remaining_after_apply_fails_the_lambda(seeder: Seeder, lambda_context: LambdaContext) -> None:
    seeder.kubelet_blocked()
    # Recommended: egress to 0.0.0.0/0 and the cluster SG on nodes stay manual, so it cannot finish.
    with pytest.raises(RemediationFailed, match=r"kubelet-blocked: .*manual change"):
        lambda_handler(
            {"ResourceId": "kubelet-blocked", "DryRun": False, "TrustNodeTags": True, "ComplianceLevel": "recommended"},
            lambda_context,
        )


def test_remediation_never_opens_a_cidr_never_revokes_and_changes_nothing_twice(seeder: Seeder) -> None:
    seeder.kubelet_blocked()
    calls: list[str] = []
    ec2 = seeder.ec2

    class Recording:
        def __getattr__(self, name: str) -> Any:
            calls.append(name)
            return getattr(ec2, name)

    first = remediate(
        discover(seeder),
        Recording(),
        iam_client(),
        "kubelet-blocked",
        Scope(Level.RECOMMENDED, trust_node_tags=True),
        True,
    )
    for change in first.changes:
        for permission in change.permissions:
            assert not permission.get("IpRanges") and not permission.get("Ipv6Ranges")
            assert not permission.get("PrefixListIds")
    assert not [c for c in calls if c.startswith("revoke")]
    second = remediate(
        discover(seeder), ec2, iam_client(), "kubelet-blocked", Scope(Level.RECOMMENDED, trust_node_tags=True), True
    )
    assert [c for c in second.changes if c.automatic] == []


def test_the_remediation_reads_the_region_once_before_and_its_cluster_once_after(
    seeder: Seeder, lambda_context: LambdaContext, api_calls: ApiCalls
) -> None:
    _, node, _ = untagged_multi_sg_cluster(seeder)
    for index in range(3):  # other clusters: in the region read before, not in the read after
        seeder.prod_managed(f"other-{index}", nodes=1)
    api_calls.clear()

    result = lambda_handler({"ResourceId": "c1", "DryRun": False}, lambda_context)

    assert result["clusters"][0]["applied"] is True and result["clusters"][0]["remaining"] == []
    # Before: the region once (4 clusters: a write must know every cluster using an SG). After: c1 alone.
    calls = api_calls.by_operation()
    assert (calls["ListClusters"], calls["DescribeCluster"], calls["CreateTags"]) == (1, 4 + 1, 1)
    # The sweep: one call by tag key (every managed node group is accounted for, so none by Auto Scaling
    # group); c1's nodes by five filters.
    assert calls["DescribeInstances"] == 1 + 5
    api_calls.clear()

    lambda_handler({"ResourceId": node, "DryRun": True}, lambda_context)

    assert (api_calls.count("ListClusters"), api_calls.count("DescribeCluster")) == (1, 4)


def test_the_vpc_default_sg_is_never_changed_nor_named_automatically(seeder: Seeder) -> None:
    """Custom networking with pods on the VPC's default SG: the cluster SG lacks TCP 443 from it.
    That rule would open the API server to everything launched without an SG: a person decides."""
    seeded = seeder.custom_networking()
    [default_sg] = seeded.node_sg_ids
    before = rules_of(seeder, seeded.cluster_sg_id or "")

    outcome = remediate(
        discover(seeder), seeder.ec2, iam_client(), seeded.name, Scope(Level.MINIMUM), apply_changes=True
    )

    naming_default = [c for c in outcome.changes if default_sg in (c.security_group_id, *c.detail.split())]
    assert naming_default and all(c.status == MANUAL for c in naming_default)
    assert all("VPC's default SG" in c.detail for c in naming_default)
    assert rules_of(seeder, seeded.cluster_sg_id or "") == before
    assert referencing(seeder, default_sg) == [default_sg]  # its own self rule, nothing added
