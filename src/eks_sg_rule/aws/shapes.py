"""AWS shapes parsed into records: EKS/EC2 API responses (PascalCase, EKS camelCase) and AWS Config
items' `configuration` (camelCase, CloudFormation-style PascalCase), both key styles read alike.

Pure: dicts in, model values and assembly records out; no botocore, no client, no AWS call. It lives
in the `aws` package because it knows AWS's shapes; the pure engine never imports it.
Config items: a "-1" rule carries no ports; History-API items carry IPv4 ranges as plain strings.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from typing import Any

from ..assembly import RunningNode
from ..interfaces import eks_operated, pod_interface
from ..ip import IPNetwork, parse_protocol
from ..model import (
    BRANCH,
    Carrier,
    Cluster,
    ClusterIssue,
    Insight,
    Interface,
    IpFamily,
    Node,
    NodeGroupKind,
    Permission,
    SecurityGroup,
)
from ..names import CLUSTER_NAME, CLUSTER_TAG_PREFIX

# Tags that name an instance's cluster, besides `kubernetes.io/cluster/<name>`; the `aws:` one AWS sets.
CLUSTER_NAME_TAGS = ("eks:cluster-name", "aws:eks:cluster-name", "eks:eks-cluster-name")
# EC2 InterfaceType values of an Elastic Fabric Adapter (DescribeInstances, DescribeNetworkInterfaces).
EFA_TYPES = ("efa", "efa-only")
# The tag the VPC resource controller puts on a branch interface, naming its trunk interface.
TRUNK_TAG = "vpcresources.k8s.aws/trunk-eni-id"


def _get(mapping: Mapping[str, Any], *keys: str) -> Any:
    """The first present key, so camelCase, PascalCase and API-style items read the same."""
    for key in keys:
        if key in mapping and mapping[key] is not None:
            return mapping[key]
    return None


def tags_of(raw: Any) -> dict[str, str]:
    """Tag key -> value, from a tag list (`[{"Key", "Value"}]` of EC2/EKS APIs, `[{"key", "value"}]`
    of Config items) or a mapping (`{key: value}`); a tag without a key is skipped, a missing value
    reads as ""."""
    if isinstance(raw, Mapping):
        return {str(k): str(v) for k, v in raw.items()}
    tags: dict[str, str] = {}
    for tag in raw or ():
        if isinstance(tag, Mapping):
            key = _get(tag, "Key", "key")
            if key is not None:
                tags[str(key)] = str(_get(tag, "Value", "value") or "")
    return tags


# --- security groups ------------------------------------------------------------------------------


def _networks(values: Iterable[Any], *keys: str) -> list[IPNetwork]:
    networks: list[IPNetwork] = []
    for value in values or ():
        text = value if isinstance(value, str) else _get(value, *keys) if isinstance(value, Mapping) else None
        if not text:
            continue
        try:
            networks.append(ipaddress.ip_network(str(text), strict=False))
        except ValueError:
            continue  # not a CIDR: it cannot match any peer, so it grants nothing
    return networks


def _port(value: Any) -> int | None:
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
        return None


def permission_from(raw: Mapping[str, Any]) -> Permission:
    """One IP permission, from DescribeSecurityGroups (PascalCase) or a Config item (camelCase)."""
    protocol = parse_protocol(_get(raw, "IpProtocol", "ipProtocol"))
    cidrs = _networks(_get(raw, "IpRanges", "ipv4Ranges") or (), "CidrIp", "cidrIp")
    cidrs += _networks(_get(raw, "Ipv6Ranges", "ipv6Ranges") or (), "CidrIpv6", "cidrIpv6")
    # History-API items list IPv4 ranges only as plain strings under ipRanges; notification items
    # carry both forms. Reading both and de-duplicating serves either.
    cidrs += _networks(_get(raw, "ipRanges") or (), "cidrIp", "CidrIp")
    pairs = _get(raw, "UserIdGroupPairs", "userIdGroupPairs") or ()
    prefix_lists = _get(raw, "PrefixListIds", "prefixListIds") or ()
    from_port, to_port = _port(_get(raw, "FromPort", "fromPort")), _port(_get(raw, "ToPort", "toPort"))
    if protocol.value == "-1":
        from_port = to_port = None
    return Permission(
        protocol=protocol,
        from_port=from_port,
        to_port=to_port,
        group_ids=frozenset(str(g) for p in pairs if isinstance(p, Mapping) and (g := _get(p, "GroupId", "groupId"))),
        cidrs=tuple(dict.fromkeys(cidrs)),
        prefix_list_ids=frozenset(
            str(i) for p in prefix_lists if isinstance(p, Mapping) and (i := _get(p, "PrefixListId", "prefixListId"))
        ),
    )


def security_group_from_api(raw: Mapping[str, Any]) -> SecurityGroup:
    """A SecurityGroup from DescribeSecurityGroups or a Config item's `configuration`."""
    return SecurityGroup(
        group_id=str(_get(raw, "GroupId", "groupId")),
        name=str(_get(raw, "GroupName", "groupName") or ""),
        vpc_id=_get(raw, "VpcId", "vpcId"),
        owner_id=_get(raw, "OwnerId", "ownerId"),
        ingress=tuple(permission_from(p) for p in _get(raw, "IpPermissions", "ipPermissions") or ()),
        egress=tuple(permission_from(p) for p in _get(raw, "IpPermissionsEgress", "ipPermissionsEgress") or ()),
        tags=tags_of(_get(raw, "Tags", "tags")),
    )


# --- clusters -------------------------------------------------------------------------------------


def _remote_cidrs(remote: Mapping[str, Any], key: str) -> tuple[IPNetwork, ...]:
    """The `cidrs` of every entry of remoteNetworkConfig[key] (remoteNodeNetworks, remotePodNetworks)."""
    cidrs = [cidr for entry in remote.get(key) or () for cidr in entry.get("cidrs") or ()]
    return tuple(ipaddress.ip_network(cidr, strict=False) for cidr in dict.fromkeys(cidrs))


def _issues(health: Mapping[str, Any]) -> tuple[ClusterIssue, ...]:
    """DescribeCluster `health.issues[]` ({code, message, resourceIds}) as ClusterIssues."""
    return tuple(
        ClusterIssue(str(i.get("code") or ""), str(i.get("message") or ""), tuple(i.get("resourceIds") or ()))
        for i in health.get("issues") or ()
    )


def cluster_from_api(description: Mapping[str, Any]) -> Cluster:
    """A Cluster from EKS DescribeCluster's `cluster` (camelCase): besides the VPC config and family,
    `remoteNetworkConfig` (hybrid nodes: remoteNodeNetworks/remotePodNetworks `cidrs`, possibly empty
    lists), `health.issues` and resourcesVpcConfig `controlPlaneEgressMode` (botocore eks 2017-11-01)."""
    vpc = description.get("resourcesVpcConfig") or {}
    network = description.get("kubernetesNetworkConfig") or {}
    family = IpFamily.IPV6 if str(network.get("ipFamily", "")).lower() == "ipv6" else IpFamily.IPV4
    remote = description.get("remoteNetworkConfig") or {}
    return Cluster(
        name=str(description["name"]),
        status=str(description.get("status", "ACTIVE")),
        version=description.get("version"),
        platform_version=description.get("platformVersion"),
        vpc_id=vpc.get("vpcId"),
        cluster_sg_id=vpc.get("clusterSecurityGroupId") or None,
        additional_sg_ids=tuple(vpc.get("securityGroupIds") or ()),
        subnet_ids=tuple(vpc.get("subnetIds") or ()),
        ip_family=family,
        arn=description.get("arn"),
        role_arn=description.get("roleArn"),
        remote_node_networks=_remote_cidrs(remote, "remoteNodeNetworks"),
        remote_pod_networks=_remote_cidrs(remote, "remotePodNetworks"),
        health_issues=_issues(description.get("health") or {}),
        control_plane_egress_mode=vpc.get("controlPlaneEgressMode") or None,
    )


def insight_from_api(raw: Mapping[str, Any]) -> Insight:
    """An Insight from one eks:ListInsights `insights[]` item ({id, name, category, insightStatus:
    {status, reason}, ...})."""
    status = raw.get("insightStatus") or {}
    return Insight(
        str(raw.get("id") or ""),
        str(raw.get("name") or ""),
        str(raw.get("category") or ""),
        str(status.get("status") or "UNKNOWN"),
        str(status.get("reason") or ""),
    )


def cluster_from_config(configuration: Mapping[str, Any], resource_id: str) -> Cluster:
    """A Cluster from an AWS::EKS::Cluster item (PascalCase); ClusterSecurityGroupId may be absent."""
    vpc = _get(configuration, "ResourcesVpcConfig", "resourcesVpcConfig") or {}
    network = _get(configuration, "KubernetesNetworkConfig", "kubernetesNetworkConfig") or {}
    family = str(_get(network, "IpFamily", "ipFamily") or "ipv4").lower()
    return Cluster(
        name=str(_get(configuration, "Name", "name") or resource_id),
        version=_get(configuration, "Version", "version"),
        vpc_id=_get(vpc, "VpcId", "vpcId"),
        cluster_sg_id=_get(configuration, "ClusterSecurityGroupId")
        or _get(vpc, "ClusterSecurityGroupId", "clusterSecurityGroupId"),
        additional_sg_ids=tuple(_get(vpc, "SecurityGroupIds", "securityGroupIds") or ()),
        subnet_ids=tuple(dict.fromkeys(_get(vpc, "SubnetIds", "subnetIds") or ())),
        ip_family=IpFamily.IPV6 if family == "ipv6" else IpFamily.IPV4,
        arn=_get(configuration, "Arn", "arn"),
        role_arn=_get(configuration, "RoleArn", "roleArn"),
    )


# --- instances, interfaces, subnets ---------------------------------------------------------------


def _interface_networks(interface: Mapping[str, Any]) -> list[IPNetwork]:
    """An interface's private addresses and delegated prefixes, both families."""
    networks: list[IPNetwork] = []
    sources = (
        ("PrivateIpAddresses", "PrivateIpAddress"),
        ("Ipv6Addresses", "Ipv6Address"),
        ("Ipv4Prefixes", "Ipv4Prefix"),
        ("Ipv6Prefixes", "Ipv6Prefix"),
    )
    for collection, key in sources:
        for entry in interface.get(collection) or ():
            if entry.get(key):
                networks.append(ipaddress.ip_network(entry[key], strict=False))
    return networks


def group_ids(groups: Iterable[Mapping[str, Any]] | None) -> frozenset[str]:
    """The SG ids of an EC2 `Groups`/`SecurityGroups` list (`[{"GroupId", "GroupName"}]`)."""
    return frozenset(str(group["GroupId"]) for group in groups or () if group.get("GroupId"))


def instance_interfaces(instance: Mapping[str, Any]) -> tuple[Interface, list[Interface]]:
    """(primary interface, pod interfaces) of an instance from DescribeInstances.

    The primary is the interface at device index 0 on network card 0. A secondary interface is a
    pod interface only by evidence that it carries pod addresses (interfaces.pod_interface: the VPC
    CNI's `aws-K8S-…` description, secondary private addresses or delegated prefixes; with custom
    networking they have their own subnets and SGs); an EFA interface on another network card with
    only its own address, a trunk or an EFA-only interface is not one. An instance described without
    interfaces is taken as one primary interface with the instance's SGs and private address.
    """
    primary: Interface | None = None
    pods: list[Interface] = []
    for raw in instance.get("NetworkInterfaces") or ():
        attachment = raw.get("Attachment") or {}
        interface = Interface(
            str(raw.get("NetworkInterfaceId", "?")), group_ids(raw.get("Groups")), tuple(_interface_networks(raw))
        )
        is_primary = attachment.get("DeviceIndex", 0) == 0 and attachment.get("NetworkCardIndex", 0) == 0
        if is_primary and primary is None:
            primary = interface
        elif pod_interface(raw):
            pods.append(interface)
    if primary is None:
        address = instance.get("PrivateIpAddress")
        networks = (ipaddress.ip_network(address),) if address else ()
        primary = Interface(str(instance.get("InstanceId", "?")), group_ids(instance.get("SecurityGroups")), networks)
    return primary, pods


def _node_group_of(tags: Mapping[str, str]) -> tuple[str, NodeGroupKind]:
    if tags.get("eks:nodegroup-name"):
        return tags["eks:nodegroup-name"], NodeGroupKind.MANAGED
    if tags.get("karpenter.sh/nodepool") or tags.get("karpenter.sh/provisioner-name"):
        return tags.get("karpenter.sh/nodepool") or tags["karpenter.sh/provisioner-name"], NodeGroupKind.KARPENTER
    if tags.get("aws:autoscaling:groupName"):
        return tags["aws:autoscaling:groupName"], NodeGroupKind.AUTO_SCALING
    return "self-managed", NodeGroupKind.SELF_MANAGED


def node_from_instance(instance: Mapping[str, Any]) -> RunningNode | None:
    """A running instance (DescribeInstances `Reservations[].Instances[]` item) that tags or an Auto
    Scaling group may tie to a cluster, as a RunningNode; None when neither can."""
    tags = tags_of(instance.get("Tags"))
    # Only what EKS could have named a cluster: `kubernetes.io/cluster/` with nothing after it (an
    # unset template variable) names none.
    clusters = {tags[key] for key in CLUSTER_NAME_TAGS if CLUSTER_NAME.fullmatch(tags.get(key, ""))}
    clusters |= {
        name
        for key in tags
        if key.startswith(CLUSTER_TAG_PREFIX) and CLUSTER_NAME.fullmatch(name := key[len(CLUSTER_TAG_PREFIX) :])
    }
    aws_clusters = {
        name for name in clusters if any(tags.get(k) == name for k in CLUSTER_NAME_TAGS if k.startswith("aws:"))
    }
    auto_scaling_group = tags.get("aws:autoscaling:groupName")
    if not clusters and not auto_scaling_group:
        return None
    primary, pods = instance_interfaces(instance)
    node = Node(
        str(instance.get("InstanceId", "?")),
        primary.security_group_ids,
        primary.networks,
        tuple(pods),
        efa=any(raw.get("InterfaceType") in EFA_TYPES for raw in instance.get("NetworkInterfaces") or ()),
    )
    name, kind = _node_group_of(tags)
    # EKS Auto Mode: EC2 reports the instance operated by EKS (AWS-set); the cluster it serves is
    # the one its launch tags name, and only when they name no other.
    served = tags.get("eks:eks-cluster-name", "")
    operated = served if eks_operated(instance) and clusters == {served} else None
    return RunningNode(
        node,
        frozenset(clusters),
        frozenset(aws_clusters),
        auto_scaling_group,
        instance.get("VpcId"),
        name,
        kind,
        operated,
    )


def carrier_from_api(raw: Mapping[str, Any]) -> Carrier:
    """A Carrier from one DescribeNetworkInterfaces `NetworkInterfaces[]` item."""
    instance_id = (raw.get("Attachment") or {}).get("InstanceId")
    return Carrier(
        str(raw.get("NetworkInterfaceId", "?")),
        str(instance_id) if instance_id else None,
        str(raw.get("Description") or ""),
        raw.get("Status") == "in-use",
        str(raw.get("InterfaceType") or "interface"),
        str(raw["RequesterId"]) if raw.get("RequesterId") else None,
        bool(raw.get("RequesterManaged")),
        tags_of(raw.get("TagSet")),
    )


def subnet_networks(subnet: Mapping[str, Any]) -> list[IPNetwork]:
    """A subnet's IPv4 CIDR and IPv6 CIDRs (DescribeSubnets `Subnets[]` item)."""
    networks: list[IPNetwork] = []
    if subnet.get("CidrBlock"):
        networks.append(ipaddress.ip_network(subnet["CidrBlock"]))
    for association in subnet.get("Ipv6CidrBlockAssociationSet") or ():
        if association.get("Ipv6CidrBlock"):
            networks.append(ipaddress.ip_network(association["Ipv6CidrBlock"]))
    return networks


def launch_template_sgs(version: Mapping[str, Any]) -> list[str]:
    """The SG ids a launch template version gives its instances (DescribeLaunchTemplateVersions
    `LaunchTemplateVersions[]` item: `LaunchTemplateData.SecurityGroupIds` and every
    `NetworkInterfaces[].Groups`)."""
    data = version.get("LaunchTemplateData") or {}
    sg_ids = list(data.get("SecurityGroupIds") or ())
    for interface in data.get("NetworkInterfaces") or ():
        sg_ids.extend(interface.get("Groups") or ())
    return sg_ids


def branch_interfaces(records: Iterable[Mapping[str, Any]]) -> dict[str, list[Interface]]:
    """Instance id -> its branch interfaces (security groups for pods), from DescribeNetworkInterfaces
    items of one VPC of InterfaceType `branch` and `trunk`. A branch interface has no `Attachment`: its
    node is the instance its trunk (tag vpcresources.k8s.aws/trunk-eni-id) is attached to (real
    output: describe-network-interfaces of a security-groups-for-pods cluster). A branch whose trunk
    is not among the records, or not attached, belongs to no node and is left out."""
    records = list(records)
    trunks = {
        str(raw.get("NetworkInterfaceId")): str((raw.get("Attachment") or {}).get("InstanceId") or "")
        for raw in records
        if raw.get("InterfaceType") == "trunk"
    }
    found: dict[str, list[Interface]] = {}
    for raw in records:
        if raw.get("InterfaceType") != "branch":
            continue
        instance_id = trunks.get(tags_of(raw.get("TagSet")).get(TRUNK_TAG, ""), "")
        if instance_id:
            interface = Interface(
                str(raw.get("NetworkInterfaceId", "?")),
                group_ids(raw.get("Groups")),
                tuple(_interface_networks(raw)),
                BRANCH,
            )
            found.setdefault(instance_id, []).append(interface)
    return found
