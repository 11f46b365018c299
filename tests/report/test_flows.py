"""The picture's flow model (report/flows.py): the picture never contradicts the verdict.

For every demo cluster at both levels, every flow a failing check names is drawn failing, on the
kind of interface (primary or pod) the finding is about. Which ends a finding names is read here from
the finding's own words (the engine's side labels: "nodegroup ng-main pod interfaces (sg-…)"), not
with the product's matching, so the two are checked against each other.
"""

from __future__ import annotations

import boto3
import pytest
from demo.seed import SeededAccount, Seeder, seed_account

from eks_sg_rule.checks import WorkerSide, worker_sides
from eks_sg_rule.discovery import Discovery
from eks_sg_rule.evaluate import judge_cluster
from eks_sg_rule.model import Snapshot, Topology
from eks_sg_rule.report.flows import (
    CONTROL_PLANE,
    FAILED,
    INTERNET,
    OK,
    PODS,
    PRIMARY,
    UNKNOWN,
    Edge,
    End,
    Place,
    flow_edges,
    group_sgs,
    places,
)
from eks_sg_rule.requirements import CHECKS_BY_ID, Direction, Flow, Kind, Level, Party
from eks_sg_rule.results import Finding, Status
from eks_sg_rule.settings import Settings
from tests.conftest import REGION, discover


@pytest.fixture(scope="module")
def demo(module_aws: None) -> tuple[SeededAccount, Snapshot]:
    ec2, eks = boto3.client("ec2", region_name=REGION), boto3.client("eks", region_name=REGION)
    account = seed_account(ec2, eks, region=REGION)
    return account, Discovery(eks=eks, ec2=ec2).snapshot()


def _place(topology: Topology, side: WorkerSide) -> Place:
    index = [id(group) for group in topology.node_groups].index(id(side.group))
    return Place(index, PRIMARY if side.primary else PODS)


def _named_ends(topology: Topology, flow: Flow, subject_party: Party, finding: Finding) -> list[tuple[End, End]]:
    """(source, target) of each flow the finding's words name: the subject side whose label starts the
    message (workers), the peer sides whose labels it names after "from"/"to"."""
    sides = worker_sides(topology)
    fixed = {Party.CONTROL_PLANE: CONTROL_PLANE, Party.CLUSTER_SG: CONTROL_PLANE, Party.ANYWHERE: INTERNET}
    if subject_party is Party.WORKERS:
        [subject] = [s for s in sides if finding.message.startswith(s.label + " ")]
        here: list[End] = [_place(topology, subject)]
        rest = finding.message[len(subject.label) :]
    else:
        here, rest = [fixed[subject_party]], finding.message
    if flow.peer is Party.WORKERS:
        there: list[End] = [_place(topology, s) for s in sides if s.label in rest.split("; allow")[0]]
        assert there, finding.message
    else:
        there = [fixed[flow.peer]]
    ingress = flow.direction is Direction.INGRESS
    return [(p, h) if ingress else (h, p) for h in here for p in there]


def _flows_named(finding: Finding, flows: tuple[Flow, ...]) -> list[Flow]:
    gap = finding.gap
    assert gap is not None
    return [
        flow
        for flow in flows
        if flow.direction is gap.direction
        and flow.traffic is gap.traffic
        and (not flow.ports or bool(gap.ports.intersection(flow.ports)) or not gap.ports)
        and f" {flow.purpose} " in finding.message
    ]


@pytest.mark.parametrize("level", list(Level))
def test_no_flow_a_failing_check_names_is_drawn_passing(demo: tuple[SeededAccount, Snapshot], level: Level) -> None:
    account, snapshot = demo
    seen_failures = 0
    for name in account.clusters:
        topology = snapshot.topologies[name]
        verdict = judge_cluster(topology, Settings(level=level))
        results = {result.check_id: result for result in verdict.results}
        drawn = {(e.source, e.target, e.traffic): e.status for e in flow_edges(topology, level, results)}
        flow_checks = [r for r in verdict.results if CHECKS_BY_ID[r.check_id].kind is Kind.FLOWS]
        for result in flow_checks:
            if result.status is not Status.NON_COMPLIANT:
                continue
            check = CHECKS_BY_ID[result.check_id]
            for finding in result.findings:
                flows = _flows_named(finding, check.flows)
                assert flows, finding.message
                for flow in flows:
                    for source, target in _named_ends(topology, flow, check.subject, finding):
                        seen_failures += 1
                        status = drawn[(source, target, flow.describe())]
                        assert status == FAILED, (name, level, source, target, flow.describe(), finding.message)
        if all(r.status is Status.COMPLIANT for r in flow_checks):
            assert FAILED not in drawn.values(), name
    assert seen_failures >= (2 if level is Level.MINIMUM else 6)


def test_custom_networking_draws_the_pod_interfaces_and_their_failing_api_call(
    demo: tuple[SeededAccount, Snapshot],
) -> None:
    account, snapshot = demo
    topology = snapshot.topologies["custom-networking"]
    results = {r.check_id: r for r in judge_cluster(topology, Settings(level=Level.MINIMUM)).results}
    pods = Place(0, PODS)

    drawn = {(e.source, e.target, e.traffic): e.status for e in flow_edges(topology, Level.MINIMUM, results)}

    assert places(topology) == [Place(0), pods]
    assert group_sgs(topology.node_groups[0], PODS) == frozenset(account.clusters["custom-networking"].node_sg_ids)
    assert drawn == {
        (Place(0), CONTROL_PLANE, "TCP 443"): OK,
        (pods, CONTROL_PLANE, "TCP 443"): FAILED,  # CP_SG_MINIMUM: the control plane does not admit the pods
        (CONTROL_PLANE, Place(0), "TCP 10250"): OK,  # kubelet: primary interfaces only
        (Place(0), Place(0), "any traffic"): OK,
        (pods, pods, "any traffic"): OK,
    }


def test_a_cross_group_failure_is_an_arrow_between_the_groups(seeder: Seeder) -> None:
    """ng-a's nodes carry the cluster SG only (it admits itself); ng-b's their own SG, which admits the
    cluster SG: ng-a admits nothing from ng-b, ng-b everything from ng-a, each group itself."""
    seeder.cluster("c1", "1.31", [])
    cluster_sg = seeder.eks_cluster_sg("c1")
    node_b = seeder.security_group("node-b", "node b", tags={"kubernetes.io/cluster/c1": "owned"})
    seeder.add_ingress(node_b, {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": node_b}, {"GroupId": cluster_sg}]})
    for group, sgs in (("ng-a", [cluster_sg]), ("ng-b", [node_b])):
        seeder.managed_nodegroup("c1", group)
        seeder.managed_instances("c1", group, 1, sgs)
    topology = discover(seeder)(clusters=["c1"]).topologies["c1"]
    a, b = (Place(i) for i, g in enumerate(topology.node_groups) if g.name in ("ng-a", "ng-b"))
    assert [topology.node_groups[a.group].name, topology.node_groups[b.group].name] == ["ng-a", "ng-b"]
    results = {r.check_id: r for r in judge_cluster(topology, Settings(level=Level.MINIMUM)).results}

    edges = flow_edges(topology, Level.MINIMUM, results)

    between = {(e.source, e.target): e.status for e in edges if e.traffic == "any traffic"}
    assert between == {(a, a): OK, (b, a): FAILED, (a, b): OK, (b, b): OK}
    assert all(e.between_nodes for e in edges if e.traffic == "any traffic")


def test_an_unjudged_check_draws_its_flows_as_unknown() -> None:
    edge = Edge(CONTROL_PLANE, INTERNET, "all traffic", "internet", [UNKNOWN, UNKNOWN])
    assert edge.status == UNKNOWN and not edge.between_nodes
    assert Edge(Place(0), CONTROL_PLANE, "TCP 443", "API server", [UNKNOWN, OK]).status == OK
