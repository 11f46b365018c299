"""A check's level decides its severity (one mapping, the README's table); ARNs follow AWS's formats
(IAM User Guide, "Identify AWS resources with Amazon Resource Names (ARNs)"; the Service
Authorization Reference's EKS `cluster` and EC2 `security-group` resource types) with the partition
of the region (aws, aws-cn, aws-us-gov, ...)."""

from __future__ import annotations

import pytest

from eks_sg_rule.arns import RESOURCE_ARN_TYPES, partition, resource_arn
from eks_sg_rule.requirements import CHECKS_BY_ID, Level
from eks_sg_rule.severity import SEVERITY_BY_LEVEL, Severity, grading, severity_table
from tests.conftest import ROOT


@pytest.mark.parametrize("check_id", sorted(CHECKS_BY_ID))
def test_every_check_has_its_level_and_the_level_s_severity(check_id: str) -> None:
    level, severity = grading(check_id)

    assert level is CHECKS_BY_ID[check_id].level
    assert severity is (Severity.HIGH if level is Level.MINIMUM else Severity.MEDIUM)


def test_an_unknown_check_id_has_no_level_and_no_severity() -> None:
    assert grading("NOT_A_CHECK") == (None, None)


def test_every_level_has_a_severity_and_the_readme_shows_the_table() -> None:
    assert set(SEVERITY_BY_LEVEL) == set(Level)
    table = severity_table()
    assert "| minimum | high |" in table
    assert "| recommended | medium |" in table
    assert table in (ROOT / "README.md").read_text()


@pytest.mark.parametrize(
    ("region", "expected"),
    [
        ("us-east-1", "aws"),
        ("eu-west-1", "aws"),
        ("ap-southeast-7", "aws"),
        ("cn-north-1", "aws-cn"),
        ("cn-northwest-1", "aws-cn"),
        ("us-gov-west-1", "aws-us-gov"),
        ("us-gov-east-1", "aws-us-gov"),
        ("us-iso-east-1", "aws-iso"),
        ("us-isob-east-1", "aws-iso-b"),
        ("eu-isoe-west-1", "aws-iso-e"),
        ("us-isof-south-1", "aws-iso-f"),
        ("eusc-de-east-1", "aws-eusc"),
    ],
)
def test_the_partition_follows_the_region(region: str, expected: str) -> None:
    assert partition(region) == expected


def test_cluster_and_security_group_arns() -> None:
    account = "123456789012"
    assert resource_arn("AWS::EKS::Cluster", "prod", "us-east-1", account) == (
        "arn:aws:eks:us-east-1:123456789012:cluster/prod"
    )
    assert resource_arn("AWS::EC2::SecurityGroup", "sg-0a1b2c3d", "cn-north-1", account) == (
        "arn:aws-cn:ec2:cn-north-1:123456789012:security-group/sg-0a1b2c3d"
    )
    assert resource_arn("AWS::EC2::SecurityGroup", "sg-1", "us-gov-west-1", account) == (
        "arn:aws-us-gov:ec2:us-gov-west-1:123456789012:security-group/sg-1"
    )
    assert resource_arn("AWS::EC2::NetworkAcl", "acl-1", "eu-west-1", account) == (
        "arn:aws:ec2:eu-west-1:123456789012:network-acl/acl-1"
    )


def test_no_arn_is_guessed_without_the_account_or_for_an_unknown_type() -> None:
    assert resource_arn("AWS::EKS::Cluster", "prod", "us-east-1", None) is None
    assert resource_arn("AWS::EKS::Cluster", "prod", "us-east-1", "") is None
    assert resource_arn("AWS::S3::Bucket", "b", "us-east-1", "123456789012") is None
    assert all(service in ("eks", "ec2") for service, _ in RESOURCE_ARN_TYPES.values())
