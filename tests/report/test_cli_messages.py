"""The one line the CLI prints for each kind of failure, and the account id when STS does not answer."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import (
    ClientError,
    CredentialRetrievalError,
    NoCredentialsError,
    NoRegionError,
    SSOTokenLoadError,
    TokenRetrievalError,
    UnauthorizedSSOTokenError,
)
from botocore.stub import Stubber

from eks_sg_rule.aws.calls import DiscoveryError
from eks_sg_rule.cli import Target
from eks_sg_rule.report.errors import describe_error, one_line

EMULATOR = "http://localhost:4566"
ADVICE = (
    "pass --profile or set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), "
    "run `aws configure` or `aws sso login`"
)


def client_error(code: str, message: str, operation: str = "ListClusters") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


def test_a_denied_read_names_the_iam_action() -> None:
    error = DiscoveryError("ec2:DescribeInstances", "UnauthorizedOperation", "You are not authorized")
    assert describe_error(error, None) == (
        "ec2:DescribeInstances failed: UnauthorizedOperation: You are not authorized "
        "(the caller needs ec2:DescribeInstances)"
    )


@pytest.mark.parametrize("code", ["UnrecognizedClientException", "InvalidClientTokenId", "ExpiredToken"])
def test_refused_credentials_carry_a_hint(code: str) -> None:
    on_aws = describe_error(DiscoveryError("eks:ListClusters", code, "The security token is invalid"), None)
    on_emulator = describe_error(client_error(code, "bad token"), EMULATOR)

    assert on_aws.endswith(f"the credentials were refused; {ADVICE}")
    assert on_emulator == (
        f"ListClusters failed: {code}: bad token; an emulator needs credentials too, fake ones will do "
        "(AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test)"
    )
    assert describe_error(NoCredentialsError(), None) == f"no usable AWS credentials found; {ADVICE}"


@pytest.mark.parametrize(
    "error",
    [
        UnauthorizedSSOTokenError(),
        TokenRetrievalError(provider="sso", error_msg="Token has expired and refresh failed"),
        SSOTokenLoadError(error_msg="Token for my-sso does not exist"),
        CredentialRetrievalError(provider="custom-process", error_msg="exit 1"),
    ],
)
def test_a_login_that_expired_says_to_log_in_again(error: Exception) -> None:
    text = describe_error(error, None)

    assert text.startswith("the profile's credentials could not be had (")
    assert text.endswith(
        "; run `aws sso login --profile <profile>` (or fix its credential_process), or pass another --profile"
    )
    assert "\n" not in text


def test_no_region_names_the_flag_and_the_variables() -> None:
    assert describe_error(NoRegionError(), None) == (
        "no AWS region: pass --region, or set AWS_REGION or AWS_DEFAULT_REGION"
    )


def test_messages_are_one_line_and_html_is_never_passed_through() -> None:
    page = "<!DOCTYPE html>\n<html><head><title>500 Internal\n Server Error</title></head><body>x</body></html>"
    assert one_line(f"ListClusters failed: 500: {page}") == (
        "ListClusters failed: 500: the endpoint answered with an HTML page (500 Internal Server Error), "
        "not an AWS response"
    )
    assert one_line("first\nsecond\n\tthird") == "first second third"
    assert len(one_line("x " * 1000)) == 300


def test_an_unexpected_failure_points_at_debug() -> None:
    assert describe_error(RuntimeError("boom\nat line 3"), None) == (
        "unexpected RuntimeError: boom at line 3 (run with --debug for the traceback)"
    )


def test_account_is_none_when_sts_does_not_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    session = boto3.Session(region_name="us-east-1")
    sts = session.client("sts")

    class OneClient:
        def client(self, service: str, **kwargs: object) -> object:
            return sts

    with Stubber(sts) as stub:
        stub.add_client_error("get_caller_identity", "AccessDenied", "explicitly denied")
        assert Target(OneClient(), None).account("us-east-1") is None
    with Stubber(sts) as stub:
        stub.add_response(
            "get_caller_identity", {"Account": "210987654321", "Arn": "arn:aws:iam::210987654321:user/x", "UserId": "x"}
        )
        assert Target(OneClient(), None).account("us-east-1") == "210987654321"
