"""A change to a network component through the real handler (issue 17, NetworkPath): with the option
on, a network ACL change re-judges only the clusters of its VPC, read by name after one
DescribeNetworkInterfaces; without it, the item is NOT_APPLICABLE and nothing is read.

The account: the demo account (eight clusters in one VPC) and a second VPC holding one cluster,
`blue`. The event is a ConfigurationItemChangeNotification for the second VPC's network ACL, built
on events/sg-change.json (Lambda-notification key style, as the AWS sample
/work/shared/ci-samples/events/AWS_EC2_SecurityGroup.ConfigurationItemChangeNotification.invokingEvent.json
has it) with an AWS::EC2::NetworkAcl configuration in the keys AWS Config records for that type: the
AWS Config resource schema (awslabs/aws-config-resource-schema, AWS::EC2::NetworkAcl.properties.json:
associations, entries with cidrBlock, egress, icmpTypeCode, ipv6CidrBlock, portRange, protocol,
ruleAction, ruleNumber; isDefault, networkAclId, ownerId, vpcId) and a published NetworkAcl item
(an open-source AWS inventory tool's test data: the same keys, `protocol` "-1" with `portRange`
null, the default rule 32767, availabilityZone "Multiple Availability Zones").
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from demo.seed import SeededAccount, Seeder, seed_account

from eks_sg_rule.handler import lambda_handler
from eks_sg_rule.rule import NETWORK_PATH_OFF
from tests.conftest import ACCOUNT, REGION, ApiCalls, ConfigResultStore, LambdaContext, load_event
from tests.e2e.test_handler import with_item, with_parameters

NACL = "AWS::EC2::NetworkAcl"
CLUSTER = "AWS::EKS::Cluster"
# What the rule writes with, not what it reads.
NOT_READS = {"PutEvaluations"}


@dataclass(frozen=True)
class Vpc:
    """A VPC of the test: its id, its default network ACL and its subnets."""

    vpc_id: str
    acl_id: str
    subnets: list[str]


@pytest.fixture
def account(aws: None) -> SeededAccount:
    return seed_account(boto3.client("ec2", region_name=REGION), boto3.client("eks", region_name=REGION), region=REGION)


@pytest.fixture
def blue(account: SeededAccount) -> Vpc:
    """A second VPC with one cluster, `blue` (the demo's prod-managed layout)."""
    ec2 = boto3.client("ec2", region_name=REGION)
    seeder = Seeder(
        ec2,
        boto3.client("eks", region_name=REGION),
        ACCOUNT,
        REGION,
        vpc_cidr="10.1.0.0/16",
        subnet_cidrs=("10.1.0.0/19", "10.1.32.0/19"),
    )
    seeder.prod_managed("blue", nodes=2)
    [acl] = ec2.describe_network_acls(Filters=[{"Name": "vpc-id", "Values": [seeder.vpc_id]}])["NetworkAcls"]
    return Vpc(seeder.vpc_id, acl["NetworkAclId"], seeder.subnets)


def nacl_item(acl_id: str, vpc_id: str | None, subnets: list[str], status: str = "OK") -> dict[str, Any]:
    """A network ACL's configuration item in the Lambda-notification key style (see the module docstring)."""
    configuration = {
        "associations": [
            {"networkAclAssociationId": f"aclassoc-{index:017x}", "networkAclId": acl_id, "subnetId": subnet}
            for index, subnet in enumerate(subnets)
        ],
        "entries": [
            {
                "cidrBlock": "0.0.0.0/0",
                "egress": egress,
                "icmpTypeCode": None,
                "ipv6CidrBlock": None,
                "portRange": None,
                "protocol": "-1",
                "ruleAction": action,
                "ruleNumber": number,
            }
            for egress in (True, False)
            for action, number in (("allow", 100), ("deny", 32767))
        ],
        "isDefault": True,
        "networkAclId": acl_id,
        "ownerId": ACCOUNT,
        "tags": [],
        "vpcId": vpc_id,
    }
    deleted = status.startswith("ResourceDeleted")
    return {
        "resourceType": NACL,
        "resourceName": None,
        "ARN": f"arn:aws:ec2:{REGION}:{ACCOUNT}:network-acl/{acl_id}",
        "availabilityZone": "Multiple Availability Zones",
        "configurationItemStatus": status,
        "configuration": None if deleted or vpc_id is None else configuration,
        "relationships": [
            *(
                [
                    {
                        "resourceId": vpc_id,
                        "resourceName": None,
                        "resourceType": "AWS::EC2::VPC",
                        "name": "Is contained in Vpc",
                    }
                ]
                if vpc_id and not deleted
                else []
            ),
            *(
                {
                    "resourceId": s,
                    "resourceName": None,
                    "resourceType": "AWS::EC2::Subnet",
                    "name": "Is attached to Subnet",
                }
                for s in ([] if deleted else subnets)
            ),
        ],
        "tags": {},
    }


def nacl_change(vpc: Vpc, network_path: str | None, **overrides: Any) -> dict[str, Any]:
    item = nacl_item(vpc.acl_id, vpc.vpc_id, vpc.subnets) | overrides
    event = with_item(load_event("sg-change.json"), vpc.acl_id)
    invoking = json.loads(event["invokingEvent"])
    invoking["configurationItem"] = {
        **{k: v for k, v in invoking["configurationItem"].items() if k not in ("tags", "relationships")},
        **item,
        "resourceId": vpc.acl_id,
    }
    event = {**event, "invokingEvent": json.dumps(invoking)}
    parameters = {"ComplianceLevel": "minimum"} | ({"NetworkPath": network_path} if network_path else {})
    return with_parameters(event, **parameters)


def written(store: ConfigResultStore, since: int = 0) -> dict[tuple[str, str], tuple[str, str]]:
    return {
        (e["ComplianceResourceType"], e["ComplianceResourceId"]): (e["ComplianceType"], e.get("Annotation", ""))
        for e in store.evaluations[since:]
    }


def reads(api_calls: ApiCalls) -> Counter[str]:
    return Counter(name for name, _, _ in api_calls.calls if name not in NOT_READS)


def test_with_network_path_a_nacl_change_reads_its_vpc_s_clusters_only(
    blue: Vpc, put_evaluations: ConfigResultStore, lambda_context: LambdaContext, api_calls: ApiCalls
) -> None:
    # The same cluster's own change notification, for the cost of the named read.
    cluster_event = with_parameters(
        with_item(load_event("cluster-change.json"), "blue"), ComplianceLevel="minimum", NetworkPath="true"
    )
    lambda_handler(cluster_event, lambda_context)
    by_cluster = written(put_evaluations)
    named_read = reads(api_calls)
    api_calls.clear()
    since = len(put_evaluations.evaluations)

    lambda_handler(nacl_change(blue, "true"), lambda_context)

    # One DescribeNetworkInterfaces finds the VPC's control planes; then exactly the cluster's own read.
    assert reads(api_calls) == named_read + Counter({"DescribeNetworkInterfaces": 1})
    [lookup] = [p for p in api_calls.params("DescribeNetworkInterfaces") if "vpc-id" in json.dumps(p)]
    assert lookup["Filters"] == [
        {"Name": "vpc-id", "Values": [blue.vpc_id]},
        {"Name": "description", "Values": ["Amazon EKS *"]},
    ]
    assert api_calls.count("ListClusters") == 0
    assert [p["name"] for p in api_calls.params("DescribeCluster")] == ["blue"]
    after = written(put_evaluations, since)
    # The clusters of the other VPC are neither read nor written; blue's verdicts are its own change's.
    assert {k for k in after if k[0] == CLUSTER} == {(CLUSTER, "blue")}
    assert after == by_cluster
    # The ACL itself has the evaluation the path checks give it, whichever change started the run.
    assert after[(NACL, blue.acl_id)][0] == "COMPLIANT"


def test_without_network_path_a_nacl_change_is_not_applicable_and_reads_nothing(
    blue: Vpc, put_evaluations: ConfigResultStore, lambda_context: LambdaContext, api_calls: ApiCalls
) -> None:
    for value in (None, "false", "FALSE"):
        api_calls.clear()
        since = len(put_evaluations.evaluations)

        result = lambda_handler(nacl_change(blue, value), lambda_context)

        assert written(put_evaluations, since) == {(NACL, blue.acl_id): ("NOT_APPLICABLE", NETWORK_PATH_OFF)}
        assert result == {"evaluations_written": 1}
        assert reads(api_calls) == Counter()


@pytest.mark.parametrize("status", ["ResourceDeleted", "ResourceDeletedNotRecorded"])
def test_a_deleted_network_acl_is_not_applicable_without_a_read(
    blue: Vpc, put_evaluations: ConfigResultStore, lambda_context: LambdaContext, api_calls: ApiCalls, status: str
) -> None:
    event = nacl_change(blue, "true", **nacl_item(blue.acl_id, blue.vpc_id, blue.subnets, status=status))

    lambda_handler(event, lambda_context)

    assert written(put_evaluations) == {
        (NACL, blue.acl_id): ("NOT_APPLICABLE", f"deleted (configurationItemStatus {status})")
    }
    assert reads(api_calls) == Counter()


def test_an_item_that_names_no_vpc_cannot_be_judged_and_reads_nothing(
    blue: Vpc, put_evaluations: ConfigResultStore, lambda_context: LambdaContext, api_calls: ApiCalls
) -> None:
    """ResourceNotRecorded: Config sends no configuration and no relationships (no VPC to read)."""
    unrecorded = nacl_item(blue.acl_id, None, [], status="ResourceNotRecorded")

    lambda_handler(nacl_change(blue, "true", **unrecorded), lambda_context)

    [(status, annotation)] = written(put_evaluations).values()
    assert status == "NOT_APPLICABLE" and annotation.startswith("cannot judge: the configuration item names no VPC")
    assert reads(api_calls) == Counter()


def test_the_vpc_comes_from_the_relationship_when_the_configuration_lacks_it(
    blue: Vpc, put_evaluations: ConfigResultStore, lambda_context: LambdaContext, api_calls: ApiCalls
) -> None:
    item = nacl_item(blue.acl_id, blue.vpc_id, blue.subnets)
    item["configuration"] = {k: v for k, v in item["configuration"].items() if k != "vpcId"}

    lambda_handler(nacl_change(blue, "true", **item), lambda_context)

    assert [p["name"] for p in api_calls.params("DescribeCluster")] == ["blue"]
    assert (CLUSTER, "blue") in written(put_evaluations)


def test_a_vpc_without_clusters_is_one_lookup(
    account: SeededAccount, put_evaluations: ConfigResultStore, lambda_context: LambdaContext, api_calls: ApiCalls
) -> None:
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc_id = ec2.create_vpc(CidrBlock="10.2.0.0/16")["Vpc"]["VpcId"]
    [acl] = ec2.describe_network_acls(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["NetworkAcls"]
    empty = Vpc(vpc_id, acl["NetworkAclId"], [])
    api_calls.clear()

    lambda_handler(nacl_change(empty, "true"), lambda_context)

    assert written(put_evaluations) == {(NACL, empty.acl_id): ("NOT_APPLICABLE", f"no EKS cluster in {vpc_id}")}
    assert reads(api_calls) == Counter({"DescribeNetworkInterfaces": 1})


def test_a_forged_control_plane_interface_never_brings_another_vpc_s_cluster(
    blue: Vpc, account: SeededAccount, put_evaluations: ConfigResultStore, lambda_context: LambdaContext
) -> None:
    """Anyone may describe an interface "Amazon EKS prod-managed" in the second VPC: the rule reads
    that cluster (a candidate) but judges for this VPC only a cluster DescribeCluster places in it."""
    ec2 = boto3.client("ec2", region_name=REGION)
    ec2.create_network_interface(SubnetId=blue.subnets[0], Description="Amazon EKS prod-managed")

    lambda_handler(nacl_change(blue, "true"), lambda_context)

    assert {k[1] for k in written(put_evaluations) if k[0] == CLUSTER} == {"blue"}


def test_an_oversized_nacl_notification_cannot_be_judged_and_reads_nothing(
    blue: Vpc, put_evaluations: ConfigResultStore, lambda_context: LambdaContext, api_calls: ApiCalls
) -> None:
    """The oversized notification carries a summary without configuration (events/sg-oversized.json,
    after the AWS docs' sample): the item names no VPC."""
    event = with_item(load_event("sg-oversized.json"), blue.acl_id, resourceType=NACL)

    lambda_handler(with_parameters(event, NetworkPath="true"), lambda_context)

    [(status, annotation)] = written(put_evaluations).values()
    assert status == "NOT_APPLICABLE" and annotation.startswith("cannot judge: the configuration item names no VPC")
    assert reads(api_calls) == Counter()
