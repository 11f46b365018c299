"""Lambda entry for SSM Automation remediation: fix the cluster(s) behind one Config resource id.

Input (from the Automation document; every key but ResourceId optional):
{"ResourceId": "<cluster name or sg-…>", "ComplianceLevel": "minimum", "DryRun": true,
 "AllowTagRemoval": false, "TrustNodeTags": false, "ExemptSecurityGroupIds": "sg-1,sg-2",
 "ClusterNamePattern": "prod-.*", "AccountId": "123456789012", "ExecutionRoleName": "eks-sg-rule-execution"}

An SG id fixes, on that SG only, every in-scope cluster that uses it. With DryRun false the
invocation fails (so SSM and AWS Config show the remediation as failed) when the resource id
resolves to no cluster in scope, when a write fails (the error names what was applied before it),
when a manual change is left, or when the re-check still finds changes. Every apply and every
failure is a structured log line.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass
from typing import Any

import boto3
from aws_lambda_powertools import Logger
from botocore.config import Config

from .discovery import Discovery, DiscoveryError
from .evaluate import Snapshot, sg_usage
from .remediation import APPLIED, ApplyFailed, Change, Outcome, RemediationError, Scope, remediate
from .requirements import Level

logger = Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME", "eks-sg-rule-remediation"))

SG_ID = re.compile(r"sg-[0-9a-f]{8}(?:[0-9a-f]{9})?")
CLUSTER_NAME = re.compile(r"[0-9A-Za-z][A-Za-z0-9\-_]{0,99}")
ACCOUNT_ID = re.compile(r"[0-9]{12}")
ROLE_NAME = re.compile(r"[\w+=,.@-]{1,64}")
CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 8}, user_agent_extra="eks-sg-rule-remediation")


class RemediationFailed(Exception):
    """The remediation did not fix what it was asked to: the invocation fails with this message."""


@dataclass(frozen=True, slots=True)
class Request:
    """The validated remediation input."""

    resource_id: str
    scope: Scope
    dry_run: bool
    account_id: str | None = None
    execution_role_name: str | None = None


def _flag(event: dict[str, Any], name: str, default: bool) -> bool:
    value = event.get(name, default)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise RemediationError(f"{name} must be true or false, got {value!r}")


def _optional(event: dict[str, Any], name: str, pattern: re.Pattern[str]) -> str | None:
    value = event.get(name)
    if value in (None, ""):
        return None
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise RemediationError(f"{name} is not valid: {value!r}")
    return value


def _exempt(value: Any) -> frozenset[str]:
    items = value.split(",") if isinstance(value, str) else value if isinstance(value, list) else None
    if items is None:
        raise RemediationError(f"ExemptSecurityGroupIds must be a comma-separated list, got {value!r}")
    ids = frozenset(str(item).strip() for item in items if str(item).strip())
    bad = sorted(i for i in ids if not SG_ID.fullmatch(i))
    if bad:
        raise RemediationError(f"ExemptSecurityGroupIds holds values that are not SG ids: {', '.join(bad)}")
    return ids


def _pattern(value: Any) -> re.Pattern[str] | None:
    if value in (None, ""):
        return None
    try:
        return re.compile(str(value))
    except re.error as error:
        raise RemediationError(f"ClusterNamePattern is not a valid regular expression: {error}") from None


def parse_request(event: Any) -> Request:
    """Validate the remediation input before any AWS call; raises RemediationError."""
    if not isinstance(event, dict):
        raise RemediationError("the remediation input must be a JSON object")
    resource_id = event.get("ResourceId")
    if not isinstance(resource_id, str) or not (SG_ID.fullmatch(resource_id) or CLUSTER_NAME.fullmatch(resource_id)):
        raise RemediationError(
            f"ResourceId must be an EKS cluster name or a security group id (sg-…), got {resource_id!r}"
        )
    level_text = str(event.get("ComplianceLevel") or Level.MINIMUM.value).lower()
    try:
        level = Level(level_text)
    except ValueError:
        raise RemediationError(f"ComplianceLevel must be minimum or recommended, got {level_text!r}") from None
    scope = Scope(
        level=level,
        exempt_sg_ids=_exempt(event.get("ExemptSecurityGroupIds") or ""),
        cluster_name_pattern=_pattern(event.get("ClusterNamePattern")),
        allow_tag_removal=_flag(event, "AllowTagRemoval", False),
        trust_node_tags=_flag(event, "TrustNodeTags", False),
        only_security_group=resource_id if SG_ID.fullmatch(resource_id) else None,
    )
    role = _optional(event, "ExecutionRoleName", ROLE_NAME)
    account = _optional(event, "AccountId", ACCOUNT_ID)
    if role and not account:
        raise RemediationError("ExecutionRoleName needs AccountId (the account to act in)")
    return Request(resource_id, scope, _flag(event, "DryRun", True), account, role)


def _session(request: Request, context: Any) -> Any:
    """The Lambda's own credentials, or the member account's role (the organisation rollout)."""
    if not request.execution_role_name:
        return boto3.session.Session()
    function_arn = str(getattr(context, "invoked_function_arn", "") or "arn:aws:")
    partition = function_arn.split(":")[1] or "aws"
    role_arn = f"arn:{partition}:iam::{request.account_id}:role/{request.execution_role_name}"
    credentials = boto3.client("sts", config=CLIENT_CONFIG).assume_role(
        RoleArn=role_arn, RoleSessionName="eks-sg-rule-remediation"
    )["Credentials"]
    return boto3.session.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )


def _log_change(cluster: str) -> Any:
    def log(change: Change) -> None:
        extra = {
            "cluster": cluster,
            "security_group_id": change.security_group_id,
            "action": change.action,
            "result": change.status,
            "checks": list(change.checks),
        }
        if change.status == APPLIED:
            logger.info("remediation change applied", extra=extra)
        else:
            logger.error("remediation change failed", extra=extra)

    return log


def _clusters_for(request: Request, discovery: Discovery) -> tuple[list[str], Snapshot]:
    """The clusters to fix and the region read just now: each cluster's view before applying.

    The view before is the whole region, once (not once per cluster): a write must know every
    other cluster that uses an SG, including one whose idle node group only names it in a launch
    template, which no network interface shows. An SG id resolves to the in-scope clusters using
    it; an id that names both an SG and a cluster is refused.
    """
    snapshot = discovery.snapshot()
    if request.scope.only_security_group is None:
        return [request.resource_id], snapshot
    if request.resource_id in snapshot.topologies or request.resource_id in snapshot.unreadable_clusters:
        raise RemediationFailed(
            f"{request.resource_id} names both a security group and a cluster: ambiguous, nothing changed"
        )
    used_by = sg_usage(snapshot.topologies.values()).get(request.resource_id, [])
    in_scope = [name for name in used_by if request.scope.refusal(snapshot.topologies[name]) is None]
    if not in_scope:
        why = f"used by {', '.join(used_by)}, all outside the scope" if used_by else "used by no EKS cluster here"
        raise RemediationFailed(f"{request.resource_id} resolves to no cluster in scope ({why})")
    return in_scope, snapshot


def _unfinished(outcome: Outcome) -> list[str]:
    problems = []
    manual = [c for c in outcome.changes if not c.automatic]
    if manual:
        problems.append(f"{len(manual)} manual change(s) left: " + "; ".join(c.detail for c in manual[:3]))
    if outcome.applied and outcome.remaining:
        problems.append(f"{len(outcome.remaining)} change(s) still needed after applying")
    return problems


@logger.inject_lambda_context(log_event=False, clear_state=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    try:
        request = parse_request(event)
    except RemediationError as error:
        logger.error("remediation input rejected", extra={"reason": str(error)})
        raise
    # `compliance_level`, not `level`: Powertools' own `level` field must stay the log level.
    logger.append_keys(
        resource_id=request.resource_id, dry_run=request.dry_run, compliance_level=request.scope.level.value
    )
    outcomes: list[Outcome] = []
    try:
        session = _session(request, context)
        ec2 = session.client("ec2", config=CLIENT_CONFIG)
        discovery = Discovery(eks=session.client("eks", config=CLIENT_CONFIG), ec2=ec2)
        names, before = _clusters_for(request, discovery)
        for name in names:
            outcome = remediate(
                functools.partial(discovery.snapshot, clusters=[name]), ec2, name, request.scope.level,
                not request.dry_run, scope=request.scope, on_change=_log_change(name), before=before,
            )  # fmt: skip
            outcomes.append(outcome)
            logger.info(
                "remediation outcome",
                extra={
                    "cluster": name,
                    "changes": len(outcome.changes),
                    "applied": outcome.applied,
                    "remaining": len(outcome.remaining),
                },
            )
    except ApplyFailed as error:
        logger.error("remediation stopped at a failed write", extra={"reason": str(error)})
        raise RemediationFailed(str(error)) from None
    except (RemediationError, RemediationFailed) as error:
        logger.error("remediation failed", extra={"reason": str(error)})
        raise RemediationFailed(str(error)) from None
    except DiscoveryError as error:
        logger.error(f"remediation failed: {error}", extra={"iam_action": error.action, "error_code": error.code})
        raise RemediationFailed(str(error)) from None
    result = {
        "ResourceId": request.resource_id,
        "DryRun": request.dry_run,
        "clusters": [outcome.to_json() for outcome in outcomes],
    }
    if not request.dry_run:
        problems = [f"{o.cluster}: {p}" for o in outcomes for p in _unfinished(o)]
        if problems:
            logger.error("remediation did not fix everything", extra={"problems": problems})
            raise RemediationFailed("; ".join(problems))
    return result
