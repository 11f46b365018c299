"""One function per EKS, EC2, IAM and SSM read: a client in, records out (aws.shapes parses them).

Every read is batched or paginated: nothing here is called once per SG or per instance (a launch
template version, a prefix list and a node group are read one at a time, as their APIs require).
A resource that is gone reads as None (or is absent from the result); any other failure raises
DiscoveryError naming the IAM action. The IAM policy of the rule function grants exactly the EKS
and EC2 calls made here; the remediation's grants them but NetworkPath's (vpc_networks: its
discovery never turns NetworkPath on) and also the IAM one (iam:GetRole, a role or two per
remediated cluster); the rule's also ssm:GetParameter on the waiver parameter alone when the
deployment names one; tests/deploy/test_templates.py reads this file.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from botocore.exceptions import ClientError

from ..assembly import RunningNode
from ..interfaces import CONTROL_PLANE_DESCRIPTION
from ..ip import IPNetwork
from ..model import Carrier, Insight, Interface, SecurityGroup
from ..vpc import VpcNetwork
from .calls import DiscoveryError, failure, filter_sets, not_found, pages_of
from .shapes import (
    branch_interfaces as shaped_branches,
)
from .shapes import (
    carrier_from_api,
    group_ids,
    insight_from_api,
    launch_template_sgs,
    node_from_instance,
    security_group_from_api,
    subnet_networks,
)
from .vpc_shapes import VpcParts

PAGE_SIZE = 1000

# --- EKS ------------------------------------------------------------------------------------------


def cluster_names(eks: Any) -> list[str]:
    """Every cluster of the region (eks:ListClusters, paginated). Raises DiscoveryError."""
    return [name for page in pages_of("eks", eks, "list_clusters") for name in page.get("clusters", ())]


T = TypeVar("T")


def _unless_gone(read: Callable[[], T]) -> T | None:
    """`read()`'s result, or None when EKS answers that the resource is gone (calls.not_found).
    Raises DiscoveryError naming the IAM action for any other error."""
    try:
        return read()
    except ClientError as error:
        if not_found(error):
            return None
        raise failure("eks", error) from error


def describe_cluster(eks: Any, name: str) -> dict[str, Any] | None:
    """eks:DescribeCluster's `cluster`, or None when there is no such cluster. Raises DiscoveryError."""
    return _unless_gone(lambda: dict(eks.describe_cluster(name=name)["cluster"]))


def insights(eks: Any, name: str) -> tuple[Insight, ...] | None:
    """The cluster's EKS cluster insights of category MISCONFIGURATION (eks:ListInsights, filter
    `categories` ["MISCONFIGURATION"], paginated by nextToken): for hybrid nodes, quoted in
    HYBRID_NODES_NETWORK's detail. None when the cluster is gone. Raises DiscoveryError."""
    paginator = eks.get_paginator("list_insights")
    query = {"categories": ["MISCONFIGURATION"]}
    return _unless_gone(
        lambda: tuple(
            insight_from_api(raw)
            for page in paginator.paginate(clusterName=name, filter=query)
            for raw in page.get("insights", ())
        )
    )


def fargate_profile_names(eks: Any, cluster: str) -> list[str] | None:
    """The cluster's Fargate profile names (eks:ListFargateProfiles, paginated); None when the cluster
    is gone. Raises DiscoveryError."""
    paginator = eks.get_paginator("list_fargate_profiles")
    return _unless_gone(
        lambda: [n for page in paginator.paginate(clusterName=cluster) for n in page.get("fargateProfileNames", ())]
    )


def nodegroup_names(eks: Any, cluster: str) -> list[str] | None:
    """The cluster's managed node group names (eks:ListNodegroups, paginated); None when the cluster
    is gone. Raises DiscoveryError."""
    paginator = eks.get_paginator("list_nodegroups")
    return _unless_gone(
        lambda: [n for page in paginator.paginate(clusterName=cluster) for n in page.get("nodegroups", ())]
    )


def describe_nodegroup(eks: Any, cluster: str, nodegroup: str) -> dict[str, Any] | None:
    """eks:DescribeNodegroup's `nodegroup`, or None when it is gone. Raises DiscoveryError."""
    try:
        return dict(eks.describe_nodegroup(clusterName=cluster, nodegroupName=nodegroup)["nodegroup"])
    except ClientError as error:
        if not not_found(error):
            raise failure("eks", error, eks) from error
        return None


# --- EC2 ------------------------------------------------------------------------------------------


def running_nodes(ec2: Any, filters: list[dict[str, Any]]) -> list[RunningNode]:
    """Instances matching `filters` that tags or an Auto Scaling group may tie to a cluster
    (ec2:DescribeInstances, paginated by PAGE_SIZE); the caller's filters name the state. Raises
    DiscoveryError, or ValueError for filters over EC2's 200-value limit."""
    nodes: list[RunningNode] = []
    config = {"PageSize": PAGE_SIZE}
    # IncludeManagedResources: EKS Auto Mode's instances (EC2 managed instances) are left out of
    # DescribeInstances and DescribeNetworkInterfaces where the account hides managed resources.
    pages = pages_of(
        "ec2",
        ec2,
        "describe_instances",
        Filters=filters,
        IncludeManagedResources=True,
        PaginationConfig=config,
    )
    for page in pages:
        for reservation in page.get("Reservations", ()):
            for instance in reservation.get("Instances", ()):
                node = node_from_instance(instance)
                if node is not None:
                    nodes.append(node)
    return nodes


def security_groups(ec2: Any, group_ids_: Iterable[str]) -> dict[str, SecurityGroup]:
    """SG id -> SG, for these SGs only (ec2:DescribeSecurityGroups, `group-id` filter per 200, paginated):
    an account's unrelated SGs (often thousands) are never transferred. A filter, not GroupIds: a
    deleted SG must not fail the read; it is simply absent. Raises DiscoveryError."""
    groups: dict[str, SecurityGroup] = {}
    for filters in filter_sets("group-id", group_ids_):
        config = {"PageSize": PAGE_SIZE}
        for page in pages_of("ec2", ec2, "describe_security_groups", Filters=filters, PaginationConfig=config):
            for raw in page.get("SecurityGroups", ()):
                group = security_group_from_api(raw)
                groups[group.group_id] = group
    return groups


def subnets(ec2: Any, subnet_ids: Iterable[str]) -> tuple[dict[str, list[IPNetwork]], dict[str, str]]:
    """(subnet id -> its IPv4 and IPv6 CIDRs, subnet id -> its VPC id) (ec2:DescribeSubnets,
    `subnet-id` filter per 200: one deleted subnet must not fail the whole read). Raises DiscoveryError."""
    networks: dict[str, list[IPNetwork]] = {}
    vpcs: dict[str, str] = {}
    for filters in filter_sets("subnet-id", subnet_ids):
        for page in pages_of("ec2", ec2, "describe_subnets", Filters=filters):
            for subnet in page.get("Subnets", ()):
                networks[subnet["SubnetId"]] = subnet_networks(subnet)
                if subnet.get("VpcId"):
                    vpcs[subnet["SubnetId"]] = str(subnet["VpcId"])
    return networks, vpcs


def launch_template_security_groups(ec2: Any, template: Mapping[str, Any]) -> list[str] | None:
    """SG ids a launch template version gives its instances (ec2:DescribeLaunchTemplateVersions), or
    None when it cannot be found. `template`: DescribeNodegroup's `launchTemplate` {id, name,
    version}; no version means `$Default`. Raises DiscoveryError."""
    kwargs: dict[str, Any] = {"Versions": [str(template.get("version") or "$Default")]}
    if template.get("id"):
        kwargs["LaunchTemplateId"] = template["id"]
    else:
        kwargs["LaunchTemplateName"] = template.get("name", "")
    try:
        versions = ec2.describe_launch_template_versions(**kwargs).get("LaunchTemplateVersions", [])
    except ClientError as error:
        if not_found(error) or error.response["Error"]["Code"].startswith("InvalidLaunchTemplate"):
            return None
        raise failure("ec2", error, ec2) from error
    if not versions:
        return None
    return launch_template_sgs(versions[0])


def prefix_list_entries(ec2: Any, prefix_list_id: str) -> tuple[IPNetwork, ...]:
    """A managed prefix list's CIDRs (ec2:GetManagedPrefixListEntries, paginated); none when it cannot
    be found: an unreadable prefix list grants nothing, it can only make a check fail, never pass.
    Raises DiscoveryError."""
    cidrs: list[IPNetwork] = []
    try:
        paginator = ec2.get_paginator("get_managed_prefix_list_entries")
        for page in paginator.paginate(PrefixListId=prefix_list_id):
            cidrs.extend(ipaddress.ip_network(e["Cidr"]) for e in page.get("Entries", ()) if e.get("Cidr"))
    except ClientError as error:
        if not not_found(error):
            raise failure("ec2", error, ec2) from error
    return tuple(cidrs)


def interface_carriers(ec2: Any, security_group_ids: Iterable[str]) -> dict[str, list[Carrier]]:
    """SG id -> every network interface carrying it: one ec2:DescribeNetworkInterfaces (`group-id`
    filter, paginated, managed resources included) per 200 SGs. An SG no interface carries is
    absent. Raises DiscoveryError."""
    found: dict[str, list[Carrier]] = {}
    for filters in filter_sets("group-id", security_group_ids):
        wanted = set(filters[0]["Values"])
        pages = pages_of("ec2", ec2, "describe_network_interfaces", Filters=filters, IncludeManagedResources=True)
        for page in pages:
            for raw in page.get("NetworkInterfaces", ()):
                carrier = carrier_from_api(raw)
                for sg in group_ids(raw.get("Groups")) & wanted:
                    found.setdefault(sg, []).append(carrier)
    return found


def branch_interfaces(ec2: Any, vpc_id: str) -> dict[str, list[Interface]]:
    """Instance id -> its branch interfaces (security groups for pods) in one VPC: one
    ec2:DescribeNetworkInterfaces (filters `vpc-id` and `interface-type` branch and trunk, paginated),
    read only with the 2026 requirement set (shapes.branch_interfaces). Raises DiscoveryError."""
    filters = [{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "interface-type", "Values": ["branch", "trunk"]}]
    pages = pages_of("ec2", ec2, "describe_network_interfaces", Filters=filters)
    return shaped_branches(raw for page in pages for raw in page.get("NetworkInterfaces", ()))


def control_plane_interfaces(ec2: Any, vpc_id: str) -> list[Carrier]:
    """The network interfaces of a VPC described as an EKS control plane's ("Amazon EKS <cluster>"):
    one ec2:DescribeNetworkInterfaces (filters `vpc-id` and `description` "Amazon EKS *", paginated,
    managed resources included). Their `control_plane` names the candidate clusters of the VPC: a
    description anyone may write, so a name to read, never evidence. Raises DiscoveryError."""
    filters = [
        {"Name": "vpc-id", "Values": [vpc_id]},
        {"Name": "description", "Values": [CONTROL_PLANE_DESCRIPTION + "*"]},
    ]
    pages = pages_of("ec2", ec2, "describe_network_interfaces", Filters=filters, IncludeManagedResources=True)
    return [carrier_from_api(raw) for page in pages for raw in page.get("NetworkInterfaces", ())]


# NAT gateways that carry traffic now or soon; deleting, deleted and failed ones carry none.
NAT_GATEWAY_LIVE = {"Name": "state", "Values": ["available", "pending"]}
ROUTE_TABLE_PAGE_SIZE = 100  # DescribeRouteTables accepts MaxResults 5-100


def vpc_networks(ec2: Any, vpc_ids: Iterable[str], region: str) -> dict[str, VpcNetwork]:
    """VPC id -> its network layer (vpc.VpcNetwork, services named for `region`), for these VPCs only:
    ec2:DescribeSubnets, DescribeNetworkAcls, DescribeRouteTables, DescribeVpcEndpoints (any state)
    and DescribeNatGateways (state available or pending), each with the `vpc-id` filter (`Filter` for
    DescribeNatGateways) per 200 VPCs and paginated: a few calls per 200 VPCs, never per subnet, node
    or cluster. Every VPC asked about is in the result; one without a network ACL or a route table in
    the answers (deleted meanwhile) says so in `unread`. Raises DiscoveryError naming the action."""
    found = VpcParts(sorted(set(vpc_ids)))
    for filters in filter_sets("vpc-id", found.vpc_ids):
        config = {"PageSize": PAGE_SIZE}
        for page in pages_of("ec2", ec2, "describe_subnets", Filters=filters, PaginationConfig=config):
            found.add("subnets", page.get("Subnets"))
        for page in pages_of("ec2", ec2, "describe_network_acls", Filters=filters, PaginationConfig=config):
            found.add("network_acls", page.get("NetworkAcls"))
        tables = {"PageSize": ROUTE_TABLE_PAGE_SIZE}
        for page in pages_of("ec2", ec2, "describe_route_tables", Filters=filters, PaginationConfig=tables):
            found.add("route_tables", page.get("RouteTables"))
        for page in pages_of("ec2", ec2, "describe_vpc_endpoints", Filters=filters, PaginationConfig=config):
            found.add("endpoints", page.get("VpcEndpoints"))
    for filters in filter_sets("vpc-id", found.vpc_ids, NAT_GATEWAY_LIVE):
        config = {"PageSize": PAGE_SIZE}
        for page in pages_of("ec2", ec2, "describe_nat_gateways", Filter=filters, PaginationConfig=config):
            found.add("nat_gateways", page.get("NatGateways"))
    return {vpc_id: found.network(vpc_id, region) for vpc_id in found.vpc_ids}


# --- IAM (the remediation only: never the rule's evaluation) -------------------------------------


def role_id(iam: Any, role_name: str) -> str | None:
    """The RoleId ("AROA…", the id a session of the role is reported under) of the IAM role named
    `role_name` (iam:GetRole), or None when there is no such role (NoSuchEntity). Raises
    DiscoveryError naming iam:GetRole for any other failure (access denied included)."""
    try:
        return str(iam.get_role(RoleName=role_name)["Role"]["RoleId"])
    except ClientError as error:
        if not_found(error):
            return None
        raise failure("iam", error, iam) from error


# --- SSM ------------------------------------------------------------------------------------------


def parameter_value(ssm: Any, name: str) -> str:
    """An SSM parameter's `Value` (ssm:GetParameter, `WithDecryption` false: a String parameter's text
    as stored). Raises DiscoveryError naming ssm:GetParameter for every failure, ParameterNotFound
    included: the rule's waivers (waiver_source.py) must never be dropped silently. The error names
    the parameter: SSM's ParameterNotFound carries an empty message."""
    try:
        return str(ssm.get_parameter(Name=name, WithDecryption=False)["Parameter"]["Value"])
    except ClientError as error:
        found = failure("ssm", error, ssm)
        message = str(error.response.get("Error", {}).get("Message") or "")
        raise DiscoveryError(
            found.action, found.code, f"parameter {name}" + (f": {message}" if message else "")
        ) from error
