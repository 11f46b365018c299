"""Lambda entry for SSM Automation remediation: fix the cluster(s) behind one Config resource id.

Input (from the Automation document): {"ResourceId": "<cluster name or sg-…>", "ComplianceLevel":
"minimum", "DryRun": true, "AllowTagRemoval": false}. An SG id fixes every cluster that uses it.
"""

from __future__ import annotations

import os
import re
from typing import Any

import boto3
from aws_lambda_powertools import Logger

from .discovery import Discovery, DiscoveryError
from .evaluate import sg_usage
from .remediation import RemediationError, remediate
from .requirements import Level

logger = Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME", "eks-sg-rule-remediation"))

SG_ID = re.compile(r"sg-[0-9a-f]{8}(?:[0-9a-f]{9})?")
CLUSTER_NAME = re.compile(r"[0-9A-Za-z][A-Za-z0-9\-_]{0,99}")


def _flag(event: dict[str, Any], name: str, default: bool) -> bool:
    value = event.get(name, default)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise RemediationError(f"{name} must be true or false, got {value!r}")


def parse_request(event: Any) -> tuple[str, Level, bool, bool]:
    """Validate the remediation input before any AWS call: (resource id, level, dry run, tag removal)."""
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
    return resource_id, level, _flag(event, "DryRun", True), _flag(event, "AllowTagRemoval", False)


@logger.inject_lambda_context(log_event=False)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    resource_id, level, dry_run, allow_tag_removal = parse_request(event)
    logger.append_keys(resource_id=resource_id, dry_run=dry_run, level=level.value)
    ec2 = boto3.client("ec2")
    discovery = Discovery(eks=boto3.client("eks"), ec2=ec2)
    try:
        if SG_ID.fullmatch(resource_id):
            clusters = sg_usage(discovery.snapshot().topologies.values()).get(resource_id, [])
        else:
            clusters = [resource_id]
        outcomes = [
            remediate(discovery.snapshot, ec2, name, level, not dry_run, allow_tag_removal) for name in clusters
        ]
    except DiscoveryError as error:
        logger.error(f"remediation failed: {error}", extra={"iam_action": error.action, "error_code": error.code})
        raise RemediationError(str(error)) from None
    for outcome in outcomes:
        logger.info(
            "remediation",
            extra={"cluster": outcome.cluster, "changes": len(outcome.changes), "applied": outcome.applied},
        )
    return {"ResourceId": resource_id, "DryRun": dry_run, "clusters": [outcome.to_json() for outcome in outcomes]}
