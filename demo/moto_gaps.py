"""Where moto (the in-process AWS emulator) differs from AWS, for the demo, the bench and the tests: each
gap filled here, on moto's in-process records, and nowhere else. Not product code.

Importing this module changes nothing. Two gaps are process-wide patches of moto's classes, applied by
`fill_moto_gaps()` (idempotent; demo/run.py, bench/run.py and the tests' `aws` fixtures call it before
seeding):
- `match_any_interface_group`: DescribeNetworkInterfaces' `group-id` filter with several values
  matches an interface carrying any of them (moto: only one whose SGs are all among them).
- `look_up_tags_by_resource` (speed): a resource's tags are read by its id, not by scanning every tag
  of the region.

The others fix one record, as EKS or EC2 would report it; the seeding builder (demo/seed.py) calls
them on what it creates:
- `set_cluster_security_group`: EKS reports the SG it created as clusterSecurityGroupId (moto: none).
- `drop_invented_remote_access_sg`: moto gives every node group a nonexistent remote-access SG.
- `set_legacy_platform`: moto reports platform eks.4 for every cluster.
- `report_own_groups_only`: EC2 reports an attached secondary interface's own SGs (moto: its own
  plus the instance's).
- `set_interface_type`: EC2 reports a trunk, branch or EFA interface's InterfaceType (moto: always
  `interface`, whatever CreateNetworkInterface asked for).
- `mark_in_use`: EKS's control-plane interfaces are "in-use", created in an `AmazonEKS` session of
  the cluster's IAM role (moto: "available", one fixed RequesterId; and moto's CreateCluster does
  not require the role to exist, so it is created here when missing).

The builder fills three more by creating what moto does not: the control plane's network interfaces,
the instances of a managed node group, and the VPC default SG's rule allowing all traffic from itself.

The network-path layouts (demo/network_paths.py) meet five more, each fixed on the record it concerns:
- `close_new_network_acl`: a new custom network ACL has EC2's `*` rules (32767, deny all, both
  directions; moto: no entry at all).
- `give_public_address`: an Elastic IP address is a public address (moto: one of 127.0.0.0/8).
- `shape_nat_gateway`: a NAT gateway's interface is in its subnet's range, of type nat_gateway,
  in-use, requester-managed, with no SG (moto: an address outside the subnet, a plain interface
  carrying the VPC's default SG).
- `shape_vpc_endpoint`: an interface endpoint's interfaces are in their subnets' ranges, of type
  vpc_endpoint, carry the endpoint's SGs (moto: addresses outside the subnets, the default SG), and
  a gateway endpoint reports PrivateDnsEnabled false (moto: true).
- `report_endpoint_access`: DescribeCluster gives resourcesVpcConfig.vpcId and the endpoint access
  EKS applied (endpointPublicAccess true and endpointPrivateAccess false unless set, publicAccessCidrs
  0.0.0.0/0 unless set while the public endpoint is on); moto echoes the request only.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from moto.ec2.models import ec2_backends
from moto.ec2.models.core import TaggedEC2Resource
from moto.ec2.models.elastic_network_interfaces import NetworkInterface, NetworkInterfaceBackend
from moto.ec2.utils import EC2_PREFIX_TO_RESOURCE, get_prefix
from moto.eks.models import eks_backends
from moto.iam.models import iam_backends
from moto.utilities.utils import get_partition


def fill_moto_gaps() -> None:
    """Apply every process-wide moto gap fill (`match_any_interface_group`, `look_up_tags_by_resource`),
    once: calling it again changes nothing. Call before seeding or reading an emulated account."""
    match_any_interface_group()
    look_up_tags_by_resource()


def _moto_cluster(account_id: str, region: str, cluster: str) -> Any:
    return eks_backends[account_id][region].clusters[cluster]


def set_cluster_security_group(account_id: str, region: str, cluster: str, group_id: str) -> None:
    """moto gap: EKS reports the SG it created as resourcesVpcConfig.clusterSecurityGroupId; moto has none."""
    _moto_cluster(account_id, region, cluster).resources_vpc_config["clusterSecurityGroupId"] = group_id


def drop_invented_remote_access_sg(account_id: str, region: str, cluster: str, nodegroup: str) -> None:
    """moto gap: moto gives every node group a random, nonexistent remote-access SG; EKS sets one only
    when remoteAccess is configured, which no layout here does."""
    _moto_cluster(account_id, region, cluster).nodegroups[nodegroup].resources["remoteAccessSecurityGroup"] = None


def set_legacy_platform(account_id: str, region: str, cluster: str, version: str, platform_version: str) -> None:
    """moto gap: moto reports platform eks.4 for every cluster."""
    record = _moto_cluster(account_id, region, cluster)
    record.version = version
    record.platformVersion = platform_version


class _OwnGroupsInterface(NetworkInterface):
    @property
    def group_set(self) -> Any:
        return self._group_set


def report_own_groups_only(account_id: str, region: str, interface_id: str) -> None:
    """moto gap: moto reports an attached secondary interface's groups as its own plus the
    instance's; EC2 reports each interface's own SGs. Make this interface report its own."""
    interface = ec2_backends[account_id][region].get_network_interface(interface_id)
    interface.__class__ = _OwnGroupsInterface


def match_any_interface_group() -> None:
    """moto gap: EC2's DescribeNetworkInterfaces `group-id` filter with several values matches an
    interface carrying any of them; moto matches only an interface whose SGs are all among the values
    (or all of the values among its SGs). Make moto answer as EC2 does. Also its `interface-type`
    filter (branch, trunk, efa, …), which moto does not implement (issue 19: security groups for pods)."""
    original = NetworkInterfaceBackend.get_all_network_interfaces
    if getattr(original, "matches_any_group", False):
        return

    def get_all_network_interfaces(
        self: Any, eni_ids: list[str] | None = None, filters: dict[str, Any] | None = None
    ) -> list[NetworkInterface]:
        remaining = dict(filters or {})
        wanted = remaining.pop("group-id", None)
        types = remaining.pop("interface-type", None)
        interfaces: list[NetworkInterface] = original(self, eni_ids, remaining)
        if types is not None:
            kinds = set(types if isinstance(types, list) else [types])
            interfaces = [eni for eni in interfaces if eni.interface_type in kinds]
        if wanted is None:
            return interfaces
        values = set(wanted if isinstance(wanted, list) else [wanted])
        return [eni for eni in interfaces if values & set(eni.get_filter_value("group-id"))]

    get_all_network_interfaces.matches_any_group = True  # type: ignore[attr-defined]
    NetworkInterfaceBackend.get_all_network_interfaces = get_all_network_interfaces  # type: ignore[method-assign]


def look_up_tags_by_resource() -> None:
    """moto gap (speed): moto finds one resource's tags by scanning every tag of the region, so a
    DescribeInstances tag filter over N instances costs N times all the region's tags (about 2 s for
    1,500 instances, over 10 s for 4,500); EC2 answers from an index. Read the resource's own tags
    (the same records, in the same shape)."""
    original = TaggedEC2Resource.get_tags
    if getattr(original, "by_resource", False):
        return

    def get_tags(self: Any) -> list[dict[str, str]]:
        if not self.id:
            return []
        kind = EC2_PREFIX_TO_RESOURCE.get(get_prefix(self.id), "")
        own = self.ec2_backend.tags.get(self.id, {})
        return [{"resource_id": self.id, "key": k, "value": v, "resource_type": kind} for k, v in own.items()]

    get_tags.by_resource = True  # type: ignore[attr-defined]
    TaggedEC2Resource.get_tags = get_tags  # type: ignore[method-assign]


# EKS assumes the cluster's IAM role (trust policy for eks.amazonaws.com, as the EKS user guide's
# cluster IAM role page gives it).
EKS_TRUST_POLICY = (
    '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
    '"Principal": {"Service": "eks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}'
)


def cluster_role_id(account_id: str, region: str, role_arn: str) -> str:
    """moto gap: EKS's CreateCluster requires the cluster's IAM role (`roleArn`) to exist; moto's does
    not. The RoleId ("AROA…") of that role in moto's IAM, the role created (path kept, EKS's trust
    policy) when it does not exist yet."""
    backend = iam_backends[account_id][get_partition(region)]
    resource = role_arn.split(":role", 1)[1]
    path, name = resource.rsplit("/", 1)
    if name not in {role.name for role in backend.roles.values()}:
        backend.create_role(name, EKS_TRUST_POLICY, path + "/", None, "EKS cluster role", [], None)
    return str(backend.get_role(name).id)


def mark_in_use(account_id: str, region: str, interface_id: str, role_arn: str) -> None:
    """moto gap: EKS attaches the control plane's interfaces to instances in its own account, so EC2
    reports them "in-use" with no instance id of yours, created in an `AmazonEKS` session of the
    cluster's IAM role `role_arn` (RequesterId "<role id>:AmazonEKS", the role id being the role's
    RoleId, which iam:GetRole reports); moto cannot attach across accounts, reports them "available"
    and gives every interface one fixed user RequesterId. Report this control-plane interface as EC2
    does, with the RoleId of the role in moto's IAM (cluster_role_id)."""
    interface = ec2_backends[account_id][region].get_network_interface(interface_id)
    interface.status = "in-use"
    interface.requester_id = f"{cluster_role_id(account_id, region, role_arn)}:AmazonEKS"


# --- the network-path layouts' gaps (demo/network_paths.py) ----------------------------------------

# EC2's `*` rule of every network ACL: RuleNumber 32767, all traffic, deny.
STAR_RULE = 32767


def close_new_network_acl(account_id: str, region: str, acl_id: str, ipv6: bool = False) -> None:
    """moto gap: EC2 creates a custom network ACL closed, DescribeNetworkAcls listing its `*` rules
    (rule 32767, protocol -1, deny) inbound and outbound, for 0.0.0.0/0 and, in a VPC with IPv6,
    ::/0 (VPC user guide, "Custom network ACLs"); moto gives a new ACL no entry at all. Add them
    (CreateNetworkAclEntry refuses rule numbers above 32766, so on moto's record)."""
    backend = ec2_backends[account_id][region]
    for egress in (False, True):
        networks: list[tuple[str, str | None]] = [("0.0.0.0/0", None)] + ([("", "::/0")] if ipv6 else [])
        for cidr, ipv6_cidr in networks:
            backend.create_network_acl_entry(
                acl_id, STAR_RULE, "-1", "deny", egress, cidr, None, None, None, None, ipv6_cidr
            )


def give_public_address(account_id: str, region: str, allocation_id: str, address: str) -> None:
    """moto gap: moto allocates Elastic IP addresses from 127.0.0.0/8 (loopback, which no AWS public
    address is). Give this allocation `address` (the demo uses the documentation range 203.0.113.0/24).
    Call before the address is associated (a NAT gateway copies it when created)."""
    backend = ec2_backends[account_id][region]
    backend.address_by_allocation([allocation_id])[0].public_ip = address


def _in_subnet(interface: Any) -> str:
    """A free-looking address inside the interface's subnet (moto picks any 10.x address)."""
    network = ipaddress.ip_network(interface.subnet.cidr_block)
    taken = {
        str(a["PrivateIpAddress"]) for eni in interface.ec2_backend.enis.values() for a in eni.private_ip_addresses
    }
    for offset in range(10, network.num_addresses - 1):
        candidate = str(network.network_address + offset)
        if candidate not in taken:
            return candidate
    raise ValueError(f"subnet {interface.subnet.id} is full")


def _requester_managed(interface: Any, interface_type: str, description: str, groups: list[Any]) -> None:
    address = _in_subnet(interface)
    interface.private_ip_address = address
    interface.private_ip_addresses = [{"Primary": True, "PrivateIpAddress": address}]
    interface.interface_type = interface_type
    interface.description = description
    interface.status = "in-use"
    interface.requester_managed = True
    interface._group_set = groups


def shape_nat_gateway(account_id: str, region: str, nat_gateway_id: str) -> None:
    """moto gap: EC2 gives a NAT gateway an interface in its subnet (InterfaceType nat_gateway,
    described "Interface for NAT Gateway nat-…", in-use, requester-managed, carrying no SG) and
    reports that private address in NatGatewayAddresses; moto's is a random 10.x address outside the
    subnet, on a plain "available" interface carrying the VPC's default SG."""
    backend = ec2_backends[account_id][region]
    gateway = backend.nat_gateways[nat_gateway_id]
    interface = gateway._eni
    _requester_managed(interface, "nat_gateway", f"Interface for NAT Gateway {nat_gateway_id}", [])
    gateway.private_ip = interface.private_ip_address
    for address in gateway.address_set:
        address["privateIp"] = interface.private_ip_address


def shape_vpc_endpoint(account_id: str, region: str, endpoint_id: str) -> None:
    """moto gaps: EC2 places an interface endpoint's network interfaces in its subnets (InterfaceType
    vpc_endpoint, described "VPC Endpoint Interface vpce-…", in-use, requester-managed) carrying the
    endpoint's SGs; moto's have addresses outside the subnets and carry the VPC's default SG. And a
    gateway endpoint reports PrivateDnsEnabled false (it has no DNS names); moto reports true."""
    backend = ec2_backends[account_id][region]
    endpoint = backend.vpc_end_points[endpoint_id]
    if endpoint.vpc_endpoint_type == "Gateway":
        endpoint.private_dns_enabled = False
        return
    groups = [backend.get_security_group_from_id(group_id) for group_id in endpoint.security_group_ids]
    for interface_id in endpoint.network_interface_ids:
        interface = backend.get_network_interface(interface_id)
        _requester_managed(interface, "vpc_endpoint", f"VPC Endpoint Interface {endpoint_id}", [g for g in groups if g])


def report_endpoint_access(account_id: str, region: str, cluster: str) -> None:
    """moto gap: EKS's DescribeCluster reports resourcesVpcConfig.vpcId and the endpoint access it
    applied: endpointPublicAccess true and endpointPrivateAccess false when the request set neither,
    publicAccessCidrs ["0.0.0.0/0"] when the public endpoint is on and none were given (EKS API
    reference, VpcConfigRequest and VpcConfigResponse); moto echoes the request only."""
    config = _moto_cluster(account_id, region, cluster).resources_vpc_config
    subnet = ec2_backends[account_id][region].get_subnet(config["subnetIds"][0])
    config.setdefault("vpcId", subnet.vpc_id)
    config.setdefault("endpointPublicAccess", True)
    config.setdefault("endpointPrivateAccess", False)
    if config["endpointPublicAccess"]:
        config.setdefault("publicAccessCidrs", ["0.0.0.0/0"])


def set_interface_type(account_id: str, region: str, interface_id: str, interface_type: str) -> None:
    """moto gap: EC2 reports InterfaceType `trunk`, `branch`, `efa` or `efa-only` for such interfaces
    (security groups for pods: the VPC resource controller's trunk on the node and the pods' branch
    interfaces, which have no Attachment and name their trunk in the tag vpcresources.k8s.aws/trunk-eni-id);
    moto reports `interface` for every one. Report this one's type as EC2 does."""
    ec2_backends[account_id][region].get_network_interface(interface_id).interface_type = interface_type
