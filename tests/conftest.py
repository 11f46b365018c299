"""Shared fixtures: an emulated AWS account (moto), a Lambda context, and a PutEvaluations recorder."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

ROOT = Path(__file__).resolve().parents[1]
EVENTS = ROOT / "events"
REGION = "us-east-1"
ACCOUNT = "123456789012"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """An emulated AWS account: fake credentials, one region, everything served by moto in process."""
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_RETRY_MODE", "AWS_MAX_ATTEMPTS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "DEBUG")
    with mock_aws():
        boto3.setup_default_session()
        yield


class _Http:
    status_code = 200


@dataclass
class ConfigResultStore:
    """Test double of AWS Config's result store, clearly not the real thing.

    moto keeps no evaluations and implements neither GetComplianceDetailsByConfigRule nor an empty
    PutEvaluations (which Config accepts). This double records every PutEvaluations request (the
    rule's writes, read back), keeps the latest result per (resource type, id) as Config would, and
    answers GetComplianceDetailsByConfigRule from them. Non-empty writes still go on to moto, which
    validates them.
    """

    calls: list[dict[str, Any]] = field(default_factory=list)
    results: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    reads: int = 0

    def record(self, params: dict[str, Any], **_: Any) -> None:
        call = json.loads(json.dumps(params, default=str))
        self.calls.append(call)
        for evaluation in call["Evaluations"]:
            self.results[(evaluation["ComplianceResourceType"], evaluation["ComplianceResourceId"])] = evaluation

    @staticmethod
    def _api_params(request: dict[str, Any]) -> dict[str, Any]:
        """The operation's parameters, from the serialised request (AWS Config speaks JSON)."""
        body = request.get("body") or b"{}"
        return dict(json.loads(body.decode() if isinstance(body, bytes) else body))

    def answer_empty_put(self, params: dict[str, Any], **_: Any) -> tuple[_Http, dict[str, Any]] | None:
        empty = not self._api_params(params).get("Evaluations")
        return (_Http(), {"FailedEvaluations": []}) if empty else None

    def answer_read(self, params: dict[str, Any], **_: Any) -> tuple[_Http, dict[str, Any]]:
        self.reads += 1
        params = self._api_params(params)
        wanted = set(params.get("ComplianceTypes") or ("COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE"))
        held = [e for e in self.results.values() if e["ComplianceType"] in wanted]
        start = int(params.get("NextToken") or 0)
        limit = int(params.get("Limit") or 10)
        page = [
            {
                "EvaluationResultIdentifier": {
                    "EvaluationResultQualifier": {
                        "ConfigRuleName": params["ConfigRuleName"],
                        "ResourceType": e["ComplianceResourceType"],
                        "ResourceId": e["ComplianceResourceId"],
                        "EvaluationMode": "DETECTIVE",
                    }
                },
                "ComplianceType": e["ComplianceType"],
                **({"Annotation": e["Annotation"]} if e.get("Annotation") else {}),
            }
            for e in held[start : start + limit]
        ]
        response: dict[str, Any] = {"EvaluationResults": page}
        if start + limit < len(held):
            response["NextToken"] = str(start + limit)
        return (_Http(), response)

    @property
    def evaluations(self) -> list[dict[str, Any]]:
        return [evaluation for call in self.calls for evaluation in call["Evaluations"]]

    def by_id(self) -> dict[str, dict[str, Any]]:
        return {e["ComplianceResourceId"]: e for e in self.evaluations}


# The name the tests use: every PutEvaluations the rule sends, read back.
PutEvaluationsRecorder = ConfigResultStore


def install_result_store(session: Any) -> ConfigResultStore:
    store = ConfigResultStore()
    session.events.register("provide-client-params.config.PutEvaluations", store.record)
    session.events.register("before-call.config.PutEvaluations", store.answer_empty_put)
    session.events.register("before-call.config.GetComplianceDetailsByConfigRule", store.answer_read)
    return store


@pytest.fixture
def put_evaluations(aws: None) -> ConfigResultStore:
    # rdklib and the rule create their clients from boto3's default session: every call passes here.
    return install_result_store(boto3.DEFAULT_SESSION)


@dataclass
class LambdaContext:
    function_name: str = "eks-sg-rule"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:eks-sg-rule"
    aws_request_id: str = "6f0d6f4e-6c1c-4a36-9a1b-0c2a1d9b7e11"

    def get_remaining_time_in_millis(self) -> int:
        return 300_000


@pytest.fixture
def lambda_context() -> LambdaContext:
    return LambdaContext()


def load_event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / name).read_text())
