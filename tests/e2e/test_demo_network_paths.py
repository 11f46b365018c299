"""The demo's network-path clusters (demo/network_paths.py): what moto is made to report, that adding
them changes no verdict of the demo's eight clusters, nor theirs without NetworkPath, and that with it
each shows its failure (and paths-ok passes), as the README's "How network paths are judged" says.

The gap fills model EC2's and EKS's published behaviour: a new custom network ACL lists its `*` rules
(rule 32767, deny, both directions: VPC user guide, "Custom network ACLs"); a NAT gateway's interface
is in its subnet, of type nat_gateway, carrying no SG, and an interface endpoint's interfaces are of
type vpc_endpoint carrying the endpoint's SGs (EC2 API reference, NetworkInterface.InterfaceType; the
project's notes on real DescribeNetworkInterfaces outputs); DescribeCluster reports vpcId and the
endpoint access EKS applied (EKS API reference, VpcConfigResponse).
"""

from __future__ import annotations

import io
import ipaddress
import json
from typing import Any

import boto3
import pytest
from demo.network_paths import NAT_ADDRESS, OFFICE_CIDR, PATHS_CONTROL_PLANE_CIDRS, SeededNetwork, seed_network_paths
from demo.seed import SeededAccount, seed_account

from eks_sg_rule.cli import main
from eks_sg_rule.discovery import Discovery
from eks_sg_rule.evaluate import evaluate
from eks_sg_rule.requirements import Level
from eks_sg_rule.results import Status
from eks_sg_rule.settings import Settings
from tests.conftest import REGION

OLD_VERDICTS = {
    "prod-managed": "COMPLIANT",
    "kubelet-blocked": "NON_COMPLIANT",
    "two-owned": "NON_COMPLIANT",
    "legacy-113": "COMPLIANT",
    "dual-stack-v4": "COMPLIANT",
    "custom-networking": "NON_COMPLIANT",
    "fargate-only": "NOT_APPLICABLE",
    "no-nodes": "NOT_APPLICABLE",
}


@pytest.fixture(scope="module")
def demo(module_aws: None) -> tuple[SeededAccount, SeededNetwork]:
    """The whole demo account (seed_account, then seed_network_paths), once for the module: scans only read."""
    ec2, eks = boto3.client("ec2", region_name=REGION), boto3.client("eks", region_name=REGION)
    return seed_account(ec2, eks, region=REGION), seed_network_paths(ec2, eks, region=REGION)


def scan_json(*args: str) -> tuple[int, dict[str, Any]]:
    out = io.StringIO()
    code = main(["scan", "--region", REGION, "--format", "json", *args], out=out)
    return code, json.loads(out.getvalue())


def cluster_verdicts(document: dict[str, Any]) -> dict[str, str]:
    return {
        e["resource_id"]: e["compliance_type"]
        for e in document["evaluations"]
        if e["resource_type"] == "AWS::EKS::Cluster"
    }


def test_the_path_clusters_change_no_old_verdict_and_pass_without_the_option(
    demo: tuple[SeededAccount, SeededNetwork],
) -> None:
    account, network = demo
    for level in ("minimum", "recommended"):
        code, document = scan_json("--level", level)

        verdicts = cluster_verdicts(document)
        assert code == 1
        assert {name: verdicts[name] for name in account.clusters} == {
            **OLD_VERDICTS,
            # At recommended, dual-stack-v4's node SG lacks 1025-65535 and fargate-only is judged.
            **({"dual-stack-v4": "NON_COMPLIANT", "fargate-only": "COMPLIANT"} if level == "recommended" else {}),
        }
        assert {name: verdicts[name] for name in network.clusters} == dict.fromkeys(network.clusters, "COMPLIANT")
        for evaluation in document["evaluations"]:
            assert not str(evaluation["resource_id"]).startswith(("acl-", "rtb-", "vpce-", "nat-"))


def test_moto_reports_the_network_layer_as_ec2_does(demo: tuple[SeededAccount, SeededNetwork]) -> None:
    _, network = demo
    ec2 = boto3.client("ec2", region_name=REGION)
    paths_vpc = [{"Name": "vpc-id", "Values": [network.vpc_ids[0]]}]

    for acl in ec2.describe_network_acls(Filters=paths_vpc)["NetworkAcls"]:
        star = {(e["Egress"], e["RuleAction"], e["Protocol"]) for e in acl["Entries"] if e["RuleNumber"] == 32767}
        assert star == {(False, "deny", "-1"), (True, "deny", "-1")}, acl["NetworkAclId"]
    [nat] = ec2.describe_nat_gateways(Filters=paths_vpc)["NatGateways"]
    [address] = nat["NatGatewayAddresses"]
    subnet = ec2.describe_subnets(SubnetIds=[nat["SubnetId"]])["Subnets"][0]
    assert address["PublicIp"] == NAT_ADDRESS
    assert ipaddress.ip_address(address["PrivateIp"]) in ipaddress.ip_network(subnet["CidrBlock"])
    interfaces = ec2.describe_network_interfaces(Filters=paths_vpc)["NetworkInterfaces"]
    [nat_interface] = [i for i in interfaces if i["InterfaceType"] == "nat_gateway"]
    assert (nat_interface["Groups"], nat_interface["Status"]) == ([], "in-use")
    described = ec2.describe_vpc_endpoints(Filters=paths_vpc)["VpcEndpoints"]
    endpoints = {e["ServiceName"].removeprefix(f"com.amazonaws.{REGION}."): e for e in described}
    assert set(endpoints) == {"ecr.api", "ecr.dkr", "s3"}
    assert endpoints["s3"]["PrivateDnsEnabled"] is False
    for endpoint in (e for e in endpoints.values() if e["VpcEndpointType"] == "Interface"):
        groups = [g["GroupId"] for g in endpoint["Groups"]]
        carried = [i for i in interfaces if i["NetworkInterfaceId"] in endpoint["NetworkInterfaceIds"]]
        assert endpoint["PrivateDnsEnabled"] is True and len(carried) == 2
        assert all(
            i["InterfaceType"] == "vpc_endpoint" and [g["GroupId"] for g in i["Groups"]] == groups for i in carried
        )


def test_eks_reports_the_endpoint_access_it_applied(demo: tuple[SeededAccount, SeededNetwork]) -> None:
    _, network = demo
    eks = boto3.client("eks", region_name=REGION)

    def access(name: str) -> tuple[Any, ...]:
        config = eks.describe_cluster(name=name)["cluster"]["resourcesVpcConfig"]
        return (
            config["vpcId"],
            config["endpointPublicAccess"],
            config["endpointPrivateAccess"],
            config.get("publicAccessCidrs"),
        )

    paths_vpc, private_vpc = network.vpc_ids
    assert access("paths-ok") == (paths_vpc, True, True, ["0.0.0.0/0"])
    assert access("nacl-blocked") == (paths_vpc, True, True, ["0.0.0.0/0"])
    assert access("public-cidrs") == (paths_vpc, True, False, [OFFICE_CIDR])
    assert access("private-no-ecr") == (private_vpc, False, True, None)


def test_with_network_path_each_path_cluster_shows_its_failure_and_paths_ok_passes(
    demo: tuple[SeededAccount, SeededNetwork],
) -> None:
    _, network = demo
    ec2, eks = boto3.client("ec2", region_name=REGION), boto3.client("eks", region_name=REGION)
    snapshot = Discovery(eks=eks, ec2=ec2, network_path=True).snapshot(clusters=list(network.clusters))
    evaluations = evaluate(snapshot, Settings(level=Level.MINIMUM, network_path=True), clusters=list(network.clusters))
    clusters = {e.resource_id: e for e in evaluations if e.resource_type == "AWS::EKS::Cluster"}
    checks = {name: {c.check_id: c for c in e.checks} for name, e in clusters.items()}
    blocked_acl = network.components["nacl-blocked nodes' network ACL"]

    assert {name: e.compliance_type for name, e in clusters.items()} == {
        "nacl-blocked": Status.NON_COMPLIANT,
        "private-no-ecr": Status.NON_COMPLIANT,
        "public-cidrs": Status.NON_COMPLIANT,
        "paths-ok": Status.COMPLIANT,
    }
    failing = {
        name: sorted(c for c, result in results.items() if result.status is Status.NON_COMPLIANT)
        for name, results in checks.items()
    }
    assert failing == {
        "nacl-blocked": ["NACL_MINIMUM"],
        "private-no-ecr": ["NODE_EGRESS_AWS_APIS"],
        "public-cidrs": ["NODE_EGRESS_AWS_APIS"],
        "paths-ok": [],
    }
    kubelet = checks["nacl-blocked"]["NACL_MINIMUM"]
    assert all(f.component_id == blocked_acl for f in kubelet.findings)
    for cidr in PATHS_CONTROL_PLANE_CIDRS:
        assert f"denies outbound TCP 1024-65535 to {cidr} at the default rule *: add an allow rule" in kubelet.detail
    assert f"NACL {blocked_acl} (subnet subnet-" in kubelet.detail and "nodegroup ng-1)" in kubelet.detail
    assert "to ECR: add interface endpoints com.amazonaws.us-east-1.ecr.api and ecr.dkr" in (
        checks["private-no-ecr"]["NODE_EGRESS_AWS_APIS"].detail
    )
    assert checks["public-cidrs"]["NODE_EGRESS_AWS_APIS"].detail == (
        f"publicAccessCidrs of cluster public-cidrs does not include the nodes' NAT address {NAT_ADDRESS}"
    )
    assert [e.compliance_type for e in evaluations if e.resource_id == blocked_acl] == [Status.NON_COMPLIANT]
