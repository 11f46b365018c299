"""The 2026 set's reads (issue 19) on responses shaped like AWS's, served by botocore's Stubber.

moto has no eks:ListInsights, cannot create `branch` interfaces with the shape AWS returns (no
Attachment, the trunk named by a tag) and ignores DescribeCluster's remoteNetworkConfig and health:
so these responses are written here and Stubber validates each against the botocore service model
(eks 2017-11-01, ec2 2016-11-15). Sources, in our words:
- ListInsights: the botocore EKS model's ListInsights output (insights[] with id, name, category,
  kubernetesVersion, lastRefreshTime, lastTransitionTime, description, insightStatus {status,
  reason}); the EKS user guide's "View cluster insights" shows UPGRADE_READINESS ones the same way.
  No hybrid-node insight names are published: the name below is a placeholder.
- Trunk and branch interfaces: a 2023 walk-through of security groups for pods (cluster "ironman"):
  the trunk (aws-k8s-trunk-eni, InterfaceType trunk, attached to the node at device index 2) and a
  branch (aws-k8s-branch-eni, InterfaceType branch, no Attachment, tags vlan-id, trunk-eni-id,
  eks:eni:owner and the cluster tag).
- DescribeCluster's remoteNetworkConfig, health.issues and controlPlaneEgressMode: the botocore EKS
  model (RemoteNetworkConfigResponse, ClusterHealth/ClusterIssue, VpcConfigResponse).
"""

from __future__ import annotations

import datetime
import ipaddress
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from eks_sg_rule.aws.calls import DiscoveryError
from eks_sg_rule.aws.reads import branch_interfaces, insights
from eks_sg_rule.aws.shapes import cluster_from_api, node_from_instance
from eks_sg_rule.discovery import with_branches, with_insights
from eks_sg_rule.model import BRANCH, Cluster, Insight, Node, NodeGroup, NodeGroupKind, Topology
from eks_sg_rule.requirements import RequirementSet

WHEN = datetime.datetime(2026, 11, 30, tzinfo=datetime.UTC)
VPC = "vpc-0a1b2c3d4e5f60718"
NODE = "i-0001a2b3c4d5e6f70"
TRUNK = "eni-03e61f90252a662d1"
BRANCH_ENI = "eni-0b1b2b3b4b5b6b7b8"
POD_SG = "sg-01d9d9d9d9d9d9d9d"


def client(service: str) -> Any:
    return boto3.client(service, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")


@pytest.fixture
def eks() -> Iterator[tuple[Any, Stubber]]:
    eks = client("eks")
    with Stubber(eks) as stubber:
        yield eks, stubber


@pytest.fixture
def ec2() -> Iterator[tuple[Any, Stubber]]:
    ec2 = client("ec2")
    with Stubber(ec2) as stubber:
        yield ec2, stubber


def insight(name: str, status: str, reason: str) -> dict[str, Any]:
    return {
        "id": "a1b2c3d4-0000-1111-2222-333344445555",
        "name": name,
        "category": "MISCONFIGURATION",
        "kubernetesVersion": "1.33",
        "lastRefreshTime": WHEN,
        "lastTransitionTime": WHEN,
        "description": "Checks the hybrid nodes setup.",
        "insightStatus": {"status": status, "reason": reason},
    }


def test_list_insights_filters_misconfiguration_and_pages(eks: tuple[Any, Stubber]) -> None:
    client_, stubber = eks
    query = {"categories": ["MISCONFIGURATION"]}
    first = insight("Hybrid nodes remote network", "WARNING", "Remote pod network not routable.")
    stubber.add_response(
        "list_insights", {"insights": [first], "nextToken": "t1"}, {"clusterName": "hy", "filter": query}
    )
    stubber.add_response(
        "list_insights",
        {"insights": [insight("x", "PASSING", "ok")]},
        {"clusterName": "hy", "filter": query, "nextToken": "t1"},
    )
    found = insights(client_, "hy")
    why = "Remote pod network not routable."
    assert found == (
        Insight(first["id"], "Hybrid nodes remote network", "MISCONFIGURATION", "WARNING", why),
        Insight(first["id"], "x", "MISCONFIGURATION", "PASSING", "ok"),
    )
    stubber.assert_no_pending_responses()


def test_list_insights_gone_and_denied(eks: tuple[Any, Stubber]) -> None:
    client_, stubber = eks
    stubber.add_client_error("list_insights", "ResourceNotFoundException", "No cluster found for name: hy.")
    assert insights(client_, "hy") is None
    stubber.add_client_error("list_insights", "AccessDeniedException", "not authorized to perform: eks:ListInsights")
    with pytest.raises(DiscoveryError, match="ListInsights"):
        insights(client_, "hy")


def test_branch_interfaces_follow_the_trunk_tag_to_the_node(ec2: tuple[Any, Stubber]) -> None:
    client_, stubber = ec2
    trunk = {
        "NetworkInterfaceId": TRUNK,
        "Description": "aws-k8s-trunk-eni",
        "InterfaceType": "trunk",
        "Status": "in-use",
        "VpcId": VPC,
        "Attachment": {"InstanceId": NODE, "DeviceIndex": 2, "NetworkCardIndex": 0, "Status": "attached"},
        "Groups": [{"GroupId": "sg-0c1c1c1c1c1c1c1c1", "GroupName": "eks-cluster-sg-ironman"}],
        "PrivateIpAddress": "192.168.10.5",
    }
    branch = {
        "NetworkInterfaceId": BRANCH_ENI,
        "Description": "aws-k8s-branch-eni",
        "InterfaceType": "branch",
        "Status": "in-use",
        "VpcId": VPC,
        "SubnetId": "subnet-0a1b2c3d4e5f60718",
        "Groups": [{"GroupId": POD_SG, "GroupName": "default"}],
        "PrivateIpAddress": "192.168.29.178",
        "PrivateIpAddresses": [{"Primary": True, "PrivateIpAddress": "192.168.29.178"}],
        "RequesterId": "895095153028",
        "RequesterManaged": False,
        "TagSet": [
            {"Key": "vpcresources.k8s.aws/vlan-id", "Value": "1"},
            {"Key": "vpcresources.k8s.aws/trunk-eni-id", "Value": TRUNK},
            {"Key": "eks:eni:owner", "Value": "eks-vpc-resource-controller"},
            {"Key": "kubernetes.io/cluster/ironman", "Value": "owned"},
        ],
    }
    orphan = {**branch, "NetworkInterfaceId": "eni-0orphan000000000", "TagSet": []}
    filters = [{"Name": "vpc-id", "Values": [VPC]}, {"Name": "interface-type", "Values": ["branch", "trunk"]}]
    stubber.add_response(
        "describe_network_interfaces", {"NetworkInterfaces": [branch, trunk, orphan]}, {"Filters": filters}
    )
    found = branch_interfaces(client_, VPC)
    [interface] = found[NODE]
    assert list(found) == [NODE]
    assert interface.kind == BRANCH
    assert interface.security_group_ids == {POD_SG}
    assert interface.networks == (ipaddress.ip_network("192.168.29.178/32"),)


def test_describe_cluster_hybrid_health_and_egress_mode(eks: tuple[Any, Stubber]) -> None:
    client_, stubber = eks
    cluster = {
        "name": "hy",
        "arn": "arn:aws:eks:us-east-1:111122223333:cluster/hy",
        "status": "ACTIVE",
        "resourcesVpcConfig": {
            "vpcId": VPC,
            "clusterSecurityGroupId": "sg-0c1c1c1c1c1c1c1c1",
            "securityGroupIds": ["sg-0hyb00000000000000"],
            "controlPlaneEgressMode": "CUSTOMER_ROUTED",
        },
        "remoteNetworkConfig": {
            "remoteNodeNetworks": [{"cidrs": ["10.80.0.0/16"]}],
            "remotePodNetworks": [{"cidrs": ["10.85.0.0/16"]}],
        },
        "health": {
            "issues": [
                {
                    "code": "Ec2SecurityGroupNotFound",
                    "message": "The cluster security group was not found.",
                    "resourceIds": ["sg-0c1c1c1c1c1c1c1c1"],
                }
            ]
        },
    }
    stubber.add_response("describe_cluster", {"cluster": cluster}, {"name": "hy"})
    parsed = cluster_from_api(client_.describe_cluster(name="hy")["cluster"])
    assert parsed.remote_node_networks == (ipaddress.ip_network("10.80.0.0/16"),)
    assert parsed.remote_pod_networks == (ipaddress.ip_network("10.85.0.0/16"),)
    assert parsed.control_plane_egress_mode == "CUSTOMER_ROUTED"
    assert [i.code for i in parsed.health_issues] == ["Ec2SecurityGroupNotFound"]
    assert parsed.health_issues[0].resource_ids == ("sg-0c1c1c1c1c1c1c1c1",)
    # Hybrid config removed: EKS may answer with empty lists.
    empty = cluster_from_api({"name": "x", "remoteNetworkConfig": {"remoteNodeNetworks": [], "remotePodNetworks": []}})
    assert empty.remote_node_networks == () and empty.health_issues == () and empty.control_plane_egress_mode is None


def test_efa_interface_marks_the_node() -> None:
    instance = {
        "InstanceId": NODE,
        "Tags": [{"Key": "eks:cluster-name", "Value": "c1"}],
        "NetworkInterfaces": [
            {
                "NetworkInterfaceId": "eni-0prim",
                "InterfaceType": "efa",
                "Attachment": {"DeviceIndex": 0, "NetworkCardIndex": 0},
                "Groups": [{"GroupId": "sg-1"}],
                "PrivateIpAddresses": [{"Primary": True, "PrivateIpAddress": "10.0.0.5"}],
            }
        ],
    }
    running = node_from_instance(instance)
    assert running is not None and running.node.efa
    interface = {**instance["NetworkInterfaces"][0], "InterfaceType": "interface"}
    plain = node_from_instance({**instance, "NetworkInterfaces": [interface]})
    assert plain is not None and not plain.node.efa


def test_with_insights_reads_only_for_hybrid_clusters_under_2026(eks: tuple[Any, Stubber]) -> None:
    client_, stubber = eks
    hybrid = Cluster("hy", remote_node_networks=(ipaddress.ip_network("10.80.0.0/16"),))
    # No response queued: any call here would fail the Stubber.
    assert with_insights(client_, hybrid, RequirementSet.Y2020) is hybrid
    assert with_insights(client_, Cluster("plain"), RequirementSet.Y2026).insights is None
    query = {"categories": ["MISCONFIGURATION"]}
    stubber.add_response("list_insights", {"insights": []}, {"clusterName": "hy", "filter": query})
    assert with_insights(client_, hybrid, RequirementSet.Y2026).insights == ()


def test_with_branches_reads_once_per_vpc(ec2: tuple[Any, Stubber]) -> None:
    client_, stubber = ec2
    node = Node(NODE, frozenset({"sg-1"}))
    group = NodeGroup("ng", NodeGroupKind.MANAGED, (node,))
    first = Topology(Cluster("a", vpc_id=VPC), (group,), {})
    second = Topology(Cluster("b", vpc_id=VPC), (), {})
    cache: dict[str, Any] = {}
    assert with_branches(client_, Topology(Cluster("novpc"), (), {}), cache, RequirementSet.Y2026).node_groups == ()
    assert with_branches(client_, first, cache, RequirementSet.Y2020) is first
    filters = [{"Name": "vpc-id", "Values": [VPC]}, {"Name": "interface-type", "Values": ["branch", "trunk"]}]
    stubber.add_response("describe_network_interfaces", {"NetworkInterfaces": []}, {"Filters": filters})
    assert with_branches(client_, first, cache, RequirementSet.Y2026) is first  # no branch: unchanged
    assert with_branches(client_, second, cache, RequirementSet.Y2026) is second  # cached: no second call
    stubber.assert_no_pending_responses()
