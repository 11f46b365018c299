"""`eks-sg-rule fix` end to end against the seeded emulated account: plans, applies, several clusters."""

from __future__ import annotations

import io
import json
from typing import Any

import boto3
import pytest
from demo.seed import SeededAccount, seed_account

from eks_sg_rule import cli
from eks_sg_rule.cli import main
from eks_sg_rule.plan import Planner
from tests.conftest import REGION, ApiCalls
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
