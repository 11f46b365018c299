"""What a network interface is, from the fields EC2 reports for it: pure, no AWS calls.

Two questions, each answered from evidence in the interface's own record, never from its shape
alone ("in use, attached to no instance" fits a load balancer, a database, a VPC endpoint, a Lambda
function, a pod's branch interface and the EKS control plane alike):

- `pod_interface`: does a node's secondary interface (DescribeInstances `NetworkInterfaces[]`)
  carry pod addresses, as the VPC CNI's interfaces do?
- `what`: which kind of interface is this (DescribeNetworkInterfaces), in words for a reason, and
  `eks_control_plane` / `leaked_cni_instance` for the two kinds the remediation acts on.

The values come from published DescribeNetworkInterfaces outputs (cited in tests/aws/test_real_outputs.py)
and the botocore EC2 model's `NetworkInterfaceType` enum.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any, Protocol

from .names import CLUSTER_NAME, CLUSTER_TAG_PREFIX, INSTANCE_ID

# The VPC CNI describes the secondary interfaces it creates "aws-K8S-<instance id>" and tags them
# `node.k8s.amazonaws.com/instance_id` (amazon-vpc-cni-k8s); it leaves them `available` when a node
# dies before it could delete them.
VPC_CNI_DESCRIPTION = "aws-K8S-"
VPC_CNI_INSTANCE_TAG = "node.k8s.amazonaws.com/instance_id"
# EKS creates the control plane's interfaces in a session named AmazonEKS of the cluster's IAM role
# (DescribeCluster `roleArn`): RequesterId "<role id>:AmazonEKS"; InterfaceType "interface";
# described "Amazon EKS <cluster>". The session name is the caller's choice (sts:AssumeRole
# RoleSessionName): only the role id ties the interface to EKS.
EKS_REQUESTER_SESSION = ":AmazonEKS"
# EKS's service-linked role (older clusters' control planes act through it where it exists).
EKS_SERVICE_LINKED_ROLE = "AWSServiceRoleForAmazonEKS"
CONTROL_PLANE_DESCRIPTION = "Amazon EKS "
# Security groups for pods: the VPC resource controller's branch interfaces (no attachment, in use).
BRANCH_TYPE = "branch"
# EKS Auto Mode and other EC2 managed instances: `Operator` {Managed, Principal} (DescribeInstances).
EKS_OPERATOR = "eks.amazonaws.com"

_BY_TYPE = {
    "lambda": "Lambda interface",
    "vpc_endpoint": "VPC endpoint interface",
    "gateway_load_balancer_endpoint": "Gateway Load Balancer endpoint interface",
    "load_balancer": "load balancer interface",
    "network_load_balancer": "load balancer interface",
    "gateway_load_balancer": "load balancer interface",
    "nat_gateway": "NAT gateway interface",
    "natGateway": "NAT gateway interface",
    "transit_gateway": "transit gateway interface",
    "branch": "branch interface of a pod (security groups for pods)",
    "trunk": "trunk interface (security groups for pods)",
    "efa": "EFA interface",
    "efa-only": "EFA-only interface",
    "quicksight": "QuickSight interface",
    "global_accelerator_managed": "Global Accelerator interface",
    "api_gateway_managed": "API Gateway interface",
    "iot_rules_managed": "IoT rules interface",
    "aws_codestar_connections_managed": "CodeStar Connections interface",
}
# Described, not typed: classic and v2 load balancers ("ELB app/…", "ELB net/…", "ELB <name>"),
# RDS ("RDSNetworkInterface"), Lambda's older interfaces ("AWS Lambda VPC ENI-…").
_BY_DESCRIPTION = (
    ("ELB ", "load balancer interface"),
    ("RDSNetworkInterface", "RDS database interface"),
    ("AWS Lambda VPC ENI", "Lambda interface"),
    ("Interface for NAT Gateway", "NAT gateway interface"),
    ("aws-k8s-branch-eni", "branch interface of a pod (security groups for pods)"),
    ("aws-k8s-trunk-eni", "trunk interface (security groups for pods)"),
    (VPC_CNI_DESCRIPTION, "VPC CNI interface"),
)


class InterfaceRecord(Protocol):
    """The DescribeNetworkInterfaces fields the classification reads (model.Carrier has them)."""

    @property
    def interface_id(self) -> str: ...
    @property
    def instance_id(self) -> str | None: ...
    @property
    def description(self) -> str: ...
    @property
    def in_use(self) -> bool: ...
    @property
    def interface_type(self) -> str: ...
    @property
    def requester_id(self) -> str | None: ...
    @property
    def requester_managed(self) -> bool: ...
    @property
    def tags(self) -> Mapping[str, str]: ...


def pod_interface(raw: Mapping[str, Any]) -> bool:
    """Whether a node's non-primary interface (DescribeInstances `NetworkInterfaces[]` item) carries
    pod addresses, by evidence: the VPC CNI's description `aws-K8S-…`, secondary private IPv4
    addresses (the CNI's warm pool: the pods' addresses), or delegated prefixes (prefix mode).

    Anything else carries no pod traffic: an `efa` interface on network card 1..n that the CNI did
    not attach (its only address is its own primary one), a trunk, an EFA-only interface.
    DescribeInstances does not report an interface's tags, so `node.k8s.amazonaws.com/instance_id`
    cannot be read here; the CNI's description stands for it.
    """
    if str(raw.get("InterfaceType") or "interface") in ("trunk", "efa-only"):
        return False
    if str(raw.get("Description") or "").startswith(VPC_CNI_DESCRIPTION):
        return True
    if any(not entry.get("Primary", False) for entry in raw.get("PrivateIpAddresses") or ()):
        return True
    return bool(raw.get("Ipv4Prefixes") or raw.get("Ipv6Prefixes"))


def control_plane_cluster(interface: Mapping[str, Any]) -> str | None:
    """The cluster whose control plane an interface (DescribeNetworkInterfaces) belongs to, by its
    description "Amazon EKS <name>"; None for any other interface. Anyone may describe an interface
    so: the name is a candidate to read, never evidence."""
    description = str(interface.get("Description") or "")
    if not description.startswith(CONTROL_PLANE_DESCRIPTION) or (interface.get("Attachment") or {}).get("InstanceId"):
        return None
    name = description[len(CONTROL_PLANE_DESCRIPTION) :]
    return name if CLUSTER_NAME.fullmatch(name) else None


def eks_control_plane(record: InterfaceRecord, cluster: str, role_ids: Collection[str]) -> bool:
    """Whether an interface is one of `cluster`'s control-plane interfaces, by all of what EKS's
    own carry: in use, attached to no instance of the account (EKS attaches them to its own
    instances), `InterfaceType` interface, created in an `AmazonEKS` session of one of `role_ids`
    (`RequesterId` "<role id>:AmazonEKS"; `role_ids`: the RoleId, "AROA…", of the cluster's IAM role
    and of EKS's service-linked role, from iam:GetRole), described `Amazon EKS <cluster>`. A
    description alone anyone may write, and a session named AmazonEKS anyone may open on a role
    they may assume: the role id is what a caller cannot choose."""
    return (
        record.in_use
        and record.instance_id is None
        and record.interface_type == "interface"
        and record.requester_id in {role_id + EKS_REQUESTER_SESSION for role_id in role_ids}
        and record.description == CONTROL_PLANE_DESCRIPTION + cluster
    )


def role_name(role_arn: str | None) -> str | None:
    """The role name of an IAM role ARN ("arn:<partition>:iam::<account>:role/<path/>name": the
    last path segment, what iam:GetRole takes); None for anything else."""
    prefix, _, resource = (role_arn or "").partition(":role/")
    if not resource or not prefix.startswith("arn:") or ":iam::" not in prefix:
        return None
    return resource.rsplit("/", 1)[-1] or None


def branch_of(record: InterfaceRecord) -> frozenset[str]:
    """The clusters a branch interface's tags name (`kubernetes.io/cluster/<name>`); empty for any
    other interface. Tags only: anyone allowed `ec2:CreateTags` can set them."""
    if record.interface_type != BRANCH_TYPE:
        return frozenset()
    return frozenset(key[len(CLUSTER_TAG_PREFIX) :] for key in record.tags if key.startswith(CLUSTER_TAG_PREFIX))


def cni_instance(record: InterfaceRecord) -> str | None:
    """The instance a VPC CNI interface was made for (tag `node.k8s.amazonaws.com/instance_id`, else
    its description `aws-K8S-<instance id>`); None for any other interface."""
    tagged = record.tags.get(VPC_CNI_INSTANCE_TAG, "")
    if INSTANCE_ID.fullmatch(tagged):
        return tagged
    if record.description.startswith(VPC_CNI_DESCRIPTION):
        named = record.description[len(VPC_CNI_DESCRIPTION) :]
        return named if INSTANCE_ID.fullmatch(named) else None
    return None


def leaked_cni_instance(record: InterfaceRecord, running_nodes: frozenset[str]) -> str | None:
    """For an `available` VPC CNI interface whose instance is not one of `running_nodes`: that
    instance's id (the interface leaked when the node went away; deleting it is safe). Else None."""
    if record.in_use or record.instance_id is not None:
        return None
    instance = cni_instance(record)
    return instance if instance is not None and instance not in running_nodes else None


def what(record: InterfaceRecord) -> str:
    """The interface in words, for a reason: its kind (from `InterfaceType`, then its description)
    and what names it: "load balancer interface, ELB app/web/…", "instance i-…", "Lambda interface",
    "unattached interface, described …", "interface of an AWS service (requester …)"."""
    description = record.description
    kind = _BY_TYPE.get(record.interface_type)
    if kind is None:
        kind = next((k for prefix, k in _BY_DESCRIPTION if description.startswith(prefix)), None)
    if kind is None and description.startswith(CONTROL_PLANE_DESCRIPTION):
        kind = "described as an EKS control-plane interface"
    if record.instance_id is not None:
        return f"instance {record.instance_id}" + (f", {kind}" if kind and kind != "VPC CNI interface" else "")
    parts = [kind or ("unattached interface" if not record.in_use else "interface of an AWS service")]
    if not record.in_use and kind:
        parts.append("unattached")
    if description and not description.startswith(("aws-k8s-", "RDSNetworkInterface")):
        parts.append(description)
    elif not description and record.in_use and kind is None:
        parts.append(f"requester {record.requester_id or 'unknown'}")
    return ", ".join(parts)


def eks_operated(instance: Mapping[str, Any]) -> bool:
    """Whether DescribeInstances reports the instance managed by EKS (`Operator.Managed` true with
    principal eks.amazonaws.com: an EKS Auto Mode node). AWS sets it; no user call can."""
    operator = instance.get("Operator") or {}
    return bool(operator.get("Managed")) and operator.get("Principal") == EKS_OPERATOR
