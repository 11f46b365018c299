"""`eks-sg-rule scan` end to end against the seeded emulated account: documents, formats and exit codes.

Scans only read, so one account (seeded in two regions) serves the whole module.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from typing import Any

import boto3
import pytest
from demo.seed import SeededAccount, seed_account

from eks_sg_rule.cli import main
from tests.conftest import ACCOUNT, REGION, ApiCalls

OTHER_REGION = "eu-west-1"


@pytest.fixture(scope="module")
def account(module_aws: None) -> SeededAccount:
    """The demo account, seeded in two regions, once for the module: every scan here only reads."""
    seeded = {
        region: seed_account(
            boto3.client("ec2", region_name=region), boto3.client("eks", region_name=region), region=region
        )
        for region in (REGION, OTHER_REGION)
    }
    return seeded[REGION]


def scan(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(["scan", "--region", REGION, *args], out=out)
    return code, out.getvalue()


def by_id(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["resource_id"]: e for e in document["evaluations"]}


def test_json_output_has_the_documented_shape(account: SeededAccount) -> None:
    code, text = scan("--format", "json")

    document = json.loads(text)
    assert code == 1
    assert set(document) == {"level", "evaluations", "regions", "account", "generated_at", "tool_version", "summary"}
    assert (document["level"], document["regions"], document["account"]) == ("minimum", [REGION], ACCOUNT)
    assert document["tool_version"] == "0.2.0"
    base = {"resource_type", "resource_id", "compliance_type", "annotation", "detail", "checks", "region"}
    base |= {"account_id", "arn"}  # issue 18
    for evaluation in document["evaluations"]:
        sg_keys = (
            {"group_name", "clusters", "roles"} if evaluation["resource_type"] == "AWS::EC2::SecurityGroup" else set()
        )
        assert set(evaluation) == base | sg_keys
        assert evaluation["region"] == REGION
        for check in evaluation["checks"]:
            flow_failure = check["status"] == "NON_COMPLIANT" and check["id"] != "TAG_OWNED"
            assert set(check) == {"id", "status", "detail", "title", "doc_url", "level", "severity"} | (
                {"missing"} if flow_failure else set()
            )
            assert check["doc_url"].startswith("https://docs.aws.amazon.com/eks/latest/userguide/sec-group-reqs.html#")
    clusters = {e["resource_id"]: e for e in document["evaluations"] if e["resource_type"] == "AWS::EKS::Cluster"}
    assert [c["id"] for c in clusters["prod-managed"]["checks"]] == ["CP_SG_MINIMUM", "WORKER_SG_MINIMUM", "TAG_OWNED"]
    two_owned = {c["id"]: c for c in clusters["two-owned"]["checks"]}
    assert two_owned["TAG_OWNED"]["status"] == "NON_COMPLIANT"
    assert "several SGs tagged" in two_owned["TAG_OWNED"]["detail"]
    assert two_owned["TAG_OWNED"]["title"] == "One worker SG tagged kubernetes.io/cluster/<name>=owned"


def test_json_names_the_missing_rule_and_the_sgs_roles(account: SeededAccount) -> None:
    seeded = account.clusters["kubelet-blocked"]
    [node_sg], [control_plane_sg] = seeded.node_sg_ids, seeded.additional_sg_ids

    document = json.loads(scan("--format", "json")[1])

    evaluations = by_id(document)
    kubelet = {c["id"]: c for c in evaluations["kubelet-blocked"]["checks"]}
    wanted = {"security_group_id": node_sg, "direction": "ingress", "protocol": "tcp", "ports": "10250"}
    assert kubelet["WORKER_SG_MINIMUM"]["missing"] == [{**wanted, "peer": control_plane_sg}]
    node = evaluations[node_sg]
    assert (node["group_name"], node["clusters"], node["roles"]) == (
        "kubelet-blocked-node",
        ["kubelet-blocked"],
        ["worker SG"],
    )
    assert {c["id"]: c.get("missing") for c in node["checks"]}["WORKER_SG_MINIMUM"] == [
        {**wanted, "peer": control_plane_sg}
    ]
    assert evaluations[control_plane_sg]["roles"] == ["control-plane SG"]
    prod = account.clusters["prod-managed"]
    assert evaluations[str(prod.cluster_sg_id)]["roles"] == ["cluster SG", "worker SG"]


def test_summary_counts_clusters_and_security_groups_apart(account: SeededAccount) -> None:
    document = json.loads(scan("--format", "json")[1])
    _, table = scan()

    clusters = {"total": 8, "COMPLIANT": 3, "NON_COMPLIANT": 3, "NOT_APPLICABLE": 2}
    assert document["summary"]["clusters"] == clusters
    groups = [e for e in document["evaluations"] if e["resource_type"] == "AWS::EC2::SecurityGroup"]
    assert document["summary"]["security_groups"]["total"] == len(groups) == 16
    assert document["summary"]["security_groups"]["NON_COMPLIANT"] == 3
    assert "clusters: 8 (3 COMPLIANT, 3 NON_COMPLIANT, 2 NOT_APPLICABLE)" in table
    assert "security groups: 16 (11 COMPLIANT, 3 NON_COMPLIANT, 2 NOT_APPLICABLE)" in table


def test_details_are_never_cut_to_config_s_256_characters(account: SeededAccount) -> None:
    node_sg = account.clusters["kubelet-blocked"].node_sg_ids[0]

    document = json.loads(scan("--format", "json", "--level", "recommended")[1])
    _, table = scan("--level", "recommended")

    node = by_id(document)[node_sg]
    assert len(node["detail"]) > 256
    assert len(node["annotation"]) <= 256
    assert " ".join(node["detail"].split()) in " ".join(table.split())  # whole, if wrapped to the width
    assert node["detail"].endswith("so TAG_OWNED still passes")


def test_table_shows_sg_names_and_roles_and_only_failures_on_request(account: SeededAccount) -> None:
    node_sg = account.clusters["kubelet-blocked"].node_sg_ids[0]

    _, everything = scan()
    _, failures = scan("--only-failures")

    assert "kubelet-blocked-node" in everything
    assert "worker SG of kubelet-blocked" in everything
    assert "cluster prod-managed: COMPLIANT" in everything
    assert "cluster prod-managed" not in failures
    assert "cluster kubelet-blocked: NON_COMPLIANT" in failures
    assert node_sg in failures
    assert "COMPLIANT  " not in failures.replace("NON_COMPLIANT", "")
    assert "clusters: 8 (3 COMPLIANT, 3 NON_COMPLIANT, 2 NOT_APPLICABLE)" in failures


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_colour_and_progress_only_on_a_terminal(account: SeededAccount, monkeypatch: pytest.MonkeyPatch) -> None:
    piped_err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", piped_err)
    piped = io.StringIO()
    main(["scan", "--region", REGION], out=piped)
    assert "\033[" not in piped.getvalue()
    assert piped_err.getvalue() == ""

    terminal_err = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal_err)
    terminal = Terminal()
    main(["scan", "--region", REGION], out=terminal)
    assert "\033[31mNON_COMPLIANT" in terminal.getvalue()
    assert f"{REGION}: read 8/8 clusters" in terminal_err.getvalue()

    monkeypatch.setenv("NO_COLOR", "1")
    plain = Terminal()
    main(["scan", "--region", REGION], out=plain)
    assert "\033[" not in plain.getvalue()


def test_recommended_level_runs_all_eight_checks(account: SeededAccount) -> None:
    _, text = scan("--format", "json", "--level", "recommended", "--cluster", "legacy-113")

    [cluster, *_] = json.loads(text)["evaluations"]
    statuses = {c["id"]: c["status"] for c in cluster["checks"]}
    assert len(statuses) == 8
    assert statuses["CLUSTER_SG_RULES"] == statuses["CLUSTER_SG_ON_WORKERS"] == "NOT_APPLICABLE"
    assert cluster["compliance_type"] == "COMPLIANT"


@pytest.mark.parametrize("level", ["minimum", "recommended"])
def test_scan_of_named_clusters_reads_only_those_and_judges_as_the_full_scan(
    account: SeededAccount, level: str, api_calls: ApiCalls
) -> None:
    _, whole = scan("--format", "json", "--level", level)
    api_calls.clear()

    _, one = scan("--format", "json", "--level", level, "--cluster", "kubelet-blocked", "--cluster", "two-owned")

    assert api_calls.count("ListClusters") == 0
    assert api_calls.count("DescribeCluster") == 2
    assert api_calls.count("DescribeNetworkInterfaces") == 1
    named = by_id(json.loads(one))
    assert named == {key: value for key, value in by_id(json.loads(whole)).items() if key in named}
    assert {"kubelet-blocked", "two-owned"} <= set(named)


def test_exit_zero_when_nothing_is_non_compliant(account: SeededAccount) -> None:
    code, text = scan("--cluster", "prod-managed")

    assert code == 0
    assert "cluster prod-managed: COMPLIANT" in text
    assert "CP_SG_MINIMUM" in text


@pytest.mark.parametrize("level", ["minimum", "recommended"])
def test_a_cluster_that_does_not_exist_is_an_error_naming_it(
    account: SeededAccount, level: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, text = scan("--format", "json", "--level", level, "--cluster", "prod-managed", "--cluster", "does-not-exist")

    assert (code, text) == (2, "")
    assert capsys.readouterr().err == f"eks-sg-rule: error: cluster(s) not found in {REGION}: does-not-exist\n"


def test_several_regions_in_one_run(account: SeededAccount) -> None:
    code, text = scan("--region", "eu-west-1", "--format", "json", "--cluster", "kubelet-blocked")
    _, table = scan("--region", "eu-west-1", "--cluster", "kubelet-blocked")

    document = json.loads(text)
    assert code == 1
    assert document["regions"] == [REGION, "eu-west-1"]
    clusters = [
        (e["region"], e["resource_id"]) for e in document["evaluations"] if e["resource_type"] == "AWS::EKS::Cluster"
    ]
    assert clusters == [(REGION, "kubelet-blocked"), ("eu-west-1", "kubelet-blocked")]
    assert document["summary"]["clusters"]["total"] == 2
    assert "cluster kubelet-blocked (eu-west-1): NON_COMPLIANT" in table


def test_region_comes_from_aws_region_first(account: SeededAccount, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_DEFAULT_REGION", OTHER_REGION)

    out = io.StringIO()
    code = main(["scan", "--format", "json"], out=out)

    assert code == 1
    assert json.loads(out.getvalue())["regions"] == [REGION]


def test_no_region_anywhere_is_an_error_saying_where_to_set_one(
    account: SeededAccount, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.delenv("AWS_REGION")
    monkeypatch.delenv("AWS_DEFAULT_REGION")

    assert main(["scan"], out=io.StringIO()) == 2
    assert capsys.readouterr().err == (
        "eks-sg-rule: error: no AWS region: pass --region, set AWS_REGION or AWS_DEFAULT_REGION, or set a region "
        "in the profile (aws configure)\n"
    )


@pytest.mark.parametrize("form", ["json", "markdown", "table", "html", "csv", "ocsf"])
def test_output_file_for_every_format(account: SeededAccount, form: str, tmp_path: Any) -> None:
    target = tmp_path / f"report.{form}"
    code, printed = scan("--format", form, "--output", str(target), "--cluster", "kubelet-blocked")

    assert (code, printed) == (1, "")
    text = target.read_text()
    assert "kubelet-blocked" in text
    if form == "json":
        assert json.loads(text)["summary"]["clusters"]["NON_COMPLIANT"] == 1


def test_markdown_has_a_summary_and_one_table_per_cluster(account: SeededAccount) -> None:
    _, text = scan("--format", "markdown")

    assert "| clusters | 8 | 3 | 3 | 2 |" in text
    assert "| security groups | 16 | 11 | 3 | 2 |" in text
    headings = [line for line in text.splitlines() if line.startswith("### ") and "`" in line]
    assert len(headings) == 8
    assert text.count("| check | title | status | detail |") == 8
    assert "kubernetes.io/cluster/&lt;name&gt;=owned" in text  # no raw tag for a renderer to swallow


def test_version_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as version:
        main(["--version"])
    assert version.value.code == 0
    assert capsys.readouterr().out == "eks-sg-rule 0.2.0\n"

    with pytest.raises(SystemExit):
        main(["scan", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--level {minimum,recommended} minimum: the 3 checks AWS requires" in text
    assert "--format {table,json,markdown,html,csv,ocsf} table (default, for a terminal)" in text
    assert "repeat the flag for several" in text


NOWHERE = {"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x", "AWS_MAX_ATTEMPTS": "1", "PATH": "/usr/bin:/bin"}


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """The command in a fresh process; nothing listens on the endpoint used with it, so AWS calls fail."""
    command = [sys.executable, "-m", "eks_sg_rule", *args]
    return subprocess.run(command, capture_output=True, text=True, check=False, env=NOWHERE, timeout=60)


def test_usage_errors_exit_two_with_one_line() -> None:
    result = run_cli("scan", "--level", "strict")
    assert result.returncode == 2
    assert result.stderr.startswith("eks-sg-rule: error: argument --level: invalid choice: 'strict'")
    assert len(result.stderr.splitlines()) == 1


@pytest.mark.parametrize("command", [["scan"], ["fix", "--cluster", "x"]], ids=["scan", "fix"])
def test_aws_errors_exit_two_with_one_line_and_a_hint(command: list[str]) -> None:
    result = run_cli(*command, "--region", REGION, "--endpoint-url", "http://127.0.0.1:9")
    assert result.returncode == 2
    assert result.stderr == "eks-sg-rule: error: could not connect to http://127.0.0.1:9: is the endpoint running?\n"


def test_debug_shows_the_traceback() -> None:
    result = run_cli("scan", "--region", REGION, "--endpoint-url", "http://127.0.0.1:9", "--debug")
    assert result.returncode == 2
    assert "Traceback (most recent call last)" in result.stderr
    assert result.stderr.splitlines()[-1].startswith("eks-sg-rule: error: could not connect")


def test_table_lines_keep_within_120_columns(account: SeededAccount) -> None:
    """Issue 18, item 7: lines reached 391 characters; a long detail now wraps with an indent."""
    for level in ("minimum", "recommended"):
        _, text = scan("--level", level)
        # Only an SG row's own fields (id, name, roles, verdict) may pass 120: its detail goes below.
        wide = [line for line in text.splitlines() if len(line) > 120]
        assert all(line.endswith(("COMPLIANT", "NOT_APPLICABLE")) for line in wide), wide
        assert max(len(line) for line in text.splitlines()) < 160
        assert any(line.startswith("      ") for line in text.splitlines())  # some detail did wrap
