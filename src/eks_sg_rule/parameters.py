"""Rule parameters (the rule's `InputParameters`): validation into Settings, with specific errors."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from rdklib import InvalidParametersError as RdkInvalidParametersError

from .names import SECURITY_GROUP_ID
from .requirements import Level, RequirementSet
from .settings import Settings

OUR_PARAMETERS = (
    "ComplianceLevel",
    "ExemptSecurityGroupIds",
    "ClusterNamePattern",
    "ReportUnchanged",
    "NetworkPath",
    "WaiversParameterName",
    "RequirementSet",
)
# rdklib reads these itself (cross-account execution role); they are accepted and left to it.
RDKLIB_PARAMETERS = ("ExecutionRoleName", "ExecutionRoleRegion", "AssumeRoleMode")
MAX_VALUE_LENGTH = 1024
# SSM PutParameter `Name`: letters, digits and _.- with / between the levels of a hierarchy (a leading
# / for a hierarchical name), at most 15 levels, not starting with "aws" or "ssm" in any case; 2048
# characters reported, of which 1037 are reserved for SSM's own use (the ARN): 1011 for the name.
SSM_PARAMETER_NAME = re.compile(r"/?[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+){0,14}")
SSM_PARAMETER_NAME_MAX = 1011


class InvalidParametersError(RdkInvalidParametersError):  # type: ignore[misc]
    """A rule parameter is unknown or has a value outside what it accepts; the message names both."""


def parse_rule_parameters(raw: str | None) -> dict[str, Any]:
    """`ruleParameters` as Config sends it: a JSON object encoded as a string (may be absent or empty)."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return {}
    if not isinstance(raw, str):
        raise InvalidParametersError(f"ruleParameters must be a JSON string, got {type(raw).__name__}")
    try:
        parsed = json.loads(raw)
    except ValueError as error:
        raise InvalidParametersError(f"ruleParameters is not valid JSON: {error}") from None
    if not isinstance(parsed, dict):
        raise InvalidParametersError(f"ruleParameters must be a JSON object, got {type(parsed).__name__}")
    return parsed


def _text(parameters: Mapping[str, Any], name: str) -> str | None:
    value = parameters.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidParametersError(f"{name} must be a string, got {type(value).__name__}")
    if len(value) > MAX_VALUE_LENGTH:
        raise InvalidParametersError(f"{name} is {len(value)} characters long; at most {MAX_VALUE_LENGTH} accepted")
    stripped = value.strip()
    return stripped or None


def settings_from(parameters: Mapping[str, Any]) -> Settings:
    """Validate rule parameters; raises InvalidParametersError naming the parameter and what it accepts."""
    unknown = sorted(set(parameters) - set(OUR_PARAMETERS) - set(RDKLIB_PARAMETERS))
    if unknown:
        raise InvalidParametersError(
            f"unknown rule parameter {', '.join(unknown)}; accepted: {', '.join(OUR_PARAMETERS + RDKLIB_PARAMETERS)}"
        )
    level_text = (_text(parameters, "ComplianceLevel") or Level.MINIMUM.value).lower()
    try:
        level = Level(level_text)
    except ValueError:
        raise InvalidParametersError(
            f"ComplianceLevel must be one of: {', '.join(item.value for item in Level)} (got {level_text!r})"
        ) from None
    exempt_text = _text(parameters, "ExemptSecurityGroupIds") or ""
    exempt = [item.strip() for item in exempt_text.split(",") if item.strip()]
    malformed = [item for item in exempt if not SECURITY_GROUP_ID.fullmatch(item)]
    if malformed:
        raise InvalidParametersError(
            f"ExemptSecurityGroupIds must be comma-separated security group ids (sg-…); not ids: {', '.join(malformed)}"
        )
    pattern_text = _text(parameters, "ClusterNamePattern")
    pattern = None
    if pattern_text:
        try:
            pattern = re.compile(pattern_text)
        except re.error as error:
            raise InvalidParametersError(f"ClusterNamePattern is not a valid regular expression: {error}") from None
    waivers = _text(parameters, "WaiversParameterName")
    if waivers is not None:
        _ssm_parameter_name(waivers)
    return Settings(
        level=level,
        exempt_sg_ids=frozenset(exempt),
        cluster_name_pattern=pattern,
        report_unchanged=_flag(parameters, "ReportUnchanged"),
        network_path=_flag(parameters, "NetworkPath"),
        waivers_parameter_name=waivers,
        requirement_set=requirement_set_from(parameters),
    )


def _ssm_parameter_name(name: str) -> None:
    """Raises InvalidParametersError unless `name` is a name SSM PutParameter accepts (SSM_PARAMETER_NAME)."""
    if (
        len(name) > SSM_PARAMETER_NAME_MAX
        or not SSM_PARAMETER_NAME.fullmatch(name)
        or name.lstrip("/").lower().startswith(("aws", "ssm"))
    ):
        raise InvalidParametersError(
            f"WaiversParameterName {name[:60]!r} is not an SSM parameter name: letters, digits and _.- with / "
            f"between at most 15 levels, at most {SSM_PARAMETER_NAME_MAX} characters, not starting with aws or ssm"
        )


def requirement_set_from(parameters: Mapping[str, Any]) -> RequirementSet:
    """RequirementSet: `2020` (absent or empty too), `2026` or `latest` (the newest set), any case.

    Raises InvalidParametersError naming the parameter and the accepted values."""
    text = _text(parameters, "RequirementSet") or RequirementSet.Y2020.value
    try:
        return RequirementSet.parse(text)
    except ValueError:
        accepted = ", ".join([*(item.value for item in RequirementSet), "latest"])
        raise InvalidParametersError(f"RequirementSet must be one of: {accepted} (got {text!r})") from None


def _flag(parameters: Mapping[str, Any], name: str) -> bool:
    """A "true"/"false" parameter (any case; absent or empty is false); raises InvalidParametersError naming it."""
    value = (_text(parameters, name) or "false").lower()
    if value not in ("true", "false"):
        raise InvalidParametersError(f"{name} must be true or false (got {value!r})")
    return value == "true"
