"""The smallest plan (plan_minimal): no change another change of the plan makes unnecessary, and port
ranges merged across gaps the SG already allows. Pure: hand-built topologies, no AWS."""

from __future__ import annotations

from hypothesis import given, settings

from eks_sg_rule.checks import Judge
from eks_sg_rule.model import Topology
from eks_sg_rule.network import PortSet
from eks_sg_rule.plan import AUTHORIZE_EGRESS, AUTHORIZE_INGRESS, MANUAL, Change, Planner
from eks_sg_rule.plan_minimal import allowed_ports, merged, smallest, with_rules
from eks_sg_rule.requirements import Direction, Level, checks_for
from eks_sg_rule.results import Status
from eks_sg_rule.settings import Scope
from tests.engine.builders import eks_default, everything, nodegroup, owned, sg, tcp, topology
from tests.engine.test_judge_properties import layouts

RECOMMENDED = Scope(level=Level.RECOMMENDED, trust_node_tags=True)


def rule(sg_id: str, peer: str, low: int | None = None, high: int | None = None, egress: bool = False) -> Change:
    """An automatic rule change as the planner makes it: all traffic, or TCP low-high, naming `peer`."""
    pair = [{"GroupId": peer, "Description": "eks-sg-rule remediation"}]
    permission = (
        {"IpProtocol": "-1", "UserIdGroupPairs": pair}
        if low is None
        else {"IpProtocol": "tcp", "FromPort": low, "ToPort": high or low, "UserIdGroupPairs": pair}
    )
    action = AUTHORIZE_EGRESS if egress else AUTHORIZE_INGRESS
    return Change(action, sg_id, ("WORKER_SG_MINIMUM",), f"rule {sg_id} {peer} {low}-{high}", (permission,))


def failing(top: Topology, scope: Scope = RECOMMENDED) -> set[str]:
    judge = Judge(top)
    return {
        check.id
        for check in checks_for(scope.level, scope.network_path)
        if judge.judge(check).status is Status.NON_COMPLIANT
    }


# --- merged port ranges ---


def test_a_gap_the_sg_already_allows_is_closed_into_one_range() -> None:
    gap = PortSet.of((1025, 10249), (10251, 65535))

    assert merged(gap, PortSet.of((10250, 10250))).intervals == ((1025, 65535),)
    assert merged(gap, PortSet()).intervals == gap.intervals  # 10250 not allowed: two ranges stay
    assert merged(PortSet.of((443, 443), (1025, 65535)), PortSet.of((444, 1000))).intervals == (
        (443, 443),
        (1025, 65535),
    )  # the gap 444-1024 is only partly allowed
    assert merged(PortSet(), PortSet.all_ports()) == PortSet()


def test_allowed_ports_are_those_of_rules_naming_the_peer() -> None:
    group = sg(
        "sg-node",
        [tcp(10250, sgs=["sg-cp"]), tcp(443, sgs=["sg-cp"]), tcp(22, cidrs=["0.0.0.0/0"]), tcp(80, sgs=["sg-x"])],
        [everything(sgs=["sg-cp"])],
    )

    assert allowed_ports(group, Direction.INGRESS, "sg-cp") == PortSet.of((443, 443), (10250, 10250))
    assert allowed_ports(group, Direction.EGRESS, "sg-cp") == PortSet.all_ports()
    assert allowed_ports(group, Direction.INGRESS, "sg-other") == PortSet()
    assert allowed_ports(None, Direction.INGRESS, "sg-cp") == PortSet()


def test_the_planner_merges_kubelet_s_gap_into_one_rule() -> None:
    """Recommended: nodes admit 1025-65535 from the control-plane SG; they already admit 443 and 10250."""
    top = topology(
        [
            sg("sg-cp", [tcp(443, sgs=["sg-node"])], [tcp(443, sgs=["sg-node"]), tcp(1025, 65535, sgs=["sg-node"])]),
            sg("sg-node", [everything(sgs=["sg-node"]), tcp(443, sgs=["sg-cp"]), tcp(10250, sgs=["sg-cp"])], **owned()),
        ],
        [nodegroup("ng-1", ["sg-node"])],
        cluster_sg=None,
        additional=["sg-cp"],
        version="1.13",
    )
    changes = Planner(top, RECOMMENDED).plan()

    rules = [change for change in changes if change.automatic]
    assert [(c.security_group_id, c.detail) for c in rules] == [("sg-node", "allow ingress TCP 1025-65535 from sg-cp")]
    assert [(p["FromPort"], p["ToPort"]) for p in rules[0].permissions] == [(1025, 65535)]
    assert "WORKER_SG_RECOMMENDED" not in failing(with_rules(top, rules))


# --- no change another change makes unnecessary ---


def without_cluster_self_rule() -> Topology:
    """eksctl's layout (cluster SG on nodes and control plane, plus a control-plane SG) with the cluster
    SG's own rule (all traffic from itself) revoked."""
    return topology(
        [sg("sg-cluster", [], **owned()), sg("sg-cp", [])],
        [nodegroup("ng-1", ["sg-cluster"], ["sg-cluster"])],
        additional=["sg-cp"],
    )


def test_restoring_the_cluster_sg_s_self_rule_is_the_whole_plan() -> None:
    top = without_cluster_self_rule()
    scope = Scope(trust_node_tags=True)

    one_round = Planner(top, scope)._round()
    changes = Planner(top, scope).plan()

    assert len(one_round) == 3  # what `fix` planned before: two of them made unnecessary by the third
    assert [(c.action, c.security_group_id, c.detail) for c in changes] == [
        (AUTHORIZE_INGRESS, "sg-cluster", "allow ingress all traffic from sg-cluster")
    ]
    assert set(changes[0].checks) == {"WORKER_SG_MINIMUM", "CP_SG_MINIMUM"}
    assert failing(with_rules(top, changes), scope) == set()


def test_an_already_compliant_cluster_gets_an_empty_plan_in_one_round() -> None:
    calls: list[Topology] = []

    def replan(top: Topology) -> list[Change]:
        calls.append(top)
        return Planner(top, RECOMMENDED)._round()

    assert smallest(eks_default(), replan) == []
    assert len(calls) == 1


def test_a_chosen_rule_the_later_ones_make_unnecessary_is_pruned() -> None:
    """Round 1 takes the broadest rule A; round 2 plans B, which (in this made-up planner) makes A
    unnecessary too: the plan keeps B alone."""
    a, b = rule("sg-1", "sg-2"), rule("sg-1", "sg-3", 443)

    def replan(top: Topology) -> list[Change]:
        added = {p.group_ids for p in top.security_groups["sg-1"].ingress}
        if frozenset({"sg-3"}) in added:
            return []
        return [b] if frozenset({"sg-2"}) in added else [a, b]

    top = topology([sg("sg-1"), sg("sg-2"), sg("sg-3")], [])
    assert smallest(top, replan) == [b]


def test_a_rule_planned_again_after_it_was_chosen_ends_the_rounds() -> None:
    """A planner that keeps asking for the same rule (its finding not repaired by it) cannot loop."""
    a = rule("sg-1", "sg-2", 443)
    note = Change(MANUAL, "sg-1", ("TAG_OWNED",), "tag by hand")
    top = topology([sg("sg-1"), sg("sg-2")], [])

    assert smallest(top, lambda _: [note, a]) == [note, a]


def test_rules_on_unknown_sgs_and_manual_changes_are_not_simulated() -> None:
    top = topology([sg("sg-1", [], [])], [])
    manual = Change(MANUAL, "sg-1", ("X",), "by hand")
    simulated = with_rules(top, [rule("sg-9", "sg-1"), manual, rule("sg-1", "sg-2", 443, egress=True)])

    assert set(simulated.security_groups) == {"sg-1"}
    assert simulated.security_groups["sg-1"].ingress == ()
    [added] = simulated.security_groups["sg-1"].egress
    assert (added.from_port, added.to_port, added.group_ids) == (443, 443, frozenset({"sg-2"}))


@settings(max_examples=60, deadline=None)
@given(layouts())
def test_the_smallest_plan_fixes_everything_the_one_round_plan_fixed(top: Topology) -> None:
    """Applied (with_rules), the smallest plan leaves no failing check that the one-round plan (what
    `fix` made before) repaired, with no more rules, and none of its rules is unnecessary."""
    old = [c for c in Planner(top, RECOMMENDED)._round() if c.adds_rule]
    new = [c for c in Planner(top, RECOMMENDED).plan() if c.adds_rule]

    assert failing(with_rules(top, new)) <= failing(with_rules(top, old))
    assert len(new) <= len(old)
    rest = [c.detail for c in Planner(with_rules(top, new), RECOMMENDED)._round()]
    for change in new:
        others = [other for other in new if other is not change]
        assert [c.detail for c in Planner(with_rules(top, others), RECOMMENDED)._round()] != rest
