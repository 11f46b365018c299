"""The rule's waivers end to end through the real handler (issue 18 item 3): the document is read from
the SSM parameter WaiversParameterName names (moto), once per invocation, and applied before
PutEvaluations; a missing parameter or an invalid document fails the invocation with one structured
ERROR line and nothing written."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from demo.seed import SeededAccount, seed_account

from eks_sg_rule.handler import RuleEvaluationError, lambda_handler
from tests.conftest import REGION, ApiCalls, LambdaContext, PutEvaluationsRecorder, load_event
from tests.e2e.test_handler import with_item

NAME = "/eks-sg-rule/waivers"
CLUSTER = "kubelet-blocked"  # fails WORKER_SG_MINIMUM on its node SG only
LATER = (datetime.now(UTC).date() + timedelta(days=30)).isoformat()
WAIVERS = f"""
- check: WORKER_SG_MINIMUM
  resource: {CLUSTER}
  reason: kubelet is reached another way (SEC-1)
  expires: {LATER}
- check: WORKER_SG_MINIMUM
  resource: "sg-*"
  reason: kubelet is reached another way (SEC-1)
  expires: {LATER}
"""


@pytest.fixture
def account(aws: None) -> SeededAccount:
    return seed_account(boto3.client("ec2", region_name=REGION), boto3.client("eks", region_name=REGION), region=REGION)


def with_waivers(event: dict[str, Any], name: str = NAME) -> dict[str, Any]:
    return {**event, "ruleParameters": json.dumps({"WaiversParameterName": name})}


def put_parameter(value: str) -> None:
    boto3.client("ssm", region_name=REGION).put_parameter(Name=NAME, Value=value, Type="String")


def ssm_calls(api_calls: ApiCalls) -> list[tuple[str, dict[str, Any]]]:
    return [(operation, params) for operation, params, _ in api_calls.calls if operation == "GetParameter"]


def test_a_change_applies_the_waivers_before_put_evaluations_with_one_read(
    account: SeededAccount,
    put_evaluations: PutEvaluationsRecorder,
    lambda_context: LambdaContext,
    api_calls: ApiCalls,
) -> None:
    put_parameter(WAIVERS)
    node_sg = account.clusters[CLUSTER].node_sg_ids[0]
    lambda_handler(with_waivers(with_item(load_event("sg-change.json"), node_sg)), lambda_context)

    sent = put_evaluations.by_id()
    said = f"WORKER_SG_MINIMUM waived until {LATER}: kubelet is reached another way (SEC-1)"
    for resource in (CLUSTER, node_sg):
        assert (sent[resource]["ComplianceType"], sent[resource]["Annotation"]) == ("COMPLIANT", said)
    assert ssm_calls(api_calls) == [("GetParameter", {"Name": NAME, "WithDecryption": False})]


def test_a_periodic_run_applies_them_too(
    account: SeededAccount,
    put_evaluations: PutEvaluationsRecorder,
    lambda_context: LambdaContext,
    api_calls: ApiCalls,
) -> None:
    put_parameter(WAIVERS)
    event = load_event("scheduled.json")
    event = {**event, "ruleParameters": json.dumps({"WaiversParameterName": NAME, "ReportUnchanged": "true"})}
    lambda_handler(event, lambda_context)
    sent = put_evaluations.by_id()
    assert sent[CLUSTER]["ComplianceType"] == "COMPLIANT"
    assert sent[CLUSTER]["Annotation"].startswith("WORKER_SG_MINIMUM waived until")
    assert len(ssm_calls(api_calls)) == 1
    # Without the parameter, no read: the verdicts are the engine's.
    put_evaluations.calls.clear()
    lambda_handler(load_event("scheduled.json"), lambda_context)
    assert put_evaluations.by_id()[CLUSTER]["ComplianceType"] == "NON_COMPLIANT"
    assert len(ssm_calls(api_calls)) == 1


def error_lines(caplog: pytest.LogCaptureFixture) -> list[Any]:
    return [record for record in caplog.records if record.levelname == "ERROR"]


def test_a_missing_parameter_fails_the_invocation_and_writes_nothing(
    account: SeededAccount,
    put_evaluations: PutEvaluationsRecorder,
    lambda_context: LambdaContext,
    caplog: pytest.LogCaptureFixture,
) -> None:
    node_sg = account.clusters[CLUSTER].node_sg_ids[0]
    with pytest.raises(RuleEvaluationError, match="ssm:GetParameter failed: ParameterNotFound"):
        lambda_handler(with_waivers(with_item(load_event("sg-change.json"), node_sg)), lambda_context)
    assert put_evaluations.calls == []
    [logged] = error_lines(caplog)
    assert (logged.iam_action, logged.error_code) == ("ssm:GetParameter", "ParameterNotFound")


@pytest.mark.parametrize(
    ("document", "said"),
    [
        (f"- check: WORKER_SG_MINIMUM\n  resource: {CLUSTER}\n  expires: {LATER}\n", "waiver 1: missing reason"),
        ("just some text", "expected a list of waivers"),
    ],
)
def test_an_invalid_document_fails_the_invocation_and_writes_nothing(
    account: SeededAccount,
    put_evaluations: PutEvaluationsRecorder,
    lambda_context: LambdaContext,
    caplog: pytest.LogCaptureFixture,
    document: str,
    said: str,
) -> None:
    put_parameter(document)
    with pytest.raises(RuleEvaluationError, match=f"waiver document rejected: SSM parameter {NAME}: .*{said}"):
        lambda_handler(with_waivers(load_event("scheduled.json")), lambda_context)
    assert put_evaluations.calls == []
    [logged] = error_lines(caplog)
    assert logged.getMessage() == "waiver document rejected, nothing reported to AWS Config"
    assert said in logged.reason and "\n" not in logged.reason


@pytest.mark.parametrize("name", ["aws-waivers", "/ssm/w", "a b", "/a//b", "/" + "/".join("x" * 16), "w" * 1012])
def test_a_name_ssm_would_refuse_is_rejected_before_any_read(
    aws: None, put_evaluations: PutEvaluationsRecorder, lambda_context: LambdaContext, api_calls: ApiCalls, name: str
) -> None:
    with pytest.raises(RuleEvaluationError, match=r"WaiversParameterName .* is not an SSM parameter name"):
        lambda_handler(with_waivers(load_event("scheduled.json"), name), lambda_context)
    assert api_calls.calls == [] and put_evaluations.calls == []
