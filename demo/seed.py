"""Demo and test seeding, not product code: an emulated account with EKS clusters shaped like real ones.

Each layout follows what a real tool creates (EKS itself, eksctl, terraform-aws-eks, the old
CloudFormation quick-start). moto does not model everything EKS does; each gap is filled in
demo/moto_gaps.py (which says which), by editing moto's in-process records, and nowhere else; the
process-wide fills apply only once `fill_moto_gaps()` is called. The benchmark's scaled account is
demo/scaled.py.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

from demo.moto_gaps import (
    drop_invented_remote_access_sg,
    mark_in_use,
    report_own_groups_only,
    set_cluster_security_group,
    set_legacy_platform,
)

ROLE = "arn:aws:iam::{account}:role/{name}"
AMI = "ami-12c6146b"
VPC_CIDR = "10.0.0.0/16"
SUBNET_CIDRS = ("10.0.0.0/19", "10.0.32.0/19", "10.0.64.0/19")
# Dual-stack subnets (IPv4 and an IPv6 /64 each) and the custom-networking pod subnets (the VPC's
# secondary CIDR, as the VPC CNI docs set up ENIConfig subnets).
DUAL_STACK_CIDRS = ("10.0.96.0/20", "10.0.112.0/20")
POD_CIDR = "100.64.0.0/16"
POD_SUBNET_CIDRS = ("100.64.0.0/19", "100.64.32.0/19")
CLUSTER_SG_DESCRIPTION = (
    "EKS created security group applied to ENI that is attached to EKS Control Plane master nodes, "
    "as well as any managed workloads."
)


@dataclass(frozen=True)
class SeededCluster:
    name: str
    cluster_sg_id: str | None
    additional_sg_ids: tuple[str, ...]
    node_sg_ids: tuple[str, ...]
    instance_ids: tuple[str, ...]
    node_groups: int = 0


@dataclass(frozen=True)
class SeededAccount:
    region: str
    vpc_id: str
    clusters: dict[str, SeededCluster]
    unrelated_sg_ids: tuple[str, ...]


def _all_from(group_id: str) -> dict[str, Any]:
    return {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": group_id}]}


def _tcp_from(low: int, high: int, group_id: str) -> dict[str, Any]:
    return {"IpProtocol": "tcp", "FromPort": low, "ToPort": high, "UserIdGroupPairs": [{"GroupId": group_id}]}


def _tcp_cidr(low: int, high: int, cidr: str) -> dict[str, Any]:
    return {"IpProtocol": "tcp", "FromPort": low, "ToPort": high, "IpRanges": [{"CidrIp": cidr}]}


class Seeder:
    """Builds an emulated account through EC2 and EKS clients (moto-backed): one VPC (`vpc_cidr`) with a
    subnet per CIDR of `subnet_cidrs` (zones a, b, c of `region`), then SGs, clusters, node groups,
    instances and interfaces shaped as real tools create them. Each moto gap it meets is filled by
    demo.moto_gaps; the process-wide ones need `fill_moto_gaps()` first."""

    def __init__(
        self,
        ec2: Any,
        eks: Any,
        account_id: str,
        region: str,
        *,
        vpc_cidr: str = VPC_CIDR,
        subnet_cidrs: tuple[str, ...] = SUBNET_CIDRS,
    ) -> None:
        self.ec2 = ec2
        self.eks = eks
        self.account_id = account_id
        self.region = region
        # (cluster, managed node group) -> the instances managed_instances started for it.
        self._managed_nodes: dict[tuple[str, str], int] = {}
        self.vpc_id = ec2.create_vpc(CidrBlock=vpc_cidr)["Vpc"]["VpcId"]
        self.subnets = [
            ec2.create_subnet(VpcId=self.vpc_id, CidrBlock=cidr, AvailabilityZone=f"{region}{zone}")["Subnet"][
                "SubnetId"
            ]
            for cidr, zone in zip(subnet_cidrs, "abc", strict=False)
        ]

    # --- building blocks ------------------------------------------------------------------------

    def security_group(
        self,
        name: str,
        description: str,
        ingress: list[dict[str, Any]] | None = None,
        egress: list[dict[str, Any]] | None = None,
        tags: dict[str, str] | None = None,
    ) -> str:
        """An SG with these rules; `egress=None` keeps EC2's default (all traffic to 0.0.0.0/0)."""
        group_id: str = self.ec2.create_security_group(GroupName=name, Description=description, VpcId=self.vpc_id)[
            "GroupId"
        ]
        if ingress:
            self.ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=ingress)
        if egress is not None:
            self.ec2.revoke_security_group_egress(
                GroupId=group_id, IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
            )
            if egress:
                self.ec2.authorize_security_group_egress(GroupId=group_id, IpPermissions=egress)
        if tags:
            self.ec2.create_tags(Resources=[group_id], Tags=[{"Key": k, "Value": v} for k, v in tags.items()])
        return group_id

    def add_ingress(self, group_id: str, *rules: dict[str, Any]) -> None:
        self.ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=list(rules))

    def cluster(
        self,
        name: str,
        version: str,
        additional_sg_ids: list[str],
        subnets: list[str] | None = None,
        endpoint: dict[str, Any] | None = None,
    ) -> None:
        """CreateCluster in `subnets` (default: the Seeder's); `endpoint` overrides the API server
        endpoint's access (endpointPublicAccess, endpointPrivateAccess, publicAccessCidrs), public
        and private by default."""
        self.eks.create_cluster(
            name=name,
            version=version,
            roleArn=ROLE.format(account=self.account_id, name=f"{name}-cluster-role"),
            resourcesVpcConfig={
                "subnetIds": subnets or self.subnets,
                "securityGroupIds": additional_sg_ids,
                "endpointPublicAccess": True,
                "endpointPrivateAccess": True,
                **(endpoint or {}),
            },
        )

    def eks_cluster_sg(self, cluster: str) -> str:
        """The SG EKS creates with a 1.14/eks.3+ cluster: all traffic from itself, all egress, tagged owned."""
        group_id = self.security_group(
            f"eks-cluster-sg-{cluster}-1234567890",
            CLUSTER_SG_DESCRIPTION,
            tags={f"kubernetes.io/cluster/{cluster}": "owned", "aws:eks:cluster-name": cluster},
        )
        self.add_ingress(group_id, _all_from(group_id))
        set_cluster_security_group(self.account_id, self.region, cluster, group_id)
        self.control_plane_interfaces(cluster)
        return group_id

    def control_plane_interfaces(self, cluster: str) -> tuple[str, ...]:
        """moto gap: EKS places the control plane's cross-account network interfaces in the cluster's
        subnets (two here; EKS uses two to four), described "Amazon EKS <name>" and carrying the cluster
        SG and resourcesVpcConfig.securityGroupIds; moto creates none. Created here as EKS does."""
        described = self.eks.describe_cluster(name=cluster)["cluster"]
        vpc = described["resourcesVpcConfig"]
        groups = [g for g in [vpc.get("clusterSecurityGroupId"), *vpc.get("securityGroupIds", [])] if g]
        ids = tuple(
            str(
                self.ec2.create_network_interface(SubnetId=subnet, Groups=groups, Description=f"Amazon EKS {cluster}")[
                    "NetworkInterface"
                ]["NetworkInterfaceId"]
            )
            for subnet in vpc["subnetIds"][:2]
        )
        for interface_id in ids:
            mark_in_use(self.account_id, self.region, interface_id, described["roleArn"])
        return ids

    def instances(
        self,
        count: int,
        group_ids: list[str],
        tags: dict[str, str],
        subnets: list[str] | None = None,
        ipv6: bool = False,
    ) -> tuple[str, ...]:
        """`count` running instances spread over the subnets (one RunInstances call per subnet)."""
        ids: list[str] = []
        subnets = subnets or self.subnets
        for index, subnet in enumerate(subnets):
            share = count // len(subnets) + (1 if index < count % len(subnets) else 0)
            if not share:
                continue
            extra: dict[str, Any] = {"Ipv6AddressCount": 1} if ipv6 else {}
            reservation = self.ec2.run_instances(
                ImageId=AMI,
                InstanceType="m5.large",
                MinCount=share,
                MaxCount=share,
                SubnetId=subnet,
                SecurityGroupIds=group_ids,
                TagSpecifications=[
                    {"ResourceType": "instance", "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}
                ],
                **extra,
            )
            ids.extend(instance["InstanceId"] for instance in reservation["Instances"])
        return tuple(ids)

    def managed_nodegroup(
        self,
        cluster: str,
        name: str,
        launch_template: dict[str, str] | None = None,
        subnets: list[str] | None = None,
        desired_size: int = 2,
    ) -> None:
        kwargs: dict[str, Any] = {"launchTemplate": launch_template} if launch_template else {}
        self.eks.create_nodegroup(
            clusterName=cluster,
            nodegroupName=name,
            nodeRole=ROLE.format(account=self.account_id, name=f"{cluster}-node-role"),
            subnets=subnets or self.subnets,
            scalingConfig={"minSize": 0, "maxSize": max(6, desired_size), "desiredSize": desired_size},
            **kwargs,
        )
        drop_invented_remote_access_sg(self.account_id, self.region, cluster, name)

    def managed_instances(
        self,
        cluster: str,
        nodegroup: str,
        count: int,
        group_ids: list[str],
        subnets: list[str] | None = None,
        ipv6: bool = False,
    ) -> tuple[str, ...]:
        """What EKS starts for a managed node group (moto gap: moto starts none): instances of the
        Auto Scaling group the node group lists in resources.autoScalingGroups, with EKS's tags."""
        described = self.eks.describe_nodegroup(clusterName=cluster, nodegroupName=nodegroup)["nodegroup"]
        auto_scaling_group = described["resources"]["autoScalingGroups"][0]["name"]
        started = self.instances(
            count,
            group_ids,
            {
                "eks:cluster-name": cluster,
                "eks:nodegroup-name": nodegroup,
                f"kubernetes.io/cluster/{cluster}": "owned",
                "aws:autoscaling:groupName": auto_scaling_group,
            },
            subnets,
            ipv6,
        )
        # EKS's DescribeNodegroup reports the size it keeps: scalingConfig.desiredSize is the number
        # of nodes the node group runs once stable (the sweep compares it with the nodes it found).
        size = self._managed_nodes.get((cluster, nodegroup), 0) + len(started)
        self._managed_nodes[(cluster, nodegroup)] = size
        self.eks.update_nodegroup_config(
            clusterName=cluster,
            nodegroupName=nodegroup,
            scalingConfig={"minSize": 0, "maxSize": max(6, size), "desiredSize": size},
        )
        return started

    def attach_pod_interface(self, instance_id: str, subnet: str, group_ids: list[str], device_index: int = 1) -> str:
        """A secondary network interface for pods, as the VPC CNI attaches it (with custom networking:
        in the ENIConfig's subnet, with the ENIConfig's SGs)."""
        interface = self.ec2.create_network_interface(
            SubnetId=subnet, Groups=group_ids, Description=f"aws-K8S-{instance_id}"
        )["NetworkInterface"]
        interface_id = str(interface["NetworkInterfaceId"])
        self.ec2.attach_network_interface(
            NetworkInterfaceId=interface_id, InstanceId=instance_id, DeviceIndex=device_index
        )
        report_own_groups_only(self.account_id, self.region, interface_id)
        return interface_id

    def dual_stack_subnets(self) -> list[str]:
        """Subnets with an IPv4 range and an IPv6 /64 of the VPC's Amazon-provided /56."""
        if not getattr(self, "_dual_stack", None):
            association = self.ec2.associate_vpc_cidr_block(VpcId=self.vpc_id, AmazonProvidedIpv6CidrBlock=True)
            block = ipaddress.ip_network(association["Ipv6CidrBlockAssociation"]["Ipv6CidrBlock"])
            ranges = block.subnets(new_prefix=64)
            self._dual_stack = [
                self.ec2.create_subnet(
                    VpcId=self.vpc_id,
                    CidrBlock=cidr,
                    Ipv6CidrBlock=str(next(ranges)),
                    AvailabilityZone=f"{self.region}{zone}",
                )["Subnet"]["SubnetId"]
                for cidr, zone in zip(DUAL_STACK_CIDRS, "ab", strict=True)
            ]
        return list(self._dual_stack)

    def pod_subnets(self) -> list[str]:
        """Custom networking's pod subnets, in a secondary CIDR of the VPC."""
        if not getattr(self, "_pod_subnets", None):
            self.ec2.associate_vpc_cidr_block(VpcId=self.vpc_id, CidrBlock=POD_CIDR)
            self._pod_subnets = [
                self.ec2.create_subnet(VpcId=self.vpc_id, CidrBlock=cidr, AvailabilityZone=f"{self.region}{zone}")[
                    "Subnet"
                ]["SubnetId"]
                for cidr, zone in zip(POD_SUBNET_CIDRS, "ab", strict=True)
            ]
        return list(self._pod_subnets)

    def default_sg(self) -> str:
        groups = self.ec2.describe_security_groups(
            Filters=[{"Name": "vpc-id", "Values": [self.vpc_id]}, {"Name": "group-name", "Values": ["default"]}]
        )["SecurityGroups"]
        group_id = str(groups[0]["GroupId"])
        self_rule = [p for p in groups[0]["IpPermissions"] if p.get("UserIdGroupPairs")]
        if not self_rule:
            # moto gap: EC2 gives a VPC's default SG an inbound rule allowing all traffic from
            # itself; moto's has none.
            self.add_ingress(group_id, _all_from(group_id))
        return group_id

    def launch_template(self, name: str, group_ids: list[str]) -> dict[str, str]:
        data: dict[str, Any] = {"InstanceType": "m5.large"}
        if group_ids:
            data["SecurityGroupIds"] = group_ids
        template = self.ec2.create_launch_template(LaunchTemplateName=name, LaunchTemplateData=data)["LaunchTemplate"]
        return {"id": template["LaunchTemplateId"], "version": str(template["LatestVersionNumber"])}

    # --- the AWS-layer tests' short forms (tests/aws/accounts.py) -------------------------------------

    def sg(self, name: str, ingress: list[dict[str, Any]] | None = None, tags: dict[str, str] | None = None) -> str:
        """An SG described by its name, with these inbound rules and tags and EC2's default egress."""
        return self.security_group(name, name, ingress, tags=tags)

    def minimal_cluster(self, name: str, cluster_sg: str | None, additional: list[str] | None = None) -> None:
        """A cluster in the first subnet with EKS's defaults (no version, no endpoint settings), `cluster_sg`
        as its clusterSecurityGroupId (None: a pre-1.14 cluster) and `additional` as securityGroupIds; one
        control-plane interface carrying the existing ones of those SGs (moto gaps, as in
        `control_plane_interfaces`; moto would create a named SG that does not exist)."""
        role = ROLE.format(account=self.account_id, name="eks")
        self.eks.create_cluster(
            name=name,
            roleArn=role,
            resourcesVpcConfig={"subnetIds": [self.subnets[0]], "securityGroupIds": additional or []},
        )
        if cluster_sg:
            set_cluster_security_group(self.account_id, self.region, name, cluster_sg)
        wanted = [sg for sg in [cluster_sg, *(additional or [])] if sg]
        existing = self.ec2.describe_security_groups(Filters=[{"Name": "group-id", "Values": wanted}])["SecurityGroups"]
        groups = [g["GroupId"] for g in existing]
        if groups:
            interface = self.ec2.create_network_interface(
                SubnetId=self.subnets[0], Groups=groups, Description=f"Amazon EKS {name}"
            )["NetworkInterface"]
            mark_in_use(self.account_id, self.region, interface["NetworkInterfaceId"], role)

    def nodes(self, cluster: str, sgs: list[str], count: int = 1, **tags: str) -> list[str]:
        """`count` running instances (EC2's default type) in the first subnet with these SGs, tagged
        eks:cluster-name = `cluster` and `tags`; their instance ids."""
        all_tags = {"eks:cluster-name": cluster, **tags}
        reservation = self.ec2.run_instances(
            ImageId=AMI,
            MinCount=count,
            MaxCount=count,
            SubnetId=self.subnets[0],
            SecurityGroupIds=sgs,
            TagSpecifications=[
                {"ResourceType": "instance", "Tags": [{"Key": k, "Value": v} for k, v in all_tags.items()]}
            ],
        )
        return [i["InstanceId"] for i in reservation["Instances"]]

    # --- the layouts ----------------------------------------------------------------------------

    def prod_managed(self, name: str = "prod-managed", nodes: int = 3) -> SeededCluster:
        """EKS defaults with eksctl's extra control-plane SG: compliant at every level."""
        control_plane = self.security_group(
            f"{name}-controlplane", "Communication between the control plane and worker nodegroups"
        )
        self.cluster(name, "1.30", [control_plane])
        cluster_sg = self.eks_cluster_sg(name)
        self.managed_nodegroup(name, "ng-general")
        instances = self.managed_instances(name, "ng-general", nodes, [cluster_sg])
        # A spot node group scaled to zero whose launch template names no SG: its nodes get the cluster SG.
        self.managed_nodegroup(name, "ng-spot", self.launch_template(f"{name}-ng-spot", []), desired_size=0)
        return SeededCluster(name, cluster_sg, (control_plane,), (), instances, node_groups=2)

    def kubelet_blocked(self, name: str = "kubelet-blocked", nodes: int = 2, groups: int = 1) -> SeededCluster:
        """terraform-aws-eks style self-managed nodes whose node SG lacks kubelet access from the control plane."""
        control_plane = self.security_group(f"{name}-cluster", "EKS cluster security group.")
        node = self.security_group(
            f"{name}-node",
            "Security group for all nodes in the cluster.",
            tags={f"kubernetes.io/cluster/{name}": "owned"},
        )
        self.add_ingress(node, _all_from(node), _tcp_from(443, 443, control_plane))
        self.add_ingress(control_plane, _tcp_from(443, 443, node))
        self.cluster(name, "1.29", [control_plane])
        cluster_sg = self.eks_cluster_sg(name)
        instances: tuple[str, ...] = ()
        for group in _group_names(f"{name}-workers", groups):
            instances += self.instances(
                nodes // groups,
                [node],
                {
                    f"kubernetes.io/cluster/{name}": "owned",
                    "aws:autoscaling:groupName": group,
                    "Name": f"{name}-worker",
                },
            )
        return SeededCluster(name, cluster_sg, (control_plane,), (node,), instances, node_groups=groups)

    def two_owned(self, name: str = "two-owned", nodes: int = 2, groups: int = 1) -> SeededCluster:
        """A launch template adds the cluster SG to nodes whose own SG is tagged owned too."""
        self.cluster(name, "1.31", [])
        cluster_sg = self.eks_cluster_sg(name)
        node = self.security_group(
            f"{name}-node", "Node security group", tags={f"kubernetes.io/cluster/{name}": "owned"}
        )
        self.add_ingress(node, _all_from(node), _all_from(cluster_sg))
        instances: tuple[str, ...] = ()
        for group in _group_names("ng-app", groups):
            self.managed_nodegroup(name, group, self.launch_template(f"{name}-{group}", [node, cluster_sg]))
            instances += self.managed_instances(name, group, nodes // groups, [node, cluster_sg])
        return SeededCluster(name, cluster_sg, (), (node,), instances, node_groups=groups)

    def legacy_113(self, name: str = "legacy-113", nodes: int = 2, groups: int = 1) -> SeededCluster:
        """The pre-1.14 CloudFormation quick-start: no cluster SG, a control-plane SG and a node SG."""
        control_plane = self.security_group(f"{name}-controlplane", "Cluster communication with worker nodes")
        node = self.security_group(
            f"{name}-node",
            "Security group for all nodes in the cluster",
            tags={f"kubernetes.io/cluster/{name}": "owned"},
        )
        self.add_ingress(
            node, _all_from(node), _tcp_from(1025, 65535, control_plane), _tcp_from(443, 443, control_plane)
        )
        self.add_ingress(control_plane, _tcp_from(443, 443, node))
        self.ec2.revoke_security_group_egress(
            GroupId=control_plane, IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
        )
        self.ec2.authorize_security_group_egress(
            GroupId=control_plane, IpPermissions=[_tcp_from(1025, 65535, node), _tcp_from(443, 443, node)]
        )
        self.cluster(name, "1.13", [control_plane])
        set_legacy_platform(self.account_id, self.region, name, version="1.13", platform_version="eks.2")
        self.control_plane_interfaces(name)
        instances: tuple[str, ...] = ()
        for group in _group_names(f"{name}-workers", groups):
            tags = {f"kubernetes.io/cluster/{name}": "owned", "Name": f"{name}-worker"}
            if groups > 1:
                tags["aws:autoscaling:groupName"] = group
            instances += self.instances(nodes // groups, [node], tags)
        return SeededCluster(name, None, (control_plane,), (node,), instances, node_groups=groups)

    def dual_stack_ipv4(self, name: str = "dual-stack-v4", nodes: int = 2) -> SeededCluster:
        """terraform-aws-eks v21 defaults in a dual-stack VPC, on an `ipv4` cluster: managed nodes on
        the module's node SG (with IPv6 addresses too), node and cluster SGs sending all traffic to
        0.0.0.0/0 only. Passes `minimum`: an IPv4 cluster's kubelet and API traffic is IPv4."""
        subnets = self.dual_stack_subnets()
        control_plane = self.security_group(f"{name}-cluster", "EKS cluster security group")
        node = self.security_group(
            f"{name}-node", "EKS node shared security group", tags={f"kubernetes.io/cluster/{name}": "owned"}
        )
        self.add_ingress(
            node,
            _tcp_from(443, 443, control_plane),
            _tcp_from(10250, 10250, control_plane),
            _tcp_from(1025, 65535, node),
        )
        self.add_ingress(control_plane, _tcp_from(443, 443, node))
        self.cluster(name, "1.33", [control_plane], subnets=subnets)
        cluster_sg = self.eks_cluster_sg(name)
        self.managed_nodegroup(name, "ng-default", self.launch_template(f"{name}-ng-default", [node]))
        instances = self.managed_instances(name, "ng-default", nodes, [node], subnets=subnets, ipv6=True)
        return SeededCluster(name, cluster_sg, (control_plane,), (node,), instances, node_groups=1)

    def custom_networking(self, name: str = "custom-networking", nodes: int = 2) -> SeededCluster:
        """EKS defaults, with the VPC CNI's custom networking: pods on a secondary interface in the
        ENIConfig's subnet, whose SG is the VPC's default SG instead of the cluster SG. The control
        plane does not admit the pods' API calls (nor reach their webhooks)."""
        self.cluster(name, "1.32", [])
        cluster_sg = self.eks_cluster_sg(name)
        self.managed_nodegroup(name, "ng-main")
        instances = self.managed_instances(name, "ng-main", nodes, [cluster_sg])
        default_sg = self.default_sg()
        pod_subnets = self.pod_subnets()
        for index, instance in enumerate(instances):
            self.attach_pod_interface(instance, pod_subnets[index % len(pod_subnets)], [default_sg])
        return SeededCluster(name, cluster_sg, (), (default_sg,), instances, node_groups=1)

    def fargate_only(self, name: str = "fargate-only") -> SeededCluster:
        """All pods on Fargate: no EC2 node; the worker checks do not apply."""
        self.cluster(name, "1.31", [])
        cluster_sg = self.eks_cluster_sg(name)
        self.eks.create_fargate_profile(
            fargateProfileName="fp-default",
            clusterName=name,
            podExecutionRoleArn=ROLE.format(account=self.account_id, name=f"{name}-pod-execution"),
            selectors=[{"namespace": "default"}, {"namespace": "kube-system"}],
        )
        return SeededCluster(name, cluster_sg, (), (), ())

    def no_nodes(self) -> SeededCluster:
        """A freshly created cluster with no node yet: the worker checks cannot be judged."""
        name = "no-nodes"
        self.cluster(name, "1.30", [])
        cluster_sg = self.eks_cluster_sg(name)
        return SeededCluster(name, cluster_sg, (), (), ())

    def unrelated(self) -> tuple[str, ...]:
        return (
            self.security_group("web-alb", "Public ALB", [_tcp_cidr(443, 443, "0.0.0.0/0")]),
            self.security_group("bastion", "SSH bastion", [_tcp_cidr(22, 22, "203.0.113.0/24")]),
            self.security_group("rds-postgres", "PostgreSQL", [_tcp_cidr(5432, 5432, VPC_CIDR)]),
            # The Kubernetes cloud provider tags its load-balancer SGs owned too; attached to no node.
            self.security_group(
                "k8s-elb-fake",
                "Security group for Kubernetes ELB a1b2c3 (default/web)",
                [_tcp_cidr(80, 80, "0.0.0.0/0")],
                tags={"kubernetes.io/cluster/prod-managed": "owned"},
            ),
        )


def _group_names(base: str, count: int) -> list[str]:
    return [base] if count == 1 else [f"{base}-{chr(ord('a') + index)}" for index in range(count)]


def seed_account(ec2: Any, eks: Any, *, account_id: str = "123456789012", region: str = "us-east-1") -> SeededAccount:
    """Create the demo layouts through the given (moto-backed) EC2 and EKS clients."""
    seeder = Seeder(ec2, eks, account_id, region)
    clusters = [
        seeder.prod_managed(),
        seeder.kubelet_blocked(),
        seeder.two_owned(),
        seeder.legacy_113(),
        seeder.dual_stack_ipv4(),
        seeder.custom_networking(),
        seeder.fargate_only(),
        seeder.no_nodes(),
    ]
    return SeededAccount(
        region=region,
        vpc_id=seeder.vpc_id,
        clusters={cluster.name: cluster for cluster in clusters},
        unrelated_sg_ids=seeder.unrelated(),
    )
