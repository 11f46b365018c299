"""Configuration items of both key styles normalise to the same model (the real samples, and Hypothesis)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from eks_sg_rule.config_items import ConfigItemError, item_exists, normalise
from eks_sg_rule.model import IpFamily, Protocol

SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "ci-samples"


def sample(name: str) -> dict[str, Any]:
    return json.loads((SAMPLES / name).read_text())


def test_history_api_sg_item() -> None:
    item = normalise(sample("AWS_EC2_SecurityGroup.rdk-example-ci.json"))
    group = item.security_group
    assert (item.resource_type, item.resource_id, not item_exists(item.status)) == (
        "AWS::EC2::SecurityGroup",
        "sg-1d56fc66",
        False,
    )
    assert group is not None
    [ssh] = group.ingress
    assert (ssh.protocol, ssh.from_port, ssh.to_port, [str(c) for c in ssh.cidrs]) == (
        Protocol.TCP,
        22,
        22,
        ["0.0.0.0/0"],
    )
    [egress] = group.egress
    assert (egress.protocol, egress.from_port, egress.to_port) == (Protocol.ALL, None, None)


def test_notification_sg_item_reads_both_range_forms_once() -> None:
    invoking = sample("AWS_EC2_SecurityGroup.ConfigurationItemChangeNotification.invokingEvent.json")
    item = normalise(invoking["configurationItem"])
    assert item.security_group is not None
    ingress = item.security_group.ingress
    # The sample's "10.0.0.0/0" has host bits set: a /0 is every address, whatever it is written as.
    assert [(p.protocol.value, p.from_port, [str(c) for c in p.cidrs]) for p in ingress[:2]] == [
        ("tcp", 15000, ["0.0.0.0/0"]),
        ("tcp", 80, ["0.0.0.0/0"]),
    ]
    assert ingress[2].cidrs == ()


def test_the_same_sg_in_both_styles_gives_the_same_model() -> None:
    notification = sample("AWS_EC2_SecurityGroup.ConfigurationItemChangeNotification.invokingEvent.json")[
        "configurationItem"
    ]
    history = history_style(notification)
    assert normalise(history).security_group == normalise(notification).security_group


def history_style(notification: dict[str, Any]) -> dict[str, Any]:
    """The history API's rendering of a notification-style item: other key names, ranges as strings."""
    item = copy.deepcopy(notification)
    renames = {"configurationItemVersion": "version", "awsAccountId": "accountId", "ARN": "arn"}
    for old, new in renames.items():
        item[new] = item.pop(old)
    item["relationships"] = [
        {**{k: v for k, v in r.items() if k != "name"}, "relationshipName": r["name"]} for r in item["relationships"]
    ]
    for key in ("ipPermissions", "ipPermissionsEgress"):
        for permission in item["configuration"][key]:
            permission.pop("ipv4Ranges", None)
    item["configuration"] = json.dumps(item["configuration"])  # the history API returns a JSON string
    return item


def test_eks_item_in_pascal_case_with_and_without_cluster_sg() -> None:
    raw = sample("AWS_EKS_Cluster.rdk-example-ci.json")
    cluster = normalise(raw).cluster
    assert cluster is not None
    assert (cluster.name, cluster.version, cluster.cluster_sg_id) == ("test", "1.21", None)
    assert cluster.subnet_ids == ("subnet-test",)
    assert cluster.ip_family is IpFamily.IPV4

    raw["configuration"]["ClusterSecurityGroupId"] = "sg-0123456789abcdef0"
    raw["configuration"]["ResourcesVpcConfig"]["SecurityGroupIds"] = ["sg-0fedcba9876543210"]
    cluster = normalise(raw).cluster
    assert cluster is not None
    assert cluster.cluster_sg_id == "sg-0123456789abcdef0"
    assert cluster.control_plane_sg_ids == ("sg-0123456789abcdef0", "sg-0fedcba9876543210")


def test_eks_item_endpoint_access_in_the_schemas_spelling() -> None:
    """The AWS Config resource schema (schema/AWS_EKS_Cluster.properties.json) names
    ResourcesVpcConfig.EndpointPublicAccess, EndpointPrivateAccess and PublicAccessCidrs; the rdk
    sample carries none of them, which reads as EKS's defaults."""
    schema = json.loads((SAMPLES / "schema" / "AWS_EKS_Cluster.properties.json").read_text())
    for field in ("EndpointPublicAccess", "EndpointPrivateAccess", "PublicAccessCidrs"):
        assert f"configuration.ResourcesVpcConfig.{field}" in schema
    raw = sample("AWS_EKS_Cluster.rdk-example-ci.json")
    cluster = normalise(raw).cluster
    assert cluster is not None
    assert (cluster.endpoint_public_access, cluster.endpoint_private_access) == (True, False)
    assert [str(n) for n in cluster.public_access_cidrs] == ["0.0.0.0/0"]

    raw["configuration"]["ResourcesVpcConfig"].update(
        EndpointPublicAccess=True, EndpointPrivateAccess=True, PublicAccessCidrs=["203.0.113.7/32"]
    )
    cluster = normalise(raw).cluster
    assert cluster is not None
    assert (cluster.endpoint_public_access, cluster.endpoint_private_access) == (True, True)
    assert [str(n) for n in cluster.public_access_cidrs] == ["203.0.113.7/32"]


def test_deleted_items_have_no_model() -> None:
    raw = sample("AWS_EKS_Cluster.rdk-example-ci.json")
    raw.update(configuration=None, configurationItemStatus="ResourceDeleted")
    item = normalise(raw)
    assert not item_exists(item.status)
    assert item.cluster is None


cidr = st.builds(
    lambda a, b, n: f"10.{a}.{b}.0/{n}", st.integers(0, 255), st.integers(0, 255), st.sampled_from([24, 28])
)
permission = st.fixed_dictionaries(
    {
        "ipProtocol": st.sampled_from(["tcp", "udp", "-1", "6"]),
        "fromPort": st.integers(0, 65535),
        "toPort": st.integers(0, 65535),
        "cidrs": st.lists(cidr, max_size=3, unique=True),
        "groups": st.lists(st.sampled_from(["sg-11111111", "sg-22222222"]), max_size=2, unique=True),
    }
)


def render(spec: dict[str, Any], style: str) -> dict[str, Any]:
    rendered: dict[str, Any] = {
        "ipProtocol": spec["ipProtocol"],
        "userIdGroupPairs": [{"groupId": g, "userId": "123456789012"} for g in spec["groups"]],
        "ipRanges": list(spec["cidrs"]),
        "prefixListIds": [],
    }
    if spec["ipProtocol"] != "-1":
        rendered |= {"fromPort": spec["fromPort"], "toPort": spec["toPort"]}
    if style == "notification":
        rendered |= {"ipv4Ranges": [{"cidrIp": c} for c in spec["cidrs"]], "ipv6Ranges": []}
    return rendered


@given(st.lists(permission, max_size=4), st.lists(permission, max_size=3))
def test_both_key_styles_give_the_same_model(ingress: list[dict[str, Any]], egress: list[dict[str, Any]]) -> None:
    def item(style: str) -> dict[str, Any]:
        return {
            "resourceType": "AWS::EC2::SecurityGroup",
            "resourceId": "sg-33333333",
            "configurationItemStatus": "OK",
            "configurationItemCaptureTime": "2026-11-20T09:14:03.512Z",
            "configuration": {
                "groupId": "sg-33333333",
                "ipPermissions": [render(p, style) for p in ingress],
                "ipPermissionsEgress": [render(p, style) for p in egress],
                "tags": [{"key": "team", "value": "platform"}],
            },
        }

    notification, history = normalise(item("notification")), normalise(item("history"))
    assert notification.security_group == history.security_group
    assert notification.security_group is not None
    assert all(p.from_port is None for p in notification.security_group.ingress if p.protocol is Protocol.ALL)


@pytest.mark.parametrize(
    ("status", "exists"),
    [
        ("OK", True),
        ("ResourceDiscovered", True),
        ("ResourceNotRecorded", True),
        ("ResourceDeleted", False),
        ("ResourceDeletedNotRecorded", False),
    ],
)
def test_each_item_status_says_whether_the_resource_exists(status: str, exists: bool) -> None:
    raw = sample("AWS_EKS_Cluster.rdk-example-ci.json")
    raw["configurationItemStatus"] = status
    item = normalise(raw)
    assert item_exists(status) is exists
    assert item_exists(item.status) is exists
    # Only a recorded item's configuration is read: an unrecorded or deleted one has none to trust.
    assert (item.cluster is not None) is (status in ("OK", "ResourceDiscovered"))


def test_a_status_outside_the_enum_is_an_error() -> None:
    with pytest.raises(ConfigItemError, match="'Gone' is not one of: OK, ResourceDiscovered"):
        item_exists("Gone")


# A network ACL item as AWS Config records it (keys: the AWS Config resource schema,
# AWS::EC2::NetworkAcl.properties.json; history-API style, `configuration` a JSON string, as a
# published NetworkAcl item has it).
NACL_HISTORY_ITEM = {
    "version": "1.3",
    "accountId": "123456789012",
    "configurationItemStatus": "OK",
    "resourceType": "AWS::EC2::NetworkAcl",
    "resourceId": "acl-d23888ab",
    "arn": "arn:aws:ec2:eu-west-1:123456789012:network-acl/acl-d23888ab",
    "availabilityZone": "Multiple Availability Zones",
    "configuration": json.dumps(
        {
            "associations": [
                {
                    "networkAclAssociationId": "aclassoc-bbb81bc5",
                    "networkAclId": "acl-d23888ab",
                    "subnetId": "subnet-1ddeb67b",
                }
            ],
            "entries": [
                {
                    "cidrBlock": "0.0.0.0/0",
                    "egress": True,
                    "icmpTypeCode": None,
                    "ipv6CidrBlock": None,
                    "portRange": None,
                    "protocol": "-1",
                    "ruleAction": "deny",
                    "ruleNumber": 32767,
                }
            ],
            "isDefault": True,
            "networkAclId": "acl-d23888ab",
            "tags": [],
            "vpcId": "vpc-08300e6e",
            "ownerId": "123456789012",
        }
    ),
    "relationships": [
        {
            "resourceId": "vpc-0123456789abcdef0",
            "resourceType": "AWS::EC2::VPC",
            "relationshipName": "Is contained in Vpc",
        }
    ],
}


def test_a_network_component_item_names_its_vpc() -> None:
    assert normalise(NACL_HISTORY_ITEM).vpc_id == "vpc-08300e6e"
    # Without configuration.vpcId: the VPC relationship, in either key style.
    bare = {**NACL_HISTORY_ITEM, "configuration": json.dumps({"networkAclId": "acl-d23888ab"})}
    assert normalise(bare).vpc_id == "vpc-0123456789abcdef0"
    # Not recorded: no configuration, no relationship; and only network components carry one.
    assert normalise({**bare, "relationships": []}).vpc_id is None
    assert (
        normalise({**NACL_HISTORY_ITEM, "configurationItemStatus": "ResourceNotRecorded", "relationships": []}).vpc_id
        is None
    )
    assert normalise(sample("AWS_EC2_SecurityGroup.rdk-example-ci.json")).vpc_id is None
