"""Shared fixtures: an emulated AWS account (moto), a Lambda context, and a PutEvaluations recorder."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from demo.config_store import ConfigResultStore, install_result_store
from demo.seed import fill_moto_gaps
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
    fill_moto_gaps()
    with mock_aws():
        boto3.setup_default_session()
        yield


# The name the tests use: every PutEvaluations the rule sends, read back.
PutEvaluationsRecorder = ConfigResultStore


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
