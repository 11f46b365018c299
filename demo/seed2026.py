"""Demo and test seeding for the 2026 requirement set (issue 19), not product code: five clusters in a
VPC of their own, so the demo account's clusters (demo/seed.py) and every test built on them stay as
they are. Each layout follows AWS's published text (cited per method); moto's gaps are filled by
demo/moto_gaps.py and demo/moto_gaps2026.py, which say which.

- shared-tag: a correct `shared` tag on the one tagged SG of nodes with two SGs.
- restricted-cluster-sg: AWS's "Restricting cluster traffic" layout on the cluster SG.
- efa-training: an EFA node group on the cluster SG, which lacks the outbound rule to itself.
- hybrid-edge: hybrid nodes whose remote pod CIDR the control plane's SGs do not admit.
- pods-sg-dns: security groups for pods, whose pod SG blocks DNS.
"""

from __future__ import annotations

from typing import Any

from demo.moto_gaps import report_own_groups_only, set_interface_type
from demo.moto_gaps2026 import report_in_use
from demo.seed import ROLE, SeededAccount, SeededCluster, Seeder, _all_from, _tcp_cidr, _tcp_from

VPC_CIDR_2026 = "10.20.0.0/16"
SUBNET_CIDRS_2026 = ("10.20.0.0/19", "10.20.32.0/19", "10.20.64.0/19")
REMOTE_NODE_CIDR = "10.80.0.0/16"
REMOTE_POD_CIDR = "10.85.0.0/16"
# The VPC resource controller's interfaces (Configure the Amazon VPC CNI plugin for security groups for
# Amazon EKS Pods): descriptions, and the tags it puts on a branch interface.
TRUNK_DESCRIPTION = "aws-k8s-trunk-eni"
BRANCH_DESCRIPTION = "aws-k8s-branch-eni"
CLUSTERS_2026 = ("shared-tag", "restricted-cluster-sg", "efa-training", "hybrid-edge", "pods-sg-dns")


def _udp_from(low: int, high: int, group_id: str) -> dict[str, Any]:
    return {"IpProtocol": "udp", "FromPort": low, "ToPort": high, "UserIdGroupPairs": [{"GroupId": group_id}]}


class Seeder2026(Seeder):
    """The demo Seeder in a VPC of its own (VPC_CIDR_2026), with the 2026 layouts."""

    def __init__(self, ec2: Any, eks: Any, account_id: str, region: str) -> None:
        super().__init__(ec2, eks, account_id, region, vpc_cidr=VPC_CIDR_2026, subnet_cidrs=SUBNET_CIDRS_2026)

    def managed_cluster(self, name: str, version: str, additional: list[str], nodes: int = 2) -> SeededCluster:
        """EKS defaults: the cluster SG EKS creates, one managed node group whose nodes carry it."""
        self.cluster(name, version, additional)
        cluster_sg = self.eks_cluster_sg(name)
        self.managed_nodegroup(name, "ng-main")
        instances = self.managed_instances(name, "ng-main", nodes, [cluster_sg])
        return SeededCluster(name, cluster_sg, tuple(additional), (), instances, node_groups=1)

    def shared_tag(self, name: str = "shared-tag", nodes: int = 2) -> SeededCluster:
        """terraform-aws-eks-style managed nodes with two SGs: the node SG tagged
        kubernetes.io/cluster/<name>=shared (the AWS Load Balancer Controller's one tagged SG) and an
        untagged monitoring SG. 2026: NODE_TAG passes; 2020: TAG_OWNED fails (it wants `owned`)."""
        control_plane = self.security_group(f"{name}-cluster", "EKS cluster security group")
        node = self.security_group(
            f"{name}-node", "EKS node shared security group", tags={f"kubernetes.io/cluster/{name}": "shared"}
        )
        monitoring = self.security_group(f"{name}-monitoring", "Prometheus node exporter scraping")
        self.add_ingress(
            node,
            _tcp_from(443, 443, control_plane),
            _tcp_from(10250, 10250, control_plane),
            _tcp_from(1025, 65535, node),
        )
        self.add_ingress(control_plane, _tcp_from(443, 443, node))
        self.add_ingress(monitoring, _tcp_cidr(9100, 9100, VPC_CIDR_2026))
        self.cluster(name, "1.33", [control_plane])
        cluster_sg = self.eks_cluster_sg(name)
        self.managed_nodegroup(name, "ng-default", self.launch_template(f"{name}-ng-default", [node, monitoring]))
        instances = self.managed_instances(name, "ng-default", nodes, [node, monitoring])
        return SeededCluster(name, cluster_sg, (control_plane,), (node, monitoring), instances, node_groups=1)

    def restricted_cluster_sg(self, name: str = "restricted-cluster-sg", nodes: int = 2) -> SeededCluster:
        """EKS defaults, then sec-group-reqs "Restricting cluster traffic": the cluster SG's outbound
        rule to 0.0.0.0/0 removed and the minimum added, TCP 443, TCP 10250 and TCP and UDP 53 to the
        cluster SG itself. 2026: passes; 2020 recommended: CLUSTER_SG_RULES fails (no all-traffic egress)."""
        seeded = self.managed_cluster(name, "1.32", [], nodes)
        cluster_sg = str(seeded.cluster_sg_id)
        self.ec2.revoke_security_group_egress(
            GroupId=cluster_sg, IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
        )
        self.ec2.authorize_security_group_egress(
            GroupId=cluster_sg,
            IpPermissions=[
                _tcp_from(443, 443, cluster_sg),
                _tcp_from(10250, 10250, cluster_sg),
                _tcp_from(53, 53, cluster_sg),
                _udp_from(53, 53, cluster_sg),
            ],
        )
        return seeded

    def efa_training(self, name: str = "efa-training", nodes: int = 2) -> SeededCluster:
        """A 1.33 cluster whose managed node group's nodes have an EFA as their primary interface (EC2
        InterfaceType `efa`) and carry the cluster SG, which has the default inbound rule from itself
        and all outbound to 0.0.0.0/0 but not the outbound rule to itself EFA traffic needs."""
        seeded = self.managed_cluster(name, "1.33", [], nodes)
        for instance_id in seeded.instance_ids:
            self.mark_efa(instance_id)
        return seeded

    def mark_efa(self, instance_id: str) -> None:
        """moto gap (moto_gaps.set_interface_type): the instance's primary interface is an EFA."""
        described = self.ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]
        for interface in described["NetworkInterfaces"]:
            if interface["Attachment"]["DeviceIndex"] == 0:
                set_interface_type(self.account_id, self.region, interface["NetworkInterfaceId"], "efa")

    def hybrid_edge(self, name: str = "hybrid-edge", nodes: int = 2) -> SeededCluster:
        """Prepare networking for hybrid nodes: remote node network 10.80.0.0/16 and remote pod network
        10.85.0.0/16, and the additional SG passed at creation admitting TCP 443 from the remote node
        CIDR only (the remote pod CIDR's rule is missing); cloud nodes in a managed node group too.
        moto keeps remoteNetworkConfig (not a gap); ListInsights is not (moto_gaps2026 answers it; none seeded)."""
        api_from_remote = [_tcp_cidr(443, 443, REMOTE_NODE_CIDR)]
        hybrid = self.security_group(f"{name}-hybrid", "Hybrid nodes: API server from remote networks", api_from_remote)
        self.eks.create_cluster(
            name=name,
            version="1.33",
            roleArn=ROLE.format(account=self.account_id, name=f"{name}-cluster-role"),
            resourcesVpcConfig={
                "subnetIds": self.subnets,
                "securityGroupIds": [hybrid],
                "endpointPublicAccess": True,
                "endpointPrivateAccess": True,
            },
            remoteNetworkConfig={
                "remoteNodeNetworks": [{"cidrs": [REMOTE_NODE_CIDR]}],
                "remotePodNetworks": [{"cidrs": [REMOTE_POD_CIDR]}],
            },
        )
        cluster_sg = self.eks_cluster_sg(name)
        self.managed_nodegroup(name, "ng-cloud")
        instances = self.managed_instances(name, "ng-cloud", nodes, [cluster_sg])
        return SeededCluster(name, cluster_sg, (hybrid,), (), instances, node_groups=1)

    def pods_sg_dns(self, name: str = "pods-sg-dns", nodes: int = 2) -> SeededCluster:
        """Security groups for pods on EKS defaults: each node has a trunk interface and one branch
        interface carrying the pod SG. The pod SG admits all TCP from the cluster SG (the nodes' SG:
        kubelet probes) and all traffic from itself, but sends only TCP 443 to 0.0.0.0/0: its pods
        cannot reach CoreDNS on TCP or UDP 53. The control plane admits the pods' API calls through an
        additional SG."""
        pod = self.security_group(f"{name}-pods", "Pods of the payments namespace (SecurityGroupPolicy)")
        control_plane = self.security_group(f"{name}-api-from-pods", "API server from pods with their own SG")
        self.add_ingress(control_plane, _tcp_from(443, 443, pod))
        seeded = self.managed_cluster(name, "1.33", [control_plane], nodes)
        cluster_sg = str(seeded.cluster_sg_id)
        self.add_ingress(pod, _all_from(pod), _tcp_from(0, 65535, cluster_sg))
        self.ec2.revoke_security_group_egress(
            GroupId=pod, IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
        )
        self.ec2.authorize_security_group_egress(GroupId=pod, IpPermissions=[_tcp_cidr(443, 443, "0.0.0.0/0")])
        for index, instance_id in enumerate(seeded.instance_ids):
            self.branch_interface(name, instance_id, cluster_sg, pod, vlan=index + 1)
        return SeededCluster(name, cluster_sg, (control_plane,), (pod,), seeded.instance_ids, node_groups=1)

    def branch_interface(self, cluster: str, instance_id: str, node_sg: str, pod_sg: str, vlan: int = 1) -> str:
        """What the VPC resource controller creates for a pod with a SecurityGroupPolicy: a trunk
        interface attached to the node (device index 2, the node's SGs) and a branch interface with the
        pod's SG, not attached (EC2 reports no Attachment), tagged with its trunk's id and VLAN (real
        describe-network-interfaces output: /work/shared/references/real-aws-outputs.md). moto gaps:
        InterfaceType (moto_gaps.set_interface_type), the branch's "in-use" status (report_in_use) and
        the trunk's own SGs (report_own_groups_only)."""
        described = self.ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]
        subnet = described["SubnetId"]
        trunk = self.ec2.create_network_interface(SubnetId=subnet, Groups=[node_sg], Description=TRUNK_DESCRIPTION)[
            "NetworkInterface"
        ]["NetworkInterfaceId"]
        self.ec2.attach_network_interface(NetworkInterfaceId=trunk, InstanceId=instance_id, DeviceIndex=2)
        report_own_groups_only(self.account_id, self.region, trunk)
        set_interface_type(self.account_id, self.region, trunk, "trunk")
        branch = self.ec2.create_network_interface(
            SubnetId=subnet,
            Groups=[pod_sg],
            Description=BRANCH_DESCRIPTION,
            TagSpecifications=[
                {
                    "ResourceType": "network-interface",
                    "Tags": [
                        {"Key": "vpcresources.k8s.aws/vlan-id", "Value": str(vlan)},
                        {"Key": "vpcresources.k8s.aws/trunk-eni-id", "Value": trunk},
                        {"Key": "eks:eni:owner", "Value": "eks-vpc-resource-controller"},
                        {"Key": f"kubernetes.io/cluster/{cluster}", "Value": "owned"},
                    ],
                }
            ],
        )["NetworkInterface"]["NetworkInterfaceId"]
        set_interface_type(self.account_id, self.region, branch, "branch")
        report_in_use(self.account_id, self.region, branch)
        return str(branch)


def seed_2026(ec2: Any, eks: Any, *, account_id: str = "123456789012", region: str = "us-east-1") -> SeededAccount:
    """Create the 2026 layouts (CLUSTERS_2026) in a VPC of their own through the given (moto-backed)
    EC2 and EKS clients; the process-wide gap fills (fill_moto_gaps, fill_2026_gaps) must be applied."""
    seeder = Seeder2026(ec2, eks, account_id, region)
    clusters = [
        seeder.shared_tag(),
        seeder.restricted_cluster_sg(),
        seeder.efa_training(),
        seeder.hybrid_edge(),
        seeder.pods_sg_dns(),
    ]
    by_name = {cluster.name: cluster for cluster in clusters}
    return SeededAccount(region=region, vpc_id=seeder.vpc_id, clusters=by_name, unrelated_sg_ids=())
