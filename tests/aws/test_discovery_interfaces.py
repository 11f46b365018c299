"""Discovery against moto: interfaces, address families, membership evidence, VPCs, Fargate.

The demo account (demo/seed.py) seeds these layouts the way real tools create them; moto gaps
(EKS's managed instances, a secondary interface's groups, the default SG's self rule) are filled
there, in code that says so.
"""

from __future__ import annotations

import boto3
import pytest
from demo.seed import SeededAccount, Seeder

from eks_sg_rule.discovery import Discovery
from eks_sg_rule.evaluate import evaluate
from eks_sg_rule.model import Membership, Topology
from eks_sg_rule.requirements import Level
from eks_sg_rule.results import Status
from eks_sg_rule.settings import Settings
from tests.conftest import ACCOUNT, REGION


def read(seeder: Seeder, name: str) -> Topology:
    return Discovery(eks=seeder.eks, ec2=seeder.ec2).snapshot(clusters=[name]).topologies[name]


def verdicts(seeder: Seeder, name: str, level: Level) -> dict[str, str]:
    snapshot = Discovery(eks=seeder.eks, ec2=seeder.ec2).snapshot()
    [cluster] = [e for e in evaluate(snapshot, Settings(level=level), clusters=[name]) if e.resource_id == name]
    return {c.check_id: c.status.value for c in cluster.checks} | {"cluster": cluster.compliance_type.value}


def test_dual_stack_ipv4_cluster_reads_both_families_and_passes_minimum(seeder: Seeder) -> None:
    seeder.dual_stack_ipv4()

    topology = read(seeder, "dual-stack-v4")
    [node] = topology.node_groups[0].nodes[:1]
    assert {n.version for n in node.networks} == {4, 6}
    assert {n.version for n in topology.control_plane_networks} == {4, 6}
    assert verdicts(seeder, "dual-stack-v4", Level.MINIMUM) == {
        "CP_SG_MINIMUM": "COMPLIANT",
        "WORKER_SG_MINIMUM": "COMPLIANT",
        "TAG_OWNED": "COMPLIANT",
        "cluster": "COMPLIANT",
    }


def test_custom_networking_reads_the_pod_interface_with_its_own_groups(seeder: Seeder) -> None:
    seeded = seeder.custom_networking()

    topology = read(seeder, "custom-networking")
    nodes = [n for g in topology.node_groups for n in g.nodes]
    assert len(nodes) == 2
    for node in nodes:
        assert node.security_group_ids == {seeded.cluster_sg_id}
        [pods] = node.pod_interfaces
        assert pods.security_group_ids == set(seeded.node_sg_ids)  # the VPC's default SG only
        assert all(str(n).startswith("100.64.") for n in pods.networks)
    minimum = verdicts(seeder, "custom-networking", Level.MINIMUM)
    assert (minimum["CP_SG_MINIMUM"], minimum["cluster"]) == ("NON_COMPLIANT", "NON_COMPLIANT")
    recommended = verdicts(seeder, "custom-networking", Level.RECOMMENDED)
    assert recommended["CP_SG_RECOMMENDED"] == recommended["WORKER_SG_RECOMMENDED"] == "NON_COMPLIANT"


def test_tags_per_interface_through_discovery(seeder: Seeder) -> None:
    seeder.cluster("per-interface", "1.31", [])
    cluster_sg = seeder.eks_cluster_sg("per-interface")
    node_sg = seeder.security_group("node", "node", tags={"kubernetes.io/cluster/per-interface": "owned"})
    seeder.add_ingress(node_sg, {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": cluster_sg}]})
    seeder.managed_nodegroup("per-interface", "ng")
    [instance] = seeder.managed_instances("per-interface", "ng", 1, [node_sg])
    seeder.attach_pod_interface(instance, seeder.pod_subnets()[0], [cluster_sg])

    assert verdicts(seeder, "per-interface", Level.MINIMUM)["TAG_OWNED"] == "COMPLIANT"


def test_platform_version_is_read_for_the_cluster_sg_era(seeder: Seeder) -> None:
    from demo.moto_gaps import set_legacy_platform

    seeder.cluster("old", "1.14", [])
    set_legacy_platform(ACCOUNT, REGION, "old", version="1.14", platform_version="eks.2")

    cluster = read(seeder, "old").cluster
    assert (cluster.version, cluster.platform_version, cluster.predates_cluster_sg) == ("1.14", "eks.2", True)


def test_a_tagged_instance_in_another_vpc_is_not_a_node(seeder: Seeder) -> None:
    seeder.no_nodes()
    other_vpc = seeder.ec2.create_vpc(CidrBlock="172.31.0.0/16")["Vpc"]["VpcId"]
    subnet = seeder.ec2.create_subnet(VpcId=other_vpc, CidrBlock="172.31.0.0/20")["Subnet"]["SubnetId"]
    group = seeder.ec2.create_security_group(GroupName="db", Description="db", VpcId=other_vpc)["GroupId"]
    seeder.ec2.run_instances(
        ImageId="ami-12c6146b",
        MinCount=1,
        MaxCount=1,
        SubnetId=subnet,
        SecurityGroupIds=[group],
        TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "eks:cluster-name", "Value": "no-nodes"}]}],
    )

    topology = read(seeder, "no-nodes")
    assert not topology.has_nodes
    assert group not in topology.role_sg_ids()


def test_fargate_profiles_are_read_and_the_worker_checks_do_not_apply(seeder: Seeder) -> None:
    seeder.fargate_only()

    assert read(seeder, "fargate-only").cluster.fargate_profiles == ("fp-default",)
    minimum = verdicts(seeder, "fargate-only", Level.MINIMUM)
    assert set(minimum.values()) == {"NOT_APPLICABLE"}
    recommended = verdicts(seeder, "fargate-only", Level.RECOMMENDED)
    assert recommended["CLUSTER_SG_RULES"] == "COMPLIANT"
    assert recommended["cluster"] == "COMPLIANT"


def test_membership_evidence_aws_for_managed_groups_tags_for_the_rest(seeder: Seeder) -> None:
    seeder.prod_managed()
    seeder.kubelet_blocked()
    # An instance a user tagged for prod-managed, in its VPC: a node, but by tags only.
    seeder.instances(1, [seeder.default_sg()], {"eks:cluster-name": "prod-managed"})

    managed = read(seeder, "prod-managed")
    by_group = {g.name: g.membership for g in managed.node_groups}
    assert by_group["ng-general"] is Membership.AWS
    assert by_group["ng-spot"] is Membership.AWS  # from the node group's own launch template
    assert by_group["self-managed"] is Membership.TAGS
    assert {g.membership for g in read(seeder, "kubelet-blocked").node_groups} == {Membership.TAGS}


def test_an_aws_prefixed_cluster_tag_is_aws_evidence(seeder: Seeder) -> None:
    seeder.no_nodes()
    # Only AWS can set aws: tags (EKS Auto Mode and managed instances carry aws:eks:cluster-name);
    # moto lets the test set one.
    seeder.instances(1, [seeder.default_sg()], {"aws:eks:cluster-name": "no-nodes"})

    [group] = read(seeder, "no-nodes").node_groups
    assert group.membership is Membership.AWS


def test_the_demo_account_shows_the_right_verdicts(account_seeded: SeededAccount) -> None:
    ec2, eks = boto3.client("ec2", region_name=REGION), boto3.client("eks", region_name=REGION)
    evaluations = evaluate(Discovery(eks=eks, ec2=ec2).snapshot(), Settings(level=Level.MINIMUM))
    clusters = {e.resource_id: e.compliance_type for e in evaluations if e.resource_type == "AWS::EKS::Cluster"}
    assert clusters["dual-stack-v4"] is Status.COMPLIANT
    assert clusters["custom-networking"] is Status.NON_COMPLIANT
    assert clusters["fargate-only"] is Status.NOT_APPLICABLE


@pytest.fixture
def account_seeded(aws: None) -> SeededAccount:
    from demo.seed import seed_account

    return seed_account(boto3.client("ec2", region_name=REGION), boto3.client("eks", region_name=REGION), region=REGION)
