"""A small hand-built emulated account for AWS-layer tests: one VPC, one subnet, SG/cluster/node helpers."""

from __future__ import annotations

from typing import Any

import boto3
from demo.seed import mark_in_use
from moto.eks.models import eks_backends

from eks_sg_rule.discovery import Discovery
from tests.conftest import ACCOUNT, REGION

AMI = "ami-12c6146b"


class Account:
    """A small hand-built account: one VPC, one subnet, helpers for SGs, clusters and nodes."""

    def __init__(self) -> None:
        self.ec2 = boto3.client("ec2", region_name=REGION)
        self.eks = boto3.client("eks", region_name=REGION)
        self.vpc = self.ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
        self.subnet = self.ec2.create_subnet(VpcId=self.vpc, CidrBlock="10.1.0.0/20")["Subnet"]["SubnetId"]

    def sg(self, name: str, ingress: list[dict[str, Any]] | None = None, tags: dict[str, str] | None = None) -> str:
        sg_id: str = self.ec2.create_security_group(GroupName=name, Description=name, VpcId=self.vpc)["GroupId"]
        if ingress:
            self.ec2.authorize_security_group_ingress(GroupId=sg_id, IpPermissions=ingress)
        if tags:
            self.ec2.create_tags(Resources=[sg_id], Tags=[{"Key": k, "Value": v} for k, v in tags.items()])
        return sg_id

    def cluster(self, name: str, cluster_sg: str | None, additional: list[str] | None = None) -> None:
        self.eks.create_cluster(
            name=name,
            roleArn=f"arn:aws:iam::{ACCOUNT}:role/eks",
            resourcesVpcConfig={"subnetIds": [self.subnet], "securityGroupIds": additional or []},
        )
        if cluster_sg:
            # moto gap: EKS's clusterSecurityGroupId is not modelled; set it on moto's record.
            eks_backends[ACCOUNT][REGION].clusters[name].resources_vpc_config["clusterSecurityGroupId"] = cluster_sg
        # moto gap: EKS creates the control plane's network interfaces in the cluster's subnets,
        # described "Amazon EKS <name>", with the cluster SG and securityGroupIds; moto creates none.
        # (Only existing SGs: moto would create a named SG that does not exist.)
        wanted = [sg for sg in [cluster_sg, *(additional or [])] if sg]
        existing = self.ec2.describe_security_groups(Filters=[{"Name": "group-id", "Values": wanted}])["SecurityGroups"]
        groups = [g["GroupId"] for g in existing]
        if groups:
            interface = self.ec2.create_network_interface(
                SubnetId=self.subnet, Groups=groups, Description=f"Amazon EKS {name}"
            )["NetworkInterface"]
            mark_in_use(ACCOUNT, REGION, interface["NetworkInterfaceId"])

    def nodes(self, cluster: str, sgs: list[str], count: int = 1, **tags: str) -> list[str]:
        all_tags = {"eks:cluster-name": cluster, **tags}
        reservation = self.ec2.run_instances(
            ImageId=AMI,
            MinCount=count,
            MaxCount=count,
            SubnetId=self.subnet,
            SecurityGroupIds=sgs,
            TagSpecifications=[
                {"ResourceType": "instance", "Tags": [{"Key": k, "Value": v} for k, v in all_tags.items()]}
            ],
        )
        return [i["InstanceId"] for i in reservation["Instances"]]

    def discovery(self) -> Discovery:
        return Discovery(eks=self.eks, ec2=self.ec2)


def self_all(sg_id: str) -> dict[str, Any]:
    return {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": sg_id}]}
