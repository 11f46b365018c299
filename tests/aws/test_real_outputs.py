"""Membership, carriers and foreign carriers judged on responses shaped like published real AWS outputs.

moto agrees with whatever the code assumes, so these tests do not use it: each response is written
here after a DescribeNetworkInterfaces / DescribeInstances output someone published, and served by
botocore's Stubber, which validates it against the EC2 service model. Account ids, ids and names are
placeholders (111122223333 is the customer account; 999988887777 stands for an AWS-owned one).

Sources, in our words:
- Control-plane interface: an EKS networking workshop file (2019, a cluster named networkshop-eksctl)
  shows one in use, described "Amazon EKS <cluster>", InterfaceType interface, RequesterId a role
  session named AmazonEKS, RequesterManaged false, an Attachment (device index 1) whose
  InstanceOwnerId is another account and which has no InstanceId, and two SGs (the eksctl
  control-plane SG and the cluster SG). The liwenwu-amazon/reinvent2018-NET410 README and
  aws-quickstart/quickstart-amazon-eks issue #201 show the same description and cross-account owner.
- Trunk and branch interfaces: a 2023 walk-through of security groups for pods (cluster "ironman")
  shows the trunk (aws-k8s-trunk-eni, InterfaceType trunk, attached to the node at device index 2 on
  network card 0) and a branch (aws-k8s-branch-eni, InterfaceType branch, no Attachment, in use,
  RequesterId an AWS account, tags vlan-id, trunk-eni-id, eks:eni:owner and the cluster tag).
- VPC endpoint: a published "which interfaces use this security group" runbook sample shows an
  in-use vpc_endpoint interface attached to an amazon-aws owned instance, RequesterManaged true.
- Load balancer, RDS, Lambda: aws/aws-cdk issue #12130 (interfaces described "ELB app/…" and
  "RDSNetworkInterface" holding SGs); aws-quickstart/quickstart-amazon-eks issue #201 (Lambda's
  "AWS Lambda VPC ENI-…" interfaces, InstanceOwnerId amazon-aws); the botocore EC2 model's
  NetworkInterfaceType enum (lambda, vpc_endpoint, branch, trunk, efa, efa-only, …).
- Leaked VPC CNI interfaces: eksctl-io/eksctl issues #3726 and #1849, pulumi/pulumi-eks issue #194:
  `available` interfaces described aws-K8S-i-… left after the node is gone.
- Managed node tags: a published `aws ec2 describe-tags` of a managed node (cluster "evergreen"):
  aws:autoscaling:groupName eks-<nodegroup>-<uuid>, aws:ec2launchtemplate:id/version,
  aws:eks:cluster-name, eks:cluster-name, eks:nodegroup-name, k8s.io/cluster-autoscaler/*,
  kubernetes.io/cluster/<name>=owned.
- Auto Mode node: the Amazon EC2 user guide's "managed instances" page shows DescribeInstances
  reporting Operator {"Managed": true, "Principal": "eks.amazonaws.com"}; the AmazonEKSComputePolicy
  managed policy lets Auto Mode launch only with the request tags eks:eks-cluster-name,
  eks:kubernetes-node-class-name, eks:kubernetes-node-pool-name and kubernetes.io/cluster/*.
- EFA on other network cards: the EC2 user guide's EFA pages (an efa interface per network card,
  each with its own primary address); the VPC CNI's own interfaces carry secondary addresses or
  prefixes and the aws-K8S- description.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from eks_sg_rule.assembly import ClusterReads
from eks_sg_rule.aws.reads import interface_carriers
from eks_sg_rule.aws.shapes import node_from_instance
from eks_sg_rule.model import Carrier, Cluster, Membership, Node, NodeGroup, NodeGroupKind, SecurityGroup, Topology
from eks_sg_rule.plan import Planner, foreign_carriers
from eks_sg_rule.settings import Scope

ACCOUNT = "111122223333"
AWS_ACCOUNT = "999988887777"
VPC = "vpc-0a1b2c3d4e5f60718"
SUBNET = "subnet-0a1b2c3d4e5f60718"
# The cluster IAM role's RoleId (iam:GetRole): EKS made the control-plane interface in its AmazonEKS session.
CLUSTER_ROLE_ID = "AROAEXAMPLEROLEID0001"
CLUSTER = "prod"
CLUSTER_SG = "sg-0c1c1c1c1c1c1c1c1"
CONTROL_PLANE_SG = "sg-0c2c2c2c2c2c2c2c2"
NODE = "i-0a0a0a0a0a0a0a0a0"
AUTO_NODE = "i-0b0b0b0b0b0b0b0b0"
WHEN = datetime.datetime(2024, 5, 1, tzinfo=datetime.UTC)


@pytest.fixture
def ec2() -> Iterator[tuple[Any, Stubber]]:
    client = boto3.client("ec2", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
    with Stubber(client) as stubber:
        yield client, stubber


def group(sg_id: str, name: str) -> dict[str, str]:
    return {"GroupId": sg_id, "GroupName": name}


def address(ip: str, primary: bool = True) -> dict[str, Any]:
    return {"Primary": primary, "PrivateIpAddress": ip, "PrivateDnsName": f"ip-{ip.replace('.', '-')}.ec2.internal"}


def interface(eni: str, groups: list[dict[str, str]], **fields: Any) -> dict[str, Any]:
    """A DescribeNetworkInterfaces item with the fields every real one has; `fields` override."""
    item: dict[str, Any] = {
        "AvailabilityZone": "us-east-1a",
        "Description": "",
        "Groups": groups,
        "InterfaceType": "interface",
        "Ipv6Addresses": [],
        "MacAddress": "0a:00:00:00:00:01",
        "NetworkInterfaceId": eni,
        "OwnerId": ACCOUNT,
        "PrivateIpAddress": "10.0.1.10",
        "PrivateIpAddresses": [address("10.0.1.10")],
        "RequesterManaged": False,
        "SourceDestCheck": True,
        "Status": "in-use",
        "SubnetId": SUBNET,
        "TagSet": [],
        "VpcId": VPC,
    }
    item.update(fields)
    return item


def attachment(device: int, instance: str | None = None, owner: str = ACCOUNT, card: int = 0) -> dict[str, Any]:
    found: dict[str, Any] = {
        "AttachTime": WHEN,
        "AttachmentId": f"eni-attach-0{device}{card}0000000000000",
        "DeleteOnTermination": True,
        "DeviceIndex": device,
        "NetworkCardIndex": card,
        "InstanceOwnerId": owner,
        "Status": "attached",
    }
    if instance:
        found["InstanceId"] = instance
    return found


# --- the published interface shapes ---------------------------------------------------------------

CONTROL_PLANE = interface(
    "eni-0c0c0c0c0c0c0c0c0",
    [
        group(CONTROL_PLANE_SG, "eksctl-prod-cluster-ControlPlaneSecurityGroup-1ABC"),
        group(CLUSTER_SG, "eks-cluster-sg-prod-1"),
    ],
    Description=f"Amazon EKS {CLUSTER}",
    RequesterId=f"{CLUSTER_ROLE_ID}:AmazonEKS",
    Attachment=attachment(1, owner=AWS_ACCOUNT),
)
TRUNK = interface(
    "eni-0d0d0d0d0d0d0d0d0",
    [group(CLUSTER_SG, "eks-cluster-sg-prod-1")],
    Description="aws-k8s-trunk-eni",
    InterfaceType="trunk",
    RequesterId=AWS_ACCOUNT,
    Attachment=attachment(2, NODE),
    TagSet=[
        {"Key": "eks:eni:owner", "Value": "eks-vpc-resource-controller"},
        {"Key": f"kubernetes.io/cluster/{CLUSTER}", "Value": "owned"},
    ],
)
BRANCH = interface(
    "eni-0e0e0e0e0e0e0e0e0",
    [group(CLUSTER_SG, "eks-cluster-sg-prod-1")],
    Description="aws-k8s-branch-eni",
    InterfaceType="branch",
    RequesterId=AWS_ACCOUNT,
    TagSet=[
        {"Key": "vpcresources.k8s.aws/vlan-id", "Value": "1"},
        {"Key": "vpcresources.k8s.aws/trunk-eni-id", "Value": "eni-0d0d0d0d0d0d0d0d0"},
        {"Key": "eks:eni:owner", "Value": "eks-vpc-resource-controller"},
        {"Key": f"kubernetes.io/cluster/{CLUSTER}", "Value": "owned"},
    ],
)
VPC_ENDPOINT = interface(
    "eni-0f0f0f0f0f0f0f0f1",
    [group(CLUSTER_SG, "eks-cluster-sg-prod-1")],
    Description="VPC Endpoint Interface vpce-0123456789abcdef0",
    InterfaceType="vpc_endpoint",
    RequesterId="AROAEXAMPLEVPCE00001",
    RequesterManaged=True,
    Attachment=attachment(1, owner="amazon-aws"),
)
LOAD_BALANCER = interface(
    "eni-0f0f0f0f0f0f0f0f2",
    [group(CLUSTER_SG, "eks-cluster-sg-prod-1")],
    Description="ELB app/k8s-web-1a2b3c/0123456789abcdef",
    RequesterId="amazon-elb",
    RequesterManaged=True,
    Attachment=attachment(1, owner="amazon-elb"),
)
LAMBDA = interface(
    "eni-0f0f0f0f0f0f0f0f3",
    [group(CLUSTER_SG, "eks-cluster-sg-prod-1")],
    Description="AWS Lambda VPC ENI-kube-manifest-0123abcd",
    InterfaceType="lambda",
    RequesterId="AROAEXAMPLELAMBDA0001:0123abcd",
    RequesterManaged=True,
    Attachment=attachment(1, owner="amazon-aws"),
)
DATABASE = interface(
    "eni-0f0f0f0f0f0f0f0f4",
    [group(CLUSTER_SG, "eks-cluster-sg-prod-1")],
    Description="RDSNetworkInterface",
    RequesterId="AROAEXAMPLERDS000001",
    RequesterManaged=True,
    Attachment=attachment(1, owner="amazon-rds"),
)
LEAKED_CNI = interface(
    "eni-0f0f0f0f0f0f0f0f5",
    [group(CLUSTER_SG, "eks-cluster-sg-prod-1")],
    Description="aws-K8S-i-0deaddeaddeaddead",
    Status="available",
    TagSet=[
        {"Key": "node.k8s.amazonaws.com/instance_id", "Value": "i-0deaddeaddeaddead"},
        {"Key": "eks:eni:owner", "Value": "amazon-vpc-cni"},
    ],
)
NODE_PRIMARY = interface(
    "eni-0a1a1a1a1a1a1a1a1", [group(CLUSTER_SG, "eks-cluster-sg-prod-1")], Attachment=attachment(0, NODE)
)


def carriers_of(ec2: tuple[Any, Stubber], *items: dict[str, Any]) -> dict[str, list[Carrier]]:
    """interface_carriers on one stubbed DescribeNetworkInterfaces page holding `items`."""
    client, stubber = ec2
    stubber.add_response("describe_network_interfaces", {"NetworkInterfaces": list(items)})
    found = interface_carriers(client, [CLUSTER_SG, CONTROL_PLANE_SG])
    stubber.assert_no_pending_responses()
    return found


def topology(membership: Membership = Membership.AWS) -> Topology:
    """Cluster `prod`: the cluster SG and an eksctl control-plane SG; one managed node on the cluster SG."""
    cluster = Cluster(CLUSTER, vpc_id=VPC, cluster_sg_id=CLUSTER_SG, additional_sg_ids=(CONTROL_PLANE_SG,))
    node = Node(NODE, frozenset({CLUSTER_SG}), membership=membership)
    groups = {
        sg: SecurityGroup(sg, name=name)
        for sg, name in ((CLUSTER_SG, "eks-cluster-sg-prod-1"), (CONTROL_PLANE_SG, "cp"))
    }
    return Topology(cluster, (NodeGroup("ng-general", NodeGroupKind.MANAGED, (node,)),), security_groups=groups)


def test_control_plane_interface_is_the_clusters_own(ec2: tuple[Any, Stubber]) -> None:
    found = carriers_of(ec2, CONTROL_PLANE, NODE_PRIMARY)

    [control_plane] = found[CONTROL_PLANE_SG]
    assert (control_plane.instance_id, control_plane.in_use, control_plane.control_plane) == (None, True, CLUSTER)
    assert control_plane.requester_id == "AROAEXAMPLEROLEID0001:AmazonEKS"
    assert {c.interface_id for c in found[CLUSTER_SG]} == {
        CONTROL_PLANE["NetworkInterfaceId"],
        NODE_PRIMARY["NetworkInterfaceId"],
    }
    assert foreign_carriers(topology(), found, {CLUSTER_ROLE_ID}) == {}


def test_a_control_plane_description_on_an_interface_eks_did_not_create_is_foreign(ec2: tuple[Any, Stubber]) -> None:
    # The same interface as a user could describe it: no AmazonEKS role session created it.
    forged = dict(CONTROL_PLANE, RequesterId="AIDAEXAMPLEUSER000001")
    foreign = foreign_carriers(topology(), carriers_of(ec2, forged), {CLUSTER_ROLE_ID})
    assert "described as an EKS control-plane interface" in foreign[CLUSTER_SG]


def test_trunk_on_a_node_is_own_and_a_branch_rests_on_tags(ec2: tuple[Any, Stubber]) -> None:
    found = carriers_of(ec2, TRUNK, BRANCH)

    trunk = next(c for c in found[CLUSTER_SG] if c.interface_type == "trunk")
    branch = next(c for c in found[CLUSTER_SG] if c.interface_type == "branch")
    assert (trunk.instance_id, branch.instance_id, branch.in_use) == (NODE, None, True)
    assert branch.tags["eks:eni:owner"] == "eks-vpc-resource-controller"
    foreign = foreign_carriers(topology(), found, {CLUSTER_ROLE_ID})
    assert foreign == {
        CLUSTER_SG: f"{CLUSTER_SG} is also on network interface {BRANCH['NetworkInterfaceId']} "
        "(branch interface of a pod (security groups for pods)), outside cluster prod"
    }
    # Its cluster tag is user-set evidence: accepted only as tag-only nodes are.
    assert foreign_carriers(topology(), found, {CLUSTER_ROLE_ID}, trust_node_tags=True) == {}
    other = dict(BRANCH, TagSet=[{"Key": "kubernetes.io/cluster/other", "Value": "owned"}])
    assert CLUSTER_SG in foreign_carriers(topology(), carriers_of(ec2, other), {CLUSTER_ROLE_ID}, trust_node_tags=True)


@pytest.mark.parametrize(
    ("item", "said"),
    [
        (VPC_ENDPOINT, "VPC endpoint interface, VPC Endpoint Interface vpce-0123456789abcdef0"),
        (LOAD_BALANCER, "load balancer interface, ELB app/k8s-web-1a2b3c/0123456789abcdef"),
        (LAMBDA, "Lambda interface, AWS Lambda VPC ENI-kube-manifest-0123abcd"),
        (DATABASE, "RDS database interface"),
    ],
)
def test_service_interfaces_carrying_the_cluster_sg_are_foreign_and_named(
    ec2: tuple[Any, Stubber], item: dict[str, Any], said: str
) -> None:
    found = carriers_of(ec2, CONTROL_PLANE, NODE_PRIMARY, item)

    carrier = next(c for c in found[CLUSTER_SG] if c.interface_id == item["NetworkInterfaceId"])
    assert (carrier.instance_id, carrier.in_use) == (None, True)  # the shape once taken for Fargate
    foreign = foreign_carriers(topology(), found, {CLUSTER_ROLE_ID}, trust_node_tags=True)
    where = f"{item['NetworkInterfaceId']} ({said})"
    assert foreign == {CLUSTER_SG: f"{CLUSTER_SG} is also on network interface {where}, outside cluster prod"}
    # The repair that would name the cluster SG stays manual, with that reason.
    planner = Planner(topology(), Scope(trust_node_tags=True), foreign=foreign)
    assert planner._refusal(CLUSTER_SG, target=False) == foreign[CLUSTER_SG]


def test_a_leaked_vpc_cni_interface_says_delete_it(ec2: tuple[Any, Stubber]) -> None:
    found = carriers_of(ec2, CONTROL_PLANE, NODE_PRIMARY, LEAKED_CNI)

    leaked = next(c for c in found[CLUSTER_SG] if not c.in_use)
    assert leaked.tags["node.k8s.amazonaws.com/instance_id"] == "i-0deaddeaddeaddead"
    assert foreign_carriers(topology(), found, {CLUSTER_ROLE_ID}) == {
        CLUSTER_SG: f"{CLUSTER_SG} is on leaked VPC CNI interface {LEAKED_CNI['NetworkInterfaceId']}: delete it"
    }
    # Its node still running: detached, not leaked; still outside until it is attached again.
    running = dict(LEAKED_CNI, Description=f"aws-K8S-{NODE}", TagSet=[])
    reason = foreign_carriers(topology(), carriers_of(ec2, running), {CLUSTER_ROLE_ID})[CLUSTER_SG]
    assert "leaked" not in reason and "VPC CNI interface, unattached" in reason


def test_an_instance_less_interface_nothing_proves_is_the_clusters_is_foreign(ec2: tuple[Any, Stubber]) -> None:
    """In use, attached to an AWS-owned instance, no description, no tag: a Fargate pod has this shape
    as much as any other service's interface (no published Fargate output shows more to go on)."""
    unknown = interface(
        "eni-0f0f0f0f0f0f0f0f6",
        [group(CLUSTER_SG, "eks-cluster-sg-prod-1")],
        RequesterId=AWS_ACCOUNT,
        Attachment=attachment(0, owner=AWS_ACCOUNT),
    )
    foreign = foreign_carriers(topology(), carriers_of(ec2, unknown), {CLUSTER_ROLE_ID}, trust_node_tags=True)
    assert foreign[CLUSTER_SG].endswith(f"(interface of an AWS service, requester {AWS_ACCOUNT}), outside cluster prod")


# --- nodes: DescribeInstances ---------------------------------------------------------------------


def instance(instance_id: str, tags: dict[str, str], interfaces: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "InstanceId": instance_id,
        "ImageId": "ami-0123456789abcdef0",
        "InstanceType": "m5.large",
        "LaunchTime": WHEN,
        "PrivateIpAddress": interfaces[0]["PrivateIpAddress"],
        "State": {"Code": 16, "Name": "running"},
        "SubnetId": SUBNET,
        "VpcId": VPC,
        "SecurityGroups": interfaces[0]["Groups"],
        "NetworkInterfaces": interfaces,
        "Tags": [{"Key": k, "Value": v} for k, v in tags.items()],
    }
    item.update(fields)
    return item


def node_interface(eni: str, device: int, ips: list[str], card: int = 0, **fields: Any) -> dict[str, Any]:
    """A DescribeInstances NetworkInterfaces[] item (no tags, no requester: that shape has none)."""
    item: dict[str, Any] = {
        "Attachment": {
            "AttachTime": WHEN,
            "AttachmentId": f"eni-attach-0{device}{card}1111111111111",
            "DeleteOnTermination": True,
            "DeviceIndex": device,
            "NetworkCardIndex": card,
            "Status": "attached",
        },
        "Description": "",
        "Groups": [group(CLUSTER_SG, "eks-cluster-sg-prod-1")],
        "InterfaceType": "interface",
        "NetworkInterfaceId": eni,
        "OwnerId": ACCOUNT,
        "PrivateIpAddress": ips[0],
        "PrivateIpAddresses": [address(ip, primary=index == 0) for index, ip in enumerate(ips)],
        "Status": "in-use",
        "SubnetId": SUBNET,
        "VpcId": VPC,
    }
    item.update(fields)
    return item


def described(ec2: tuple[Any, Stubber], *instances: dict[str, Any]) -> list[dict[str, Any]]:
    """The instances as botocore parses a stubbed (model-validated) DescribeInstances answer."""
    client, stubber = ec2
    stubber.add_response(
        "describe_instances",
        {"Reservations": [{"ReservationId": "r-0123456789abcdef0", "OwnerId": ACCOUNT, "Instances": list(instances)}]},
    )
    return [i for r in client.describe_instances()["Reservations"] for i in r["Instances"]]


MANAGED_GROUP = "eks-ng-general-0a1b2c3d-0000-1111-2222-333344445555"
MANAGED_TAGS = {
    "aws:autoscaling:groupName": MANAGED_GROUP,
    "aws:ec2launchtemplate:id": "lt-0123456789abcdef0",
    "aws:ec2launchtemplate:version": "3",
    "aws:eks:cluster-name": CLUSTER,
    "eks:cluster-name": CLUSTER,
    "eks:nodegroup-name": "ng-general",
    "k8s.io/cluster-autoscaler/enabled": "true",
    f"k8s.io/cluster-autoscaler/{CLUSTER}": "owned",
    f"kubernetes.io/cluster/{CLUSTER}": "owned",
}
AUTO_MODE_TAGS = {
    "eks:eks-cluster-name": CLUSTER,
    "eks:kubernetes-node-class-name": "default",
    "eks:kubernetes-node-pool-name": "general-purpose",
    f"kubernetes.io/cluster/{CLUSTER}": "owned",
}


def member(raw: dict[str, Any], managed_groups: frozenset[str] = frozenset()) -> Node | None:
    running = node_from_instance(raw)
    assert running is not None
    reads = ClusterReads(Cluster(CLUSTER, vpc_id=VPC, cluster_sg_id=CLUSTER_SG))
    return reads.member(running, managed_groups)


def test_a_managed_nodes_real_tag_set_is_aws_evidence(ec2: tuple[Any, Stubber]) -> None:
    [raw] = described(ec2, instance(NODE, MANAGED_TAGS, [node_interface("eni-0a1a1a1a1a1a1a1a1", 0, ["10.0.1.10"])]))

    node = member(raw, frozenset({MANAGED_GROUP}))
    assert node is not None and node.membership is Membership.AWS
    assert (node.security_group_ids, node.pod_interfaces) == ({CLUSTER_SG}, ())
    running = node_from_instance(raw)
    assert running is not None and (running.group_name, running.group_kind) == ("ng-general", NodeGroupKind.MANAGED)


def test_an_auto_mode_node_is_aws_evidence_by_its_operator(ec2: tuple[Any, Stubber]) -> None:
    operated = {"Operator": {"Managed": True, "Principal": "eks.amazonaws.com"}}
    primary = [node_interface("eni-0b1b1b1b1b1b1b1b1", 0, ["10.0.2.10"])]
    auto, tagged_only, two_clusters = described(
        ec2,
        instance(AUTO_NODE, AUTO_MODE_TAGS, primary, **operated),
        instance("i-0c0c0c0c0c0c0c0c0", AUTO_MODE_TAGS, primary),  # the same tags, no Operator
        instance("i-0d0d0d0d0d0d0d0d0", AUTO_MODE_TAGS | {"eks:cluster-name": "other"}, primary, **operated),
    )

    assert auto["Operator"] == {"Managed": True, "Principal": "eks.amazonaws.com"}
    node = member(auto)
    assert node is not None and node.membership is Membership.AWS
    assert (n := member(tagged_only)) is not None and n.membership is Membership.TAGS
    assert (n := member(two_clusters)) is not None and n.membership is Membership.TAGS
    # Another service's managed instance is no evidence.
    elsewhere = dict(auto, Operator={"Managed": True, "Principal": "ecs.amazonaws.com"})
    assert (n := member(elsewhere)) is not None and n.membership is Membership.TAGS


def test_efa_on_another_network_card_is_not_a_pod_interface_cni_interfaces_are(ec2: tuple[Any, Stubber]) -> None:
    efa_sg = group("sg-0e0e0e0e0e0e0e0e0", "efa-self")
    [raw] = described(
        ec2,
        instance(
            NODE,
            MANAGED_TAGS,
            [
                node_interface("eni-0a1a1a1a1a1a1a1a1", 0, ["10.0.1.10"], InterfaceType="efa"),
                # The launch template's EFA interface on network card 1: its own address only.
                node_interface("eni-0a2a2a2a2a2a2a2a2", 0, ["10.0.1.11"], card=1, InterfaceType="efa", Groups=[efa_sg]),
                # The VPC CNI's interface: described aws-K8S-<instance>, secondary addresses for pods.
                node_interface(
                    "eni-0a3a3a3a3a3a3a3a3", 1, ["10.0.1.12", "10.0.1.13", "10.0.1.14"], Description=f"aws-K8S-{NODE}"
                ),
                # Prefix delegation: a /28 per prefix, no secondary addresses.
                node_interface(
                    "eni-0a4a4a4a4a4a4a4a4", 2, ["10.0.1.15"], Ipv4Prefixes=[{"Ipv4Prefix": "10.0.1.32/28"}]
                ),
                TRUNK_ON_NODE,
            ],
        ),
    )

    node = member(raw, frozenset({MANAGED_GROUP}))
    assert node is not None
    assert [i.interface_id for i in node.pod_interfaces] == ["eni-0a3a3a3a3a3a3a3a3", "eni-0a4a4a4a4a4a4a4a4"]
    assert "sg-0e0e0e0e0e0e0e0e0" not in node.all_security_group_ids


TRUNK_ON_NODE = node_interface(
    "eni-0d0d0d0d0d0d0d0d0", 3, ["10.0.1.20"], InterfaceType="trunk", Description="aws-k8s-trunk-eni"
)


def test_a_plan_touching_a_leaked_interfaces_sg_is_manual_with_the_reason(ec2: tuple[Any, Stubber]) -> None:
    found = carriers_of(ec2, CONTROL_PLANE, NODE_PRIMARY, LEAKED_CNI)
    foreign = foreign_carriers(topology(), found, {CLUSTER_ROLE_ID})
    planner = Planner(topology(), foreign=foreign)
    assert planner._refusal(CLUSTER_SG, target=False) == (
        f"{CLUSTER_SG} is on leaked VPC CNI interface {LEAKED_CNI['NetworkInterfaceId']}: delete it"
    )
