"""Faults injected under the real handler, inside botocore's retry loop (before-send hooks on moto):
throttling loses nothing; a denied read fails the invocation naming the IAM action and writes nothing."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from demo.seed import SeededAccount, seed_account

from eks_sg_rule.handler import RuleEvaluationError, lambda_handler
from tests.conftest import REGION, ConfigResultStore, LambdaContext, ec2_error, json_error, load_event


@pytest.fixture
def account(aws: None) -> SeededAccount:
    return seed_account(boto3.client("ec2", region_name=REGION), boto3.client("eks", region_name=REGION), region=REGION)


def sweep(context: LambdaContext) -> None:
    event = load_event("scheduled.json")
    lambda_handler({**event, "ruleParameters": json.dumps({"ReportUnchanged": "true"})}, context)


def test_a_fifth_of_ec2_and_eks_calls_throttled_loses_no_evaluation(
    account: SeededAccount, put_evaluations: ConfigResultStore, lambda_context: LambdaContext
) -> None:
    sweep(lambda_context)
    fault_free = sorted(json.dumps(e, sort_keys=True) for e in put_evaluations.evaluations)
    put_evaluations.calls.clear()

    sent: list[str] = []
    throttled: list[str] = []

    def throttle(request: Any, **_: Any) -> AWSResponse | None:
        # Every fifth EC2 or EKS request, retries included, is throttled.
        sent.append(request.url)
        if len(sent) % 5:
            return None
        throttled.append(request.url)
        if "ec2" in request.url:
            return ec2_error("RequestLimitExceeded", 503)
        return json_error("ThrottlingException", 429)

    boto3.DEFAULT_SESSION.events.register_first("before-send.ec2", throttle)
    boto3.DEFAULT_SESSION.events.register_first("before-send.eks", throttle)
    sweep(lambda_context)

    assert len(throttled) == len(sent) // 5 >= 4
    assert any("ec2" in url for url in throttled) and any("eks" in url for url in throttled)
    assert sorted(json.dumps(e, sort_keys=True) for e in put_evaluations.evaluations) == fault_free


READS = [
    ("eks", "ListClusters", "AccessDeniedException"),
    ("eks", "DescribeCluster", "AccessDeniedException"),
    ("eks", "ListNodegroups", "AccessDeniedException"),
    ("eks", "DescribeNodegroup", "AccessDeniedException"),
    ("ec2", "DescribeInstances", "UnauthorizedOperation"),
    ("ec2", "DescribeSecurityGroups", "UnauthorizedOperation"),
    ("ec2", "DescribeSubnets", "UnauthorizedOperation"),
    ("ec2", "DescribeLaunchTemplateVersions", "UnauthorizedOperation"),
]


@pytest.mark.parametrize(("service", "operation", "code"), READS, ids=[op for _, op, _ in READS])
def test_a_denied_read_fails_the_invocation_naming_the_action(
    account: SeededAccount,
    put_evaluations: ConfigResultStore,
    lambda_context: LambdaContext,
    caplog: pytest.LogCaptureFixture,
    service: str,
    operation: str,
    code: str,
) -> None:
    def deny(**_: Any) -> AWSResponse:
        return ec2_error(code, 403) if service == "ec2" else json_error(code, 403)

    boto3.DEFAULT_SESSION.events.register_first(f"before-send.{service}.{operation}", deny)

    with pytest.raises(RuleEvaluationError, match=f"{service}:{operation} failed: {code}"):
        sweep(lambda_context)

    assert put_evaluations.calls == []
    [error] = [r for r in caplog.records if r.levelname == "ERROR"]
    assert error.iam_action == f"{service}:{operation}"  # type: ignore[attr-defined]
    assert f"the function's role needs {service}:{operation}" in error.getMessage()


def test_a_denied_results_read_fails_before_anything_is_written(
    account: SeededAccount, put_evaluations: ConfigResultStore, lambda_context: LambdaContext
) -> None:
    class Denied:
        status_code = 400

    def deny(**_: Any) -> tuple[Any, dict[str, Any]]:
        return Denied(), {"Error": {"Code": "AccessDeniedException", "Message": "not authorized"}}

    boto3.DEFAULT_SESSION.events.register_first("before-call.config.GetComplianceDetailsByConfigRule", deny)
    event = load_event("scheduled.json")

    with pytest.raises(
        RuleEvaluationError, match="config:GetComplianceDetailsByConfigRule failed: AccessDeniedException"
    ):
        lambda_handler(event, lambda_context)
    assert put_evaluations.evaluations == []
