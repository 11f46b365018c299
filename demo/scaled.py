"""The benchmark's account (bench/run.py), not product code: the demo's layouts at scale, with thousands of
unrelated SGs written straight into moto's in-process backend."""

from __future__ import annotations

from typing import Any

from moto.ec2.models import ec2_backends

from demo.moto_gaps import report_endpoint_access
from demo.network_paths import give_network_layer
from demo.seed import VPC_CIDR, SeededAccount, Seeder

# The scaled VPC's public subnet (for its NAT gateway) and the NAT gateway's address (network_path only).
SCALED_PUBLIC_CIDR = "10.0.240.0/24"
SCALED_NAT_ADDRESS = "203.0.113.9"


def seed_scaled(
    ec2: Any,
    eks: Any,
    *,
    clusters: int = 50,
    instances: int = 1500,
    security_groups: int = 2000,
    account_id: str = "123456789012",
    region: str = "us-east-1",
    network_path: bool = False,
) -> SeededAccount:
    """A large account for the benchmark: the demo's layouts in turn, two node groups each, the
    instances spread evenly, and unrelated SGs up to `security_groups` in all. With `network_path`,
    its VPC also gets a production network layer (demo.network_paths.give_network_layer: NAT and
    internet gateways, route tables, the S3 and ECR endpoints, a network ACL; one per VPC, whatever
    the clusters and nodes) and DescribeCluster reports the endpoint access EKS applied."""
    seeder = Seeder(ec2, eks, account_id, region)
    per_cluster = max(2, instances // clusters)
    layouts = [
        lambda n: seeder.prod_managed(n, per_cluster),
        lambda n: seeder.kubelet_blocked(n, per_cluster, groups=2),
        lambda n: seeder.two_owned(n, per_cluster, groups=2),
        lambda n: seeder.legacy_113(n, per_cluster, groups=2),
    ]
    seeded = [layouts[index % len(layouts)](f"c{index:03d}") for index in range(clusters)]
    if network_path:
        give_network_layer(seeder, SCALED_PUBLIC_CIDR, SCALED_NAT_ADDRESS)
        for cluster in seeded:
            report_endpoint_access(account_id, region, cluster.name)
    used = sum(len(c.additional_sg_ids) + len(c.node_sg_ids) + (1 if c.cluster_sg_id else 0) for c in seeded) + 1
    # The VPC's default SG is the +1. The unrelated SGs go straight into moto's in-process backend: through
    # the API, thousands of them would take minutes of seeding without changing what the rule reads.
    unrelated = bulk_security_groups(account_id, region, seeder.vpc_id, max(0, security_groups - used))
    return SeededAccount(region, seeder.vpc_id, {c.name: c for c in seeded}, unrelated)


def bulk_security_groups(account_id: str, region: str, vpc_id: str, count: int) -> tuple[str, ...]:
    """`count` application SGs (TCP 8080 from the VPC), created in moto's backend directly."""
    backend = ec2_backends[account_id][region]
    ids: list[str] = []
    for index in range(count):
        group = backend.create_security_group(f"app-{index:05d}", "Application security group", vpc_id=vpc_id)
        backend.authorize_security_group_ingress(
            group_name_or_id=group.id,
            ip_protocol="tcp",
            from_port=8080,
            to_port=8080,
            ip_ranges=[{"CidrIp": VPC_CIDR}],
            source_groups=[],
            prefix_list_ids=[],
            vpc_id=vpc_id,
        )
        ids.append(group.id)
    return tuple(ids)
