"""A new user's and an attacker's probes: the README followed literally, the remediation pushed.

Part 1 drives the real CLI (`eks_sg_rule.cli.main`) and the real rule handler against moto, as the
README describes them (`scan --cluster`, `fix`, SG change events). Part 2 builds accounts with
demo.seed's Seeder and tries to make `fix --apply` or the remediation Lambda (DryRun false) write
what it must not: a rule naming an SG that reaches beyond the cluster, a destructive tag removal, or
a success over something not fixed. Findings are strict xfails whose reason starts with FINDING.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient
from demo.config_store import ConfigResultStore
from demo.seed import SeededAccount, Seeder, seed_account
from moto.eks.models import eks_backends

from eks_sg_rule.cli import main
from eks_sg_rule.discovery import Discovery
from eks_sg_rule.evaluate import evaluate
from eks_sg_rule.handler import lambda_handler as rule_handler
from eks_sg_rule.plan import MANUAL, UNTRUSTED
from eks_sg_rule.remediation import remediate
from eks_sg_rule.remediation_handler import RemediationFailed
from eks_sg_rule.remediation_handler import lambda_handler as remediation_handler
from eks_sg_rule.requirements import Level
from eks_sg_rule.settings import Scope, Settings
from tests.conftest import ACCOUNT, REGION, LambdaContext, discover, iam_client, load_event, rules_of
from tests.deploy.deployment import deploy_widest
from tests.e2e.test_handler import with_item, with_parameters

CLUSTER = "AWS::EKS::Cluster"
SG = "AWS::EC2::SecurityGroup"
WRITES = ("Authorize", "Revoke", "CreateTags", "DeleteTags", "Delete", "Modify", "Create", "Replace", "Update")


# --- helpers ------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def widest_deployment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The inputs here ask for the switches themselves: the remediation's deployment allows them all."""
    deploy_widest(monkeypatch)


@pytest.fixture
def demo(seeder: Seeder) -> SeededAccount:
    return seed_account(seeder.ec2, seeder.eks, region=REGION)


class Calls:
    """Every AWS call through any boto3 client: operation and parameters."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        original = BaseClient._make_api_call

        def recording(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
            self.calls.append((operation, params))
            return original(client, operation, params)

        monkeypatch.setattr(BaseClient, "_make_api_call", recording)

    def count(self, operation: str) -> int:
        return sum(1 for name, _ in self.calls if name == operation)

    def counts(self) -> Counter[str]:
        return Counter(name for name, _ in self.calls)

    def writes(self) -> list[tuple[str, dict[str, Any]]]:
        return [(name, params) for name, params in self.calls if name.startswith(WRITES)]

    def clear(self) -> None:
        self.calls.clear()


@pytest.fixture
def calls(aws: None, monkeypatch: pytest.MonkeyPatch) -> Calls:
    return Calls(monkeypatch)


def all_from(sg: str) -> dict[str, Any]:
    return {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": sg}]}


def peers_in(rules: list[dict[str, Any]]) -> set[str]:
    return {pair["GroupId"] for rule in rules for pair in rule.get("UserIdGroupPairs", ())}


def tags_of(seeder: Seeder, sg_id: str) -> dict[str, str]:
    group = seeder.ec2.describe_security_groups(GroupIds=[sg_id])["SecurityGroups"][0]
    return {tag["Key"]: tag["Value"] for tag in group.get("Tags", ())}


def sweep(seeder: Seeder, level: Level = Level.MINIMUM) -> dict[str, tuple[str, str]]:
    snapshot = Discovery(eks=seeder.eks, ec2=seeder.ec2).snapshot()
    return {e.resource_id: (e.compliance_type.value, e.detail) for e in evaluate(snapshot, Settings(level=level))}


def cli(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main([*args[:1], "--region", REGION, *args[1:]], out=out)
    return code, out.getvalue()


def managed_cluster_needing_a_tag(seeder: Seeder, name: str = "c1") -> tuple[str, str, str]:
    """Managed nodes (AWS-set membership) with two SGs of their own, neither tagged: the plan is one
    automatic CreateTags. Returns (cluster SG, node SG, extra SG)."""
    seeder.cluster(name, "1.31", [])
    cluster_sg = seeder.eks_cluster_sg(name)
    node = seeder.security_group(f"{name}-node", "node")
    extra = seeder.security_group(f"{name}-extra", "extra")
    for sg in (node, extra):
        seeder.add_ingress(sg, all_from(node), all_from(extra), all_from(cluster_sg))
    seeder.add_ingress(cluster_sg, all_from(node), all_from(extra))
    seeder.managed_nodegroup(name, "ng", seeder.launch_template(f"{name}-ng", [node, extra]))
    seeder.managed_instances(name, "ng", 1, [node, extra])
    return cluster_sg, node, extra


# === Part 1: the README followed as a new user ==================================================


@pytest.mark.parametrize("level", ["minimum", "recommended"])
@pytest.mark.parametrize("form", ["table", "json"])
def test_scan_of_a_missing_named_cluster_is_exit_2_one_stderr_line_and_no_report(
    demo: SeededAccount, calls: Calls, capsys: pytest.CaptureFixture[str], level: str, form: str
) -> None:
    code, text = cli("scan", "--level", level, "--format", form, "--cluster", "two-owned", "--cluster", "tw0-owned")

    err = capsys.readouterr().err
    assert (code, text) == (2, "")
    assert err == f"eks-sg-rule: error: cluster(s) not found in {REGION}: tw0-owned\n"
    assert calls.count("ListClusters") == 0  # named: the region is never listed


def test_a_cluster_name_starting_with_a_dash_is_refused_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    # Usability note: `--cluster -bad` gets argparse's "expected one argument", not the name rule
    # that `--cluster=-bad` gets. Still exit 2, one line, no AWS call (no credentials are set here).
    assert main(["scan", "--region", REGION, "--cluster", "-bad"], out=io.StringIO()) == 2
    assert main(["scan", "--region", REGION, "--cluster=-bad"], out=io.StringIO()) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2 and all(line.startswith("eks-sg-rule: error: argument --cluster") for line in lines)
    assert "not an EKS cluster name" in lines[1]


def a_control_plane_sg_on_another_clusters_nodes(seeder: Seeder) -> tuple[str, str]:
    """b's running node carries a's control-plane SG (and nothing else); three unrelated clusters.
    Returns the region's scan (JSON) and a's control-plane SG."""
    seeded = seeder.prod_managed("a", nodes=1)
    [control_plane] = seeded.additional_sg_ids
    seeder.prod_managed("b", nodes=1)
    seeder.instances(1, [control_plane], {"eks:cluster-name": "b"})
    for index in range(3):
        seeder.prod_managed(f"other-{index}", nodes=1)
    _, whole = cli("scan", "--level", "recommended", "--format", "json")
    return whole, control_plane


def test_scan_of_a_named_cluster_sees_a_control_plane_sg_on_another_clusters_nodes(
    seeder: Seeder, calls: Calls
) -> None:
    """The named scan of a alone says what the region's scan says (DEDICATED_CP_SG, the shared SG's
    verdict and detail), reading a and b and nothing else."""
    whole, control_plane = a_control_plane_sg_on_another_clusters_nodes(seeder)
    calls.clear()

    code, one = cli("scan", "--level", "recommended", "--format", "json", "--cluster", "a")

    named = {e["resource_id"]: e for e in json.loads(one)["evaluations"]}
    everything = {e["resource_id"]: e for e in json.loads(whole)["evaluations"]}
    assert code == 1
    for key, evaluation in named.items():
        said = (evaluation["compliance_type"], evaluation["detail"], evaluation.get("clusters"))
        assert said == (everything[key]["compliance_type"], everything[key]["detail"], everything[key].get("clusters"))
    assert "used by cluster b" in named["a"]["detail"] and named[control_plane]["clusters"] == ["a", "b"]
    assert (calls.count("ListClusters"), calls.count("DescribeCluster")) == (0, 2)


def test_scan_of_a_named_cluster_lists_the_missing_rules_of_a_shared_sg(seeder: Seeder) -> None:
    whole, control_plane = a_control_plane_sg_on_another_clusters_nodes(seeder)

    _, one = cli("scan", "--level", "recommended", "--format", "json", "--cluster", "a")

    def missing(document: str) -> dict[str, Any]:
        [sg] = [e for e in json.loads(document)["evaluations"] if e["resource_id"] == control_plane]
        return {c["id"]: c.get("missing") for c in sg["checks"] if c["status"] == "NON_COMPLIANT"}

    assert missing(whole)["WORKER_SG_MINIMUM"]  # the region's scan names the rules
    assert missing(one) == missing(whole)


def test_fix_reads_the_region_once_before_and_the_cluster_once_after(seeder: Seeder, calls: Calls) -> None:
    managed_cluster_needing_a_tag(seeder)
    for index in range(3):
        seeder.prod_managed(f"other-{index}", nodes=1)
    calls.clear()

    code, text = cli("fix", "--cluster", "c1", "--apply")

    assert code == 0 and "1 applied" in text
    assert calls.count("ListClusters") == 1
    assert calls.count("DescribeCluster") == 4 + 1  # the region (4 clusters) before, c1 after


def test_fix_reads_the_fixed_cluster_and_its_sharers_after_applying(seeder: Seeder, calls: Calls) -> None:
    cluster_sg, _, _ = managed_cluster_needing_a_tag(seeder)
    seeder.cluster("b", "1.31", [])
    seeder.instances(1, [seeder.eks_cluster_sg("b"), cluster_sg], {"eks:cluster-name": "b"})
    calls.clear()

    code, _ = cli("fix", "--cluster", "c1", "--apply")

    assert code == 0
    # The region (c1, b) before; after, c1 and b again (b's node carries c1's cluster SG: the
    # re-check needs to know that c1's SG is shared, as the plan did).
    assert calls.count("DescribeCluster") == 2 + 2


def test_fix_of_several_clusters_never_writes_without_saying_so(
    seeder: Seeder, capsys: pytest.CaptureFixture[str]
) -> None:
    _, node, extra = managed_cluster_needing_a_tag(seeder)
    seeder.prod_managed("upd", nodes=1)
    eks_backends[ACCOUNT][REGION].clusters["upd"].status = "UPDATING"

    code, text = cli("fix", "--cluster", "c1", "--cluster", "upd", "--apply")

    err = capsys.readouterr().err
    assert code == 2 and "UPDATING" in err
    changed = [sg for sg in (node, extra) if "kubernetes.io/cluster/c1" in tags_of(seeder, sg)]
    # Either nothing was changed (every cluster checked first) or what was changed is reported.
    assert not changed or any(sg in text + err for sg in changed)


@pytest.mark.parametrize("which", ["default SG (pod interfaces only)", "unrelated SG"])
def test_an_sg_change_reads_only_the_clusters_its_interfaces_point_to(
    demo: SeededAccount,
    put_evaluations: ConfigResultStore,
    lambda_context: LambdaContext,
    monkeypatch: pytest.MonkeyPatch,
    which: str,
) -> None:
    sg = demo.clusters["custom-networking"].node_sg_ids[0] if which.startswith("default") else demo.unrelated_sg_ids[0]
    reference = {
        e.key: (e.compliance_type.value, e.annotation)
        for e in evaluate(
            Discovery(eks=boto3.client("eks"), ec2=boto3.client("ec2")).snapshot(), Settings(level=Level.RECOMMENDED)
        )
    }
    recorded = Calls(monkeypatch)
    event = with_parameters(with_item(load_event("sg-change.json"), sg), ComplianceLevel="recommended")
    before = len(put_evaluations.evaluations)

    rule_handler(event, lambda_context)

    sent = {
        (e["ComplianceResourceType"], e["ComplianceResourceId"]): (e["ComplianceType"], e.get("Annotation", ""))
        for e in put_evaluations.evaluations[before:]
    }
    assert (recorded.count("ListClusters"), recorded.count("DescribeCluster")) == (0, int(which.startswith("default")))
    if which.startswith("default"):
        assert sent[(SG, sg)] == reference[(SG, sg)] and sent[(SG, sg)][0] == "NON_COMPLIANT"
    else:
        assert sent[(SG, sg)][0] == "NOT_APPLICABLE" and recorded.count("DescribeNetworkInterfaces") == 1


# === Part 2: the remediation attacked ===========================================================


def test_tag_removal_never_leaves_another_interface_without_the_tag(
    seeder: Seeder, lambda_context: LambdaContext
) -> None:
    seeder.cluster("c1", "1.31", [])
    cluster_sg = seeder.eks_cluster_sg("c1")
    shared = seeder.security_group("c1-node", "node", tags={"kubernetes.io/cluster/c1": "owned"})
    extra = seeder.security_group("c1-extra", "extra")
    for sg in (shared, extra):
        seeder.add_ingress(sg, all_from(shared), all_from(cluster_sg), all_from(extra))
    seeder.add_ingress(cluster_sg, all_from(shared), all_from(extra))
    seeder.managed_nodegroup("c1", "ng-a", seeder.launch_template("c1-ng-a", [cluster_sg, shared]))
    seeder.managed_instances("c1", "ng-a", 1, [cluster_sg, shared])
    seeder.managed_nodegroup("c1", "ng-b", seeder.launch_template("c1-ng-b", [shared, extra]))
    seeder.managed_instances("c1", "ng-b", 1, [shared, extra])
    assert "ng-b" not in sweep(seeder)["c1"][1]  # ng-b passes TAG_OWNED before

    with pytest.raises(RemediationFailed):  # it does say that it did not finish
        remediation_handler({"ResourceId": "c1", "DryRun": False, "AllowTagRemoval": True}, lambda_context)

    assert "nodegroup ng-b" not in sweep(seeder)["c1"][1]  # the repair broke ng-b's tag


def test_a_forged_nodegroup_name_tag_never_hides_an_idle_managed_node_group(
    seeder: Seeder, lambda_context: LambdaContext
) -> None:
    seeder.cluster("c1", "1.31", [])
    cluster_sg = seeder.eks_cluster_sg("c1")
    seeder.managed_nodegroup("c1", "ng-run")
    seeder.managed_instances("c1", "ng-run", 1, [cluster_sg])
    idle = seeder.security_group("idle-node", "no rule at all")
    seeder.managed_nodegroup("c1", "ng-idle", seeder.launch_template("c1-ng-idle", [idle]))
    assert sweep(seeder)["c1"][0] == "NON_COMPLIANT"

    # Anyone allowed ec2:RunInstances/CreateTags in the VPC:
    seeder.instances(1, [cluster_sg], {"eks:cluster-name": "c1", "eks:nodegroup-name": "ng-idle"})

    assert sweep(seeder)["c1"][0] == "NON_COMPLIANT"
    # The idle node group still counts (by its launch template), and its repair names the cluster SG,
    # which the forged instance (a node by tags only) carries too: left to a person, loudly.
    with pytest.raises(RemediationFailed, match="outside cluster c1"):
        remediation_handler({"ResourceId": "c1", "DryRun": False}, lambda_context)
    assert sweep(seeder)["c1"][0] == "NON_COMPLIANT"


def test_the_remediation_never_names_an_sg_that_non_node_instances_carry(
    seeder: Seeder, lambda_context: LambdaContext
) -> None:
    seeder.cluster("c1", "1.31", [])
    cluster_sg = seeder.eks_cluster_sg("c1")
    seeder.managed_nodegroup("c1", "ng")
    [node] = seeder.managed_instances("c1", "ng", 1, [cluster_sg])
    db = seeder.security_group("payments-db", "db")
    seeder.add_ingress(db, all_from(db))
    seeder.instances(1, [db], {"Name": "payments-db"})  # not tagged for any cluster
    seeder.attach_pod_interface(node, seeder.pod_subnets()[0], [db])

    with pytest.raises(RemediationFailed):
        remediation_handler({"ResourceId": "c1", "DryRun": False}, lambda_context)

    assert db not in peers_in(rules_of(seeder, cluster_sg))


def test_the_remediation_never_names_an_sg_another_cluster_uses(seeder: Seeder, lambda_context: LambdaContext) -> None:
    seeder.cluster("b", "1.31", [])
    b_cluster_sg = seeder.eks_cluster_sg("b")
    b_node = seeder.security_group("b-node", "b nodes", tags={"kubernetes.io/cluster/b": "owned"})
    seeder.add_ingress(b_node, all_from(b_node), all_from(b_cluster_sg))
    seeder.add_ingress(b_cluster_sg, all_from(b_node))
    seeder.managed_nodegroup("b", "ng", seeder.launch_template("b-ng", [b_node, b_cluster_sg]))
    seeder.managed_instances("b", "ng", 1, [b_node, b_cluster_sg])
    seeder.cluster("a", "1.31", [])
    a_cluster_sg = seeder.eks_cluster_sg("a")
    seeder.managed_nodegroup("a", "ng", seeder.launch_template("a-ng", [b_node]))
    seeder.managed_instances("a", "ng", 1, [b_node])

    with pytest.raises(RemediationFailed, match="also used by cluster b"):
        remediation_handler({"ResourceId": "a", "DryRun": False}, lambda_context)

    assert b_node not in peers_in(rules_of(seeder, a_cluster_sg))


def test_a_gone_launch_template_is_reported(seeder: Seeder) -> None:
    seeder.prod_managed("p", nodes=1)
    seeder.ec2.delete_launch_template(LaunchTemplateName="p-ng-spot")

    status, detail = sweep(seeder)["p"]

    assert "launch template" in detail and status != "COMPLIANT"


# --- what held ----------------------------------------------------------------------------------


def test_held_an_attackers_sg_given_as_the_resource_id_is_never_changed(
    seeder: Seeder, lambda_context: LambdaContext
) -> None:
    seeded = seeder.prod_managed()
    db = seeder.security_group("payments-db", "db")
    seeder.instances(1, [db], {"eks:cluster-name": "prod-managed", "kubernetes.io/cluster/prod-managed": "owned"})
    before = {sg: rules_of(seeder, sg) for sg in (db, seeded.cluster_sg_id or "", *seeded.additional_sg_ids)}

    for level in ("minimum", "recommended"):
        with pytest.raises(RemediationFailed, match="manual change"):
            remediation_handler(
                {"ResourceId": db, "DryRun": False, "ComplianceLevel": level, "AllowTagRemoval": True}, lambda_context
            )
        with pytest.raises(RemediationFailed, match="manual change"):
            remediation_handler(
                {"ResourceId": "prod-managed", "DryRun": False, "ComplianceLevel": level}, lambda_context
            )

    assert {sg: rules_of(seeder, sg) for sg in before} == before
    assert tags_of(seeder, db) == {}


def test_held_the_vpc_default_sg_as_the_resource_id_fails_and_changes_nothing(
    demo: SeededAccount, seeder: Seeder, lambda_context: LambdaContext
) -> None:
    seeded = demo.clusters["custom-networking"]
    [default_sg] = seeded.node_sg_ids
    watched = [default_sg, seeded.cluster_sg_id or ""]
    before = {sg: (rules_of(seeder, sg), tags_of(seeder, sg)) for sg in watched}

    for resource in (default_sg, "custom-networking"):
        with pytest.raises(RemediationFailed, match="default SG"):
            remediation_handler(
                {"ResourceId": resource, "DryRun": False, "ComplianceLevel": "recommended", "TrustNodeTags": True},
                lambda_context,
            )

    assert {sg: (rules_of(seeder, sg), tags_of(seeder, sg)) for sg in watched} == before


def test_held_an_sg_id_that_is_also_a_cluster_name_is_refused(seeder: Seeder, lambda_context: LambdaContext) -> None:
    _, node, _ = managed_cluster_needing_a_tag(seeder)
    seeder.cluster(node, "1.31", [])  # a cluster named exactly like c1's node SG
    seeder.eks_cluster_sg(node)

    with pytest.raises(RemediationFailed, match="names both a security group and a cluster: ambiguous"):
        remediation_handler({"ResourceId": node, "DryRun": False}, lambda_context)
    assert "kubernetes.io/cluster/c1" not in tags_of(seeder, node)


def test_held_fix_apply_on_the_whole_demo_never_opens_a_cidr_revokes_or_leaves_the_cluster(
    demo: SeededAccount, seeder: Seeder, calls: Calls
) -> None:
    """Every cluster, recommended, every opt-in: only group-pair rules between each cluster's own SGs,
    only kubernetes.io/cluster/<name> tags with a key named, never the default or an unrelated SG."""
    names = list(demo.clusters)
    args = ["--level", "recommended", "--apply", "--allow-tag-removal", "--trust-node-tags", "--format", "json"]
    code, text = cli("fix", *[f for name in names for f in ("--cluster", name)], *args)

    assert code == 1  # manual changes remain (egress to the internet, launch templates, the default SG)
    default_sg = demo.clusters["custom-networking"].node_sg_ids[0]
    role_sgs = {
        name: {c.cluster_sg_id, *c.additional_sg_ids, *c.node_sg_ids} - {None} for name, c in demo.clusters.items()
    }
    everything = set().union(*role_sgs.values())
    for operation, params in calls.writes():
        assert operation in (
            "AuthorizeSecurityGroupIngress",
            "AuthorizeSecurityGroupEgress",
            "CreateTags",
            "DeleteTags",
        )
        if operation.startswith("Authorize"):
            assert params["GroupId"] in everything and params["GroupId"] != default_sg
            for permission in params["IpPermissions"]:
                assert not any(permission.get(k) for k in ("IpRanges", "Ipv6Ranges", "PrefixListIds"))
                assert {p["GroupId"] for p in permission["UserIdGroupPairs"]} <= everything - {default_sg}
        else:
            assert params["Tags"] and all(t["Key"].startswith("kubernetes.io/cluster/") for t in params["Tags"])
            assert set(params["Resources"]) <= everything - {default_sg} - set(demo.unrelated_sg_ids)
    statuses = Counter(c["status"] for o in json.loads(text)["clusters"] for c in o["changes"])
    assert statuses["applied"] == sum(1 for name, _ in calls.writes()) and statuses["failed"] == 0
    calls.clear()
    code, _ = cli("fix", *[f for name in names for f in ("--cluster", name)], *args)
    assert calls.writes() == []  # the second run changes nothing


def test_held_a_tag_only_node_never_steers_a_rule_without_trust_node_tags(seeder: Seeder) -> None:
    seeder.prod_managed()
    db = seeder.security_group("payments-db", "db")
    seeder.instances(1, [db], {"kubernetes.io/cluster/prod-managed": "owned"})

    outcome = remediate(
        discover(seeder), seeder.ec2, iam_client(), "prod-managed", Scope(Level.RECOMMENDED), apply_changes=True
    )

    touching = [c for c in outcome.changes if db == c.security_group_id or db in json.dumps(c.permissions)]
    assert touching and all(c.action == MANUAL for c in touching)
    assert any(UNTRUSTED in c.detail for c in touching)
    assert db not in {
        sg
        for group in seeder.ec2.describe_security_groups()["SecurityGroups"]
        for sg in peers_in([*group["IpPermissions"], *group["IpPermissionsEgress"]])
        if group["GroupId"] != db
    }
