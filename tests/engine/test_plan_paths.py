"""The plan of network-path findings (issue 17): each is a `manual` change with its message and AWS CLI
command; only an SG rule between the cluster's SGs may be planned like the other SG gaps; and nothing in
the package can write a network ACL, a route, a VPC endpoint, a NAT gateway or publicAccessCidrs."""

from __future__ import annotations

import ast
from pathlib import Path

from eks_sg_rule.model import Topology
from eks_sg_rule.network import PortSet
from eks_sg_rule.plan import AUTHORIZE_EGRESS, MANUAL, Change, Outcome, Planner
from eks_sg_rule.plan_paths import NEVER_WRITTEN
from eks_sg_rule.report.fix import fix_json, fix_markdown, fix_table
from eks_sg_rule.requirements import Direction, Level, Traffic
from eks_sg_rule.results import CheckResult, Finding, Gap, Status
from eks_sg_rule.settings import Scope
from tests.engine.builders import eks_default, everything, nodegroup, owned, sg, topology
from tests.engine.path_builders import (
    CIDRS_COMMAND,
    NACL_COMMAND,
    NACL_MESSAGE,
    api_failures,
    endpoint_sg_gap,
    nacl_failure,
    passing,
)

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "eks_sg_rule"


def node_topology() -> Topology:
    """EKS defaults plus a node SG of the cluster's own on every node."""
    cluster = sg("sg-cluster", [everything(sgs=["sg-cluster"])], **owned())
    node = sg("sg-node", [everything(sgs=["sg-node"])], **owned())
    return topology([cluster, node], [nodegroup("ng-1", ["sg-cluster", "sg-node"])])


def test_a_path_finding_is_a_manual_change_with_its_message_and_command() -> None:
    [change] = Planner(eks_default(), Scope()).plan(results=[nacl_failure()])

    assert (change.action, change.status, change.automatic) == (MANUAL, MANUAL, False)
    assert (change.security_group_id, change.component_id, change.command) == ("", "acl-0a1", NACL_COMMAND)
    assert change.checks == ("NACL_MINIMUM",)
    assert change.detail == f"{NACL_MESSAGE} (not made: {NEVER_WRITTEN}); AWS CLI: {NACL_COMMAND}"
    assert change.to_json() == {
        "action": "manual",
        "security_group_id": "",
        "check": ["NACL_MINIMUM"],
        "detail": change.detail,
        "status": "manual",
        "component_id": "acl-0a1",
        "command": NACL_COMMAND,
    }


def test_every_path_finding_is_manual_whatever_the_scope_and_trust() -> None:
    scope = Scope(Level.RECOMMENDED, allow_tag_removal=True, trust_node_tags=True, network_path=True)
    results = [nacl_failure(), nacl_failure("NACL_RECOMMENDED"), api_failures()]

    changes = Planner(eks_default(), scope).plan(results=results)

    assert [(c.action, c.component_id, c.checks) for c in changes] == [
        (MANUAL, "acl-0a1", ("NACL_MINIMUM",)),  # the same change for both levels: planned once
        (MANUAL, "rtb-0r1", ("NODE_EGRESS_AWS_APIS",)),
        (MANUAL, "c1", ("NODE_EGRESS_AWS_APIS",)),
    ]
    assert changes[2].command == CIDRS_COMMAND and changes[2].detail.endswith(f"AWS CLI: {CIDRS_COMMAND}")


def test_passing_and_unjudged_path_checks_plan_nothing() -> None:
    unjudged = CheckResult(
        "NODE_EGRESS_AWS_APIS", Status.NOT_APPLICABLE, "cannot judge: … through tgw-1", cannot_judge=True
    )
    assert Planner(eks_default(), Scope()).plan(results=[passing("NACL_MINIMUM"), unjudged]) == []


def test_an_sg_rule_to_an_endpoint_sg_outside_the_cluster_stays_manual_with_its_command() -> None:
    finding = endpoint_sg_gap("sg-node", "sg-endpoint")
    result = CheckResult("NODE_EGRESS_AWS_APIS", Status.NON_COMPLIANT, finding.message, (finding,))

    [change] = Planner(node_topology(), Scope(trust_node_tags=True)).plan(results=[result])

    assert (change.action, change.security_group_id, change.component_id) == (MANUAL, "sg-node", "vpce-0e1")
    assert "(not made: sg-endpoint could not be read)" in change.detail
    assert change.command == finding.change and change.detail.endswith(f"AWS CLI: {finding.change}")


def test_an_sg_rule_between_the_clusters_own_sgs_is_planned_like_the_other_gaps() -> None:
    finding = endpoint_sg_gap("sg-node", "sg-cluster")
    result = CheckResult("NODE_EGRESS_AWS_APIS", Status.NON_COMPLIANT, finding.message, (finding,))

    [trusted] = Planner(node_topology(), Scope(trust_node_tags=True)).plan(results=[result])
    [untrusted] = Planner(node_topology(), Scope()).plan(results=[result])

    assert (trusted.action, trusted.security_group_id, trusted.checks) == (
        AUTHORIZE_EGRESS,
        "sg-node",
        ("NODE_EGRESS_AWS_APIS",),
    )
    assert trusted.permissions == (
        {
            "IpProtocol": "tcp",
            "FromPort": 443,
            "ToPort": 443,
            "UserIdGroupPairs": [{"GroupId": "sg-cluster", "Description": "eks-sg-rule remediation"}],
        },
    )
    # Nodes known by tags only: the same trust rule as every SG gap, and the command for a person.
    assert untrusted.action == MANUAL and "node membership rests on user-set tags" in untrusted.detail
    assert untrusted.command == finding.change


def test_a_path_gap_without_a_peer_sg_is_never_opened_as_a_cidr() -> None:
    gap = Gap(Direction.EGRESS, Traffic.TCP, PortSet.of((443, 443)), ())
    finding = Finding("sg-node", "sg-node allows no egress TCP 443 to pl-63a5400a (S3)", gap, component_id="vpce-0s3")
    result = CheckResult("NODE_EGRESS_AWS_APIS", Status.NON_COMPLIANT, finding.message, (finding,))

    [change] = Planner(node_topology(), Scope(trust_node_tags=True)).plan(results=[result])

    assert (change.action, change.component_id) == (MANUAL, "vpce-0s3")


def test_the_plan_of_one_sg_leaves_out_path_changes_on_other_components() -> None:
    scope = Scope(trust_node_tags=True, only_security_group="sg-node")
    assert Planner(node_topology(), scope).plan(results=[nacl_failure()]) == []


def test_a_plan_without_path_findings_keeps_its_json_shape() -> None:
    change = Change(AUTHORIZE_EGRESS, "sg-node", ("WORKER_SG_MINIMUM",), "allow egress TCP 443 to sg-cluster")
    assert set(change.to_json()) == {"action", "security_group_id", "check", "detail", "status"}


def test_the_fix_reports_name_the_component_and_the_command() -> None:
    changes = tuple(Planner(eks_default(), Scope()).plan(results=[nacl_failure()]))
    outcome = Outcome("c1", Level.MINIMUM, changes, applied=False, remaining=changes)

    table = fix_table([outcome])
    markdown = fix_markdown([outcome])
    document = fix_json([outcome], "us-east-1")

    assert f"  [manual] acl-0a1 (NACL_MINIMUM): {NACL_MESSAGE}" in table
    assert NACL_COMMAND in table
    assert "| manual | — | `acl-0a1` | NACL_MINIMUM |" in markdown and NACL_COMMAND in markdown
    assert document["changes"][0]["component_id"] == "acl-0a1"
    assert document["changes"][0]["command"] == NACL_COMMAND


# --- The no-write proof, from the source: what the package can call at all. ---

# Every AWS API that changes a network ACL, a route, a route table, a VPC endpoint, a NAT gateway or
# the cluster's endpoint access (publicAccessCidrs: EKS UpdateClusterConfig), as boto3 method names.
NETWORK_WRITES = frozenset(
    {
        "create_network_acl",
        "create_network_acl_entry",
        "replace_network_acl_entry",
        "delete_network_acl_entry",
        "delete_network_acl",
        "replace_network_acl_association",
        "create_route",
        "replace_route",
        "delete_route",
        "create_route_table",
        "delete_route_table",
        "associate_route_table",
        "disassociate_route_table",
        "replace_route_table_association",
        "create_vpc_endpoint",
        "modify_vpc_endpoint",
        "delete_vpc_endpoints",
        "create_nat_gateway",
        "delete_nat_gateway",
        "associate_nat_gateway_address",
        "update_cluster_config",
        "modify_vpc_endpoint_service_configuration",
    }
)
SG_WRITES = {"authorize_security_group_ingress", "authorize_security_group_egress", "create_tags", "delete_tags"}


def _called_names(path: Path) -> set[str]:
    """Every `x.name(...)` and `name(...)` called in a module, and every string naming a method."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Attribute):
                names.add(node.func.attr)
            elif isinstance(node.func, ast.Name):
                names.add(node.func.id)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.isidentifier():
            names.add(node.value)
    return names


def test_no_module_of_the_package_calls_a_network_write() -> None:
    for path in sorted(PACKAGE.rglob("*.py")):
        assert not _called_names(path) & NETWORK_WRITES, path


def test_the_writes_module_writes_sg_rules_and_tags_only() -> None:
    writes = PACKAGE / "aws" / "writes.py"
    ec2_calls = {
        node.func.attr
        for node in ast.walk(ast.parse(writes.read_text()))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "ec2"
    }
    assert ec2_calls == SG_WRITES
    for name in ("plan.py", "plan_paths.py"):
        assert not _called_names(PACKAGE / name) & NETWORK_WRITES, name
