"""Rule parameters and Config events: accepted shapes, and specific errors for everything else."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from eks_sg_rule.events import RuleInputError, prepare_event
from eks_sg_rule.parameters import InvalidParametersError, parse_rule_parameters, settings_from
from eks_sg_rule.requirements import Level, RequirementSet

SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "ci-samples"


def sample(name: str) -> dict[str, Any]:
    return json.loads((SAMPLES / name).read_text())


def test_parameter_defaults() -> None:
    settings = settings_from({})
    assert settings.level is Level.MINIMUM
    assert settings.exempt_sg_ids == frozenset()
    assert settings.cluster_name_pattern is None
    assert settings.in_scope("anything")


def test_parameters_are_parsed() -> None:
    settings = settings_from(
        {
            "ComplianceLevel": " Recommended ",
            "ExemptSecurityGroupIds": "sg-12345678, sg-0123456789abcdef0,",
            "ClusterNamePattern": "prod-.*",
            "ExecutionRoleName": "eks-sg-rule-member",
            "AssumeRoleMode": "true",
        }
    )
    assert settings.level is Level.RECOMMENDED
    assert settings.exempt_sg_ids == {"sg-12345678", "sg-0123456789abcdef0"}
    assert settings.in_scope("prod-eu") and not settings.in_scope("preprod-eu")


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"ComplianceLevel": "strict"}, "ComplianceLevel must be one of: minimum, recommended (got 'strict')"),
        ({"ComplianceLevel": 3}, "ComplianceLevel must be a string, got int"),
        ({"ExemptSecurityGroupIds": "sg-1234, web"}, "not ids: sg-1234, web"),
        ({"ClusterNamePattern": "(unclosed"}, "ClusterNamePattern is not a valid regular expression"),
        ({"Level": "minimum"}, "unknown rule parameter Level; accepted: ComplianceLevel"),
        ({"ClusterNamePattern": "a" * 1025}, "ClusterNamePattern is 1025 characters long; at most 1024"),
    ],
)
def test_invalid_parameters_name_the_parameter_and_what_it_accepts(parameters: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidParametersError) as raised:
        settings_from(parameters)
    assert message in str(raised.value)


@pytest.mark.parametrize(
    ("raw", "message"),
    [("{oops", "ruleParameters is not valid JSON"), ("[1]", "must be a JSON object, got list"), (7, "got int")],
)
def test_rule_parameters_json(raw: Any, message: str) -> None:
    with pytest.raises(InvalidParametersError, match=message):
        parse_rule_parameters(raw)
    assert parse_rule_parameters("") == parse_rule_parameters(None) == {}


def test_the_docs_oversized_sample_becomes_a_change_notification_without_configuration() -> None:
    event, summary = prepare_event(sample("docs-OversizedConfigurationItemChangeNotification.event.json"))
    invoking = json.loads(event["invokingEvent"])
    assert invoking["messageType"] == "ConfigurationItemChangeNotification"
    assert invoking["notificationCreationTime"] == "2016-10-06T16:46:16.261Z"
    assert "configuration" not in invoking["configurationItem"]
    assert invoking["configurationItem"]["resourceId"] == "i-00000000"
    assert summary.message_type == "OversizedConfigurationItemChangeNotification"
    assert summary.log_keys()["resource_id"] == "i-00000000"


def test_the_docs_samples_are_accepted_as_they_are() -> None:
    change, _ = prepare_event(sample("docs-ConfigurationItemChangeNotification.event.json"))
    scheduled, summary = prepare_event(sample("docs-ScheduledNotification.event.json"))
    assert json.loads(change["invokingEvent"])["configurationItem"]["resourceType"] == "AWS::EC2::Instance"
    assert json.loads(scheduled["invokingEvent"])["notificationCreationTime"] == "2016-07-13T21:50:00.373Z"
    assert summary.log_keys() == {"config_rule": "periodic-config-rule", "message_type": "ScheduledNotification"}


def test_a_scheduled_event_without_creation_time_gets_the_current_time() -> None:
    event = {"invokingEvent": json.dumps({"messageType": "ScheduledNotification"}), "resultToken": "TESTMODE"}
    prepared, _ = prepare_event(event)
    assert json.loads(prepared["invokingEvent"])["notificationCreationTime"].endswith("Z")
    assert prepared["eventLeftScope"] is False
    assert prepared["ruleParameters"] == "{}"


def change_event(item: dict[str, Any]) -> dict[str, Any]:
    invoking = {"messageType": "ConfigurationItemChangeNotification", "configurationItem": item}
    return {"invokingEvent": json.dumps(invoking), "resultToken": "TESTMODE"}


ITEM = {
    "resourceType": "AWS::EC2::SecurityGroup",
    "resourceId": "sg-12345678",
    "configurationItemStatus": "OK",
    "configurationItemCaptureTime": "2026-11-20T09:14:03.512Z",
}


@pytest.mark.parametrize(
    ("event", "message"),
    [
        ([], "event must be a JSON object, got list"),
        ({"invokingEvent": {"messageType": "ScheduledNotification"}}, "no invokingEvent (a JSON string)"),
        ({"invokingEvent": "[]", "resultToken": "x"}, "invokingEvent must be a JSON object"),
        ({"invokingEvent": json.dumps({"messageType": None}), "resultToken": "x"}, "unsupported messageType None"),
        ({"invokingEvent": json.dumps({"messageType": "ScheduledNotification"}), "resultToken": ""}, "no resultToken"),
        (change_event({**ITEM, "resourceId": ""}), "configurationItem has no resourceId"),
        (change_event({k: v for k, v in ITEM.items() if k != "resourceType"}), "has no resourceType"),
        (change_event({**ITEM, "configurationItemCaptureTime": 12}), "configurationItemCaptureTime"),
        (change_event({**ITEM, "configurationItemStatus": "Deleted"}), "configurationItemStatus 'Deleted', not one"),
        (change_event({k: v for k, v in ITEM.items() if k != "configurationItemStatus"}), "configurationItemStatus"),
        (change_event(None), "configurationItem is missing or not an object"),  # type: ignore[arg-type]
    ],
)
def test_unusable_events_are_rejected_specifically(event: Any, message: str) -> None:
    with pytest.raises(RuleInputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        prepare_event(event)


@pytest.mark.parametrize(("value", "expected"), [("true", True), (" TRUE ", True), ("False", False), ("", False)])
def test_network_path_is_true_or_false_in_any_case(value: str, expected: bool) -> None:
    assert settings_from({"NetworkPath": value}).network_path is expected
    assert settings_from({}).network_path is False


@pytest.mark.parametrize(("value", "message"), [("yes", "(got 'yes')"), ("1", "(got '1')")])
def test_network_path_refuses_anything_else_naming_it(value: str, message: str) -> None:
    with pytest.raises(InvalidParametersError, match="NetworkPath must be true or false") as raised:
        settings_from({"NetworkPath": value})
    assert message in str(raised.value)
    with pytest.raises(InvalidParametersError, match="NetworkPath must be a string, got bool"):
        settings_from({"NetworkPath": True})


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2020", RequirementSet.Y2020),
        ("", RequirementSet.Y2020),
        ("2026", RequirementSet.Y2026),
        (" Latest ", RequirementSet.Y2026),
        ("LATEST", RequirementSet.Y2026),
    ],
)
def test_requirement_set_is_2020_2026_or_latest(value: str, expected: RequirementSet) -> None:
    assert settings_from({"RequirementSet": value}).requirement_set is expected
    # Absent: 2020, so every deployment that does not name it keeps today's verdicts.
    assert settings_from({}).requirement_set is RequirementSet.Y2020


@pytest.mark.parametrize("value", ["2024", "newest", "2020,2026"])
def test_requirement_set_refuses_anything_else_naming_it_and_the_accepted_values(value: str) -> None:
    with pytest.raises(InvalidParametersError) as raised:
        settings_from({"RequirementSet": value})
    assert str(raised.value) == f"RequirementSet must be one of: 2020, 2026, latest (got {value!r})"
    with pytest.raises(InvalidParametersError, match="RequirementSet must be a string, got int"):
        settings_from({"RequirementSet": 2026})
