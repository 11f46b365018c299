"""Amazon Resource Names of the resources the rule evaluates, built from what the scan knows.

Pure: no AWS. Formats: AWS IAM User Guide, "Identify AWS resources with Amazon Resource Names
(ARNs)" (arn:partition:service:region:account-id:resource-type/resource-id) and the Service
Authorization Reference's resource types for Amazon EKS (cluster/<name>) and Amazon EC2
(security-group/<id>, network-acl/<id>, ...). The partition follows from the region as botocore's
partition table names it (cn-* in aws-cn, us-gov-* in aws-us-gov, ...).
"""

from __future__ import annotations

import re

# (region pattern, partition), first match wins; every other region is in `aws`.
_PARTITIONS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"cn-"), "aws-cn"),
    (re.compile(r"us-gov-"), "aws-us-gov"),
    (re.compile(r"us-iso-"), "aws-iso"),
    (re.compile(r"us-isob-"), "aws-iso-b"),
    (re.compile(r"eu-isoe-"), "aws-iso-e"),
    (re.compile(r"us-isof-"), "aws-iso-f"),
    (re.compile(r"eusc-"), "aws-eusc"),
)

# AWS Config resource type -> (service, ARN resource type).
RESOURCE_ARN_TYPES: dict[str, tuple[str, str]] = {
    "AWS::EKS::Cluster": ("eks", "cluster"),
    "AWS::EC2::SecurityGroup": ("ec2", "security-group"),
    "AWS::EC2::NetworkAcl": ("ec2", "network-acl"),
    "AWS::EC2::RouteTable": ("ec2", "route-table"),
    "AWS::EC2::Subnet": ("ec2", "subnet"),
    "AWS::EC2::VPC": ("ec2", "vpc"),
    "AWS::EC2::VPCEndpoint": ("ec2", "vpc-endpoint"),
    "AWS::EC2::NatGateway": ("ec2", "natgateway"),
    "AWS::EC2::NetworkInterface": ("ec2", "network-interface"),
    "AWS::EC2::Instance": ("ec2", "instance"),
    "AWS::EC2::PrefixList": ("ec2", "prefix-list"),
}


def partition(region: str) -> str:
    """The partition of a region code: `aws-cn` for cn-*, `aws-us-gov` for us-gov-*, `aws` for the rest."""
    return next((name for pattern, name in _PARTITIONS if pattern.match(region)), "aws")


def resource_arn(resource_type: str, resource_id: str, region: str, account_id: str | None) -> str | None:
    """The ARN of a resource of an AWS Config type (RESOURCE_ARN_TYPES), e.g.
    arn:aws:eks:us-east-1:123456789012:cluster/prod or arn:aws-cn:ec2:cn-north-1:...:security-group/sg-1.

    None when the account is unknown (sts:GetCallerIdentity did not answer) or the type has no
    format here: an ARN is never guessed."""
    known = RESOURCE_ARN_TYPES.get(resource_type)
    if known is None or not account_id:
        return None
    service, kind = known
    return f"arn:{partition(region)}:{service}:{region}:{account_id}:{kind}/{resource_id}"
