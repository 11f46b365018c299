"""The periodic run's changes-only writer against what AWS Config really returns (botocore Stubber).

Shape of GetComplianceDetailsByConfigRule's answer: the AWS CLI's published example output
(aws/aws-cli, awscli/examples/configservice/get-compliance-details-by-config-rule.rst): each result
has EvaluationResultIdentifier {OrderingTimestamp, EvaluationResultQualifier {ResourceType,
ResourceId, ConfigRuleName}}, ResultRecordedTime, ConfigRuleInvokedTime and ComplianceType,
timestamps as epoch seconds with milliseconds, no EvaluationMode, and no Annotation key at all
when the evaluation carried none. Annotation is added where the API reference's response syntax
has it. Stubber validates every response against botocore's model of the real service.

Two things the writer must survive: Config may return no NOT_APPLICABLE results (a caller is not
promised them without naming them in ComplianceTypes, so the read names them; if Config still
returns none, they are rewritten every run and the log line "evaluations written without a stored
result" says how many), and annotations handed back altered (whitespace).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from demo.seed import SeededAccount, seed_account
from rdklib.clientfactory import ClientFactory

from eks_sg_rule.config_results import StoredResult, current_results
from eks_sg_rule.handler import lambda_handler
from tests.conftest import REGION, ConfigResultStore, LambdaContext, load_event

RULE = "eks-security-group-requirements"
ALL_TYPES = ["COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE"]


def published(resource_type: str, resource_id: str, compliance: str, annotation: str | None = None) -> dict[str, Any]:
    """One EvaluationResult as the AWS CLI's example output shows it (timestamps as epoch seconds)."""
    result: dict[str, Any] = {
        "EvaluationResultIdentifier": {
            "OrderingTimestamp": 1450314635.065,
            "EvaluationResultQualifier": {
                "ResourceType": resource_type,
                "ResourceId": resource_id,
                "ConfigRuleName": RULE,
            },
        },
        "ResultRecordedTime": 1450314645.261,
        "ConfigRuleInvokedTime": 1450314642.948,
        "ComplianceType": compliance,
    }
    if annotation is not None:
        result["Annotation"] = annotation
    return result


def test_the_read_names_every_compliance_type_and_pages_at_100() -> None:
    config = boto3.client("config", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    stubber = Stubber(config)
    first = {"ConfigRuleName": RULE, "ComplianceTypes": ALL_TYPES, "Limit": 100}
    stubber.add_response(
        "get_compliance_details_by_config_rule",
        {
            "EvaluationResults": [
                published("AWS::EC2::Instance", "i-1a2b3c4d", "NON_COMPLIANT"),
                published("AWS::EKS::Cluster", "prod", "COMPLIANT", "minimum level: pass"),
            ],
            "NextToken": "page-2",
        },
        first,
    )
    stubber.add_response(
        "get_compliance_details_by_config_rule",
        {"EvaluationResults": [published("AWS::EC2::SecurityGroup", "sg-0a1b2c3d", "NOT_APPLICABLE", "unused")]},
        {**first, "NextToken": "page-2"},
    )

    with stubber:
        held = current_results(config, RULE)

    stubber.assert_no_pending_responses()
    assert held == {
        ("AWS::EC2::Instance", "i-1a2b3c4d"): StoredResult("NON_COMPLIANT", ""),
        ("AWS::EKS::Cluster", "prod"): StoredResult("COMPLIANT", "minimum level: pass"),
        ("AWS::EC2::SecurityGroup", "sg-0a1b2c3d"): StoredResult("NOT_APPLICABLE", "unused"),
    }


@pytest.fixture
def account(aws: None) -> SeededAccount:
    return seed_account(boto3.client("ec2", region_name=REGION), boto3.client("eks", region_name=REGION), region=REGION)


@pytest.fixture
def swept(account: SeededAccount, put_evaluations: ConfigResultStore, lambda_context: LambdaContext) -> list[Any]:
    """What the first sweep of the demo account writes (every evaluation: nothing was held)."""
    lambda_handler(load_event("scheduled.json"), lambda_context)
    return list(put_evaluations.evaluations)


class StubbedConfig:
    """The rule's AWS Config client, stubbed; every PutEvaluations' evaluations recorded."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.client = boto3.client("config", region_name=REGION)
        self.stubber = Stubber(self.client)
        self.written: list[list[dict[str, Any]]] = []
        self.client.meta.events.register("provide-client-params.config.PutEvaluations", self._record)
        original = ClientFactory.build_client

        def build_client(factory: ClientFactory, service: str, *args: Any, **kwargs: Any) -> Any:
            return self.client if service == "config" else original(factory, service, *args, **kwargs)

        monkeypatch.setattr(ClientFactory, "build_client", build_client)

    def _record(self, params: dict[str, Any], **_: Any) -> None:
        self.written.append(json.loads(json.dumps(params["Evaluations"], default=str)))

    def holds(self, results: list[dict[str, Any]], puts: int) -> None:
        self.stubber.add_response(
            "get_compliance_details_by_config_rule",
            {"EvaluationResults": results},
            {"ConfigRuleName": RULE, "ComplianceTypes": ALL_TYPES, "Limit": 100},
        )
        for _ in range(puts):
            self.stubber.add_response("put_evaluations", {"FailedEvaluations": []})


@pytest.fixture
def config(swept: list[Any], monkeypatch: pytest.MonkeyPatch) -> Iterator[StubbedConfig]:
    stubbed = StubbedConfig(monkeypatch)
    with stubbed.stubber:
        yield stubbed
    stubbed.stubber.assert_no_pending_responses()


def as_returned(evaluation: dict[str, Any], annotation: str | None) -> dict[str, Any]:
    return published(
        evaluation["ComplianceResourceType"],
        evaluation["ComplianceResourceId"],
        evaluation["ComplianceType"],
        annotation,
    )


def unstored_log(caplog: pytest.LogCaptureFixture) -> dict[str, Any]:
    """The keys of the one "written without a stored result" log line since the last call."""
    [record] = [r for r in caplog.records if r.getMessage() == "evaluations written without a stored result"]
    caplog.clear()
    return dict(record.__dict__)


def test_results_handed_back_with_altered_whitespace_are_not_rewritten(
    swept: list[Any], config: StubbedConfig, lambda_context: LambdaContext, caplog: pytest.LogCaptureFixture
) -> None:
    altered = [as_returned(e, "  " + e["Annotation"].replace(": ", ":  ") + " \n") for e in swept]
    config.holds(altered, puts=1)  # rdklib's closing empty PutEvaluations only
    caplog.clear()

    assert lambda_handler(load_event("scheduled.json"), lambda_context) == {"evaluations_written": 0}

    assert config.written == [[]]
    line = unstored_log(caplog)
    assert line["written_without_stored_result"] == 0
    assert line["without_stored_result_by_type"] == {}


def test_not_applicable_results_config_does_not_return_are_written_and_counted(
    swept: list[Any], config: StubbedConfig, lambda_context: LambdaContext, caplog: pytest.LogCaptureFixture
) -> None:
    not_applicable = [e for e in swept if e["ComplianceType"] == "NOT_APPLICABLE"]
    assert not_applicable, "the demo account has NOT_APPLICABLE clusters (fargate-only, no-nodes)"
    held = [as_returned(e, e["Annotation"] + " ") for e in swept if e["ComplianceType"] != "NOT_APPLICABLE"]
    config.holds(held, puts=2)
    caplog.clear()

    lambda_handler(load_event("scheduled.json"), lambda_context)

    by_key = sorted(not_applicable, key=lambda e: (e["ComplianceResourceType"], e["ComplianceResourceId"]))
    [written, closing] = config.written
    assert sorted(written, key=lambda e: (e["ComplianceResourceType"], e["ComplianceResourceId"])) == by_key
    assert closing == []
    line = unstored_log(caplog)
    assert line["written_without_stored_result"] == len(not_applicable)
    assert line["without_stored_result_by_type"] == {"NOT_APPLICABLE": len(not_applicable)}


def test_the_count_shows_on_every_run_while_config_returns_no_not_applicable_results(
    account: SeededAccount,
    put_evaluations: ConfigResultStore,
    lambda_context: LambdaContext,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The moto-side double of Config's store, set to keep no NOT_APPLICABLE results.
    put_evaluations.returns_not_applicable = False
    lambda_handler(load_event("scheduled.json"), lambda_context)
    not_applicable = sum(1 for e in put_evaluations.evaluations if e["ComplianceType"] == "NOT_APPLICABLE")
    assert unstored_log(caplog)["written_without_stored_result"] == len(put_evaluations.evaluations)

    before = len(put_evaluations.evaluations)
    lambda_handler(load_event("scheduled.json"), lambda_context)

    again = put_evaluations.evaluations[before:]
    assert {e["ComplianceType"] for e in again} == {"NOT_APPLICABLE"}
    assert len(again) == not_applicable
    assert unstored_log(caplog)["written_without_stored_result"] == not_applicable
