"""The AWS-layer tests' small emulated account, built by the one seeding builder (demo.seed.Seeder)."""

from __future__ import annotations

from typing import Any

import boto3
from demo.seed import AMI, Seeder

from eks_sg_rule.discovery import Discovery
from tests.conftest import ACCOUNT, REGION

__all__ = ["AMI", "Account", "self_all"]


class Account(Seeder):
    """A Seeder on a small account: one VPC (10.1.0.0/16, `vpc`) with one subnet (`subnet`); the tests use
    its short forms `sg`, `minimal_cluster` and `nodes`."""

    def __init__(self) -> None:
        super().__init__(
            boto3.client("ec2", region_name=REGION),
            boto3.client("eks", region_name=REGION),
            ACCOUNT,
            REGION,
            vpc_cidr="10.1.0.0/16",
            subnet_cidrs=("10.1.0.0/20",),
        )
        self.vpc = self.vpc_id
        self.subnet = self.subnets[0]

    def discovery(self) -> Discovery:
        return Discovery(eks=self.eks, ec2=self.ec2)


def self_all(sg_id: str) -> dict[str, Any]:
    return {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": sg_id}]}
