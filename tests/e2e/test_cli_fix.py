"""`eks-sg-rule fix` end to end against the seeded emulated account: plans, applies, several clusters."""

from __future__ import annotations

import io
import json
import shlex
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from demo.moto_gaps import fill_moto_gaps
from demo.seed import SeededAccount, SeededCluster, Seeder, seed_account
from moto import mock_aws

from eks_sg_rule import cli
from eks_sg_rule.cli import main
from eks_sg_rule.plan import Planner
from tests.conftest import ACCOUNT, REGION, ApiCalls, enforce_filter_limit, fake_account_environment
from tests.engine.path_builders import CIDRS_COMMAND, ECR_COMMAND, NACL_COMMAND, api_failures, nacl_failure


@pytest.fixture
def account(aws: None) -> SeededAccount:
    return seed_account(boto3.client("ec2", region_name=REGION), boto3.client("eks", region_name=REGION), region=REGION)


def scan(*args: str) -> int:
    return main(["scan", "--region", REGION, *args], out=io.StringIO())


def fix(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(["fix", "--region", REGION, *args], out=out)
    return code, out.getvalue()


def test_fix_plans_then_applies_with_the_documented_json_and_exit_codes(account: SeededAccount) -> None:
    node_sg = account.clusters["kubelet-blocked"].node_sg_ids[0]

    code, text = fix("--cluster", "kubelet-blocked", "--trust-node-tags", "--format", "json")
    plan = json.loads(text)
    assert code == 1
    assert set(plan) == {"cluster", "level", "changes", "applied", "remaining"}
    assert (plan["cluster"], plan["level"], plan["applied"]) == ("kubelet-blocked", "minimum", False)
    assert [(c["action"], c["security_group_id"], c["check"], c["status"]) for c in plan["changes"]] == [
        ("authorize_ingress", node_sg, ["WORKER_SG_MINIMUM"], "planned")
    ]
    assert all(set(c) == {"action", "security_group_id", "check", "detail", "status"} for c in plan["changes"])

    code, text = fix("--cluster", "kubelet-blocked", "--trust-node-tags", "--format", "json", "--apply")
    applied = json.loads(text)
    assert code == 0
    assert (applied["applied"], [c["status"] for c in applied["changes"]], applied["remaining"]) == (
        True,
        ["applied"],
        [],
    )
    code, text = fix("--cluster", "kubelet-blocked", "--trust-node-tags", "--format", "json")
    assert (code, json.loads(text)["changes"]) == (0, [])


def test_fix_takes_several_clusters_and_fixes_each(account: SeededAccount) -> None:
    code, text = fix(
        "--cluster",
        "kubelet-blocked",
        "--cluster",
        "two-owned",
        "--allow-tag-removal",
        "--trust-node-tags",
        "--apply",
        "--format",
        "json",
    )

    document = json.loads(text)
    assert code == 0
    assert [c["cluster"] for c in document["clusters"]] == ["kubelet-blocked", "two-owned"]
    assert document["summary"] == {
        "clusters": 2,
        "done": 2,
        "changes": {"planned": 0, "applied": 2, "manual": 0, "failed": 0},
    }
    assert scan("--cluster", "kubelet-blocked", "--cluster", "two-owned") == 0


def test_fix_apply_never_counts_a_manual_change_as_applied(account: SeededAccount) -> None:
    code, text = fix("--cluster", "two-owned", "--apply", "--format", "json")
    _, table = fix("--cluster", "two-owned", "--apply")

    outcome = json.loads(text)
    assert code == 1
    assert [c["status"] for c in outcome["changes"]] == ["manual"]
    assert [c["status"] for c in outcome["remaining"]] == ["manual"]
    assert "--allow-tag-removal" in outcome["changes"][0]["detail"]
    assert "AllowTagRemoval" not in text + table
    assert "[manual]" in table
    assert "[applied]" not in table


def test_fix_checks_every_name_before_changing_anything(
    account: SeededAccount, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _ = fix("--cluster", "kubelet-blocked", "--cluster", "nope", "--apply")

    assert code == 2
    assert capsys.readouterr().err == f"eks-sg-rule: error: cluster(s) not found in {REGION}: nope\n"
    assert fix("--cluster", "kubelet-blocked")[0] == 1  # still unfixed


def test_fix_passes_trust_node_tags_through(account: SeededAccount, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[dict[str, Any]] = []
    real = cli.remediate

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(cli, "remediate", spy)
    fix("--cluster", "two-owned", "--trust-node-tags")
    fix("--cluster", "two-owned")
    assert [kwargs["scope"].trust_node_tags for kwargs in seen] == [True, False]


def test_fix_apply_never_writes_a_path_finding(
    account: SeededAccount, monkeypatch: pytest.MonkeyPatch, api_calls: ApiCalls
) -> None:
    """Network-path findings (injected as the path engine gives them) stay manual with their AWS CLI
    command; `fix --apply` calls no AWS write but the SG rule the plan makes."""
    original = Planner.results
    monkeypatch.setattr(Planner, "results", lambda self: [*original(self), nacl_failure(), api_failures()])
    api_calls.clear()  # the seeding's own calls

    code, text = fix("--cluster", "kubelet-blocked", "--trust-node-tags", "--format", "json", "--apply")

    document = json.loads(text)
    manual = [c for c in document["changes"] if c["status"] == "manual"]
    assert code == 1
    assert [(c["component_id"], c["command"]) for c in manual] == [
        ("acl-0a1", NACL_COMMAND),
        ("rtb-0r1", ECR_COMMAND),
        ("c1", CIDRS_COMMAND),
    ]
    assert [c["status"] for c in document["changes"] if "component_id" not in c] == ["applied"]
    written = {name for name, _, _ in api_calls.calls if not name.startswith(("Describe", "List", "Get"))}
    assert written == {"AuthorizeSecurityGroupIngress"}


# --- The smallest plan (issue 18 item 5), against the emulated demo account ---


def tcp_from(low: int, high: int, group_id: str) -> dict[str, Any]:
    return {"IpProtocol": "tcp", "FromPort": low, "ToPort": high, "UserIdGroupPairs": [{"GroupId": group_id}]}


def revoke_self_rule(cluster: SeededCluster) -> str:
    """The cluster's cluster SG without its own rule (all traffic from itself)."""
    cluster_sg = cluster.cluster_sg_id
    assert cluster_sg
    ec2 = boto3.client("ec2", region_name=REGION)
    self_rule = {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": cluster_sg}]}
    ec2.revoke_security_group_ingress(GroupId=cluster_sg, IpPermissions=[self_rule])
    return cluster_sg


def revoke_cluster_self_rule(account: SeededAccount) -> str:
    """prod-managed (EKS defaults with eksctl's control-plane SG) without the cluster SG's own rule."""
    return revoke_self_rule(account.clusters["prod-managed"])


def test_revoking_only_the_cluster_sg_s_self_rule_plans_exactly_one_change(account: SeededAccount) -> None:
    """Before: three rules (443 to the control-plane SG, 10250 and all traffic on the cluster SG); the
    restored self rule alone repairs every check."""
    cluster_sg = revoke_cluster_self_rule(account)
    assert scan("--cluster", "prod-managed") == 1

    code, text = fix("--cluster", "prod-managed", "--format", "json")
    [change] = json.loads(text)["changes"]
    assert code == 1
    assert (change["action"], change["security_group_id"], change["detail"]) == (
        "authorize_ingress",
        cluster_sg,
        f"allow ingress all traffic from {cluster_sg}",
    )
    assert set(change["check"]) == {"WORKER_SG_MINIMUM", "CP_SG_MINIMUM"}

    code, text = fix("--cluster", "prod-managed", "--format", "json", "--apply")
    assert (code, json.loads(text)["remaining"]) == (0, [])
    assert scan("--cluster", "prod-managed") == 0
    assert scan("--cluster", "prod-managed", "--level", "recommended") == 0


def test_kubelet_s_gap_becomes_one_rule_when_10250_is_already_allowed(account: SeededAccount) -> None:
    """legacy-113's node SG admits 443 and 10250 (not 1025-65535) from the control-plane SG: the
    recommended level's 1025-10249 and 10251-65535 become one rule 1025-65535."""
    legacy = account.clusters["legacy-113"]
    [control_plane], [node] = legacy.additional_sg_ids, legacy.node_sg_ids
    ec2 = boto3.client("ec2", region_name=REGION)
    ec2.revoke_security_group_ingress(GroupId=node, IpPermissions=[tcp_from(1025, 65535, control_plane)])
    ec2.authorize_security_group_ingress(GroupId=node, IpPermissions=[tcp_from(10250, 10250, control_plane)])

    args = ("--cluster", "legacy-113", "--level", "recommended", "--trust-node-tags", "--format", "json")
    [change] = json.loads(fix(*args)[1])["changes"]
    assert change["detail"] == f"allow ingress TCP 1025-65535 from {control_plane}"

    code, text = fix(*args, "--apply")
    assert (code, json.loads(text)["remaining"]) == (0, [])
    added = [
        (rule["FromPort"], rule["ToPort"])
        for rule in ec2.describe_security_groups(GroupIds=[node])["SecurityGroups"][0]["IpPermissions"]
        if rule["IpProtocol"] == "tcp" and rule["FromPort"] >= 1025
    ]
    assert sorted(added) == [(1025, 65535), (10250, 10250)]


# Demo layouts (demo.seed) and what is broken in them before `fix` runs.
BROKEN: dict[str, Callable[[SeededCluster], object]] = {
    "prod_managed": revoke_self_rule,
    "kubelet_blocked": lambda cluster: None,
    "dual_stack_ipv4": lambda cluster: None,
}


@pytest.mark.parametrize(
    ("layout", "level"),
    [("prod_managed", "minimum"), ("kubelet_blocked", "recommended"), ("dual_stack_ipv4", "recommended")],
)
def test_applied_the_smallest_plan_leaves_nothing_the_one_round_plan_fixed(
    layout: str, level: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Against two emulated accounts seeded alike (the one layout): one gets the plan `fix` made before (one round,
    Planner._round), the other the smallest plan. After applying, the smallest leaves no failing
    check the other repaired, with no more changes."""
    fake_account_environment(monkeypatch)
    enforce_filter_limit(monkeypatch)
    fill_moto_gaps()
    failing: dict[str, set[str]] = {}
    planned: dict[str, int] = {}
    for how in ("one round", "smallest"):
        with mock_aws():
            boto3.setup_default_session()
            seeder = Seeder(
                boto3.client("ec2", region_name=REGION), boto3.client("eks", region_name=REGION), ACCOUNT, REGION
            )
            cluster = getattr(seeder, layout)()
            name = cluster.name
            BROKEN[layout](cluster)
            with monkeypatch.context() as patch:
                if how == "one round":
                    patch.setattr(Planner, "plan", lambda self, results=None: self._round(results))
                _, text = fix("--cluster", name, "--level", level, "--trust-node-tags", "--apply", "--format", "json")
            planned[how] = sum(1 for change in json.loads(text)["changes"] if change["status"] == "applied")
            out = io.StringIO()
            main(["scan", "--region", REGION, "--cluster", name, "--level", level, "--format", "json"], out=out)
            [cluster] = [
                e for e in json.loads(out.getvalue())["evaluations"] if e["resource_type"] == "AWS::EKS::Cluster"
            ]
            failing[how] = {c["id"] for c in cluster["checks"] if c["status"] == "NON_COMPLIANT"}

    assert failing["smallest"] <= failing["one round"]
    assert planned["smallest"] <= planned["one round"]


def test_fix_prints_the_plan_as_aws_cli_and_terraform_and_never_applies(
    account: SeededAccount, api_calls: ApiCalls, capsys: pytest.CaptureFixture[str]
) -> None:
    cluster_sg = revoke_cluster_self_rule(account)
    api_calls.clear()

    code, script = fix("--cluster", "prod-managed", "--format", "aws-cli")
    code_tf, terraform = fix("--cluster", "prod-managed", "--format", "terraform")

    [command] = [shlex.split(line) for line in script.splitlines() if line.startswith("aws ")]
    assert (code, code_tf) == (1, 1)
    assert command[:7] == [
        "aws",
        "ec2",
        "authorize-security-group-ingress",
        "--region",
        REGION,
        "--group-id",
        cluster_sg,
    ]
    assert json.loads(command[8]) == [
        {"IpProtocol": "-1", "UserIdGroupPairs": [{"Description": "eks-sg-rule remediation", "GroupId": cluster_sg}]}
    ]
    assert f'referenced_security_group_id = "{cluster_sg}"' in terraform
    written = {name for name, _, _ in api_calls.calls if not name.startswith(("Describe", "List", "Get"))}
    assert written == set()

    assert fix("--cluster", "prod-managed", "--format", "terraform", "--apply")[0] == 2
    assert "--format terraform prints the plan as code and never applies" in capsys.readouterr().err
    assert scan("--cluster", "prod-managed") == 1  # still unfixed
