"""The suggested network ACL entries (crossing.RuleNumbers, crossing._allowed): every command for one ACL
and direction takes its own free number below the blocking rule and above the rule before it, across
the findings of one check and across NACL_MINIMUM and NACL_RECOMMENDED; when no number is left the
finding says so instead of giving a command EC2 would reject; the range the message names is the
range the command allows. EC2 rejects a second entry with one number in one direction of an ACL
(CreateNetworkAclEntry's NetworkAclEntryAlreadyExists error, EC2 API reference)."""

from __future__ import annotations

import ipaddress
import re

from eks_sg_rule.checks import Judge
from eks_sg_rule.crossing import Outcome, Place, RuleNumbers, acl_entry_command, judge_acl
from eks_sg_rule.ip import Protocol
from eks_sg_rule.network import PortSet
from eks_sg_rule.requirements import CHECKS_BY_ID
from eks_sg_rule.results import CheckResult, Status
from eks_sg_rule.vpc import DEFAULT_RULE_NUMBER

from .builders import acl_rule, judge, network_acl, open_rules, path_topology, vpc_network

NODE_SUBNETS = ("subnet-n1", "subnet-n2")
OTHERS = ("subnet-cp1", "subnet-cp2", "subnet-pub")
NUMBER = re.compile(r"--(ingress|egress) --rule-number (\d+) (.*?) --rule-action")


def node_acl(*rules: object) -> list[object]:
    return [
        network_acl("acl-default", OTHERS, open_rules(), default=True),
        network_acl("acl-nodes", NODE_SUBNETS, rules),  # type: ignore[arg-type]
    ]


def entries(results: list[CheckResult]) -> dict[tuple[str, str], str]:
    """(direction, number) -> what the entry allows, over every distinct command; fails on a number
    given twice to different entries."""
    seen: dict[tuple[str, str], str] = {}
    for result in results:
        for finding in result.findings:
            for direction, number, what in NUMBER.findall(finding.change or ""):
                assert seen.setdefault((direction, number), what) == what, f"rule {number} given twice"
    return seen


def returns_blocked() -> tuple[object, ...]:
    """The node subnets answer only each other and HTTPS out: kubelet's and the API server's returns
    to the control plane's subnets hit the `*` rule after rule 120 (the demo's nacl-blocked)."""
    return (
        acl_rule(100, True, "10.0.16.0/20"),
        acl_rule(110, True, "10.0.32.0/20"),
        acl_rule(120, True, protocol="tcp", ports=(443, 443)),
        acl_rule(DEFAULT_RULE_NUMBER, True, allow=False),
        acl_rule(100, False),
        acl_rule(DEFAULT_RULE_NUMBER, False, allow=False),
    )


def test_each_peer_range_gets_its_own_number_and_repeats_keep_theirs() -> None:
    top = path_topology(vpc_network(acls=node_acl(*returns_blocked())))
    result = judge(top, "NACL_MINIMUM")
    assert result.status is Status.NON_COMPLIANT
    numbers = entries([result])
    # Two control-plane subnets, one rule each, after the last rule 120; both node subnets reuse them.
    assert sorted(numbers) == [("egress", "130"), ("egress", "131")]
    assert {what.split()[-1] for what in numbers.values()} == {"10.0.0.0/24", "10.0.1.0/24"}
    changes = [f.change for f in result.findings]
    assert len(set(changes)) == 2 and len(changes) == 4  # n1 and n2 give the same two commands


def test_both_nacl_checks_of_one_judge_share_the_numbers() -> None:
    top = path_topology(vpc_network(acls=node_acl(*returns_blocked())))
    judge_ = Judge(top)
    results = [judge_.judge(CHECKS_BY_ID[c]) for c in ("NACL_MINIMUM", "NACL_RECOMMENDED")]
    assert all(r.status is Status.NON_COMPLIANT for r in results)
    numbers = entries(results)
    assert len(set(numbers.values())) == len(numbers)
    assert all(130 <= int(number) < DEFAULT_RULE_NUMBER for _, number in numbers)


def test_numbers_stay_between_the_previous_rule_and_the_blocking_one() -> None:
    rules = (
        acl_rule(87, False, protocol="tcp", ports=(22, 22)),
        acl_rule(90, False, "10.0.0.0/23", protocol="tcp", ports=(10250, 10250), allow=False),
        *open_rules(),
    )
    result = judge(path_topology(vpc_network(acls=node_acl(*rules))), "NACL_MINIMUM")
    numbers = entries([result])
    assert sorted(numbers) == [("ingress", "88"), ("ingress", "89")]
    assert all("at rule 90: add an allow rule numbered below 90" in f.message for f in result.findings)


def test_no_free_number_below_the_blocking_rule_gives_no_command_and_says_so() -> None:
    rules = (
        acl_rule(89, False, protocol="tcp", ports=(22, 22)),
        acl_rule(90, False, "10.0.0.0/23", protocol="tcp", ports=(10250, 10250), allow=False),
        *open_rules(),
    )
    result = judge(path_topology(vpc_network(acls=node_acl(*rules))), "NACL_MINIMUM")
    assert result.status is Status.NON_COMPLIANT
    for finding in result.findings:
        assert finding.change == ""
        assert "(no free rule number is left below 90 in the inbound rules of acl-nodes: renumber" in finding.message


def test_rule_numbers_directly() -> None:
    acl = network_acl("acl-x", (), (acl_rule(100, False), acl_rule(DEFAULT_RULE_NUMBER, False, allow=False)))
    numbers = RuleNumbers()
    assert numbers.number(acl, False, ("a",), 100) == 99
    assert numbers.number(acl, False, ("b",), 100) == 98
    assert numbers.number(acl, False, ("a",), 100) == 99  # the same entry keeps its number
    assert numbers.number(acl, True, ("a",), 100) == 99  # the other direction is apart
    assert numbers.number(acl, False, ("c",), DEFAULT_RULE_NUMBER) == 110
    full = network_acl("acl-y", (), (acl_rule(32766, False), acl_rule(DEFAULT_RULE_NUMBER, False, allow=False)))
    assert numbers.number(full, False, ("a",), DEFAULT_RULE_NUMBER) is None
    two = acl_entry_command(acl, False, Protocol.TCP, PortSet.of((22, 22), (80, 80)), acl.entries[0].cidr, 100)
    assert two is not None and "--rule-number 99" in two and "--rule-number 98" in two
    tight = network_acl("acl-z", (), (acl_rule(1, False, allow=False),))
    assert acl_entry_command(tight, False, Protocol.ALL, PortSet.all_ports(), tight.entries[0].cidr, 1) is None


def test_a_blocked_part_of_the_internet_is_allowed_exactly_as_the_message_names_it() -> None:
    # The ACL denies HTTPS to 128.0.0.0/1 only: the change allows that half, not 0.0.0.0/0 (which would
    # open more than rule 90 denies), and the message names the same range.
    rules = (acl_rule(90, True, "128.0.0.0/1", protocol="tcp", ports=(443, 443), allow=False), *open_rules())
    vpc = vpc_network(acls=node_acl(*rules))
    subnet = vpc.subnets["subnet-n1"]
    outcome = Outcome()
    place = Place(subnet, (ipaddress.ip_network("10.0.16.10/32"),), "nodegroup ng-1", "nodegroup ng-1")
    anywhere = (ipaddress.ip_network("0.0.0.0/0"),)
    https = PortSet.of((443, 443))
    assert judge_acl(outcome, vpc, place, True, Protocol.TCP, https, anywhere, "the AWS APIs", anywhere) is None
    (finding,) = outcome.findings
    assert "denies outbound TCP 443 to 128.0.0.0/1 at rule 90" in finding.message
    assert finding.change.endswith(
        "--rule-number 89 --protocol tcp --port-range From=443,To=443 --cidr-block 128.0.0.0/1 --rule-action allow"
    )
