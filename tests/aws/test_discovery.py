"""Discovery against moto: what it reads, and what it does with data it cannot resolve."""

from __future__ import annotations

import dataclasses

import boto3
import pytest
from botocore.stub import Stubber
from moto.eks.models import eks_backends

from eks_sg_rule.aws.calls import DiscoveryError
from eks_sg_rule.discovery import Discovery
from eks_sg_rule.evaluate import evaluate
from eks_sg_rule.settings import Settings
from tests.aws.accounts import Account, self_all
from tests.conftest import ACCOUNT, REGION


@pytest.fixture
def account(aws: None) -> Account:
    return Account()


def test_nodes_are_grouped_by_evidence_and_carry_private_ips(account: Account) -> None:
    cluster_sg = account.sg("eks-cluster-sg-c1")
    account.minimal_cluster("c1", cluster_sg)
    account.nodes("c1", [cluster_sg], count=2, **{"eks:nodegroup-name": "ng-a"})
    account.nodes("c1", [cluster_sg], count=1, **{"karpenter.sh/nodepool": "default"})
    account.nodes("other", [cluster_sg], count=1)

    topology = account.discovery().snapshot().topologies["c1"]

    groups = {(g.name, g.kind.value): len(g.nodes) for g in topology.node_groups}
    # No managed node group ng-a lists these instances' Auto Scaling group: the tag alone makes no
    # managed node (anyone may set it); they are self-managed nodes known by their cluster tag.
    assert groups == {("self-managed", "self-managed nodes"): 2, ("default", "Karpenter node pool"): 1}
    assert all(n.networks and n.networks[0].prefixlen == 32 for g in topology.node_groups for n in g.nodes)
    assert [str(n) for n in topology.control_plane_networks] == ["10.1.0.0/20"]


def test_an_sg_shared_between_clusters_is_known_to_both(account: Account) -> None:
    shared = account.sg("shared-cp")
    account.minimal_cluster("c1", account.sg("csg1"), [shared])
    account.minimal_cluster("c2", account.sg("csg2"), [shared])

    snapshot = account.discovery().snapshot()

    assert snapshot.topologies["c1"].shared_with[shared] == ("c2",)
    assert snapshot.topologies["c2"].shared_with[shared] == ("c1",)


def test_a_cluster_whose_sgs_cannot_be_read_never_passes(account: Account) -> None:
    cluster_sg = account.sg("csg")
    account.ec2.authorize_security_group_ingress(GroupId=cluster_sg, IpPermissions=[self_all(cluster_sg)])
    account.minimal_cluster("c1", cluster_sg)
    account.nodes("c1", [cluster_sg], **{"eks:nodegroup-name": "ng"})
    snapshot = account.discovery().snapshot()
    assert evaluate(snapshot, Settings())[0].compliance_type.value == "COMPLIANT"
    # The same account, but the cluster SG came back from no read (deleted, or another account's).
    topology = dataclasses.replace(snapshot.topologies["c1"], security_groups={})
    unreadable = dataclasses.replace(snapshot, topologies={"c1": topology})

    cluster = evaluate(unreadable, Settings())[0]

    assert cluster.compliance_type.value == "NON_COMPLIANT"
    assert f"could not read {cluster_sg}" in cluster.annotation


def test_a_missing_security_group_is_named_in_unresolved(account: Account) -> None:
    cluster_sg = account.sg("csg")
    account.minimal_cluster("c1", cluster_sg, ["sg-0123456789abcdef0"])

    snapshot = account.discovery().snapshot()

    assert (
        "sg-0123456789abcdef0 not found (deleted or owned by another account)" in snapshot.topologies["c1"].unresolved
    )
    missing = next(e for e in evaluate(snapshot, Settings()) if e.resource_id == "sg-0123456789abcdef0")
    assert missing.compliance_type.value == "NOT_APPLICABLE"
    assert "could not be read" in missing.annotation


def test_managed_node_group_without_instances_uses_its_launch_template(account: Account) -> None:
    cluster_sg = account.sg("csg")
    node_sg = account.sg("node")
    account.minimal_cluster("c1", cluster_sg)
    template = account.ec2.create_launch_template(
        LaunchTemplateName="lt-ng", LaunchTemplateData={"SecurityGroupIds": [node_sg]}
    )["LaunchTemplate"]
    account.eks.create_nodegroup(
        clusterName="c1",
        nodegroupName="ng-lt",
        nodeRole=f"arn:aws:iam::{ACCOUNT}:role/node",
        subnets=[account.subnet],
        launchTemplate={"id": template["LaunchTemplateId"], "version": "1"},
    )
    account.eks.create_nodegroup(
        clusterName="c1",
        nodegroupName="ng-default",
        nodeRole=f"arn:aws:iam::{ACCOUNT}:role/node",
        subnets=[account.subnet],
    )
    for nodegroup in eks_backends[ACCOUNT][REGION].clusters["c1"].nodegroups.values():
        # moto gap: moto invents a nonexistent remote-access SG for every node group.
        nodegroup.resources["remoteAccessSecurityGroup"] = None

    topology = account.discovery().snapshot().topologies["c1"]

    shapes = {g.name: g.nodes[0] for g in topology.node_groups}
    assert all(g.from_template for g in topology.node_groups)
    assert shapes["ng-lt"].security_group_ids == {node_sg}
    assert shapes["ng-default"].security_group_ids == {cluster_sg}
    assert [str(n) for n in shapes["ng-lt"].networks] == ["10.1.0.0/20"]


def test_a_deleted_launch_template_is_unresolved_not_a_crash(account: Account) -> None:
    cluster_sg = account.sg("csg")
    account.minimal_cluster("c1", cluster_sg)
    template = account.ec2.create_launch_template(
        LaunchTemplateName="lt-gone", LaunchTemplateData={"SecurityGroupIds": [cluster_sg]}
    )["LaunchTemplate"]
    account.eks.create_nodegroup(
        clusterName="c1",
        nodegroupName="ng-gone",
        nodeRole=f"arn:aws:iam::{ACCOUNT}:role/node",
        subnets=[account.subnet],
        launchTemplate={"id": template["LaunchTemplateId"], "version": "1"},
    )
    account.ec2.delete_launch_template(LaunchTemplateId=template["LaunchTemplateId"])

    snapshot = account.discovery().snapshot()

    topology = snapshot.topologies["c1"]
    assert "launch template of node group ng-gone not found: its nodes' SGs are unknown" in topology.incomplete
    cluster = next(e for e in evaluate(snapshot, Settings()) if e.resource_id == "c1")
    assert cluster.compliance_type.value == "NOT_APPLICABLE"
    assert "launch template of node group ng-gone not found" in cluster.annotation


def test_prefix_list_entries_are_read_for_rules_that_name_one(account: Account) -> None:
    prefix_list = account.ec2.create_managed_prefix_list(
        PrefixListName="nodes", MaxEntries=5, AddressFamily="IPv4", Entries=[{"Cidr": "10.1.0.0/20"}]
    )["PrefixList"]["PrefixListId"]
    cluster_sg = account.sg(
        "csg",
        ingress=[
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "PrefixListIds": [{"PrefixListId": prefix_list}]}
        ],
    )
    account.minimal_cluster("c1", cluster_sg)

    topology = account.discovery().snapshot().topologies["c1"]

    assert [str(n) for n in topology.prefix_lists[prefix_list]] == ["10.1.0.0/20"]


def test_a_cluster_deleted_between_listing_and_describing_is_not_applicable(aws: None) -> None:
    eks = boto3.client("eks", region_name=REGION)
    ec2 = boto3.client("ec2", region_name=REGION)
    with Stubber(eks) as stub:
        stub.add_response("list_clusters", {"clusters": ["gone"]})
        stub.add_client_error("describe_cluster", "ResourceNotFoundException", "No cluster found for name: gone.", 404)
        snapshot = Discovery(eks=eks, ec2=ec2).snapshot()

    assert snapshot.topologies == {}
    [evaluation] = evaluate(snapshot, Settings())
    assert (evaluation.resource_id, evaluation.compliance_type.value) == ("gone", "NOT_APPLICABLE")
    assert "deleted while being read" in evaluation.annotation


def test_access_denied_names_the_action(aws: None) -> None:
    eks = boto3.client("eks", region_name=REGION)
    ec2 = boto3.client("ec2", region_name=REGION)
    with Stubber(ec2) as stub:
        stub.add_client_error("describe_instances", "UnauthorizedOperation", "You are not authorized", 403)
        with pytest.raises(DiscoveryError) as raised:
            Discovery(eks=eks, ec2=ec2).snapshot()

    assert raised.value.action == "ec2:DescribeInstances"
    assert raised.value.access_denied
