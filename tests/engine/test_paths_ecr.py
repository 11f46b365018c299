"""Missing ECR endpoints: one change for the VPC (one create-vpc-endpoint per service naming one node
subnet per Availability Zone), shared by every node subnet's finding, and printed once in the plan.
Two interface endpoints with private DNS for one service cannot coexist in a VPC, and an interface
endpoint takes at most one subnet per Availability Zone (AWS PrivateLink, CreateVpcEndpoint SubnetIds)."""

from __future__ import annotations

import dataclasses

from eks_sg_rule.apis import endpoint_subnets
from eks_sg_rule.plan import Planner
from eks_sg_rule.plan_paths import merge_same_commands
from eks_sg_rule.results import CheckResult, Status
from eks_sg_rule.settings import Scope
from eks_sg_rule.vpc import Subnet, VpcNetwork

from .builders import judge, path_topology, route_table, vpc_network


def private_vpc(**zones: str) -> VpcNetwork:
    """No NAT, no endpoints: nodes in n1 and n2 have no way to ECR; `zones` overrides subnets' zones."""
    vpc = vpc_network(tables=[route_table("rtb-private", ["subnet-n1", "subnet-n2", "subnet-cp1", "subnet-cp2"])])
    subnets = {
        sid: dataclasses.replace(subnet, availability_zone=zones.get(sid.replace("-", "_"), subnet.availability_zone))
        for sid, subnet in vpc.subnets.items()
    }
    return dataclasses.replace(vpc, subnets=subnets, endpoints=(), nat_gateways=())


def apis(vpc: VpcNetwork) -> CheckResult:
    result = judge(path_topology(vpc, public=False, private=True), "NODE_EGRESS_AWS_APIS")
    assert result.status is Status.NON_COMPLIANT
    return result


def ecr_findings(result: CheckResult) -> list[object]:
    return [f for f in result.findings if " to ECR: " in f.message]


def test_one_endpoint_per_service_for_the_vpc_one_subnet_per_zone() -> None:
    result = apis(private_vpc())
    found = ecr_findings(result)
    assert [f.message.split(" (")[0] for f in found] == [  # type: ignore[attr-defined]
        "no route from subnet subnet-n1",
        "no route from subnet subnet-n2",
    ]
    changes = {f.change for f in found}  # type: ignore[attr-defined]
    assert len(changes) == 1
    (change,) = changes
    assert change.count("--vpc-endpoint-type Interface") == 2
    assert change.count("--subnet-ids subnet-n1 subnet-n2 ") == 2
    assert change.count("--vpc-endpoint-type Gateway --route-table-ids rtb-private") == 1


def test_two_node_subnets_of_one_zone_give_one_subnet() -> None:
    change = ecr_findings(apis(private_vpc(subnet_n2="eu-west-1a")))[0].change  # type: ignore[attr-defined]
    assert "--subnet-ids subnet-n1 --security-group-ids" in change
    assert "subnet-n2" not in change


def test_unknown_zones_list_every_subnet_and_say_one_per_zone() -> None:
    found = ecr_findings(apis(private_vpc(subnet_n1="", subnet_n2="")))
    for finding in found:
        assert "in subnets subnet-n1, subnet-n2 (one subnet per Availability Zone), or a NAT gateway" in finding.message  # type: ignore[attr-defined]
        assert "--subnet-ids subnet-n1 subnet-n2 " in finding.change  # type: ignore[attr-defined]


def test_endpoint_subnets() -> None:
    def subnet(sid: str, zone: str) -> Subnet:
        return Subnet(sid, "vpc-1", (), zone)

    assert endpoint_subnets([subnet("a", "z1"), subnet("b", "z1"), subnet("c", "z2")]) == (["a", "c"], True)
    assert endpoint_subnets([subnet("a", "z1"), subnet("b", ""), subnet("b", "")]) == (["a", "b"], False)


def test_the_plan_gives_a_shared_command_once_naming_every_finding() -> None:
    top = path_topology(private_vpc(), public=False, private=True)
    scope = Scope(network_path=True)
    changes = Planner(top, scope).plan()
    commands = [c.command for c in changes if c.command]
    assert len(commands) == len(set(commands))
    (ecr,) = [c for c in changes if "to ECR" in c.detail]
    assert "subnet subnet-n1" in ecr.detail and "subnet subnet-n2" in ecr.detail
    assert ecr.detail.count("AWS CLI") <= 1


def test_merge_same_commands_keeps_other_changes_and_folds_repeats() -> None:
    from eks_sg_rule.plan import Change

    one = Change("manual", "", ("A",), "m1 (not made: x); AWS CLI: cmd", command="cmd")
    two = Change("manual", "", ("B",), "m2 (not made: x); AWS CLI: cmd", command="cmd")
    again = Change("manual", "", ("A",), "m1 (not made: x); AWS CLI: cmd", command="cmd")
    plain = Change("manual", "sg-1", ("C",), "no command")
    write = Change("authorize-ingress", "sg-1", ("C",), "allow", command="cmd")
    merged = merge_same_commands([one, plain, two, again, write])
    assert [c.detail for c in merged] == ["m1; m2 (not made: x); AWS CLI: cmd", "no command", "allow"]
    assert merged[0].checks == ("A", "B")
