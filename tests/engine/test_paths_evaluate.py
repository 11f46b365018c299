"""Network-path checks at the evaluation level: the components get evaluations of their AWS Config
types; without NetworkPath every evaluation is exactly what it was before the path checks.

`tests/fixtures/evaluate-without-network-path.json` holds the evaluations (ResourceEvaluation.to_json)
of `cases()` at both levels as the code before issue 17 (main at ae8256a) gave them: the topologies
were pickled from these builders and evaluated by that code in its own process. Regenerate only
when an intended change of today's verdicts lands (never for the path checks, which are opt-in).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from eks_sg_rule.evaluate import component_type, evaluate
from eks_sg_rule.model import Snapshot, Topology
from eks_sg_rule.requirements import Level
from eks_sg_rule.results import Status
from eks_sg_rule.settings import Settings

from .builders import (
    acl_rule,
    eks_default,
    everything,
    network_acl,
    open_rules,
    path_topology,
    route,
    sg,
    tcp,
    vpc_network,
)
from .test_checks import eks_default_with_egress, self_managed

GOLDEN = Path(__file__).resolve().parents[1] / "fixtures" / "evaluate-without-network-path.json"
NODE_SUBNETS = ("subnet-n1", "subnet-n2")
OTHERS = ("subnet-cp1", "subnet-cp2", "subnet-pub")
DENIES_KUBELET = network_acl(
    "acl-nodes",
    NODE_SUBNETS,
    (acl_rule(90, False, "10.0.0.0/16", protocol="tcp", ports=(10250, 10250), allow=False), *open_rules()),
)


def blocking_vpc() -> Any:
    return vpc_network(acls=[network_acl("acl-default", OTHERS, open_rules(), default=True), DENIES_KUBELET])


def cases() -> dict[str, Topology]:
    """The engine's fixtures: EKS defaults, the self-managed pattern with and without failures, and
    the path fixtures (with a VPC that would fail the path checks, and without a VPC)."""
    return {
        "eks-default": eks_default(),
        "self-managed": self_managed(),
        "self-managed-no-api": self_managed(cp_ingress=[]),
        "egress-443-only": eks_default_with_egress([tcp(443, cidrs=["0.0.0.0/0"])]),
        "no-self-rule": eks_default_with_egress([everything(cidrs=["0.0.0.0/0"])]),
        "path-usual": path_topology(vpc_network()),
        "path-blocking": path_topology(blocking_vpc(), public_access_cidrs=["198.51.100.0/24"]),
        "path-no-vpc": path_topology(None),
        "path-extra-sg": path_topology(vpc_network(), extra_groups=[sg("sg-vpce", [tcp(443, sgs=["sg-other"])])]),
    }


def evaluations(top: Topology, level: Level, network_path: bool = False) -> list[dict[str, Any]]:
    settings = Settings(level=level, network_path=network_path)
    return [e.to_json() for e in evaluate(Snapshot({top.cluster.name: top}), settings)]


@pytest.mark.parametrize("level", list(Level))
@pytest.mark.parametrize("name", list(cases()))
def test_without_network_path_every_evaluation_is_exactly_as_before(name: str, level: Level) -> None:
    golden = json.loads(GOLDEN.read_text())
    assert evaluations(cases()[name], level) == golden[f"{name}/{level.value}"]


def test_without_network_path_the_vpc_changes_nothing() -> None:
    with_vpc = path_topology(blocking_vpc())
    without = dataclasses.replace(with_vpc, vpc=None)
    for level in Level:
        assert evaluations(with_vpc, level) == evaluations(without, level)


@pytest.mark.parametrize(
    ("component_id", "resource_type"),
    [
        ("acl-0123", "AWS::EC2::NetworkAcl"),
        ("rtb-0123", "AWS::EC2::RouteTable"),
        ("vpce-0123", "AWS::EC2::VPCEndpoint"),
        ("nat-0123", "AWS::EC2::NatGateway"),
        ("c1", "AWS::EKS::Cluster"),
    ],
)
def test_component_types(component_id: str, resource_type: str) -> None:
    assert component_type(component_id) == resource_type


def test_with_network_path_each_component_gets_an_evaluation() -> None:
    top = path_topology(blocking_vpc(), public_access_cidrs=["198.51.100.0/24"])
    result = {e.key: e for e in evaluate(Snapshot({"c1": top}), Settings(network_path=True))}
    cluster = result[("AWS::EKS::Cluster", "c1")]
    assert cluster.compliance_type is Status.NON_COMPLIANT
    assert {c.check_id for c in cluster.checks} >= {"NACL_MINIMUM", "NODE_EGRESS_AWS_APIS"}
    acl = result[("AWS::EC2::NetworkAcl", "acl-nodes")]
    assert acl.compliance_type is Status.NON_COMPLIANT
    assert "denies inbound TCP 10250 from 10.0.0.0/24 at rule 90" in acl.detail
    assert acl.detail.startswith("NACL_MINIMUM: ")
    assert result[("AWS::EC2::NetworkAcl", "acl-default")].compliance_type is Status.COMPLIANT
    assert result[("AWS::EC2::NetworkAcl", "acl-default")].detail == (
        "nothing blocks the required paths through acl-default (c1)"
    )
    for key in [("AWS::EC2::RouteTable", "rtb-private"), ("AWS::EC2::NatGateway", "nat-1")]:
        assert result[key].compliance_type is Status.COMPLIANT, result[key].detail
    assert result[("AWS::EC2::VPCEndpoint", "vpce-s3")].compliance_type is Status.COMPLIANT
    # publicAccessCidrs belong to the cluster: no evaluation of their own.
    assert "publicAccessCidrs of cluster c1 does not include the nodes' NAT address 203.0.113.7" in cluster.detail
    assert not [key for key in result if key[1] == "c1" and key[0] != "AWS::EKS::Cluster"]
    # The components follow the SG evaluations.
    types = [e.resource_type for e in evaluate(Snapshot({"c1": top}), Settings(network_path=True))]
    assert types.index("AWS::EC2::SecurityGroup") < types.index("AWS::EC2::NetworkAcl")


def test_a_component_on_a_path_that_could_not_be_judged_is_not_compliant() -> None:
    tables = [
        dataclasses.replace(table, routes=(*table.routes[:1], *(r for r in table.routes[1:] if r.target != "nat-1")))
        for table in vpc_network().route_tables
    ]
    tables[0] = dataclasses.replace(tables[0], routes=(*tables[0].routes, route("0.0.0.0/0", "tgw-0abc")))
    top = path_topology(vpc_network(tables=tables))
    result = {e.key: e for e in evaluate(Snapshot({"c1": top}), Settings(network_path=True))}
    cluster = result[("AWS::EKS::Cluster", "c1")]
    assert cluster.compliance_type is Status.NOT_APPLICABLE
    assert "through tgw-0abc" in cluster.detail
    table = result[("AWS::EC2::RouteTable", "rtb-private")]
    assert table.compliance_type is Status.NOT_APPLICABLE
    assert "cannot judge" in table.detail
