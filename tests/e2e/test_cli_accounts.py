"""`eks-sg-rule scan` across two emulated accounts, through the real CLI (issue 18, items 3 and 4):
several accounts in one run (`--profile` repeated; `--role-name` with `--account`), the rule's scope
flags (`--exempt-sg`, `--cluster-name-pattern`), the pipeline exits (`--fail-on`, `--fail-if-empty`),
and a repeated single-value flag or an empty region refused (exit 2, one line).

moto serves sts:AssumeRole into another account id: the credentials it returns belong to the role
ARN's account, so what is seeded through them is account B's, and so is what the CLI reads with them.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from demo.seed import Seeder

from eks_sg_rule.cli import main
from tests.conftest import ACCOUNT, REGION

ACCOUNT_B = "210987654321"
ROLE = "eks-sg-rule-execution"  # deploy/member-account-roles.yaml, ExecutionRoleName's default


def session_in(account: str) -> boto3.Session:
    """A session in `account`: the role assumed with the base (default) credentials."""
    credentials = boto3.client("sts", region_name=REGION).assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/{ROLE}", RoleSessionName="seeding"
    )["Credentials"]
    return boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name=REGION,
    )


@pytest.fixture(scope="module")
def seeded(module_aws: None) -> dict[str, Any]:
    """Account A (the base credentials'): a-good (compliant), a-blocked (NON_COMPLIANT), no-nodes (cannot
    judge), a-fargate (node checks not applicable, not a data gap). Account B: b-good, b-blocked."""
    a = Seeder(boto3.client("ec2", region_name=REGION), boto3.client("eks", region_name=REGION), ACCOUNT, REGION)
    b_session = session_in(ACCOUNT_B)
    b = Seeder(b_session.client("ec2"), b_session.client("eks"), ACCOUNT_B, REGION)
    return {
        "a-good": a.prod_managed("a-good", nodes=1),
        "a-blocked": a.kubelet_blocked("a-blocked"),
        "no-nodes": a.no_nodes(),
        "a-fargate": a.fargate_only("a-fargate"),
        "b-good": b.prod_managed("b-good", nodes=1),
        "b-blocked": b.kubelet_blocked("b-blocked"),
    }


def run(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(args), out=out)
    return code, out.getvalue()


def scan_json(*args: str) -> tuple[int, dict[str, Any]]:
    code, text = run("scan", "--region", REGION, "--format", "json", *args)
    return code, json.loads(text)


def accounts_of(document: dict[str, Any]) -> dict[str, str]:
    return {
        e["resource_id"]: e["account_id"] for e in document["evaluations"] if e["resource_type"].endswith("Cluster")
    }


def test_role_in_two_accounts_merges_results_each_with_its_account(seeded: dict[str, Any]) -> None:
    code, document = scan_json("--role-name", ROLE, "--account", ACCOUNT, "--account", ACCOUNT_B)

    assert code == 1
    assert accounts_of(document) == {
        "a-good": ACCOUNT,
        "a-blocked": ACCOUNT,
        "no-nodes": ACCOUNT,
        "a-fargate": ACCOUNT,
        "b-good": ACCOUNT_B,
        "b-blocked": ACCOUNT_B,
    }
    # Several accounts: the document's `account` is null, each evaluation names its own; a region once.
    assert (document["account"], document["regions"]) == (None, [REGION])
    b_sgs = {
        sg
        for name in ("b-good", "b-blocked")
        for sg in (seeded[name].cluster_sg_id, *seeded[name].additional_sg_ids, *seeded[name].node_sg_ids)
    }
    in_b = [e for e in document["evaluations"] if e["resource_id"] in b_sgs]
    assert {e["resource_id"] for e in in_b} == b_sgs
    for evaluation in in_b:
        assert evaluation["account_id"] == ACCOUNT_B
        assert evaluation["arn"].startswith(f"arn:aws:ec2:{REGION}:{ACCOUNT_B}:security-group/")
    assert document["summary"]["clusters"]["total"] == 6


def test_table_and_markdown_name_each_clusters_account(seeded: dict[str, Any]) -> None:
    accounts = ("--role-name", ROLE, "--account", ACCOUNT, "--account", ACCOUNT_B, "--cluster-name-pattern", ".-good")
    _, table = run("scan", "--region", REGION, *accounts)
    _, markdown = run("scan", "--region", REGION, "--format", "markdown", *accounts)

    assert f"cluster a-good ({ACCOUNT}): COMPLIANT" in table
    assert f"cluster b-good ({ACCOUNT_B}): COMPLIANT" in table
    assert f"`b-good` ({ACCOUNT_B}): COMPLIANT" in markdown
    _, two_regions = run("scan", "--region", REGION, "--region", "eu-west-3", *accounts)
    assert f"cluster b-good ({ACCOUNT_B} {REGION}): COMPLIANT" in two_regions


def test_one_account_by_role_is_that_accounts_document(seeded: dict[str, Any]) -> None:
    code, document = scan_json("--role-name", ROLE, "--account", ACCOUNT_B, "--cluster", "b-good")

    assert (code, document["account"], accounts_of(document)) == (0, ACCOUNT_B, {"b-good": ACCOUNT_B})


def test_repeated_profiles_read_each_account(
    seeded: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config"
    config.write_text(
        "[profile base]\naws_access_key_id = testing\naws_secret_access_key = testing\n"
        f"[profile member]\nrole_arn = arn:aws:iam::{ACCOUNT_B}:role/{ROLE}\nsource_profile = base\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))

    code, document = scan_json("--profile", "base", "--profile", "member", "--cluster-name-pattern", "(a|b)-blocked")

    assert code == 1
    blocked = {k: v for k, v in accounts_of(document).items() if k.endswith("blocked")}
    assert blocked == {"a-blocked": ACCOUNT, "b-blocked": ACCOUNT_B}


def test_cluster_name_pattern_judges_only_matching_clusters(seeded: dict[str, Any]) -> None:
    code, document = scan_json("--cluster-name-pattern", "a-(good|fargate)")

    statuses = {e["resource_id"]: (e["compliance_type"], e["detail"]) for e in document["evaluations"]}
    assert code == 0  # a-blocked is outside the pattern: not judged, so not failing
    assert statuses["a-blocked"] == ("NOT_APPLICABLE", "cluster a-blocked does not match ClusterNamePattern")
    assert statuses["a-good"][0] == "COMPLIANT"


def test_an_exempted_sg_is_not_applicable_as_the_rule_says(seeded: dict[str, Any]) -> None:
    [node_sg] = seeded["a-blocked"].node_sg_ids

    _, document = scan_json("--cluster", "a-blocked", "--exempt-sg", node_sg)

    [evaluation] = [e for e in document["evaluations"] if e["resource_id"] == node_sg]
    assert (evaluation["compliance_type"], evaluation["detail"]) == (
        "NOT_APPLICABLE",
        "exempted by the ExemptSecurityGroupIds rule parameter",
    )


@pytest.mark.parametrize(
    ("flags", "words"),
    [
        (
            ["--exempt-sg", "sg-12345678", "--exempt-sg", "nope"],
            "argument --exempt-sg: ExemptSecurityGroupIds must be comma-separated security group ids (sg-…); "
            "not ids: nope",
        ),
        (["--cluster-name-pattern", "prod-("], "argument --cluster-name-pattern: ClusterNamePattern is not a valid"),
        (["--region", ""], "argument --region: an empty region: name one, e.g. --region us-east-1"),
        (["--region", " "], "argument --region: an empty region"),
        (["--format", "json", "--format", "csv"], "argument --format: given more than once; it takes one value"),
        (["--level", "minimum", "--level", "recommended"], "argument --level: given more than once"),
        (["--output", "a", "--output", "b"], "argument --output: given more than once"),
        (["--fail-on", "non-compliant", "--fail-on", "not-applicable"], "argument --fail-on: given more than once"),
        (["--cluster-name-pattern", "a", "--cluster-name-pattern", "b"], "argument --cluster-name-pattern: given"),
        (["--role-name", ROLE, "--role-name", "other", "--account", ACCOUNT], "argument --role-name: given more than"),
        (["--endpoint-url", "http://a", "--endpoint-url", "http://b"], "argument --endpoint-url: given more than"),
        (["--account", "12345"], "argument --account: '12345' is not an AWS account id (12 digits)"),
        (["--role-name", "a/b", "--account", ACCOUNT], "argument --role-name: 'a/b' is not an IAM role name"),
        (["--account", ACCOUNT], "--role-name and --account go together"),
        (["--role-name", ROLE], "--role-name and --account go together"),
        (
            ["--role-name", ROLE, "--account", ACCOUNT, "--profile", "x", "--profile", "y"],
            "with --role-name, --profile names the base credentials: pass it at most once",
        ),
    ],
)
def test_usage_errors_are_one_line_and_exit_two(
    seeded: dict[str, Any], flags: list[str], words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, text = run("scan", *flags)

    err = capsys.readouterr().err
    assert (code, text) == (2, "")
    assert len(err.splitlines()) == 1
    assert err.startswith(f"eks-sg-rule: error: {words}")


def test_fix_takes_one_region_and_its_help_says_so(seeded: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = run("fix", "--cluster", "a-blocked", "--region", REGION, "--region", "eu-west-1")
    assert code == 2
    assert capsys.readouterr().err.startswith("eks-sg-rule: error: argument --region: given more than once")

    with pytest.raises(SystemExit):
        main(["fix", "--help"], out=io.StringIO())
    fix_help = capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["scan", "--help"], out=io.StringIO())
    scan_help = capsys.readouterr().out
    assert "repeat to scan several" in scan_help
    assert "repeat" not in fix_help.split("--region REGION", 2)[-1].split("--profile")[0]
    assert "AWS region (one)" in " ".join(fix_help.split())


def test_fix_refuses_several_accounts(seeded: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = run(
        "fix", "--cluster", "a-blocked", "--region", REGION, "--role-name", ROLE, "--account", ACCOUNT, "--account",
        ACCOUNT_B,
    )  # fmt: skip
    assert code == 2
    assert capsys.readouterr().err.startswith("eks-sg-rule: error: argument --account: given more than once")
    code, _ = run("fix", "--cluster", "a-blocked", "--region", REGION, "--profile", "a", "--profile", "b")
    assert code == 2
    assert capsys.readouterr().err.startswith("eks-sg-rule: error: argument --profile: given more than once")
    with pytest.raises(SystemExit):
        main(["fix", "--help"], out=io.StringIO())
    fix_help = " ".join(capsys.readouterr().out.split())
    assert "repeat to read several accounts" not in fix_help
    assert "the account to read with --role-name (one)" in fix_help


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        (["--cluster", "no-nodes"], 0),  # NOT_APPLICABLE (cannot judge): passes by default
        (["--cluster", "no-nodes", "--fail-on", "not-applicable"], 1),
        (["--cluster", "no-nodes", "--fail-on", "non-compliant"], 0),
        # Fargate-only: node checks do not apply, which is not a data gap.
        (["--cluster", "a-fargate", "--fail-on", "not-applicable"], 0),
        (["--cluster", "a-good", "--fail-on", "not-applicable"], 0),
        (["--cluster", "a-blocked"], 1),
        (["--fail-if-empty"], 1),  # a-blocked is NON_COMPLIANT
        (["--cluster-name-pattern", "nothing-.*", "--fail-if-empty"], 1),  # nothing in scope
        (["--cluster-name-pattern", "nothing-.*"], 0),
        (["--cluster-name-pattern", "a-good", "--fail-if-empty"], 0),
        (["--region", "eu-west-3", "--fail-if-empty"], 1),  # no cluster in the region
        (["--region", "eu-west-3"], 0),
    ],
)
def test_exit_policy(seeded: dict[str, Any], flags: list[str], expected: int) -> None:
    code, _ = run("scan", "--region", REGION, *flags) if "--region" not in flags else run("scan", *flags)

    assert code == expected
