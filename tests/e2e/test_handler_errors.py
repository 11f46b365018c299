"""Failures the handler must surface: AWS errors (botocore Stubber), rdklib's swallowed errors.

Malformed events are the corpus of test_bad_inputs.py; denied reads, one per read, that of test_faults.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.stub import Stubber
from rdklib.clientfactory import ClientFactory

from eks_sg_rule.handler import RuleEvaluationError, lambda_handler
from tests.conftest import REGION, LambdaContext, PutEvaluationsRecorder, ec2_error, load_event


@pytest.fixture
def stub_client(aws: None, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], Stubber]:
    """Hands out an activated Stubber for one service; rdklib's ClientFactory then returns that client."""
    stubbed: dict[str, Any] = {}

    def build_client(
        self: ClientFactory, service: str, region: str | None = None, assume_role_mode: bool = True
    ) -> Any:
        return stubbed.get(service) or boto3.client(service, region_name=REGION)

    monkeypatch.setattr(ClientFactory, "build_client", build_client)

    def stub(service: str) -> Stubber:
        client = boto3.client(service, region_name=REGION)
        stubbed[service] = client
        stubber = Stubber(client)
        stubber.activate()
        return stubber

    return stub


def test_throttling_that_outlasts_retries_fails_loudly(
    stub_client: Callable[[str], Stubber], put_evaluations: PutEvaluationsRecorder, lambda_context: LambdaContext
) -> None:
    eks = stub_client("eks")
    eks.add_client_error("list_clusters", "ThrottlingException", "Rate exceeded", 429)

    with pytest.raises(RuleEvaluationError, match="ThrottlingException"):
        lambda_handler(load_event("scheduled.json"), lambda_context)
    assert put_evaluations.calls == []


def test_put_evaluations_error_swallowed_by_rdklib_fails_the_invocation(
    stub_client: Callable[[str], Stubber], lambda_context: LambdaContext
) -> None:
    boto3.client("eks", region_name=REGION).create_cluster(
        name="c1", roleArn="arn:aws:iam::123456789012:role/eks", resourcesVpcConfig={"subnetIds": []}
    )
    config = stub_client("config")
    config.add_response("get_compliance_details_by_config_rule", {"EvaluationResults": []})
    config.add_client_error("put_evaluations", "InvalidResultTokenException", "The result token is invalid", 400)

    with pytest.raises(RuleEvaluationError, match="InvalidResultTokenException"):
        lambda_handler(load_event("scheduled.json"), lambda_context)
    config.assert_no_pending_responses()


def test_throttled_reads_are_retried_by_the_standard_retry_mode(
    aws: None, put_evaluations: PutEvaluationsRecorder, lambda_context: LambdaContext
) -> None:
    throttled: list[str] = []

    def throttle_first_attempt(request: Any, **_: Any) -> AWSResponse | None:
        # Answers in place of the HTTP send, inside botocore's retry loop, as a throttled EC2 would.
        if throttled:
            return None
        throttled.append(request.url)
        return ec2_error("RequestLimitExceeded", 503)

    boto3.client("eks", region_name=REGION).create_cluster(
        name="c1", roleArn="arn:aws:iam::123456789012:role/eks", resourcesVpcConfig={"subnetIds": []}
    )
    boto3.DEFAULT_SESSION.events.register_first("before-send.ec2.DescribeInstances", throttle_first_attempt)

    lambda_handler(load_event("scheduled.json"), lambda_context)

    assert len(throttled) == 1
    assert [e["ComplianceResourceId"] for e in put_evaluations.evaluations] == ["c1"]


def test_an_account_without_clusters_still_calls_put_evaluations(
    stub_client: Callable[[str], Stubber], lambda_context: LambdaContext
) -> None:
    # moto refuses an empty PutEvaluations, which AWS Config accepts (the list's minimum length is 0):
    # Stubber, validating against botocore's model of the real service, stands in here.
    config = stub_client("config")
    config.add_response("get_compliance_details_by_config_rule", {"EvaluationResults": []})
    config.add_response(
        "put_evaluations",
        {"FailedEvaluations": []},
        {"Evaluations": [], "ResultToken": "TESTMODE", "TestMode": True},
    )

    assert lambda_handler(load_event("scheduled.json"), lambda_context) == {"evaluations_written": 0}
    config.assert_no_pending_responses()


REFUSED = {
    "ComplianceResourceType": "AWS::EKS::Cluster",
    "ComplianceResourceId": "c1",
    "ComplianceType": "NOT_APPLICABLE",
    "OrderingTimestamp": "2026-11-20T12:00:00.373Z",
}


@pytest.fixture
def one_cluster_config(stub_client: Callable[[str], Stubber], monkeypatch: pytest.MonkeyPatch) -> Stubber:
    """One cluster (NOT_APPLICABLE: no nodes), no held results, and Config's side stubbed; no retry sleeps."""
    monkeypatch.setattr("eks_sg_rule.config_results.time.sleep", lambda _: None)
    boto3.client("eks", region_name=REGION).create_cluster(
        name="c1", roleArn="arn:aws:iam::123456789012:role/eks", resourcesVpcConfig={"subnetIds": []}
    )
    config = stub_client("config")
    config.add_response("get_compliance_details_by_config_rule", {"EvaluationResults": []})
    return config


def test_evaluations_config_refuses_are_retried(one_cluster_config: Stubber, lambda_context: LambdaContext) -> None:
    one_cluster_config.add_response("put_evaluations", {"FailedEvaluations": [REFUSED]})
    one_cluster_config.add_response("put_evaluations", {"FailedEvaluations": []})
    one_cluster_config.add_response("put_evaluations", {"FailedEvaluations": []})  # rdklib's closing empty write

    assert lambda_handler(load_event("scheduled.json"), lambda_context) == {"evaluations_written": 1}
    one_cluster_config.assert_no_pending_responses()


def test_evaluations_config_keeps_refusing_fail_the_invocation_with_a_count(
    one_cluster_config: Stubber, lambda_context: LambdaContext
) -> None:
    for _ in range(4):
        one_cluster_config.add_response("put_evaluations", {"FailedEvaluations": [REFUSED]})

    with pytest.raises(RuleEvaluationError, match=r"AWS Config refused 1 evaluation\(s\) after 4 attempts"):
        lambda_handler(load_event("scheduled.json"), lambda_context)
    one_cluster_config.assert_no_pending_responses()
