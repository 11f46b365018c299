"""Demo and bench seeding, not product code: the network layer around clusters (issue 17, NetworkPath).

Clusters whose required paths fail in each way the network-path checks name, and one whose every
path passes, in two VPCs of their own (so demo/seed.py's eight clusters and their SGs are untouched):

- VPC 10.1.0.0/16 ("paths"): control-plane subnets 10.1.0.0/24 and 10.1.1.0/24 (the clusters'
  subnets: the control plane's interfaces and the ECR interface endpoints live there, on the VPC's
  default network ACL and main route table), a public subnet 10.1.2.0/24 (route to the internet
  gateway, the NAT gateway at 203.0.113.7), and per cluster two node subnets whose route table sends
  0.0.0.0/0 to the NAT gateway and S3 through the gateway endpoint.
  - `nacl-blocked`: the node subnets' network ACL allows the control plane's requests in but has no
    outbound rule for the ephemeral ports back to the control-plane subnets: kubelet's replies (TCP
    10250 answered on 1024-65535) meet the `*` rule. NACL_MINIMUM fails.
  - `public-cidrs`: public endpoint only (endpointPrivateAccess false) whose publicAccessCidrs
    (198.51.100.0/24, an office) exclude the NAT gateway's address the nodes leave from.
    NODE_EGRESS_AWS_APIS fails.
  - `paths-ok`: ECR api/dkr interface endpoints (private DNS on, their SG admitting 443 from the
    VPC), the S3 gateway endpoint on the node route table, network ACLs that allow the flows both
    ways, a NAT gateway: every path check passes.
- VPC 10.2.0.0/16 ("private"): `private-no-ecr`, a private cluster (endpointPrivateAccess true,
  endpointPublicAccess false) whose nodes' subnets have no NAT gateway and no internet gateway, the
  S3 gateway endpoint but no ECR interface endpoint: no route to ECR. NODE_EGRESS_AWS_APIS fails.

Every cluster is EKS's default SG layout (the cluster SG on the control plane and on managed nodes),
so the SG checks pass: without NetworkPath each is COMPLIANT, exactly as before. moto's gaps met here
are filled by demo.moto_gaps (close_new_network_acl, give_public_address, shape_nat_gateway,
shape_vpc_endpoint, report_endpoint_access).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from demo.moto_gaps import (
    close_new_network_acl,
    give_public_address,
    report_endpoint_access,
    shape_nat_gateway,
    shape_vpc_endpoint,
)
from demo.seed import SeededCluster, Seeder

PATHS_VPC_CIDR = "10.1.0.0/16"
PATHS_CONTROL_PLANE_CIDRS = ("10.1.0.0/24", "10.1.1.0/24")
PATHS_PUBLIC_CIDR = "10.1.2.0/24"
PRIVATE_VPC_CIDR = "10.2.0.0/16"
PRIVATE_SUBNET_CIDRS = ("10.2.0.0/19", "10.2.32.0/19")
# The NAT gateway's Elastic IP address (documentation range) and the office range that excludes it.
NAT_ADDRESS = "203.0.113.7"
OFFICE_CIDR = "198.51.100.0/24"
# Rule spec: (rule number, egress, protocol ("-1" all, "6" TCP), CIDR, (from, to) or None, action).
AclRule = tuple[int, bool, str, str, tuple[int, int] | None, str]


@dataclass(frozen=True)
class SeededNetwork:
    """What `seed_network_paths` created: the clusters by name, the VPCs, and the network components
    by role (e.g. "nacl-blocked ACL": acl-…, "NAT gateway": nat-…), for the demo's legend and tests."""

    region: str
    clusters: dict[str, SeededCluster]
    vpc_ids: tuple[str, ...]
    components: dict[str, str] = field(default_factory=dict)


class NetworkLayer:
    """Builds one VPC's network layer through a Seeder's EC2 client (its VPC): subnets, internet and
    NAT gateways, route tables, network ACLs and VPC endpoints, each as EC2 creates it, moto's gaps
    filled (demo.moto_gaps)."""

    def __init__(self, seeder: Seeder) -> None:
        self.seeder = seeder
        self.ec2 = seeder.ec2
        self.vpc_id = seeder.vpc_id
        self.region = seeder.region

    def subnets(self, cidrs: tuple[str, ...]) -> list[str]:
        """One subnet per CIDR, in zones a, b, c."""
        return [
            str(
                self.ec2.create_subnet(VpcId=self.vpc_id, CidrBlock=cidr, AvailabilityZone=f"{self.region}{zone}")[
                    "Subnet"
                ]["SubnetId"]
            )
            for cidr, zone in zip(cidrs, "abc", strict=False)
        ]

    def internet_gateway(self) -> str:
        gateway = str(self.ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"])
        self.ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=self.vpc_id)
        return gateway

    def nat_gateway(self, subnet: str, address: str) -> str:
        """A public NAT gateway in `subnet` sending from the Elastic IP address `address`."""
        allocation = str(self.ec2.allocate_address(Domain="vpc")["AllocationId"])
        give_public_address(self.seeder.account_id, self.region, allocation, address)
        gateway = str(
            self.ec2.create_nat_gateway(SubnetId=subnet, AllocationId=allocation)["NatGateway"]["NatGatewayId"]
        )
        shape_nat_gateway(self.seeder.account_id, self.region, gateway)
        return gateway

    def route_table(self, subnets: list[str], routes: list[dict[str, str]]) -> str:
        """A route table with `routes` (CreateRoute parameters) beside its local route, associated with `subnets`."""
        table = str(self.ec2.create_route_table(VpcId=self.vpc_id)["RouteTable"]["RouteTableId"])
        for route in routes:
            self.ec2.create_route(RouteTableId=table, **route)
        for subnet in subnets:
            self.ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
        return table

    def main_route_table(self) -> str:
        tables = self.ec2.describe_route_tables(
            Filters=[{"Name": "vpc-id", "Values": [self.vpc_id]}, {"Name": "association.main", "Values": ["true"]}]
        )["RouteTables"]
        return str(tables[0]["RouteTableId"])

    def network_acl(self, subnets: list[str], rules: list[AclRule]) -> str:
        """A custom network ACL with `rules` (and EC2's `*` rules), replacing the ACL of `subnets`."""
        acl = str(self.ec2.create_network_acl(VpcId=self.vpc_id)["NetworkAcl"]["NetworkAclId"])
        close_new_network_acl(self.seeder.account_id, self.region, acl)
        for number, egress, protocol, cidr, ports, action in rules:
            extra: dict[str, Any] = {"PortRange": {"From": ports[0], "To": ports[1]}} if ports else {}
            self.ec2.create_network_acl_entry(
                NetworkAclId=acl,
                RuleNumber=number,
                Protocol=protocol,
                RuleAction=action,
                Egress=egress,
                CidrBlock=cidr,
                **extra,
            )
        current = self.ec2.describe_network_acls(Filters=[{"Name": "association.subnet-id", "Values": subnets}])
        for association in (a for found in current["NetworkAcls"] for a in found["Associations"]):
            if association["SubnetId"] in subnets:
                self.ec2.replace_network_acl_association(
                    AssociationId=association["NetworkAclAssociationId"], NetworkAclId=acl
                )
        return acl

    def interface_endpoint(self, service: str, subnets: list[str], group_ids: list[str]) -> str:
        """An interface endpoint for com.amazonaws.<region>.<service>, private DNS on."""
        endpoint = str(
            self.ec2.create_vpc_endpoint(
                VpcId=self.vpc_id,
                ServiceName=f"com.amazonaws.{self.region}.{service}",
                VpcEndpointType="Interface",
                SubnetIds=subnets,
                SecurityGroupIds=group_ids,
                PrivateDnsEnabled=True,
            )["VpcEndpoint"]["VpcEndpointId"]
        )
        shape_vpc_endpoint(self.seeder.account_id, self.region, endpoint)
        return endpoint

    def s3_gateway_endpoint(self, route_tables: list[str]) -> str:
        """The S3 gateway endpoint, its prefix-list route in `route_tables`."""
        endpoint = str(
            self.ec2.create_vpc_endpoint(
                VpcId=self.vpc_id,
                ServiceName=f"com.amazonaws.{self.region}.s3",
                VpcEndpointType="Gateway",
                RouteTableIds=route_tables,
            )["VpcEndpoint"]["VpcEndpointId"]
        )
        shape_vpc_endpoint(self.seeder.account_id, self.region, endpoint)
        return endpoint

    def ecr_endpoints(self, subnets: list[str], cidr: str) -> tuple[str, str, str]:
        """ECR's api and dkr interface endpoints in `subnets`, on an SG admitting TCP 443 from `cidr`;
        (endpoint SG, ecr.api endpoint, ecr.dkr endpoint)."""
        group = self.seeder.security_group(
            f"vpce-ecr-{self.vpc_id[-6:]}",
            "ECR interface endpoints: HTTPS from the VPC",
            [{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": cidr}]}],
        )
        return (
            group,
            self.interface_endpoint("ecr.api", subnets, [group]),
            self.interface_endpoint("ecr.dkr", subnets, [group]),
        )


def node_acl_rules(vpc_cidr: str) -> list[AclRule]:
    """A node subnet's network ACL that allows the required flows: everything within the VPC both
    ways, HTTPS out to anywhere and its replies (1024-65535) back in."""
    return [
        (100, False, "-1", vpc_cidr, None, "allow"),
        (110, False, "6", "0.0.0.0/0", (1024, 65535), "allow"),
        (100, True, "-1", vpc_cidr, None, "allow"),
        (110, True, "6", "0.0.0.0/0", (443, 443), "allow"),
    ]


def kubelet_return_blocked_rules(vpc_cidr: str, node_cidrs: tuple[str, ...]) -> list[AclRule]:
    """As node_acl_rules, but outbound only to the other node subnets and HTTPS to anywhere: no
    outbound rule for the ephemeral ports, so the replies to the control plane's requests (kubelet
    TCP 10250, answered on 1024-65535 to the control-plane subnets) fall to the `*` rule."""
    return [
        (100, False, "-1", vpc_cidr, None, "allow"),
        (110, False, "6", "0.0.0.0/0", (1024, 65535), "allow"),
        *((100 + index, True, "-1", cidr, None, "allow") for index, cidr in enumerate(node_cidrs)),
        (120, True, "6", "0.0.0.0/0", (443, 443), "allow"),
    ]


def eks_default_cluster(
    seeder: Seeder,
    name: str,
    version: str,
    control_plane_subnets: list[str],
    node_subnets: list[str],
    nodes: int,
    endpoint: dict[str, Any] | None = None,
) -> SeededCluster:
    """EKS's default SG layout (the cluster SG on the control plane's interfaces and on one managed
    node group `ng-1`'s nodes), the control plane in `control_plane_subnets`, the nodes in
    `node_subnets`, the API server endpoint's access as `endpoint` sets it."""
    seeder.cluster(name, version, [], subnets=control_plane_subnets, endpoint=endpoint)
    report_endpoint_access(seeder.account_id, seeder.region, name)
    cluster_sg = seeder.eks_cluster_sg(name)
    seeder.managed_nodegroup(name, "ng-1", subnets=node_subnets)
    instances = seeder.managed_instances(name, "ng-1", nodes, [cluster_sg], subnets=node_subnets)
    return SeededCluster(name, cluster_sg, (), (), instances, node_groups=1)


def _paths_vpc(ec2: Any, eks: Any, account_id: str, region: str) -> tuple[list[SeededCluster], str, dict[str, str]]:
    seeder = Seeder(ec2, eks, account_id, region, vpc_cidr=PATHS_VPC_CIDR, subnet_cidrs=PATHS_CONTROL_PLANE_CIDRS)
    layer = NetworkLayer(seeder)
    control_plane = list(seeder.subnets)
    public = layer.subnets((PATHS_PUBLIC_CIDR,))
    gateway = layer.internet_gateway()
    public_routes = layer.route_table(public, [{"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": gateway}])
    nat = layer.nat_gateway(public[0], NAT_ADDRESS)
    node_cidrs = {
        "nacl-blocked": ("10.1.16.0/20", "10.1.32.0/20"),
        "public-cidrs": ("10.1.48.0/20", "10.1.64.0/20"),
        "paths-ok": ("10.1.80.0/20", "10.1.96.0/20"),
    }
    node_subnets = {name: layer.subnets(cidrs) for name, cidrs in node_cidrs.items()}
    everyone = [subnet for subnets in node_subnets.values() for subnet in subnets]
    private_routes = layer.route_table(everyone, [{"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": nat}])
    s3 = layer.s3_gateway_endpoint([private_routes])
    endpoint_sg, ecr_api, ecr_dkr = layer.ecr_endpoints(control_plane, PATHS_VPC_CIDR)
    blocked_acl = layer.network_acl(
        node_subnets["nacl-blocked"], kubelet_return_blocked_rules(PATHS_VPC_CIDR, node_cidrs["nacl-blocked"])
    )
    nodes_acl = layer.network_acl(
        node_subnets["public-cidrs"] + node_subnets["paths-ok"], node_acl_rules(PATHS_VPC_CIDR)
    )
    clusters = [
        eks_default_cluster(seeder, "nacl-blocked", "1.31", control_plane, node_subnets["nacl-blocked"], 2),
        eks_default_cluster(
            seeder,
            "public-cidrs",
            "1.31",
            control_plane,
            node_subnets["public-cidrs"],
            2,
            {"endpointPublicAccess": True, "endpointPrivateAccess": False, "publicAccessCidrs": [OFFICE_CIDR]},
        ),
        eks_default_cluster(seeder, "paths-ok", "1.32", control_plane, node_subnets["paths-ok"], 2),
    ]
    components = {
        "nacl-blocked nodes' network ACL": blocked_acl,
        "public-cidrs and paths-ok nodes' network ACL": nodes_acl,
        "node route table (0.0.0.0/0 to the NAT gateway, S3 gateway endpoint)": private_routes,
        "public route table (0.0.0.0/0 to the internet gateway)": public_routes,
        f"NAT gateway ({NAT_ADDRESS})": nat,
        "ECR api interface endpoint": ecr_api,
        "ECR dkr interface endpoint": ecr_dkr,
        "ECR endpoints' SG (TCP 443 from the VPC)": endpoint_sg,
        "S3 gateway endpoint": s3,
    }
    return clusters, seeder.vpc_id, components


def _private_vpc(ec2: Any, eks: Any, account_id: str, region: str) -> tuple[list[SeededCluster], str, dict[str, str]]:
    seeder = Seeder(ec2, eks, account_id, region, vpc_cidr=PRIVATE_VPC_CIDR, subnet_cidrs=PRIVATE_SUBNET_CIDRS)
    layer = NetworkLayer(seeder)
    main = layer.main_route_table()
    s3 = layer.s3_gateway_endpoint([main])
    subnets = list(seeder.subnets)
    private = {"endpointPublicAccess": False, "endpointPrivateAccess": True}
    cluster = eks_default_cluster(seeder, "private-no-ecr", "1.32", subnets, subnets, 2, private)
    components = {
        "private VPC's main route table (local and S3 only)": main,
        "private VPC's S3 gateway endpoint": s3,
    }
    return [cluster], seeder.vpc_id, components


def seed_network_paths(
    ec2: Any, eks: Any, *, account_id: str = "123456789012", region: str = "us-east-1"
) -> SeededNetwork:
    """The four network-path clusters in their two VPCs (see the module's docstring), through the given
    (moto-backed) EC2 and EKS clients; `fill_moto_gaps()` first, as for demo.seed.seed_account."""
    paths, paths_vpc, paths_components = _paths_vpc(ec2, eks, account_id, region)
    private, private_vpc, private_components = _private_vpc(ec2, eks, account_id, region)
    clusters = [paths[0], private[0], paths[1], paths[2]]
    return SeededNetwork(
        region=region,
        clusters={cluster.name: cluster for cluster in clusters},
        vpc_ids=(paths_vpc, private_vpc),
        components={**paths_components, **private_components},
    )


def give_network_layer(seeder: Seeder, public_cidr: str, nat_address: str) -> dict[str, str]:
    """The network layer of a production VPC around its clusters (the bench's scaled account, one per
    VPC): the Seeder's subnets routed to a NAT gateway (at `nat_address`) in a public subnet
    `public_cidr` with an internet gateway, the S3 gateway endpoint on their route table, ECR's api
    and dkr interface endpoints in them, and a network ACL allowing the required flows
    (node_acl_rules of the VPC's CIDR) on them. Every cluster of the Seeder then passes every path
    check. Returns the components by role."""
    layer = NetworkLayer(seeder)
    vpc_cidr = str(seeder.ec2.describe_vpcs(VpcIds=[seeder.vpc_id])["Vpcs"][0]["CidrBlock"])
    public = layer.subnets((public_cidr,))
    gateway = layer.internet_gateway()
    public_routes = layer.route_table(public, [{"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": gateway}])
    nat = layer.nat_gateway(public[0], nat_address)
    subnets = list(seeder.subnets)
    routes = layer.route_table(subnets, [{"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": nat}])
    endpoint_sg, ecr_api, ecr_dkr = layer.ecr_endpoints(subnets, vpc_cidr)
    return {
        "public route table": public_routes,
        "NAT gateway": nat,
        "node route table": routes,
        "S3 gateway endpoint": layer.s3_gateway_endpoint([routes]),
        "ECR api interface endpoint": ecr_api,
        "ECR dkr interface endpoint": ecr_dkr,
        "ECR endpoints' SG": endpoint_sg,
        "node network ACL": layer.network_acl(subnets, node_acl_rules(vpc_cidr)),
    }
