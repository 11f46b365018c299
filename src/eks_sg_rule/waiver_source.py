"""The rule's waivers: the document in the SSM parameter its `WaiversParameterName` names (issue 18).

Where the parameter lives: in the rule function's own account and region, read with the function's
own role, whichever account the event is from (a member account's rule names the same parameter; the
member execution role is not used for it). One ssm:GetParameter per invocation that evaluates; the
templates grant it on that one parameter's ARN only. A missing parameter, a refused read or an invalid
document fails the invocation (DiscoveryError or WaiverError, logged by handler.py): the rule never
drops waivers silently, and never writes COMPLIANT it could not justify.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import boto3

from .aws.clients import client_config
from .aws.reads import parameter_value
from .evaluate import ResourceEvaluation
from .waivers import apply_waivers, parse_waivers


def rule_waived(evaluations: list[ResourceEvaluation], name: str | None, ssm: Any = None) -> list[ResourceEvaluation]:
    """`evaluations` with the waivers of SSM parameter `name` applied today (UTC); unchanged, with no
    call, when `name` is None (no WaiversParameterName). `ssm`: the client (default: the function's
    own, in its own region). Raises DiscoveryError (ssm:GetParameter failed, ParameterNotFound
    included) or waivers.WaiverError (the document is invalid: one line naming the entry and field)."""
    if name is None:
        return evaluations
    client = ssm if ssm is not None else boto3.client("ssm", config=client_config("eks-sg-rule"))
    waivers = parse_waivers(parameter_value(client, name), f"SSM parameter {name}")
    return apply_waivers(evaluations, waivers, datetime.now(UTC).date())
