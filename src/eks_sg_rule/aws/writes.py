"""The remediation's EC2 writes: execute a plan's automatic changes in order, stop on the first failure,
report what was done (plan.Change statuses)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from botocore.exceptions import ClientError

from ..plan import APPLIED, AUTHORIZE_EGRESS, AUTHORIZE_INGRESS, CREATE_TAGS, DELETE_TAGS, FAILED, Change


class ApplyFailed(Exception):
    """A write failed: the apply stopped there. `changes` carry applied / failed / planned."""

    def __init__(self, change: Change, error: ClientError, changes: tuple[Change, ...]) -> None:
        applied = [c for c in changes if c.status == APPLIED]
        done = "; ".join(f"{c.action} {c.security_group_id}" for c in applied) or "nothing"
        code = error.response.get("Error", {}).get("Code", "Unknown")
        super().__init__(f"{change.action} on {change.security_group_id} failed ({code}); applied before it: {done}")
        self.changes = changes


def apply(ec2: Any, changes: Iterable[Change], on_change: Any = None) -> tuple[Change, ...]:
    """Apply the automatic changes in order (EC2 AuthorizeSecurityGroupIngress/Egress, CreateTags,
    DeleteTags with the tag key); a rule already present counts as applied. Returns every change
    with its status. A failed write stops the apply: raises ApplyFailed carrying what was applied
    before it. `on_change(change)` is called after each write (for logging)."""
    result: list[Change] = []
    pending = list(changes)
    for index, change in enumerate(pending):
        if not change.automatic:
            result.append(change)
            continue
        try:
            _write(ec2, change)
        except ClientError as error:
            failed = replace(change, status=FAILED)
            result.append(failed)
            if on_change:
                on_change(failed)
            raise ApplyFailed(change, error, (*result, *pending[index + 1 :])) from error
        done = replace(change, status=APPLIED)
        result.append(done)
        if on_change:
            on_change(done)
    return tuple(result)


def _write(ec2: Any, change: Change) -> None:
    try:
        if change.action == AUTHORIZE_INGRESS:
            ec2.authorize_security_group_ingress(
                GroupId=change.security_group_id, IpPermissions=list(change.permissions)
            )
        elif change.action == AUTHORIZE_EGRESS:
            ec2.authorize_security_group_egress(
                GroupId=change.security_group_id, IpPermissions=list(change.permissions)
            )
        elif change.action == CREATE_TAGS:
            tags = [{"Key": key, "Value": value} for key, value in change.tags.items()]
            ec2.create_tags(Resources=[change.security_group_id], Tags=tags)
        elif change.action == DELETE_TAGS:
            if not change.tags:
                raise ValueError("a DeleteTags request without tag keys would delete every tag")
            ec2.delete_tags(Resources=[change.security_group_id], Tags=[{"Key": key} for key in change.tags])
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "InvalidPermission.Duplicate":
            raise
