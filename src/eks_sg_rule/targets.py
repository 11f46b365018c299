"""Where the CLI's calls go: one `Target` per account (a named profile, or a role assumed in a member
account), and the regions to read in each.

Accounts, per run (README, "Several accounts in one run"):
- no `--profile`, no `--account`: boto3's default credentials, one target;
- `--profile P` (repeatable): one target per profile;
- `--role-name NAME --account ID` (`--account` repeatable): one target per account, the role
  `arn:<partition>:iam::<ID>:role/<NAME>` assumed (STS AssumeRole) with the base credentials (the one
  `--profile`, else the default ones); the partition is the first region's (`aws`, `aws-cn`,
  `aws-us-gov`). The base account itself is not scanned unless it is listed.

Credentials are assumed once per run for the API's default hour (AssumeRole `DurationSeconds`).
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, ProfileNotFound

from .aws.clients import client_config
from .report.errors import UsageError

# STS AssumeRole RoleSessionName: 2-64 characters of [\w+=,.@-]; CloudTrail in the member account shows it.
ROLE_SESSION_NAME = "eks-sg-rule"
NO_REGION = (
    "no AWS region: pass --region, set AWS_REGION or AWS_DEFAULT_REGION, or set a region in the profile (aws configure)"
)


@dataclass(frozen=True, slots=True)
class Target:
    """Where the calls go: a session (profile or assumed role), an optional endpoint, and the account id
    when it is already known (an assumed role's, from its ARN)."""

    session: Any
    endpoint_url: str | None
    known_account: str | None = None

    def client(self, service: str, region: str, config: Config | None = None) -> Any:
        """A client for one service and region."""
        return self.session.client(service, region_name=region, endpoint_url=self.endpoint_url, config=config)

    def eks_ec2(self, region: str) -> tuple[Any, Any]:
        """EKS and EC2 clients with botocore's standard retries (8 attempts unless AWS_MAX_ATTEMPTS says)."""
        config = client_config("eks-sg-rule", env_may_override=True)
        return self.client("eks", region, config), self.client("ec2", region, config)

    def account(self, region: str) -> str | None:
        """The account id: the assumed role's, else sts:GetCallerIdentity's, or None when it cannot be had quickly."""
        if self.known_account is not None:
            return self.known_account
        config = Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=5)
        try:
            return str(self.client("sts", region, config).get_caller_identity()["Account"])
        except (BotoCoreError, ClientError, KeyError):
            return None


def _session(profile: str | None) -> Any:
    try:
        return boto3.Session(profile_name=profile)
    except ProfileNotFound as error:
        raise UsageError(str(error)) from None


def _listed(value: list[str] | str | None) -> list[str]:
    """A flag's values: repeatable flags give a list (scan), single-value ones a string (fix)."""
    if isinstance(value, list):
        return value
    return [value] if value else []


def regions_of(args: argparse.Namespace, session: Any) -> list[str]:
    """--region (a list for scan, one value for fix), else AWS_REGION, else AWS_DEFAULT_REGION, else the
    profile's. Raises UsageError (NO_REGION) when there is none."""
    regions = list(dict.fromkeys(_listed(args.region)))
    if not regions:
        region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or session.region_name
        if not region:
            raise UsageError(NO_REGION)
        regions = [region]
    return regions


def assume(base: Any, role_name: str, account_id: str, region: str, endpoint_url: str | None) -> Target:
    """A target in `account_id`: STS AssumeRole of `arn:<partition>:iam::<account_id>:role/<role_name>` with
    the `base` session's credentials (AssumeRole API reference: the returned AccessKeyId,
    SecretAccessKey, SessionToken). Raises botocore's ClientError when STS refuses (the CLI's one line)."""
    partition = base.get_partition_for_region(region)
    arn = f"arn:{partition}:iam::{account_id}:role/{role_name}"
    sts = base.client("sts", region_name=region, endpoint_url=endpoint_url, config=client_config("eks-sg-rule"))
    credentials = sts.assume_role(RoleArn=arn, RoleSessionName=ROLE_SESSION_NAME)["Credentials"]
    session = boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name=region,
    )
    return Target(session, endpoint_url, known_account=account_id)


def targets_of(args: argparse.Namespace) -> tuple[list[Target], list[str]]:
    """Every account the run reads (module docstring) and the regions to read in each.

    Raises UsageError for an unknown profile, no region, --account without --role-name (or the
    reverse), or --account with several --profile (which one would assume the roles?)."""
    profiles: list[str | None] = list(dict.fromkeys(_listed(args.profile))) or [None]
    accounts = list(dict.fromkeys(_listed(args.account)))
    if bool(accounts) != bool(args.role_name):
        raise UsageError("--role-name and --account go together: the role NAME is assumed in each account ID")
    if accounts and len(profiles) > 1:
        raise UsageError("with --role-name, --profile names the base credentials: pass it at most once")
    sessions = [_session(profile) for profile in profiles]
    regions = regions_of(args, sessions[0])
    if accounts:
        base = sessions[0]
        return [assume(base, args.role_name, account, regions[0], args.endpoint_url) for account in accounts], regions
    return [Target(session, args.endpoint_url) for session in sessions], regions
