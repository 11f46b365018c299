"""Where an invocation acts: bound to the ARN it was invoked by, never to what its payload says.

Lambda gives a synchronous invocation no caller identity, but it does give the function the ARN
the caller invoked (the context's `invoked_function_arn`: unqualified, or with the version or alias
the caller named). A resource-based policy statement added on an alias admits its principal only
through that alias's ARN: not through the unqualified ARN, another alias or a version (Lambda
developer guide, "Using Lambda aliases in event sources and permissions policies"; AddPermission,
`Qualifier`). The organisation rollout (deploy/organization-permissions.yaml) creates one alias
per member account, `acct-<account id>`, whose only statement admits that account's Automation
role: a qualifier `acct-<id>` therefore names the one account whose role could have invoked it.

Pure: no AWS call.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .names import ACCOUNT_ID

MEMBER_ALIAS_PREFIX = "acct-"
LATEST = "$LATEST"
# arn:<partition>:lambda:<region>:<account>:function:<name>[:<qualifier>] (Lambda's function ARN).
FUNCTION_ARN = re.compile(
    r"arn:(?P<partition>aws[a-zA-Z-]*):lambda:(?P<region>[a-z0-9-]+):(?P<account>[0-9]{12})"
    r":function:(?P<name>[A-Za-z0-9_-]{1,64})(?::(?P<qualifier>[A-Za-z0-9$_-]{1,128}))?"
)


class InvocationRefused(ValueError):
    """The function was invoked by an ARN that binds it to no account this deployment may act in.

    (A ValueError, not a remediation.RemediationError, so that the rule function can parse its own
    ARN here without importing the remediation.)"""


@dataclass(frozen=True, slots=True)
class FunctionArn:
    """A parsed Lambda function ARN: `qualifier` is None when unqualified."""

    partition: str
    region: str
    account_id: str
    name: str
    qualifier: str | None

    @classmethod
    def parse(cls, arn: object) -> FunctionArn | None:
        """The ARN's parts, or None when `arn` is not a Lambda function ARN (fullmatch, ASCII only)."""
        found = FUNCTION_ARN.fullmatch(arn) if isinstance(arn, str) else None
        if found is None:
            return None
        return cls(found["partition"], found["region"], found["account"], found["name"], found["qualifier"])


@dataclass(frozen=True, slots=True)
class Target:
    """Where one invocation acts: `account_id` (12 digits) through `execution_role_name` assumed there,
    or with the function's own role when it is None (the function's own account only)."""

    partition: str
    account_id: str
    execution_role_name: str | None
    qualifier: str | None


def member_alias(account_id: str) -> str:
    """The alias name that binds an invocation to a member account: `acct-<account id>`."""
    return MEMBER_ALIAS_PREFIX + account_id


def invocation_target(invoked_function_arn: object, deployment_role: str | None) -> Target:
    """The account and role an invocation acts with, from the ARN it was invoked by.

    - unqualified or `$LATEST`: the function's own account, with its own role;
    - `acct-<account id>` (another account): that account, through `deployment_role` (the
      deployment's RemediationExecutionRoleName);
    - anything else (a version, another alias, the own account's alias, an alias without a role to
      act through): refused.

    Raises InvocationRefused naming the ARN and why.
    """
    arn = FunctionArn.parse(invoked_function_arn)
    if arn is None:
        raise InvocationRefused(f"the function was invoked by {invoked_function_arn!r}, not a Lambda function ARN")
    if arn.qualifier in (None, LATEST):
        return Target(arn.partition, arn.account_id, None, arn.qualifier)
    member = arn.qualifier.removeprefix(MEMBER_ALIAS_PREFIX) if arn.qualifier.startswith(MEMBER_ALIAS_PREFIX) else ""
    if not ACCOUNT_ID.fullmatch(member):
        raise InvocationRefused(
            f"the function was invoked through {arn.qualifier!r}, which binds it to no account: it acts only "
            f"unqualified (its own account) or through an alias {MEMBER_ALIAS_PREFIX}<account id>"
        )
    if member == arn.account_id:
        raise InvocationRefused(
            f"the function was invoked through {arn.qualifier!r}, its own account's id: that account is "
            "reached unqualified, with the function's own role"
        )
    if deployment_role is None:
        raise InvocationRefused(
            f"the function was invoked through {arn.qualifier!r}, but this deployment has no "
            "RemediationExecutionRoleName: it acts in no other account"
        )
    return Target(arn.partition, member, deployment_role, arn.qualifier)
