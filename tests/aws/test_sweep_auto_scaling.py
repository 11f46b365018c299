"""The sweep's read by Auto Scaling group: only for the managed node groups the tag-key read did not
account for, so a managed node whose EKS-set tags were removed is still found, and the managed
nodes the tag keys already returned are not read again.

A managed node group is accounted for when DescribeNodegroup says `status` ACTIVE and its
`scalingConfig.desiredSize` equals the running instances the tag-key read found in its Auto Scaling
groups (`ClusterReads.unaccounted_auto_scaling_groups`).

Sources, in our words:
- The AWS SDK code examples' DescribeNodegroup CLI example (cluster my-eks-cluster, node group
  my-eks-nodegroup) answers `status` ACTIVE, `scalingConfig` minSize 1, maxSize 3, desiredSize 1,
  and `resources.autoScalingGroups` one group named eks-<node group>-<uuid>, with no
  remote-access SG. The response below is written after it and served by botocore's Stubber, which
  validates it against the EKS model.
- desiredSize follows the node group's Auto Scaling group when something else scales it:
  terraform-aws-modules/terraform-aws-eks pull request #691 says the cluster autoscaler scales the
  group up and shortly after the managed node group reflects the new desired size (and Terraform
  users ignore desired_size drift for that reason: that module's issue #681, cloudposse's
  terraform-aws-eks-node-group issue #12). Until it does, more running instances than desiredSize
  are found, which counts as not accounted for.
"""

from __future__ import annotations

import datetime
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from eks_sg_rule.assembly import ClusterReads
from eks_sg_rule.aws.reads import describe_nodegroup
from eks_sg_rule.discovery import sweep_queries
from eks_sg_rule.evaluate import evaluate
from eks_sg_rule.model import Cluster
from eks_sg_rule.requirements import Level
from eks_sg_rule.settings import Settings
from tests.aws.accounts import Account
from tests.conftest import ApiCalls

ASG = "eks-my-eks-nodegroup-a8c75f2f-df78-a72f-4063-4b69af3de5b1"
EKS_SET_TAGS = ("eks:cluster-name", "eks:nodegroup-name")


@pytest.fixture
def account(aws: None) -> Account:
    return Account()


@pytest.fixture
def api(aws: None, monkeypatch: pytest.MonkeyPatch) -> ApiCalls:
    return ApiCalls(monkeypatch)


# --- the decision, on a published DescribeNodegroup answer ---------------------------------------


def published_nodegroup(**changes: Any) -> dict[str, Any]:
    """DescribeNodegroup as the AWS SDK code examples show it, through a stubbed (model-validated) client."""
    when = datetime.datetime(2024, 4, 8, 15, 42, 10, tzinfo=datetime.UTC)
    nodegroup: dict[str, Any] = {
        "nodegroupName": "my-eks-nodegroup",
        "nodegroupArn": "arn:aws:eks:us-east-2:111122223333:nodegroup/my-eks-cluster/my-eks-nodegroup/"
        "a8c75f2f-df78-a72f-4063-4b69af3de5b1",
        "clusterName": "my-eks-cluster",
        "version": "1.26",
        "releaseVersion": "1.26.12-20240329",
        "createdAt": when,
        "modifiedAt": when,
        "status": "ACTIVE",
        "capacityType": "ON_DEMAND",
        "scalingConfig": {"minSize": 1, "maxSize": 3, "desiredSize": 1},
        "instanceTypes": ["t3.medium"],
        "subnets": ["subnet-0e2907431c9988b72", "subnet-04ad87f71c6e5ab4d", "subnet-09d912bb63ef21b9a"],
        "amiType": "AL2_x86_64",
        "nodeRole": "arn:aws:iam::111122223333:role/role-name",
        "labels": {},
        "resources": {"autoScalingGroups": [{"name": ASG}]},
        "diskSize": 20,
        "health": {"issues": []},
        "updateConfig": {"maxUnavailable": 1},
        "tags": {},
    }
    nodegroup.update(changes)
    eks = boto3.client("eks", region_name="us-east-2")
    with Stubber(eks) as stubber:
        stubber.add_response(
            "describe_nodegroup",
            {"nodegroup": nodegroup},
            {"clusterName": "my-eks-cluster", "nodegroupName": "my-eks-nodegroup"},
        )
        described = describe_nodegroup(eks, "my-eks-cluster", "my-eks-nodegroup")
    assert described is not None
    return described


def unaccounted(nodegroup: dict[str, Any], running_by_group: dict[str, int]) -> frozenset[str]:
    reads = ClusterReads(Cluster("my-eks-cluster"), nodegroups=[nodegroup])
    return reads.unaccounted_auto_scaling_groups(running_by_group)


def test_a_node_group_whose_desired_size_was_found_is_accounted_for() -> None:
    assert unaccounted(published_nodegroup(), {ASG: 1}) == frozenset()


@pytest.mark.parametrize(
    ("changes", "found"),
    [
        ({}, 0),  # its one node not found by tag: pending, or its EKS-set tags removed
        ({}, 2),  # more than it reports: a scale-in draining nodes, or a scale-up EKS has not reflected yet
        ({"status": "UPDATING"}, 1),  # an update starts new nodes beside the old ones
        ({"status": "DEGRADED"}, 1),
        ({"scalingConfig": {"minSize": 1, "maxSize": 3}}, 1),  # no desiredSize: nothing to compare
    ],
)
def test_any_doubt_reads_the_node_groups_auto_scaling_group(changes: dict[str, Any], found: int) -> None:
    assert unaccounted(published_nodegroup(**changes), {ASG: found} if found else {}) == {ASG}


def test_the_sweep_asks_no_auto_scaling_group_when_none_is_unaccounted() -> None:
    reads = [ClusterReads(Cluster("my-eks-cluster"), nodegroups=[published_nodegroup()])]

    assert sweep_queries(reads)[0][0] == "tag-key"
    assert sweep_queries(reads, []) == [("tag:aws:autoscaling:groupName", [ASG])]


# --- the sweep, against the emulator --------------------------------------------------------------


def managed_cluster(account: Account, name: str, nodes: int) -> tuple[list[str], str]:
    """A cluster with a managed node group running `nodes` nodes with EKS's tags (desiredSize `nodes`):
    its nodes' ids and the node group's Auto Scaling group."""
    account.cluster(name, "1.31", [])
    account.eks_cluster_sg(name)
    node_sg = account.security_group(f"{name}-node", "node")  # no rule: the nodes' SG fails
    account.managed_nodegroup(name, "ng")
    started = list(account.managed_instances(name, "ng", nodes, [node_sg]))
    described = account.eks.describe_nodegroup(clusterName=name, nodegroupName="ng")["nodegroup"]
    assert described["scalingConfig"]["desiredSize"] == nodes
    return started, described["resources"]["autoScalingGroups"][0]["name"]


def sweep_and_named(account: Account, name: str) -> tuple[Any, dict[Any, Any], dict[Any, Any]]:
    """The sweep's snapshot, its verdicts on `name`, and those of the named read (which reads every
    managed node group's Auto Scaling group)."""
    settings = Settings(level=Level.RECOMMENDED)
    snapshot = account.discovery().snapshot()
    by_sweep = {e.key: e for e in evaluate(snapshot, settings, clusters=[name])}
    named = {e.key: e for e in evaluate(account.discovery().snapshot(clusters=[name]), settings, clusters=[name])}
    return snapshot, by_sweep, named


def found_nodes(snapshot: Any, name: str) -> set[str]:
    return {n.node_id for g in snapshot.topologies[name].node_groups for n in g.nodes if not g.from_template}


def test_managed_nodes_all_found_by_tag_cost_one_read(account: Account, api: ApiCalls) -> None:
    nodes, _ = managed_cluster(account, "prod", 3)
    api.clear()

    snapshot, by_sweep, named = sweep_and_named(account, "prod")

    assert found_nodes(snapshot, "prod") == set(nodes)
    assert api.params("DescribeInstances")[0]["Filters"][0]["Name"] == "tag-key"
    # The sweep's one DescribeInstances, then the named read's five.
    assert api.count("DescribeInstances") == 1 + 5
    assert by_sweep == named


def test_a_managed_node_whose_eks_tags_were_removed_is_still_found(account: Account, api: ApiCalls) -> None:
    nodes, asg = managed_cluster(account, "prod", 3)
    _, other_asg = managed_cluster(account, "other", 2)
    untagged = nodes[0]
    account.ec2.delete_tags(
        Resources=[untagged], Tags=[{"Key": k} for k in (*EKS_SET_TAGS, "kubernetes.io/cluster/prod")]
    )
    api.clear()

    snapshot, by_sweep, named = sweep_and_named(account, "prod")

    assert found_nodes(snapshot, "prod") == set(nodes)
    sweep_reads = api.params("DescribeInstances")[:2]
    # The tag keys, then prod's node group alone: other's two nodes were both found by tag.
    assert [p["Filters"][0] for p in sweep_reads] == [
        sweep_reads[0]["Filters"][0],
        {"Name": "tag:aws:autoscaling:groupName", "Values": [asg]},
    ]
    assert other_asg not in sweep_reads[1]["Filters"][0]["Values"]
    assert by_sweep == named


def test_more_nodes_than_the_node_group_reports_reads_its_auto_scaling_group(account: Account, api: ApiCalls) -> None:
    """A scale-up EKS has not reflected yet: desiredSize still 3, two new nodes with EKS's tags, and
    an old one whose tags were removed."""
    nodes, asg = managed_cluster(account, "prod", 3)
    account.ec2.delete_tags(
        Resources=[nodes[0]], Tags=[{"Key": k} for k in (*EKS_SET_TAGS, "kubernetes.io/cluster/prod")]
    )
    sg = account.security_group("extra", "extra")
    tags = {"eks:cluster-name": "prod", "eks:nodegroup-name": "ng", "kubernetes.io/cluster/prod": "owned"}
    extra = account.instances(2, [sg], tags | {"aws:autoscaling:groupName": asg})
    api.clear()

    snapshot, by_sweep, named = sweep_and_named(account, "prod")

    assert found_nodes(snapshot, "prod") == {*nodes, *extra}
    by_group = api.params("DescribeInstances")[1]["Filters"][0]
    assert by_group == {"Name": "tag:aws:autoscaling:groupName", "Values": [asg]}
    assert by_sweep == named


def test_the_region_is_read_once_more_only_for_unaccounted_groups(account: Account, api: ApiCalls) -> None:
    """A sweep over three accounted-for node groups and one scaled to zero: one read."""
    for name in ("a", "b", "c"):
        managed_cluster(account, name, 2)
    account.managed_nodegroup("a", "idle", desired_size=0)
    api.clear()

    snapshot = account.discovery().snapshot()

    assert set(snapshot.topologies) == {"a", "b", "c"}
    assert api.count("DescribeInstances") == 1


def test_stated_limit_an_untagged_node_beyond_the_desired_size_waits_for_the_group_to_settle(
    account: Account, api: ApiCalls
) -> None:
    """README (worker nodes): while a group runs more instances than its desiredSize and the tagged
    ones alone match it, a node whose EKS-set tags were removed is not read; once the size settles
    (desiredSize counts it), the next sweep reads it."""
    nodes, asg = managed_cluster(account, "prod", 3)
    untagged = account.instances(1, [account.security_group("old", "old")], {"aws:autoscaling:groupName": asg})
    api.clear()

    assert found_nodes(account.discovery().snapshot(), "prod") == set(nodes)
    assert api.count("DescribeInstances") == 1

    account.eks.update_nodegroup_config(clusterName="prod", nodegroupName="ng", scalingConfig={"desiredSize": 4})
    assert found_nodes(account.discovery().snapshot(), "prod") == {*nodes, *untagged}
