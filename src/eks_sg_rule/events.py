"""Validation of AWS Config Lambda events before rdklib sees them.

rdklib 0.3.10 reads several keys without checking them (a KeyError is an unexplained crash), and
its oversized path calls GetResourceConfigHistory and then fails on events without
`notificationCreationTime` (as in the AWS docs' own sample). Events are checked here and reshaped
into what rdklib handles safely; anything unusable is a RuleInputError that names what is wrong.

`configurationItemCaptureTime` is optional in the AWS Config API's ConfigurationItem. An item
without it is ordered (PutEvaluations' OrderingTimestamp) by the notification's creation time, else
by the invocation's time: the rule judges the live EKS/EC2 state, so that is when its verdict holds.
A `configurationItemStatus` outside the API's enum is rejected (config_items.ITEM_STATUSES).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .config_items import ITEM_STATUSES
from .parameters import parse_rule_parameters

CHANGE = "ConfigurationItemChangeNotification"
OVERSIZED = "OversizedConfigurationItemChangeNotification"
SCHEDULED = "ScheduledNotification"
MESSAGE_TYPES = (CHANGE, OVERSIZED, SCHEDULED)


class RuleInputError(ValueError):
    """The Lambda event is not a usable AWS Config rule event; the message says why."""


@dataclass(frozen=True, slots=True)
class EventSummary:
    """What to log about an event: never the configuration item itself."""

    rule_name: str
    message_type: str
    resource_type: str | None = None
    resource_id: str | None = None

    def log_keys(self) -> dict[str, Any]:
        keys: dict[str, Any] = {"config_rule": self.rule_name, "message_type": self.message_type}
        if self.resource_type:
            keys |= {"resource_type": self.resource_type, "resource_id": self.resource_id}
        return keys


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _require_text(mapping: dict[str, Any], key: str, where: str) -> str:
    value = mapping.get(key)
    if not isinstance(value, str) or not value:
        raise RuleInputError(f"{where} has no {key} (a non-empty string)")
    return value


def _checked_item(item: Any, where: str) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise RuleInputError(f"{where} is missing or not an object")
    _require_text(item, "resourceType", where)
    _require_text(item, "resourceId", where)
    if item.get("configurationItemCaptureTime") not in (None, ""):
        _require_text(item, "configurationItemCaptureTime", where)
    status = item.get("configurationItemStatus")
    if not isinstance(status, str):
        raise RuleInputError(f"{where} has no configurationItemStatus")
    if status not in ITEM_STATUSES:
        raise RuleInputError(
            f"{where} has configurationItemStatus {status!r}, not one of AWS Config's: {', '.join(ITEM_STATUSES)}"
        )
    return item


def prepare_event(event: Any) -> tuple[dict[str, Any], EventSummary]:
    """Validate a Config event; returns the event to hand rdklib and what to log about it."""
    if not isinstance(event, dict):
        raise RuleInputError(f"event must be a JSON object, got {type(event).__name__}")
    raw = event.get("invokingEvent")
    if not isinstance(raw, str):
        raise RuleInputError("event has no invokingEvent (a JSON string)")
    try:
        invoking = json.loads(raw)
    except ValueError as error:
        raise RuleInputError(f"invokingEvent is not valid JSON: {error}") from None
    if not isinstance(invoking, dict):
        raise RuleInputError("invokingEvent must be a JSON object")
    message_type = invoking.get("messageType")
    if message_type not in MESSAGE_TYPES:
        raise RuleInputError(f"unsupported messageType {message_type!r}; expected one of: {', '.join(MESSAGE_TYPES)}")
    result_token = event.get("resultToken")
    if not isinstance(result_token, str) or not result_token:
        raise RuleInputError("event has no resultToken: evaluations could not be reported")
    rule_name = event.get("configRuleName") if isinstance(event.get("configRuleName"), str) else "unknown"
    parameters = parse_rule_parameters(event.get("ruleParameters"))

    prepared = dict(event)
    prepared["ruleParameters"] = json.dumps(parameters)
    prepared["eventLeftScope"] = event.get("eventLeftScope") is True
    if message_type == SCHEDULED:
        invoking = {
            **invoking,
            "notificationCreationTime": invoking.get("notificationCreationTime") or _now(),
        }
        summary = EventSummary(str(rule_name), SCHEDULED)
    else:
        if message_type == OVERSIZED:
            item = _oversized_item(invoking)
        else:
            item = _checked_item(invoking.get("configurationItem"), "configurationItem")
        created = invoking.get("notificationCreationTime")
        ordering = item.get("configurationItemCaptureTime") or (created if isinstance(created, str) else "") or _now()
        invoking = {
            # rdklib and the rule order evaluations by the item's capture time: never absent here.
            "configurationItem": {**item, "configurationItemCaptureTime": ordering},
            "messageType": CHANGE,
            "notificationCreationTime": created or ordering,
            "recordVersion": invoking.get("recordVersion") or "1.0",
        }
        summary = EventSummary(str(rule_name), str(message_type), item["resourceType"], item["resourceId"])
    prepared["invokingEvent"] = json.dumps(invoking)
    return prepared, summary


def _oversized_item(invoking: dict[str, Any]) -> dict[str, Any]:
    """A configuration item without `configuration`, from an oversized notification's summary.

    The rule reads the resource's current state from EKS and EC2 itself, so the oversized item
    does not need to be fetched from Config's history.
    """
    summary = _checked_item(invoking.get("configurationItemSummary"), "configurationItemSummary")
    keep = (
        "resourceType",
        "resourceId",
        "resourceName",
        "configurationItemStatus",
        "configurationItemCaptureTime",
        "awsAccountId",
        "awsRegion",
        "ARN",
    )
    return {key: summary[key] for key in keep if key in summary}
