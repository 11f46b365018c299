"""Credential and region problems through the real CLI (issue 18 item 7): one line on stderr, exit 2,
saying which flag or variables to set. Nothing here reaches the network: every failure comes before
a request is sent (no credentials, a failing credential_process, no region; instance metadata off)."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from eks_sg_rule.cli import main

ADVICE = (
    "pass --profile or set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), "
    "run `aws configure` or `aws sso login`"
)
CREDENTIAL_VARIABLES = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
    "AWS_ENDPOINT_URL",
)


@pytest.fixture
def no_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """An environment with no credentials anywhere; returns the (empty) config file's path."""
    for name in CREDENTIAL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    config = tmp_path / "config"
    config.write_text("", encoding="utf-8")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    return config


def test_no_credentials_say_which_flag_and_variables(no_credentials: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["scan", "--region", "us-east-1"], out=io.StringIO())

    assert code == 2
    assert capsys.readouterr().err == f"eks-sg-rule: error: no usable AWS credentials found; {ADVICE}\n"


def test_a_profile_whose_credentials_cannot_be_had_says_what_to_do(
    no_credentials: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    failing = f"{sys.executable} -c 'raise SystemExit(1)'"
    no_credentials.write_text(f"[profile broken]\ncredential_process = {failing}\n", encoding="utf-8")

    code = main(["scan", "--region", "us-east-1", "--profile", "broken"], out=io.StringIO())

    err = capsys.readouterr().err
    assert code == 2
    assert len(err.splitlines()) == 1
    assert err.startswith("eks-sg-rule: error: the profile's credentials could not be had (")
    assert err.endswith("or pass another --profile\n")


def test_an_unknown_profile_is_named(no_credentials: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["scan", "--region", "us-east-1", "--profile", "nope"], out=io.StringIO())

    assert code == 2
    assert capsys.readouterr().err == "eks-sg-rule: error: The config profile (nope) could not be found\n"


def test_no_region_names_the_flag_and_the_variables(
    no_credentials: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)

    code = main(["fix", "--cluster", "c1"], out=io.StringIO())

    assert code == 2
    assert capsys.readouterr().err == (
        "eks-sg-rule: error: no AWS region: pass --region, set AWS_REGION or AWS_DEFAULT_REGION, or set a region "
        "in the profile (aws configure)\n"
    )
