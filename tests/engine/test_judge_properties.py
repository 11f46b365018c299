"""Properties of `reach` and the judge, over generated rule sets (hypothesis).

- A rule of protocol -1 (all traffic) that names the peer covers every flow to or from it.
- Adding a rule never takes reach away, and never turns a COMPLIANT check into NON_COMPLIANT:
  every flow check of the requirement text asks for traffic to be allowed, none for it to be denied.
- A TCP range covers every port inside it (1025-65535 covers kubelet's 10250).
"""

from __future__ import annotations

import dataclasses
import ipaddress

from hypothesis import given, settings
from hypothesis import strategies as st

from eks_sg_rule.model import Permission, SecurityGroup, Topology
from eks_sg_rule.network import Endpoint, reach
from eks_sg_rule.requirements import CHECKS, Kind
from eks_sg_rule.results import Status
from tests.engine.builders import everything, judge, nodegroup, owned, sg, tcp, topology, udp

SG_IDS = ("sg-cluster", "sg-cp", "sg-node")
CIDRS = ("0.0.0.0/0", "10.0.0.0/16", "10.0.8.0/24", "10.0.0.0/24", "192.168.0.0/16", "::/0")
NODE = Endpoint("node", frozenset({"sg-node"}), (ipaddress.ip_network("10.0.8.10/32"),))
FLOW_CHECKS = [check for check in CHECKS if check.kind is Kind.FLOWS]

ports = st.integers(0, 65535)
peers = st.one_of(
    st.sampled_from(SG_IDS).map(lambda group: {"sgs": [group]}),
    st.sampled_from(CIDRS).map(lambda cidr: {"cidrs": [cidr]}),
)


@st.composite
def permissions(draw: st.DrawFn) -> Permission:
    peer = draw(peers)
    kind = draw(st.sampled_from(("tcp", "all", "udp")))
    if kind == "all":
        return everything(**peer)
    low, high = sorted((draw(ports), draw(ports)))
    return tcp(low, high, **peer) if kind == "tcp" else udp(low, high, sgs=peer.get("sgs", ()))


rule_lists = st.lists(permissions(), max_size=4)
# Rules the requirement text asks for, so that generated layouts pass often enough to be tested.
USEFUL = (
    everything(sgs=SG_IDS),
    everything(cidrs=["0.0.0.0/0"]),
    tcp(443, sgs=SG_IDS),
    tcp(10250, sgs=SG_IDS),
    tcp(1025, 65535, sgs=SG_IDS),
)
rule_sets = st.tuples(st.lists(st.sampled_from(USEFUL), max_size=3), rule_lists).map(lambda pair: pair[0] + pair[1])


@st.composite
def layouts(draw: st.DrawFn) -> Topology:
    """The self-managed layout (control-plane SG, node SG, cluster SG) with generated rules."""
    groups = [
        sg("sg-cluster", draw(rule_sets), draw(rule_sets), **owned()),
        sg("sg-cp", draw(rule_sets), draw(rule_sets)),
        sg("sg-node", draw(rule_sets), draw(rule_sets), **owned()),
    ]
    node_sgs = draw(st.sampled_from((["sg-node"], ["sg-cluster"], ["sg-node", "sg-cluster"])))
    return topology(groups, [nodegroup("ng-1", node_sgs, node_sgs)], additional=["sg-cp"])


def with_rule(top: Topology, group_id: str, permission: Permission, egress: bool) -> Topology:
    group: SecurityGroup = top.security_groups[group_id]
    if egress:
        changed = dataclasses.replace(group, egress=(*group.egress, permission))
    else:
        changed = dataclasses.replace(group, ingress=(*group.ingress, permission))
    return dataclasses.replace(top, security_groups={**top.security_groups, group_id: changed})


@given(rule_lists, st.sampled_from(("sgs", "cidrs")))
def test_an_all_traffic_rule_naming_the_peer_covers_every_port(rules: list[Permission], how: str) -> None:
    peer = {"sgs": ["sg-node"]} if how == "sgs" else {"cidrs": ["10.0.8.0/24"]}
    granted = reach([*rules, everything(**peer)], NODE)

    assert granted.all_traffic
    assert granted.tcp.contains(0)
    assert granted.tcp.contains(65535)


@given(rule_lists, permissions())
def test_adding_a_rule_never_takes_reach_away(rules: list[Permission], extra: Permission) -> None:
    before = reach(rules, NODE)
    after = reach([*rules, extra], NODE)

    assert before.tcp.difference(after.tcp) == before.tcp.difference(before.tcp)
    assert after.all_traffic or not before.all_traffic
    assert after.anything or not before.anything


@given(ports, ports, ports)
def test_a_tcp_range_covers_every_port_inside_it(first: int, second: int, probe: int) -> None:
    low, high = sorted((first, second))
    granted = reach([tcp(low, high, sgs=["sg-node"])], NODE)

    assert granted.tcp.contains(probe) == (low <= probe <= high)


def test_the_ephemeral_range_covers_kubelet() -> None:
    assert reach([tcp(1025, 65535, sgs=["sg-node"])], NODE).tcp.contains(10250)


@settings(max_examples=150, deadline=None)
@given(layouts(), st.sampled_from(SG_IDS), permissions(), st.booleans())
def test_adding_a_rule_never_turns_a_pass_into_a_failure(
    top: Topology, group_id: str, extra: Permission, egress: bool
) -> None:
    widened = with_rule(top, group_id, extra, egress)

    for check in FLOW_CHECKS:
        if judge(top, check.id).status is Status.COMPLIANT:
            assert judge(widened, check.id).status is not Status.NON_COMPLIANT, check.id


@settings(max_examples=60, deadline=None)
@given(layouts())
def test_all_traffic_between_the_role_sgs_and_egress_anywhere_pass_every_flow_check(top: Topology) -> None:
    opened = top
    for group_id in SG_IDS:
        for egress in (False, True):
            opened = with_rule(opened, group_id, everything(sgs=SG_IDS), egress)
        # The recommended level asks nodes and the cluster SG for egress anywhere of the family.
        opened = with_rule(opened, group_id, everything(cidrs=["0.0.0.0/0"]), egress=True)

    for check in FLOW_CHECKS:
        assert judge(opened, check.id).status is Status.COMPLIANT, check.id
