"""A named read (one cluster, or the clusters an SG's interfaces point to) knows what it shares as the
sweep does, from the network interfaces that carry its SGs, and never trusts an interface's word."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from eks_sg_rule.discovery import ClusterUsers
from eks_sg_rule.evaluate import evaluate
from eks_sg_rule.interfaces import control_plane_cluster
from eks_sg_rule.requirements import Level
from eks_sg_rule.settings import Settings
from tests.aws.accounts import Account
from tests.conftest import REGION


@pytest.fixture
def account(aws: None) -> Account:
    return Account()


def verdicts(snapshot: Any, clusters: list[str]) -> dict[tuple[str, str], tuple[str, str]]:
    evaluations = evaluate(snapshot, Settings(level=Level.RECOMMENDED), clusters=clusters)
    return {e.key: (e.compliance_type.value, e.detail) for e in evaluations}


def test_a_control_plane_sg_another_cluster_uses_is_found_without_reading_every_cluster(account: Account) -> None:
    shared = account.sg("shared-cp")
    account.minimal_cluster("c1", account.sg("csg1"), [shared])
    account.minimal_cluster("c2", account.sg("csg2"), [shared])
    account.minimal_cluster("c3", account.sg("csg3"))
    sweep = account.discovery().snapshot()

    named = account.discovery().snapshot(clusters=["c1"])

    assert set(named.topologies) == {"c1", "c2"}  # c3 shares nothing: not read
    assert named.topologies["c1"].shared_with == sweep.topologies["c1"].shared_with == {shared: ("c2",)}
    assert verdicts(named, ["c1"]) == verdicts(sweep, ["c1"])
    assert "used by cluster c2" in verdicts(named, ["c1"])[("AWS::EKS::Cluster", "c1")][1]


def test_a_node_sg_shared_through_running_nodes_is_found(account: Account) -> None:
    node_sg = account.sg("shared-nodes")
    account.minimal_cluster("c1", account.sg("csg1"))
    account.minimal_cluster("c2", account.sg("csg2"))
    account.nodes("c1", [node_sg])
    account.nodes("c2", [node_sg])
    sweep = account.discovery().snapshot()

    named = account.discovery().snapshot(clusters=["c1"])

    assert named.topologies["c1"].shared_with == sweep.topologies["c1"].shared_with == {node_sg: ("c2",)}
    assert verdicts(named, ["c1"]) == verdicts(sweep, ["c1"])


def test_sharing_is_followed_until_no_new_cluster_appears(account: Account) -> None:
    a, b = account.sg("a"), account.sg("b")
    account.minimal_cluster("c1", account.sg("csg1"), [a])
    account.minimal_cluster("c2", account.sg("csg2"), [a, b])
    account.minimal_cluster("c3", account.sg("csg3"), [b])
    account.minimal_cluster("c4", account.sg("csg4"))
    sweep = account.discovery().snapshot()

    named = account.discovery().snapshot(clusters=["c1"])

    # c2 shares with c1, and c3 with c2: c2's verdict (part of the shared SG's) needs c3.
    assert set(named.topologies) == {"c1", "c2", "c3"}
    assert verdicts(named, ["c1"]) == verdicts(sweep, ["c1"])


def test_an_interface_describing_itself_as_another_cluster_proves_nothing(account: Account) -> None:
    cluster_sg, own = account.sg("csg1"), account.sg("own-cp")
    account.minimal_cluster("c1", cluster_sg, [own])
    account.minimal_cluster("c2", account.sg("csg2"))
    ec2 = boto3.client("ec2", region_name=REGION)
    # Anyone allowed ec2:CreateNetworkInterface can write this description on c1's SGs.
    ec2.create_network_interface(SubnetId=account.subnet, Groups=[own], Description="Amazon EKS c2")

    named = account.discovery().snapshot(clusters=["c1"])

    assert named.topologies["c1"].shared_with == {}
    [cluster] = [
        e for e in evaluate(named, Settings(level=Level.RECOMMENDED), clusters=["c1"]) if e.resource_id == "c1"
    ]
    assert {c.check_id: c.status.value for c in cluster.checks}["DEDICATED_CP_SG"] == "COMPLIANT"


def test_an_unrelated_sg_costs_one_call_and_names_no_cluster(account: Account) -> None:
    account.minimal_cluster("c1", account.sg("csg1"))
    web = account.sg("web")
    ec2 = boto3.client("ec2", region_name=REGION)
    calls: list[str] = []
    ec2.meta.events.register("provide-client-params", lambda model, **_: calls.append(model.name))
    discovery = account.discovery()
    discovery.ec2 = ec2

    users = discovery.clusters_using([web])

    assert users.clusters_for([web]) == set()
    assert calls == ["DescribeNetworkInterfaces"]


@pytest.mark.parametrize(
    ("interface", "cluster"),
    [
        ({"Description": "Amazon EKS prod"}, "prod"),
        ({"Description": "Amazon EKS prod-eu_1"}, "prod-eu_1"),
        ({"Description": "Amazon EKS prod", "Attachment": {"InstanceId": "i-1"}}, None),
        ({"Description": "Amazon EKS "}, None),
        ({"Description": "Amazon EKS prod managed"}, None),
        ({"Description": "aws-K8S-i-0123"}, None),
        ({"Description": "ELB app/web/123"}, None),
        ({}, None),
    ],
)
def test_control_plane_interfaces_are_known_by_their_description(interface: dict[str, Any], cluster: str) -> None:
    assert control_plane_cluster(interface) == cluster


def test_cluster_users_join_control_planes_and_tagged_instances() -> None:
    users = ClusterUsers(
        control_planes={"sg-1": {"c1"}},
        instances={"sg-1": {"i-1", "i-2"}, "sg-2": {"i-3"}},
        instance_clusters={"i-1": frozenset({"c2"}), "i-2": frozenset(), "i-3": frozenset({"c3"})},
    )

    assert users.clusters_for(["sg-1"]) == {"c1", "c2"}
    assert users.clusters_for(["sg-2", "sg-9"]) == {"c3"}
