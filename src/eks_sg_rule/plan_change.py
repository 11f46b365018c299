"""The remediation plan's vocabulary: one planned Change, its actions and its statuses.

Pure: no AWS. Made by plan.Planner (kept smallest by plan_minimal), applied by aws/writes.py,
rendered by report/fix.py and report/fix_code.py. plan.py re-exports every name here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

AUTHORIZE_INGRESS = "authorize_ingress"
AUTHORIZE_EGRESS = "authorize_egress"
CREATE_TAGS = "create_tags"
DELETE_TAGS = "delete_tags"
MANUAL = "manual"

# Per-change status in plans and outcomes (stable JSON values).
PLANNED = "planned"
APPLIED = "applied"
FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Change:
    """One planned SG change. `checks` are the check ids it repairs; `status` is one of
    planned / applied / manual / failed (a manual change stays manual). `permissions` are EC2
    IpPermissions (AuthorizeSecurityGroupIngress/Egress shape) of an authorize change; `tags` the
    tags a create_tags / delete_tags change sets or removes. A network-path finding's change (always
    manual) also names its `component_id` (acl-…, rtb-…, vpce-…, nat-…, a cluster) and the AWS CLI
    `command` that would make it (never run by us)."""

    action: str
    security_group_id: str
    checks: tuple[str, ...]
    detail: str
    permissions: tuple[dict[str, Any], ...] = ()
    tags: Mapping[str, str] = field(default_factory=dict)
    status: str = PLANNED
    component_id: str = ""
    command: str = ""

    def __post_init__(self) -> None:
        if self.action == MANUAL and self.status == PLANNED:
            object.__setattr__(self, "status", MANUAL)

    @property
    def automatic(self) -> bool:
        return self.action != MANUAL

    @property
    def adds_rule(self) -> bool:
        """A planned SG rule: an automatic authorize_ingress / authorize_egress still `planned`."""
        return self.action in (AUTHORIZE_INGRESS, AUTHORIZE_EGRESS) and self.status == PLANNED

    def to_json(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "security_group_id": self.security_group_id,
            "check": list(self.checks),
            "detail": self.detail,
            "status": self.status,
            **({"component_id": self.component_id} if self.component_id else {}),
            **({"command": self.command} if self.command else {}),
        }


def sgs_of(change: Change) -> list[str]:
    """The SG a change writes to and every SG its rules name as a peer."""
    peers = [pair["GroupId"] for permission in change.permissions for pair in permission["UserIdGroupPairs"]]
    return [change.security_group_id, *peers]


def key_of(change: Change) -> tuple[str, str, str]:
    """What makes two changes the same change: action, SG and detail."""
    return (change.action, change.security_group_id, change.detail)


def unique(changes: Iterable[Change]) -> list[Change]:
    """`changes` in order, each change (key_of) once."""
    seen: set[tuple[str, str, str]] = set()
    kept: list[Change] = []
    for change in changes:
        if key_of(change) not in seen:
            seen.add(key_of(change))
            kept.append(change)
    return kept
