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


@dataclass
class PutEvaluationsRecorder:
    """Reads back what the rule sent to AWS Config: moto keeps no evaluations, so they are recorded
    from the PutEvaluations requests themselves (a test-side stand-in for Config's result store)."""

    calls: list[dict[str, Any]] = field(default_factory=list)

    def __call__(self, params: dict[str, Any], **_: Any) -> None:
        self.calls.append(json.loads(json.dumps(params, default=str)))

    @property
    def evaluations(self) -> list[dict[str, Any]]:
        return [evaluation for call in self.calls for evaluation in call["Evaluations"]]

    def by_id(self) -> dict[str, dict[str, Any]]:
        return {e["ComplianceResourceId"]: e for e in self.evaluations}


@pytest.fixture
def put_evaluations(aws: None) -> PutEvaluationsRecorder:
    recorder = PutEvaluationsRecorder()
    # rdklib creates its clients from boto3's default session; every PutEvaluations passes here.
    boto3.DEFAULT_SESSION.events.register("provide-client-params.config.PutEvaluations", recorder)
    return recorder


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
