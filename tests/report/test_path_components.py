"""Network-path components (NetworkPath: network ACLs, route tables, VPC endpoints, NAT gateways) in the
scan's reports: under their own heading with their type, verdict and the clusters whose paths cross
them, never among the security groups; JSON keeps them as evaluations with their resource_type."""

from __future__ import annotations

from dataclasses import replace

from eks_sg_rule.evaluate import ResourceEvaluation
from eks_sg_rule.model import Snapshot
from eks_sg_rule.report.markdown import render_markdown
from eks_sg_rule.report.scan import RegionScan, ScanResult, build_result
from eks_sg_rule.report.table import render_table
from eks_sg_rule.requirements import Level
from eks_sg_rule.results import Status
from tests.engine.path_builders import NACL_COMMAND, NACL_MESSAGE, api_failures, nacl_failure

from .path_case import REGION, WHEN, html_case, scan_case


def with_components() -> ScanResult:
    """c2 with a NACL failure and the API failures; its components judged as evaluate makes them."""
    base = scan_case({"c2": [nacl_failure(), api_failures()]})
    scan = RegionScan(
        REGION,
        Snapshot({v.evaluation.resource_id: v.topology for v in base.clusters if v.topology is not None}),
        (
            *(view.evaluation for view in base.evaluations),
            ResourceEvaluation(
                "AWS::EC2::NetworkAcl", "acl-0a1", Status.NON_COMPLIANT, f"NACL_MINIMUM: {NACL_MESSAGE}"
            ),
            ResourceEvaluation(
                "AWS::EC2::RouteTable", "rtb-0r1", Status.NON_COMPLIANT, "NODE_EGRESS_AWS_APIS: no route"
            ),
            ResourceEvaluation(
                "AWS::EC2::NatGateway", "nat-0g1", Status.COMPLIANT, "nothing blocks the required paths through nat-0g1"
            ),
            ResourceEvaluation("AWS::EC2::VPCEndpoint", "vpce-0zz", Status.COMPLIANT, "on no path of these clusters"),
        ),
    )
    return build_result(Level.RECOMMENDED, [scan], None, WHEN, "0.0.0")


def test_the_table_lists_components_under_their_own_heading() -> None:
    text = render_table(with_components())
    before, _, rest = text.partition("network components:")
    assert "acl-0a1" not in before.partition("security groups:")[2] and "no role of -" not in text
    lines = rest.splitlines()
    acl = next(line for line in lines if "acl-0a1" in line)
    assert "network ACL" in acl and "on paths of c2" in acl and "NON_COMPLIANT" in acl
    assert "route table" in next(line for line in lines if "rtb-0r1" in line)
    assert "on paths of c2" in next(line for line in lines if "nat-0g1" in line)
    assert "on paths of -" in next(line for line in lines if "vpce-0zz" in line)
    assert "network components: 4 (2 COMPLIANT, 2 NON_COMPLIANT)" in text
    only = render_table(with_components(), only_failures=True)
    assert "acl-0a1" in only.partition("network components:")[2] and "nat-0g1" not in only
    # The shared change is printed once under the check.
    assert text.count(NACL_COMMAND) == 1


def test_markdown_and_html_list_components_with_type_and_clusters() -> None:
    result = with_components()
    markdown = render_markdown(result)
    assert "### Network components" in markdown
    assert "| `acl-0a1` | network ACL | c2 | ❌ NON_COMPLIANT |" in markdown
    assert "| network components | 4 | 2 | 2 | 0 |" in markdown
    assert "`acl-0a1`" not in markdown.partition("### Security groups")[2].partition("### Network components")[0]
    html = html_case(result)
    c2 = html.partition('id="cluster-us-east-1-c2"')[2]
    section = c2.partition("<h3>Network components</h3>")[2].partition("<h3>Fix plan</h3>")[0]
    assert "<code>acl-0a1</code></td><td>network ACL</td><td>c2</td>" in section
    assert "vpce-0zz" not in section  # on no path of c2
    assert "<th>network components</th><td>4</td>" in html


def test_json_keeps_components_as_evaluations_with_their_type_and_clusters() -> None:
    document = with_components().to_json()
    by_id = {e["resource_id"]: e for e in document["evaluations"]}
    acl = by_id["acl-0a1"]
    assert acl["resource_type"] == "AWS::EC2::NetworkAcl" and acl["clusters"] == ["c2"]
    assert "group_name" not in acl and "roles" not in acl
    assert document["summary"]["network_components"]["total"] == 4
    assert "network_components" not in scan_case().to_json()["summary"]


def test_without_components_nothing_changes() -> None:
    result = scan_case()
    assert result.components == () and "network components" not in render_table(result)
    assert replace(result).summary().keys() == {"clusters", "security_groups"}
