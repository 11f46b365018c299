"""Normalisation at the edge: AWS Config configuration items -> the model (their shapes: aws.shapes).

Config items come in two key styles (Lambda notification: `configurationItemVersion`, `awsAccountId`,
`ARN`, `relationships[].name`; history API: `version`, `accountId`, `arn`,
`relationships[].relationshipName`); EKS cluster items use CloudFormation-style PascalCase; a "-1"
rule carries no ports; a deleted resource has `configuration: null`. All of that ends here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .aws.shapes import cluster_from_config, security_group_from_api
from .model import Cluster, SecurityGroup

# AWS Config's ConfigurationItemStatus enum (botocore's config service model, in its order):
# OK (the configuration was updated), ResourceDiscovered (newly discovered), ResourceNotRecorded
# (discovered, but the recorder does not record the type: the item carries no configuration),
# ResourceDeleted, ResourceDeletedNotRecorded (deleted, and the type is not recorded).
ITEM_STATUSES = ("OK", "ResourceDiscovered", "ResourceNotRecorded", "ResourceDeleted", "ResourceDeletedNotRecorded")
# Statuses whose item carries no recorded configuration; the rule reads EKS and EC2 itself.
UNRECORDED_STATUSES = frozenset({"ResourceNotRecorded", "ResourceDeletedNotRecorded"})
# The network components on the required paths (NetworkPath): a change to one re-judges the clusters
# of its VPC. Their items carry the EC2 API's shape in camelCase, with the VPC at
# `configuration.vpcId` (AWS Config resource schema, awslabs/aws-config-resource-schema,
# config/properties/resource-types/AWS::EC2::<type>.properties.json, each of the four).
VPC_COMPONENT_TYPES = ("AWS::EC2::NetworkAcl", "AWS::EC2::RouteTable", "AWS::EC2::VPCEndpoint", "AWS::EC2::NatGateway")
VPC_TYPE = "AWS::EC2::VPC"
VPC_ID = re.compile(r"vpc-[0-9a-f]{8}(?:[0-9a-f]{9})?")


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


@dataclass(frozen=True, slots=True)
class ConfigItem:
    """What the rule needs of a configuration item, whichever style it came in.

    `security_group`: the SG an AWS::EC2::SecurityGroup item records, as the item says it (the rule
    judges SGs from live reads; a notification only names the SG to re-judge). `cluster`: an
    AWS::EKS::Cluster item's cluster, its endpoint access (ResourcesVpcConfig.EndpointPublicAccess,
    EndpointPrivateAccess, PublicAccessCidrs) included (aws.shapes.cluster_from_config).
    `vpc_id`: for a VPC_COMPONENT_TYPES item, its VPC (`configuration.vpcId`, else a relationship to
    an AWS::EC2::VPC); None when the item carries neither (deleted, not recorded, oversized).
    """

    resource_type: str
    resource_id: str
    status: str
    security_group: SecurityGroup | None = None
    cluster: Cluster | None = None
    vpc_id: str | None = None


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
        security_group=security_group,
        cluster=cluster,
        vpc_id=_vpc_of(item, configuration) if resource_type in VPC_COMPONENT_TYPES else None,
    )


def _vpc_of(item: Mapping[str, Any], configuration: Mapping[str, Any] | None) -> str | None:
    """The VPC a network component's item names: `configuration.vpcId`, else its relationship to
    an AWS::EC2::VPC ("Is contained in Vpc"), in either key style; None when it names none."""
    vpc = (configuration or {}).get("vpcId")
    if isinstance(vpc, str) and VPC_ID.fullmatch(vpc):
        return vpc
    for relationship in item.get("relationships") or ():
        if isinstance(relationship, Mapping) and relationship.get("resourceType") == VPC_TYPE:
            related = relationship.get("resourceId")
            if isinstance(related, str) and VPC_ID.fullmatch(related):
                return related
    return None
