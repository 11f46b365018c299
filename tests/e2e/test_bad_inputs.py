"""A corpus of malformed and unusual events and parameter sets, each with its expected outcome.

Every case ends in the rule's own error (RuleEvaluationError, nothing written) or in a correct
NOT_APPLICABLE; no other exception escapes, and nothing is reported COMPLIANT by accident.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from eks_sg_rule.handler import RuleEvaluationError, lambda_handler
from tests.conftest import REGION, ConfigResultStore, LambdaContext, load_event


def invoking(event: dict[str, Any]) -> dict[str, Any]:
    return dict(json.loads(event["invokingEvent"]))


def with_invoking(event: dict[str, Any], change: Callable[[dict[str, Any]], Any]) -> dict[str, Any]:
    body = invoking(event)
    change(body)
    return {**event, "invokingEvent": json.dumps(body)}


def with_item(name: str, **fields: Any) -> dict[str, Any]:
    def change(body: dict[str, Any]) -> None:
        body["configurationItem"].update(fields)
        for key, value in list(fields.items()):
            if value is ...:
                del body["configurationItem"][key]

    return with_invoking(load_event(name), change)


def with_parameters(raw: Any, name: str = "scheduled.json") -> dict[str, Any]:
    return {**load_event(name), "ruleParameters": raw}


def drop(event: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in event.items() if k != key}


@dataclass(frozen=True)
class Case:
    id: str
    event: Callable[[], Any]
    error: str | None = None  # the rule's own error, with this in its message
    not_applicable: tuple[str, ...] = ()  # else: these resources NOT_APPLICABLE, nothing COMPLIANT


SG = "sg-0a1b2c3d4e5f60718"
CASES = [
    Case("event-is-a-string", lambda: "hello", error="event must be a JSON object, got str"),
    Case("event-is-null", lambda: None, error="event must be a JSON object, got NoneType"),
    Case("event-is-a-list", lambda: [load_event("scheduled.json")], error="event must be a JSON object, got list"),
    Case("empty-event", lambda: {}, error="event has no invokingEvent"),
    Case("no-invoking-event", lambda: drop(load_event("scheduled.json"), "invokingEvent"), error="no invokingEvent"),
    Case(
        "invoking-event-not-a-string",
        lambda: {**load_event("scheduled.json"), "invokingEvent": {"messageType": "ScheduledNotification"}},
        error="no invokingEvent (a JSON string)",
    ),
    Case(
        "invoking-event-invalid-json",
        lambda: {**load_event("scheduled.json"), "invokingEvent": '{"messageType": '},
        error="invokingEvent is not valid JSON",
    ),
    Case(
        "invoking-event-array",
        lambda: {**load_event("scheduled.json"), "invokingEvent": "[]"},
        error="invokingEvent must be a JSON object",
    ),
    Case(
        "no-message-type",
        lambda: with_invoking(load_event("scheduled.json"), lambda b: b.pop("messageType")),
        error="unsupported messageType None",
    ),
    Case(
        "unknown-message-type",
        lambda: with_invoking(load_event("scheduled.json"), lambda b: b.update(messageType="ComplianceChange")),
        error="unsupported messageType 'ComplianceChange'",
    ),
    Case(
        "message-type-not-a-string",
        lambda: with_invoking(load_event("scheduled.json"), lambda b: b.update(messageType=7)),
        error="unsupported messageType 7",
    ),
    Case("no-result-token", lambda: drop(load_event("scheduled.json"), "resultToken"), error="no resultToken"),
    Case("empty-result-token", lambda: {**load_event("scheduled.json"), "resultToken": ""}, error="no resultToken"),
    Case("parameters-invalid-json", lambda: with_parameters("{Compliance"), error="ruleParameters is not valid JSON"),
    Case("parameters-array", lambda: with_parameters("[]"), error="ruleParameters must be a JSON object, got list"),
    Case("parameters-not-a-string", lambda: with_parameters({"a": 1}), error="ruleParameters must be a JSON string"),
    Case(
        "unknown-parameter",
        lambda: with_parameters(json.dumps({"ComplianceLvl": "minimum"})),
        error="unknown rule parameter ComplianceLvl",
    ),
    Case(
        "level-invalid",
        lambda: with_parameters(json.dumps({"ComplianceLevel": "maximum"})),
        error="ComplianceLevel must be one of: minimum, recommended",
    ),
    Case(
        "level-not-a-string",
        lambda: with_parameters(json.dumps({"ComplianceLevel": ["minimum"]})),
        error="ComplianceLevel must be a string, got list",
    ),
    Case(
        "exempt-malformed",
        lambda: with_parameters(json.dumps({"ExemptSecurityGroupIds": "sg-1,sg-12345678"})),
        error="not ids: sg-1",
    ),
    Case(
        "pattern-invalid",
        lambda: with_parameters(json.dumps({"ClusterNamePattern": "[a-"})),
        error="ClusterNamePattern is not a valid regular expression",
    ),
    Case(
        "parameter-1025-characters",
        lambda: with_parameters(json.dumps({"ExemptSecurityGroupIds": "sg-12345678," * 85 + "sg-12"})),
        error="at most 1024",
    ),
    Case(
        "report-unchanged-invalid",
        lambda: with_parameters(json.dumps({"ReportUnchanged": "sometimes"})),
        error="ReportUnchanged must be true or false",
    ),
    Case(
        # names.role_arn: refused before any AWS call (it once became an ARN that STS rejected).
        "execution-role-name-not-a-role-name",
        lambda: with_parameters(json.dumps({"ExecutionRoleName": "member role/../x"})),
        error="ExecutionRoleName 'member role/../x' gives no role ARN: not an IAM role name",
    ),
    Case(
        "pattern-1024-characters-matching-nothing",
        lambda: with_parameters(json.dumps({"ClusterNamePattern": "x" * 1024})),
        not_applicable=("c1",),
    ),
    Case(
        "configuration-item-missing",
        lambda: with_invoking(load_event("sg-change.json"), lambda b: b.pop("configurationItem")),
        error="configurationItem is missing or not an object",
    ),
    Case(
        "configuration-item-null",
        lambda: with_invoking(load_event("sg-change.json"), lambda b: b.update(configurationItem=None)),
        error="configurationItem is missing or not an object",
    ),
    Case("item-without-resource-id", lambda: with_item("sg-change.json", resourceId=...), error="has no resourceId"),
    Case("item-resource-id-number", lambda: with_item("sg-change.json", resourceId=12), error="has no resourceId"),
    Case("item-without-type", lambda: with_item("sg-change.json", resourceType=...), error="has no resourceType"),
    Case(
        # Optional in the API's ConfigurationItem: judged from live reads, ordered by the notification's time.
        "item-without-capture-time",
        lambda: with_item("sg-change.json", configurationItemCaptureTime=...),
        not_applicable=("sg-0a1b2c3d4e5f60718",),
    ),
    Case(
        "item-capture-time-number",
        lambda: with_item("sg-change.json", configurationItemCaptureTime=1763629643),
        error="has no configurationItemCaptureTime",
    ),
    Case(
        "item-status-outside-the-enum",
        lambda: with_item("sg-change.json", configurationItemStatus="ResourceRenamed"),
        error="configurationItemStatus 'ResourceRenamed', not one of AWS Config's",
    ),
    Case(
        "item-without-status",
        lambda: with_item("sg-change.json", configurationItemStatus=...),
        error="has no configurationItemStatus",
    ),
    Case(
        "oversized-without-resource-type",
        lambda: with_invoking(
            load_event("sg-oversized.json"), lambda b: b["configurationItemSummary"].pop("resourceType")
        ),
        error="configurationItemSummary has no resourceType",
    ),
    Case(
        "configuration-null-but-ok",
        lambda: with_item("sg-change.json", configuration=None),
        not_applicable=(SG,),
    ),
    Case(
        "resource-not-recorded",
        lambda: with_item("sg-change.json", configurationItemStatus="ResourceNotRecorded"),
        not_applicable=(SG,),
    ),
    Case(
        "resource-deleted",
        lambda: with_item("sg-change.json", configurationItemStatus="ResourceDeleted", configuration=None),
        not_applicable=(SG,),
    ),
    Case(
        "deleted-not-recorded",
        lambda: with_item("sg-change.json", configurationItemStatus="ResourceDeletedNotRecorded", configuration=None),
        not_applicable=(SG,),
    ),
    Case(
        "type-outside-scope",
        lambda: load_event_shared("docs-ConfigurationItemChangeNotification.event.json"),
        not_applicable=("i-00000000",),
    ),
    Case(
        "docs-oversized-sample-without-creation-time",
        lambda: load_event_shared("docs-OversizedConfigurationItemChangeNotification.event.json"),
        not_applicable=("i-00000000",),
    ),
    Case(
        "non-ascii-cluster-name",
        lambda: with_item("cluster-change.json", resourceId="prod-ü-集群", configuration={"Name": "prod-ü-集群"}),
        not_applicable=("prod-ü-集群",),
    ),
    Case(
        "maximum-length-cluster-name",
        lambda: with_item("cluster-change.json", resourceId="c" * 100, configuration={"Name": "c" * 100}),
        not_applicable=("c" * 100,),
    ),
    Case(
        "unknown-sg-oversized",
        lambda: with_invoking(
            load_event("sg-oversized.json"),
            lambda b: b["configurationItemSummary"].update(resourceId="sg-0ffffffffffffffff"),
        ),
        not_applicable=("sg-0ffffffffffffffff",),
    ),
    Case(
        "scheduled-without-creation-time",
        lambda: with_invoking(load_event("scheduled.json"), lambda b: b.pop("notificationCreationTime")),
        not_applicable=("c1",),
    ),
    Case(
        "no-execution-role-arn", lambda: drop(load_event("scheduled.json"), "executionRoleArn"), not_applicable=("c1",)
    ),
]


def load_event_shared(name: str) -> dict[str, Any]:
    """An AWS docs sample event, its placeholder parameter and token replaced (myParameterKey would be rejected)."""
    sample = json.loads((Path(__file__).resolve().parents[1] / "fixtures" / "ci-samples" / name).read_text())
    return {**sample, "ruleParameters": "{}", "resultToken": "TESTMODE"}


def test_the_corpus_is_large_enough() -> None:
    assert len(CASES) >= 30
    assert len({case.id for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input(
    case: Case,
    put_evaluations: ConfigResultStore,
    lambda_context: LambdaContext,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # One cluster with no nodes: anything judged here is NOT_APPLICABLE, so a COMPLIANT would be a bug.
    boto3.client("eks", region_name=REGION).create_cluster(
        name="c1", roleArn="arn:aws:iam::123456789012:role/eks", resourcesVpcConfig={"subnetIds": []}
    )
    event = case.event()
    if case.error:
        with pytest.raises(RuleEvaluationError) as raised:
            lambda_handler(event, lambda_context)
        assert case.error in str(raised.value)
        assert put_evaluations.calls == []  # no PutEvaluations call at all, not even an empty one
        [logged] = [r for r in caplog.records if r.levelname == "ERROR"]
        assert "configurationItem" not in logged.getMessage()  # the event itself is never logged
        return
    lambda_handler(event, lambda_context)
    sent = {e["ComplianceResourceId"]: e["ComplianceType"] for e in put_evaluations.evaluations}
    for resource_id in case.not_applicable:
        assert sent.get(resource_id) == "NOT_APPLICABLE", sent
    assert "COMPLIANT" not in sent.values()
