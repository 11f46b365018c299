"""NODE_EGRESS_AWS_APIS: from every node group's primary interfaces, TCP 443 reaches the cluster's
API endpoint, Amazon ECR (ecr.api, ecr.dkr) and Amazon S3 (the requirement text's footnote).

Pure (no AWS calls). Called by paths.judge_paths with a crossing.Outcome to fill; routes, the
internet path and the SG decisions are routes'.

Semantics (the README states them from here), per node group primary side and each subnet it sits in,
over IPv4 in every cluster: the AWS APIs' default endpoints (ECR's, S3's, and the EKS API endpoint
of every cluster but the IPv6 ones made after October 2024, whose endpoints are dual-stack) have
IPv4 addresses only, so the nodes reach them from their IPv4 addresses even in an `ipv6` cluster
(EKS user guide, "Cluster API server endpoint"; the EKS API's VpcConfigRequest.publicAccessCidrs).
A dual-stack endpoint reached over IPv6 is not judged.
- (a) The EKS API endpoint. With endpointPrivateAccess on, inside the VPC it resolves to the control
  plane's interfaces: the node SGs allow egress TCP 443 to the control plane (its SGs or
  addresses), the control-plane SGs admit TCP 443 from the node, the route to each cluster subnet
  is `local`, and the network ACLs pass 443 and its return between the node subnet and each cluster
  subnet. Else the public endpoint, through the internet path (routes) with publicAccessCidrs
  covering the address the endpoint sees (the NAT gateway's public IPs or the nodes' addresses).
- (b) ECR: for each of ecr.api and ecr.dkr, an available Interface endpoint with private DNS on
  carries the traffic: its SGs admit TCP 443 from the node, the node SGs allow egress TCP 443 to it
  (its SGs or its subnets' CIDRs), the routes to its subnets are local, and the ACLs pass 443 and
  its return between the node subnet and every endpoint subnet. Without one: the internet path
  (publicAccessCidrs do not apply).
- (c) S3: an available Gateway endpoint (com.amazonaws.<region>.s3) whose route tables include the
  node subnet's: the node SGs allow egress TCP 443 to its prefix list (by id, or to the list's
  CIDRs, or to all of the family) and the node subnet's ACL passes 443 out to, and 1024-65535 in
  from, every CIDR of the prefix list (all of the family when the list was not read). Else an S3
  Interface endpoint as in (b); else the internet path.
- Missing ECR endpoints: one finding per node subnet, all with one change for the VPC: one
  `create-vpc-endpoint` per missing service naming one node subnet per Availability Zone
  (endpoint_subnets; every subnet whose zone is unknown, and the message then says "one subnet
  per Availability Zone"), since two endpoints with private DNS for one service cannot coexist.
- Route, endpoint and publicAccessCidrs findings carry `aws ec2 create-vpc-endpoint`,
  `aws ec2 modify-vpc-endpoint` or `aws eks update-cluster-config` (never run by this project).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .crossing import Outcome, Place, control_plane_places, judge_acl, node_places, subnet_ranges
from .ip import Protocol
from .model import Topology
from .nacl import EPHEMERAL
from .network import Endpoint, covers
from .results import Finding
from .routes import HTTPS, Exit, InternetPaths
from .sides import WorkerSide, names, worker_owner
from .vpc import RouteTable, Subnet, VpcEndpoint, VpcNetwork


def interface_endpoint(vpc: VpcNetwork, service: str) -> VpcEndpoint | None:
    """The VPC's available Interface endpoint for com.amazonaws.<region>.<service> with private DNS on."""
    name = vpc.service_name(service)
    return next(
        (
            e
            for e in vpc.endpoints
            if e.service_name == name
            and e.endpoint_type == "Interface"
            and e.state == "available"
            and e.private_dns_enabled
        ),
        None,
    )


def gateway_endpoint(vpc: VpcNetwork, table: RouteTable) -> VpcEndpoint | None:
    """The VPC's available S3 Gateway endpoint whose route tables include `table`."""
    name = vpc.service_name("s3")
    return next(
        (
            e
            for e in vpc.endpoints
            if e.service_name == name
            and e.endpoint_type == "Gateway"
            and e.state == "available"
            and table.route_table_id in e.route_table_ids
        ),
        None,
    )


def any_gateway(vpc: VpcNetwork) -> VpcEndpoint | None:
    """The VPC's S3 gateway endpoint on whichever route tables, if any."""
    name = vpc.service_name("s3")
    return next((e for e in vpc.endpoints if e.service_name == name and e.endpoint_type == "Gateway"), None)


def gateway_command(vpc: VpcNetwork, *tables: RouteTable) -> str:
    """Put `tables` on the VPC's S3 gateway endpoint (modify-vpc-endpoint), or create one for them."""
    ids = " ".join(dict.fromkeys(table.route_table_id for table in tables))
    other = any_gateway(vpc)
    if other is not None:
        return f"aws ec2 modify-vpc-endpoint --vpc-endpoint-id {other.endpoint_id} --add-route-table-ids {ids}"
    return (
        f"aws ec2 create-vpc-endpoint --vpc-id {vpc.vpc_id} --service-name {vpc.service_name('s3')} "
        f"--vpc-endpoint-type Gateway --route-table-ids {ids}"
    )


def endpoint_subnets(subnets: Iterable[Subnet]) -> tuple[list[str], bool]:
    """The subnets an interface endpoint for `subnets`' nodes goes in, and whether they are certain.

    An interface endpoint takes at most one subnet per Availability Zone (AWS PrivateLink,
    CreateVpcEndpoint `SubnetIds`), and nodes of another subnet of that zone reach it through the
    VPC's local route: the first subnet of each known zone. Subnets whose zone is not known are all
    listed (False: the person keeps one per zone)."""
    chosen: dict[str, str] = {}
    unknown: list[str] = []
    for subnet in subnets:
        if subnet.availability_zone:
            chosen.setdefault(subnet.availability_zone, subnet.subnet_id)
        elif subnet.subnet_id not in unknown:
            unknown.append(subnet.subnet_id)
    return [*chosen.values(), *unknown], not unknown


@dataclass(frozen=True, slots=True)
class _MissingEcr:
    """A node subnet with no way to ECR: what it lacks and why its way out fails."""

    place: Place
    missing: tuple[str, ...]
    way_out: Exit
    table: RouteTable | None
    security_group_id: str


class ApiPaths(InternetPaths):
    """NODE_EGRESS_AWS_APIS for one topology: fills `outcome`."""

    # --- the three services -----------------------------------------------------------------

    missing_ecr: list[_MissingEcr]

    def judge(self, sides: list[WorkerSide]) -> None:
        self.missing_ecr = []
        for side in sides:
            if not side.primary:
                continue
            for place in node_places(self.topology, self.vpc, side, self.outcome):
                self.eks(place)
                self.ecr(place)
                self.s3(place)
        self.ecr_findings()

    def eks(self, place: Place) -> None:
        cluster = self.topology.cluster
        side = place.side
        assert side is not None
        if cluster.endpoint_private_access:
            networks = cluster.addresses(self.topology.control_plane_networks) or (cluster.anywhere,)
            plane = Endpoint("control plane", frozenset(cluster.control_plane_sg_ids), networks)
            self.egress(place, plane, "the control plane (the private EKS API endpoint)")
            owner = cluster.additional_sg_ids[0] if cluster.additional_sg_ids else (cluster.cluster_sg_id or "")
            self.admits(side, cluster.control_plane_sg_ids, owner, "the control plane", None)
            destinations = control_plane_places(self.topology, self.vpc, self.outcome)
            acl_ids = self.inside(place, destinations, "the EKS API (private endpoint)")
            self.outcome.passed(f"{place.group}: EKS API through the private endpoint{_acls(acl_ids)}")
            return
        way_out = self.internet(place)
        if way_out.unknown:
            return
        if not way_out.ok:
            message = (
                f"no route from subnet {place.subnet.subnet_id} ({place.group}) to the public EKS API endpoint of "
                f"cluster {cluster.name}: {way_out.reason}; turn on endpointPrivateAccess or add a NAT gateway"
            )
            change = (
                f"aws eks update-cluster-config --name {cluster.name} --resources-vpc-config endpointPrivateAccess=true"
            )
            self.outcome.fail(Finding("", message, component_id=way_out.table_id, change=change))
            return
        self.public_access(place, way_out)
        via = f"NAT gateway {way_out.nat_id}" if way_out.nat_id else "an internet gateway"
        self.outcome.passed(f"{place.group}: EKS API through the public endpoint via {via}")

    def public_access(self, place: Place, way_out: Exit) -> None:
        cluster = self.topology.cluster
        allowed = cluster.public_access_cidrs
        if not allowed:
            self.outcome.unjudged(f"publicAccessCidrs of cluster {cluster.name} were not read")
            return
        if not way_out.sources:
            self.outcome.unjudged(f"the public address of {way_out.nat_id or place.group} is unknown")
            return
        missing = [s for s in way_out.sources if not any(covers(cidr, s) for cidr in allowed)]
        if not missing:
            return
        addresses = ", ".join(str(s.network_address) if s.prefixlen == s.max_prefixlen else str(s) for s in missing)
        plural = "es" if len(missing) > 1 else ""
        whose = (
            f"the nodes' NAT address{plural} {addresses}"
            if way_out.nat_id
            else (f"the address{plural} {addresses} of {place.group}")
        )
        message = f"publicAccessCidrs of cluster {cluster.name} does not include {whose}"
        cidrs = ",".join(str(c) for c in dict.fromkeys([*allowed, *missing]))
        change = f"aws eks update-cluster-config --name {cluster.name} --resources-vpc-config publicAccessCidrs={cidrs}"
        self.outcome.fail(Finding("", message, component_id=cluster.name, change=change))

    def ecr(self, place: Place) -> None:
        missing = []
        for service in ("ecr.api", "ecr.dkr"):
            endpoint = interface_endpoint(self.vpc, service)
            if endpoint is None:
                missing.append(service)
            else:
                self.via_interface(place, endpoint, service)
        if not missing:
            return
        way_out = self.internet(place)
        if way_out.ok or way_out.unknown:
            if way_out.ok:
                self.outcome.passed(f"{place.group}: {' and '.join(missing)} over the internet")
            return
        table = self.vpc.route_table_of(place.subnet.subnet_id)
        # The endpoints' SG: the cluster SG when the nodes carry it (it admits all from itself), else theirs.
        side = place.side
        assert side is not None
        cluster_sg = self.topology.cluster.cluster_sg_id
        sg = cluster_sg if cluster_sg in side.endpoint.security_group_ids else worker_owner(self.topology, side)
        self.missing_ecr.append(_MissingEcr(place, tuple(missing), way_out, table, sg))

    def ecr_findings(self) -> None:
        """One finding per node subnet with no way to ECR, all sharing one change for the VPC: one
        `create-vpc-endpoint` per missing service naming the node subnets concerned (two endpoints
        with private DNS for one service cannot coexist in a VPC), and the S3 gateway endpoint on
        their route tables when they lack it."""
        if not self.missing_ecr:
            return
        services = list(dict.fromkeys(s for m in self.missing_ecr for s in m.missing))
        subnets, certain = endpoint_subnets(m.place.subnet for m in self.missing_ecr)
        sgs = " ".join(dict.fromkeys(m.security_group_id for m in self.missing_ecr if m.security_group_id))
        commands = [
            f"aws ec2 create-vpc-endpoint --vpc-id {self.vpc.vpc_id} --service-name {self.vpc.service_name(s)} "
            f"--vpc-endpoint-type Interface --subnet-ids {' '.join(subnets)}"
            + (f" --security-group-ids {sgs}" if sgs else "")
            + " --private-dns-enabled"
            for s in services
        ]
        bare = [m.table for m in self.missing_ecr if m.table is not None and not gateway_endpoint(self.vpc, m.table)]
        if bare:
            commands.append(gateway_command(self.vpc, *bare))
        change = " && ".join(commands)
        zones = "" if certain else f" in subnets {', '.join(subnets)} (one subnet per Availability Zone)"
        for item in self.missing_ecr:
            wanted = [self.vpc.service_name(s) for s in item.missing]
            text = " and ".join([wanted[0], *item.missing[1:]])
            plural = "s" if len(item.missing) > 1 else ""
            gateway = " and the S3 gateway endpoint" if item.table in bare else ""
            message = (
                f"no route from subnet {item.place.subnet.subnet_id} ({item.place.group}) to ECR: add interface "
                f"endpoint{plural} {text}{gateway}{zones}, or a NAT gateway ({item.way_out.reason})"
            )
            self.outcome.fail(Finding("", message, component_id=item.way_out.table_id, change=change))

    def via_interface(self, place: Place, endpoint: VpcEndpoint, service: str) -> None:
        side = place.side
        assert side is not None
        self.outcome.saw(endpoint.endpoint_id)
        what = f"VPC endpoint {endpoint.endpoint_id} ({service})"
        owner = endpoint.security_group_ids[0] if endpoint.security_group_ids else ""
        self.admits(side, endpoint.security_group_ids, owner, what, endpoint.endpoint_id)
        destinations = []
        for subnet_id in endpoint.subnet_ids:
            subnet = self.vpc.subnets.get(subnet_id)
            if subnet is None:
                self.outcome.unjudged(f"subnet {subnet_id} of {what} was not read")
                continue
            group = f"{what} for {place.group}"
            destinations.append(Place(subnet, subnet_ranges(self.topology, subnet), what, group))
        networks = tuple(n for d in destinations for n in d.ranges)
        self.egress(place, Endpoint(what, frozenset(endpoint.security_group_ids), networks), what)
        acl_ids = self.inside(place, destinations, what)
        self.outcome.passed(f"{place.group}: {service} through {endpoint.endpoint_id}{_acls(acl_ids)}")

    def s3(self, place: Place) -> None:
        table = self.vpc.route_table_of(place.subnet.subnet_id)
        gateway = gateway_endpoint(self.vpc, table) if table else None
        if table is not None and gateway is not None:
            self.via_gateway(place, table, gateway)
            return
        endpoint = interface_endpoint(self.vpc, "s3")
        if endpoint is not None:
            self.via_interface(place, endpoint, "s3")
            return
        way_out = self.internet(place)
        if way_out.ok:
            self.outcome.passed(f"{place.group}: S3 over the internet")
        if way_out.ok or way_out.unknown or table is None:
            return
        name = self.vpc.service_name("s3")
        command = gateway_command(self.vpc, table)
        other = any_gateway(self.vpc)
        existing = other.endpoint_id if other else ""
        add = (
            f"add route table {table.route_table_id} to the S3 gateway endpoint {existing}"
            if existing
            else (f"add the S3 gateway endpoint {name} on route table {table.route_table_id}")
        )
        message = (
            f"no route from subnet {place.subnet.subnet_id} ({place.group}) to S3: {add}, or a NAT gateway "
            f"({way_out.reason})"
        )
        self.outcome.fail(Finding("", message, component_id=existing or table.route_table_id, change=command))

    def via_gateway(self, place: Place, table: RouteTable, gateway: VpcEndpoint) -> None:
        self.outcome.saw(gateway.endpoint_id)
        cluster = self.topology.cluster
        prefix_list = next(
            (
                r.destination_prefix_list_id
                for r in table.routes
                if r.target == gateway.endpoint_id and r.destination_prefix_list_id
            ),
            None,
        )
        entries = cluster.addresses(self.topology.prefix_lists.get(prefix_list, ())) if prefix_list else ()
        peers = entries or (cluster.anywhere,)
        lists = dict(self.topology.prefix_lists)
        if prefix_list:
            lists[prefix_list] = peers
        what = f"S3 ({prefix_list or 'the prefix list'} of {gateway.endpoint_id})"
        self.egress(place, Endpoint(what, frozenset(), peers), what, lists, prefix_list)
        purpose = f"S3 through {gateway.endpoint_id}"
        out = judge_acl(self.outcome, self.vpc, place, True, Protocol.TCP, HTTPS, peers, purpose, peers)
        back = judge_acl(
            self.outcome, self.vpc, place, False, Protocol.TCP, EPHEMERAL, peers, purpose + " return traffic", peers
        )
        if out and back:
            self.outcome.passed(f"{place.group}: S3 through {gateway.endpoint_id}{_acls([out])}")


def _acls(acl_ids: list[str]) -> str:
    return f" (passes {names(dict.fromkeys(acl_ids))})" if acl_ids else ""


def judge_aws_apis(topology: Topology, vpc: VpcNetwork, sides: list[WorkerSide], outcome: Outcome) -> None:
    """NODE_EGRESS_AWS_APIS over the VPC's network layer (see the module's semantics)."""
    ApiPaths(topology, vpc, outcome).judge(sides)
