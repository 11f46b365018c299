"""`--waivers FILE` through the real CLI against the seeded emulated account (issue 18 item 3): a waived
failure passes the pipeline when it was the only one, an expired waiver says so and fails, `fix` plans
nothing a live waiver names and says so, an invalid file is one line and exit 2 before any AWS call."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest
from demo.seed import SeededAccount, seed_account

from eks_sg_rule.cli import main
from tests.conftest import REGION, ApiCalls
from tests.ocsf_schema import validate_ocsf

CLUSTER = "kubelet-blocked"  # fails WORKER_SG_MINIMUM on its node SG only, at the minimum level
TODAY = datetime.now(UTC).date()
LATER = (TODAY + timedelta(days=30)).isoformat()
YESTERDAY = (TODAY - timedelta(days=1)).isoformat()


@pytest.fixture
def account(aws: None) -> SeededAccount:
    return seed_account(boto3.client("ec2", region_name=REGION), boto3.client("eks", region_name=REGION), region=REGION)


def waivers(tmp_path: Path, *entries: tuple[str, str, str]) -> str:
    """A waiver file: (check, resource, expires) per entry, each with a reason."""
    path = tmp_path / "waivers.yaml"
    path.write_text(
        "".join(
            f"- check: {check}\n  resource: {resource!r}\n  reason: kubelet is reached another way (SEC-1)\n"
            f"  expires: {expires}\n"
            for check, resource, expires in entries
        )
    )
    return str(path)


def run(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main([*args[:1], "--region", REGION, "--cluster", CLUSTER, *args[1:]], out=out)
    return code, out.getvalue()


def by_id(text: str) -> dict[str, dict[str, object]]:
    return {e["resource_id"]: e for e in json.loads(text)["evaluations"]}


def test_a_waived_only_failure_exits_0_and_says_until_when(account: SeededAccount, tmp_path: Path) -> None:
    node_sg = account.clusters[CLUSTER].node_sg_ids[0]
    assert run("scan", "--format", "json")[0] == 1

    path = waivers(tmp_path, ("WORKER_SG_MINIMUM", CLUSTER, LATER), ("WORKER_SG_MINIMUM", "sg-*", LATER))
    code, text = run("scan", "--format", "json", "--waivers", path)
    evaluations = by_id(text)
    assert code == 0
    said = f"WORKER_SG_MINIMUM waived until {LATER}: kubelet is reached another way (SEC-1)"
    for resource in (CLUSTER, node_sg):
        assert (evaluations[resource]["compliance_type"], evaluations[resource]["annotation"]) == ("COMPLIANT", said)
    [check] = [c for c in evaluations[CLUSTER]["checks"] if c["id"] == "WORKER_SG_MINIMUM"]  # type: ignore[attr-defined]
    assert (check["status"], check["waived"]) == (
        "NON_COMPLIANT",
        f"until {LATER}: kubelet is reached another way (SEC-1)",
    )
    code, table = run("scan", "--waivers", path)
    assert code == 0 and f"waived until {LATER}" in table
    # OCSF: the waived check's finding is Suppressed (its compliance stays Fail); CSV says until when.
    code, text = run("scan", "--format", "ocsf", "--waivers", path)
    events = [e for e in json.loads(text) if e["compliance"].get("control") == "WORKER_SG_MINIMUM"]
    assert code == 0 and events
    for event in events:
        validate_ocsf(event)
        failed = event["compliance"]["status"] == "Fail"
        assert (event["status_id"], event["status"]) == ((3, "Suppressed") if failed else (1, "New"))
        assert not failed or f"waived until {LATER}" in event["message"]
    code, text = run("scan", "--format", "csv", "--waivers", path)
    assert code == 0 and f"waived until {LATER}: kubelet is reached another way (SEC-1)" in text


def test_a_waiver_applies_to_the_resource_it_names_and_expires(account: SeededAccount, tmp_path: Path) -> None:
    node_sg = account.clusters[CLUSTER].node_sg_ids[0]
    # The cluster's waiver leaves its node SG failing: exit 1.
    code, text = run("scan", "--format", "json", "--waivers", waivers(tmp_path, ("WORKER_SG_MINIMUM", CLUSTER, LATER)))
    assert code == 1
    assert by_id(text)[CLUSTER]["compliance_type"] == "COMPLIANT"
    assert by_id(text)[node_sg]["compliance_type"] == "NON_COMPLIANT"
    # Expired yesterday: no longer applies, and says so.
    path = waivers(tmp_path, ("WORKER_SG_MINIMUM", CLUSTER, YESTERDAY), ("WORKER_SG_MINIMUM", node_sg, YESTERDAY))
    code, text = run("scan", "--format", "json", "--waivers", path)
    assert code == 1
    for resource in (CLUSTER, node_sg):
        assert by_id(text)[resource]["compliance_type"] == "NON_COMPLIANT"
        assert f"waiver for WORKER_SG_MINIMUM expired on {YESTERDAY}" in str(by_id(text)[resource]["detail"])


def test_fix_does_not_plan_a_waived_finding_and_says_so(account: SeededAccount, tmp_path: Path) -> None:
    node_sg = account.clusters[CLUSTER].node_sg_ids[0]
    code, text = run("fix", "--format", "json", "--trust-node-tags")
    assert (code, len(json.loads(text)["changes"])) == (1, 1)

    path = waivers(tmp_path, ("WORKER_SG_MINIMUM", node_sg, LATER))
    code, text = run("fix", "--format", "json", "--trust-node-tags", "--waivers", path, "--apply")
    plan = json.loads(text)
    assert (code, plan["changes"], plan["applied"]) == (0, [], False)
    assert plan["waived"] == [
        f"{CLUSTER}: WORKER_SG_MINIMUM on {node_sg} waived until {LATER}: kubelet is reached another way (SEC-1): "
        "not planned"
    ]
    for fmt, heading in (("table", "Waived, not planned:"), ("markdown", "**Waived, not planned**")):
        code, text = run("fix", "--format", fmt, "--waivers", path)
        assert code == 0 and heading in text and f"WORKER_SG_MINIMUM on {node_sg} waived until {LATER}" in text
    # Nothing waived: the plan is as it was, with no "waived" key.
    code, text = run("fix", "--format", "json", "--waivers", waivers(tmp_path, ("TAG_OWNED", node_sg, LATER)))
    assert code == 1 and "waived" not in json.loads(text)


@pytest.mark.parametrize(
    ("content", "said"),
    [
        ("- check: WORKER_SG_MINIMUM\n  resource: x\n  expires: 2027-01-01\n", "waiver 1: missing reason"),
        ("- {check: NOPE, resource: x, reason: r, expires: 2027-01-01}\n", "waiver 1: check 'NOPE' is not a check"),
        ("- {check: TAG_OWNED, resource: x, reason: r, expires: tomorrow}\n", "waiver 1: expires must be a date"),
        ("{not: a list}\n", "expected a list of waivers"),
        (None, "cannot read"),
        (b"\xff\xfe- not utf-8", "cannot read"),
    ],
)
def test_an_invalid_waiver_file_is_one_line_and_exit_2_before_any_aws_call(
    aws: None,
    tmp_path: Path,
    api_calls: ApiCalls,
    capsys: pytest.CaptureFixture[str],
    content: str | bytes | None,
    said: str,
) -> None:
    path = tmp_path / "waivers.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    capsys.readouterr()
    for command in ("scan", "fix"):
        assert run(command, "--waivers", str(path))[0] == 2
        err = capsys.readouterr().err
        assert err.startswith("eks-sg-rule: error: argument --waivers: ") and said in err, err
        assert err.count("\n") == 1
    assert api_calls.calls == []
