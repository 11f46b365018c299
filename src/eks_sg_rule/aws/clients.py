"""The one retry configuration of every AWS client this project makes or has made for it.

botocore's `standard` retry mode with 8 attempts (one call and up to 7 retries, with exponential
backoff and jitter: botocore "Retries" guide). Three ways in, one setting:
- `client_config(user_agent)`: a botocore Config for the clients we create (the remediation's EKS,
  EC2 and STS clients; the CLI's EKS and EC2 clients, where `env_may_override` lets a user's
  AWS_MAX_ATTEMPTS win, as botocore's own precedence would for a Config without max_attempts);
- `retry_environment(environ)`: AWS_RETRY_MODE and AWS_MAX_ATTEMPTS for clients built elsewhere
  (rdklib's ClientFactory calls plain boto3.client(), which reads them at client creation), set
  only where unset.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, MutableMapping
from typing import Any

from botocore.config import Config

RETRY_MODE = "standard"
MAX_ATTEMPTS = 8
ENV_RETRY_MODE = "AWS_RETRY_MODE"
ENV_MAX_ATTEMPTS = "AWS_MAX_ATTEMPTS"


def client_config(user_agent: str, env_may_override: bool = False, environ: Mapping[str, str] | None = None) -> Config:
    """A botocore Config: standard retries, MAX_ATTEMPTS attempts, `user_agent` appended to the User-Agent.

    `env_may_override`: leave max_attempts out when AWS_MAX_ATTEMPTS is set in `environ` (default:
    the process environment), so botocore takes the user's value.
    """
    environ = os.environ if environ is None else environ
    retries: dict[str, Any] = {"mode": RETRY_MODE}
    if not (env_may_override and environ.get(ENV_MAX_ATTEMPTS)):
        retries["max_attempts"] = MAX_ATTEMPTS
    return Config(retries=retries, user_agent_extra=user_agent)


def retry_environment(environ: MutableMapping[str, str] | None = None) -> None:
    """Set AWS_RETRY_MODE and AWS_MAX_ATTEMPTS in `environ` (default: the process environment) where unset."""
    environ = os.environ if environ is None else environ
    environ.setdefault(ENV_RETRY_MODE, RETRY_MODE)
    environ.setdefault(ENV_MAX_ATTEMPTS, str(MAX_ATTEMPTS))
