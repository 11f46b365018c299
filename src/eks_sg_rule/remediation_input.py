"""The remediation input's values, validated (remediation_handler.parse_request and its Deployment):
flags, optional ids, ExemptSecurityGroupIds and ClusterNamePattern. Each raises plan.RemediationError
naming the input key and the value it refused."""

from __future__ import annotations

import re
from typing import Any

from .names import SECURITY_GROUP_ID
from .plan import RemediationError


def flag(event: dict[str, Any], name: str, default: bool) -> bool:
    """The input's boolean `name` (true/false, any case, or a JSON boolean), `default` when absent;
    raises RemediationError otherwise."""
    value = event.get(name, default)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise RemediationError(f"{name} must be true or false, got {value!r}")


def optional(event: dict[str, Any], name: str, pattern: re.Pattern[str]) -> str | None:
    """The input's text `name` when it fully matches `pattern`, None when absent or empty; raises
    RemediationError otherwise."""
    value = event.get(name)
    if value in (None, ""):
        return None
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise RemediationError(f"{name} is not valid: {value!r}")
    return value


def exempt(value: Any) -> frozenset[str]:
    """ExemptSecurityGroupIds (comma-separated text or a list) as SG ids; raises RemediationError for
    anything that is not an SG id."""
    items = value.split(",") if isinstance(value, str) else value if isinstance(value, list) else None
    if items is None:
        raise RemediationError(f"ExemptSecurityGroupIds must be a comma-separated list, got {value!r}")
    ids = frozenset(str(item).strip() for item in items if str(item).strip())
    bad = sorted(i for i in ids if not SECURITY_GROUP_ID.fullmatch(i))
    if bad:
        raise RemediationError(f"ExemptSecurityGroupIds holds values that are not SG ids: {', '.join(bad)}")
    return ids


def pattern(value: Any) -> re.Pattern[str] | None:
    """ClusterNamePattern compiled (None when absent or empty); raises RemediationError when invalid."""
    if value in (None, ""):
        return None
    try:
        return re.compile(str(value))
    except re.error as error:
        raise RemediationError(f"ClusterNamePattern is not a valid regular expression: {error}") from None
