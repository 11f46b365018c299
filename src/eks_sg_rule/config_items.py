"""Normalisation at the edge: AWS Config items and EC2/EKS API shapes -> the model.

Config items come in two key styles (Lambda notification: `configurationItemVersion`, `awsAccountId`,
`ARN`, `relationships[].name`; history API: `version`, `accountId`, `arn`,
`relationships[].relationshipName`); EKS cluster items use CloudFormation-style PascalCase; a "-1"
rule carries no ports; a deleted resource has `configuration: null`. All of that ends here.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .model import Cluster, IpFamily, IPNetwork, Permission, SecurityGroup, parse_protocol

# AWS Config's ConfigurationItemStatus enum (botocore's config service model, in its order):
# OK (the configuration was updated), ResourceDiscovered (newly discovered), ResourceNotRecorded
# (discovered, but the recorder does not record the type: the item carries no configuration),
# ResourceDeleted, ResourceDeletedNotRecorded (deleted, and the type is not recorded).
ITEM_STATUSES = ("OK", "ResourceDiscovered", "ResourceNotRecorded", "ResourceDeleted", "ResourceDeletedNotRecorded")
# Statuses whose item carries no recorded configuration; the rule reads EKS and EC2 itself.
UNRECORDED_STATUSES = frozenset({"ResourceNotRecorded", "ResourceDeletedNotRecorded"})


class ConfigItemError(ValueError):
    """A configuration item lacks what identifies the resource, or has a status Config does not define."""


def item_exists(status: str) -> bool:
    """Whether a configuration item with this `configurationItemStatus` describes a resource that exists.

    True for OK, ResourceDiscovered and ResourceNotRecorded (a type the recorder does not record is
    not a deletion: the resource is judged from live EKS/EC2 reads); False for ResourceDeleted and
    ResourceDeletedNotRecorded. Raises ConfigItemError for any other value (AWS Config API,
    ConfigurationItem.configurationItemStatus).
    """
    match status:
        case "OK" | "ResourceDiscovered" | "ResourceNotRecorded":
            return True
        case "ResourceDeleted" | "ResourceDeletedNotRecorded":
            return False
        case _:
            raise ConfigItemError(f"configurationItemStatus {status!r} is not one of: {', '.join(ITEM_STATUSES)}")


def _get(mapping: Mapping[str, Any], *keys: str) -> Any:
    """The first present key, so camelCase, PascalCase and API-style items read the same."""
    for key in keys:
        if key in mapping and mapping[key] is not None:
            return mapping[key]
    return None


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


def _tag_map(raw: Any) -> dict[str, str]:
    if isinstance(raw, Mapping):
        return {str(k): str(v) for k, v in raw.items()}
    tags: dict[str, str] = {}
    for tag in raw or ():
        if isinstance(tag, Mapping):
            key = _get(tag, "Key", "key")
            if key is not None:
                tags[str(key)] = str(_get(tag, "Value", "value") or "")
    return tags


def security_group_from_api(raw: Mapping[str, Any]) -> SecurityGroup:
    """A SecurityGroup from DescribeSecurityGroups or a Config item's `configuration`."""
    return SecurityGroup(
        group_id=str(_get(raw, "GroupId", "groupId")),
        name=str(_get(raw, "GroupName", "groupName") or ""),
        vpc_id=_get(raw, "VpcId", "vpcId"),
        owner_id=_get(raw, "OwnerId", "ownerId"),
        ingress=tuple(permission_from(p) for p in _get(raw, "IpPermissions", "ipPermissions") or ()),
        egress=tuple(permission_from(p) for p in _get(raw, "IpPermissionsEgress", "ipPermissionsEgress") or ()),
        tags=_tag_map(_get(raw, "Tags", "tags")),
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
    )


@dataclass(frozen=True, slots=True)
class ConfigItem:
    """What the rule needs of a configuration item, whichever style it came in."""

    resource_type: str
    resource_id: str
    status: str
    capture_time: str | None
    security_group: SecurityGroup | None = None
    cluster: Cluster | None = None

    @property
    def deleted(self) -> bool:
        return not item_exists(self.status)


def _configuration(item: Mapping[str, Any]) -> Mapping[str, Any] | None:
    configuration = item.get("configuration")
    if isinstance(configuration, str):
        # The history API returns `configuration` as a JSON string.
        try:
            configuration = json.loads(configuration)
        except ValueError:
            return None
    return configuration if isinstance(configuration, Mapping) else None


def normalise(item: Mapping[str, Any]) -> ConfigItem:
    """Normalise a configuration item of either key style.

    The `configuration` of a deleted or unrecorded item is ignored. Raises ConfigItemError for an
    item without resourceType or resourceId, or with a status outside ITEM_STATUSES.
    """
    if not isinstance(item, Mapping):
        raise ConfigItemError("configurationItem is not an object")
    resource_type = item.get("resourceType")
    resource_id = item.get("resourceId")
    if not isinstance(resource_type, str) or not resource_type:
        raise ConfigItemError("configurationItem has no resourceType")
    if not isinstance(resource_id, str) or not resource_id:
        raise ConfigItemError("configurationItem has no resourceId")
    status = str(item.get("configurationItemStatus") or "OK")
    capture_time = item.get("configurationItemCaptureTime")
    recorded = item_exists(status) and status not in UNRECORDED_STATUSES
    configuration = _configuration(item) if recorded else None
    security_group = cluster = None
    if configuration is not None and resource_type == "AWS::EC2::SecurityGroup":
        security_group = security_group_from_api({"groupId": resource_id, **configuration})
    elif configuration is not None and resource_type == "AWS::EKS::Cluster":
        cluster = cluster_from_config(configuration, resource_id)
    return ConfigItem(
        resource_type=resource_type,
        resource_id=resource_id,
        status=status,
        capture_time=str(capture_time) if capture_time else None,
        security_group=security_group,
        cluster=cluster,
    )
