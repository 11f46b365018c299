"""What the CLI says when something fails: one line, with what to do where that helps.

An AWS error can carry anything (a proxy's HTML page, a multi-line message): it is reduced to one
readable line here, so stderr stays one line and CI logs stay greppable.
"""

from __future__ import annotations

import re

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    CredentialRetrievalError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ReadTimeoutError,
    SSOTokenLoadError,
    TokenRetrievalError,
    UnauthorizedSSOTokenError,
)
from botocore.parsers import ResponseParserError

from ..aws.calls import DiscoveryError, reason
from ..plan import RemediationError

CREDENTIAL_CODES = frozenset(
    {
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "InvalidAccessKeyId",
        "SignatureDoesNotMatch",
        "ExpiredToken",
        "ExpiredTokenException",
        "RequestExpired",
        "AuthFailure",
    }
)
MAX_MESSAGE = 300


class UsageError(Exception):
    """The command line or the environment cannot work as given; the message says what to change."""


class OutputError(Exception):
    """The report could not be written (a full disk, a missing directory)."""


HTML_BODY = re.compile(r"<\s*(!doctype|html|head|body|title)\b", re.IGNORECASE)


def one_line(text: str) -> str:
    """Any message as one readable line: an HTML error page is named as such, never passed through."""
    match = HTML_BODY.search(text)
    if match:
        title = re.search(r"<title>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
        what = f" ({' '.join(title.group(1).split())})" if title else ""
        text = f"{text[: match.start()].strip()} the endpoint answered with an HTML page{what}, not an AWS response"
    text = " ".join(text.split())
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"


def _credentials_hint(endpoint: str | None) -> str:
    if endpoint:
        return (
            "; an emulator needs credentials too, fake ones will do (AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test)"
        )
    return (
        "; pass --profile or set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), "
        "run `aws configure` or `aws sso login`"
    )


# The profile's credentials exist but cannot be had: an expired SSO session, a failing credential_process.
EXPIRED_LOGIN = (SSOTokenLoadError, TokenRetrievalError, UnauthorizedSSOTokenError, CredentialRetrievalError)
NO_REGION = "no AWS region: pass --region, or set AWS_REGION or AWS_DEFAULT_REGION"


def describe_error(error: BaseException, endpoint: str | None) -> str:
    """One line saying what failed and, where it helps, what to do."""
    if isinstance(error, (UsageError, OutputError, RemediationError)):
        return one_line(str(error))
    if isinstance(error, DiscoveryError):
        if error.code in CREDENTIAL_CODES:
            return one_line(f"{error}: the credentials were refused") + _credentials_hint(endpoint)
        return one_line(str(error)) + (f" (the caller needs {error.action})" if error.access_denied else "")
    if isinstance(error, ClientError):
        details = error.response.get("Error") or {}
        status = (error.response.get("ResponseMetadata") or {}).get("HTTPStatusCode")
        code, message = reason(str(details.get("Code", "")), str(details.get("Message", "")), status, endpoint)
        text = one_line(f"{error.operation_name} failed: {code}: {message}")
        return text + (_credentials_hint(endpoint) if code in CREDENTIAL_CODES else "")
    if isinstance(error, ResponseParserError):
        return f"the endpoint {endpoint or 'of AWS'} answered with a body that is not an AWS response"
    if isinstance(error, (NoCredentialsError, PartialCredentialsError)):
        return "no usable AWS credentials found" + _credentials_hint(endpoint)
    if isinstance(error, EXPIRED_LOGIN):
        return one_line(f"the profile's credentials could not be had ({error})") + (
            "; run `aws sso login --profile <profile>` (or fix its credential_process), or pass another --profile"
        )
    if isinstance(error, NoRegionError):
        return NO_REGION
    if isinstance(error, (EndpointConnectionError, ConnectTimeoutError, ConnectionClosedError)):
        where = endpoint or getattr(error, "kwargs", {}).get("endpoint_url", "AWS")
        hint = "is the endpoint running?" if endpoint else "check the network, a proxy, and the region"
        return f"could not connect to {where}: {hint}"
    if isinstance(error, ReadTimeoutError):
        return f"no answer from {endpoint or 'AWS'} in time: try again, or check the endpoint"
    if isinstance(error, BotoCoreError):
        return one_line(str(error))
    return one_line(f"unexpected {type(error).__name__}: {error}") + " (run with --debug for the traceback)"
