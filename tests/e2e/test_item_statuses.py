"""Every `configurationItemStatus` of AWS Config's enum, through the real rule handler.

Sources of the event shapes (no verbatim published event with these statuses was found, so the
items are built from published shapes and the API's own description of each status):
- AWS Config API reference, ConfigurationItem: the five status values and what each means
  (ResourceNotRecorded: discovered, but the recorder does not record the type; its configuration is
  not recorded), and `configurationItemCaptureTime` marked "Required: No".
- aws-samples/aws-secure-environment-accelerator, issue 1064 (2022): once Control Tower recorded the
  global IAM types in the home region only, IAM resources in every other region carried
  ResourceNotRecorded and change-triggered custom rules were still invoked for them. Partial
  recording is an ordinary set-up, and such events do reach a rule's Lambda.
- The envelope and item keys are the Lambda-notification style of the AWS developer guide's
  example change event (tests/fixtures/ci-samples, events/docs-ConfigurationItemChangeNotification)
  and of this repository's events/sg-change.json and cluster-change.json; an unrecorded or deleted
  item carries `configuration: null` and no relationships, as the deleted sample does.

What is written is read back from the PutEvaluations requests (demo.config_store's double of
Config's result store, which keeps the latest result per resource as Config does).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import botocore.session
import pytest
from demo.seed import SeededAccount, seed_account

from eks_sg_rule.config_items import ITEM_STATUSES
from eks_sg_rule.handler import RuleEvaluationError, lambda_handler
from tests.conftest import REGION, ApiCalls, ConfigResultStore, LambdaContext, load_event

SG = "AWS::EC2::SecurityGroup"
CLUSTER = "AWS::EKS::Cluster"
NOTIFIED = "2026-11-20T09:14:05.101Z"  # sg-change.json's notificationCreationTime
CAPTURED = "2026-11-20T09:14:03.512Z"  # its configurationItemCaptureTime
EXISTING = ("OK", "ResourceDiscovered", "ResourceNotRecorded")
DELETED = ("ResourceDeleted", "ResourceDeletedNotRecorded")


@pytest.fixture
def account(aws: None) -> SeededAccount:
    return seed_account(boto3.client("ec2", region_name=REGION), boto3.client("eks", region_name=REGION), region=REGION)


def item_event(name: str, resource_id: str, status: str, **invoking_changes: Any) -> dict[str, Any]:
    """`name`'s event for `resource_id` with `status`: an item of any status but OK and
    ResourceDiscovered carries no recorded configuration, relationships or diff.

    A value of `...` in `invoking_changes` (keys of the item prefixed `item.`) removes that key.
    """
    event = load_event(name)
    invoking = json.loads(event["invokingEvent"])
    item = {**invoking["configurationItem"], "resourceId": resource_id, "configurationItemStatus": status}
    if item["resourceType"] == SG:
        item["resourceName"] = resource_id
    if status not in ("OK", "ResourceDiscovered"):
        item.update(configuration=None, relationships=[], supplementaryConfiguration={}, tags={})
        invoking["configurationItemDiff"] = None
    elif item["resourceType"] == SG:
        item["configuration"] = {**item["configuration"], "groupId": resource_id}
    else:
        item["configuration"] = {**item["configuration"], "Name": resource_id}
        item["configuration"].pop("ClusterSecurityGroupId", None)
    for key, value in invoking_changes.items():
        target, field = (item, key[5:]) if key.startswith("item.") else (invoking, key)
        if value is ...:
            target.pop(field, None)
        else:
            target[field] = value
    invoking["configurationItem"] = item
    return {**event, "invokingEvent": json.dumps(invoking)}


def read_calls(api_calls: ApiCalls) -> list[str]:
    return [name for name, _, _ in api_calls.calls if not name.endswith("Evaluations")]


def test_the_statuses_handled_are_exactly_botocores_enum() -> None:
    model = botocore.session.get_session().get_service_model("config")
    assert tuple(model.shape_for("ConfigurationItemStatus").enum) == ITEM_STATUSES
    assert set(EXISTING) | set(DELETED) == set(ITEM_STATUSES)


def test_a_non_compliant_sg_stays_non_compliant_when_its_change_says_not_recorded(
    account: SeededAccount, put_evaluations: ConfigResultStore, lambda_context: LambdaContext
) -> None:
    node_sg = account.clusters["kubelet-blocked"].node_sg_ids[0]
    lambda_handler(item_event("sg-change.json", node_sg, "OK"), lambda_context)
    assert put_evaluations.results[(SG, node_sg)]["ComplianceType"] == "NON_COMPLIANT"
    first = len(put_evaluations.evaluations)

    # The recorder stops recording SGs (partial recording); the SG's next change arrives unrecorded.
    lambda_handler(item_event("sg-change.json", node_sg, "ResourceNotRecorded"), lambda_context)

    second = put_evaluations.evaluations[first:]
    assert "NOT_APPLICABLE" not in {e["ComplianceType"] for e in second}, second
    assert put_evaluations.results[(SG, node_sg)]["ComplianceType"] == "NON_COMPLIANT"
    assert put_evaluations.results[(SG, node_sg)]["Annotation"].startswith("WORKER_SG_MINIMUM:")
    assert put_evaluations.results[(CLUSTER, "kubelet-blocked")]["ComplianceType"] == "NON_COMPLIANT"


@pytest.mark.parametrize("status", EXISTING)
def test_an_sg_item_of_an_existing_resource_is_judged_from_live_reads(
    status: str, account: SeededAccount, put_evaluations: ConfigResultStore, lambda_context: LambdaContext
) -> None:
    node_sg = account.clusters["kubelet-blocked"].node_sg_ids[0]

    lambda_handler(item_event("sg-change.json", node_sg, status), lambda_context)

    sent = put_evaluations.by_id()
    assert sent[node_sg]["ComplianceType"] == "NON_COMPLIANT"
    assert "TCP 10250" in sent[node_sg]["Annotation"]
    assert sent["kubelet-blocked"]["ComplianceType"] == "NON_COMPLIANT"
    assert {e["OrderingTimestamp"] for e in put_evaluations.evaluations} == {CAPTURED}


@pytest.mark.parametrize("status", EXISTING)
def test_a_cluster_item_of_an_existing_resource_is_judged_from_live_reads(
    status: str, account: SeededAccount, put_evaluations: ConfigResultStore, lambda_context: LambdaContext
) -> None:
    cluster = account.clusters["kubelet-blocked"]

    lambda_handler(item_event("cluster-change.json", "kubelet-blocked", status), lambda_context)

    sent = put_evaluations.by_id()
    assert sent["kubelet-blocked"]["ComplianceType"] == "NON_COMPLIANT"
    assert sent[cluster.node_sg_ids[0]]["ComplianceType"] == "NON_COMPLIANT"
    assert "NOT_APPLICABLE" not in {e["ComplianceType"] for e in put_evaluations.evaluations}


@pytest.mark.parametrize("name", ["sg-change.json", "cluster-change.json"])
@pytest.mark.parametrize("status", DELETED)
def test_a_deleted_item_is_not_applicable_without_a_read(
    status: str, name: str, put_evaluations: ConfigResultStore, lambda_context: LambdaContext, api_calls: ApiCalls
) -> None:
    resource_id = "sg-0a1b2c3d4e5f60718" if name == "sg-change.json" else "kubelet-blocked"

    lambda_handler(item_event(name, resource_id, status), lambda_context)

    [evaluation] = put_evaluations.evaluations
    assert evaluation["ComplianceResourceId"] == resource_id
    assert evaluation["ComplianceType"] == "NOT_APPLICABLE"
    assert evaluation["Annotation"] == f"deleted (configurationItemStatus {status})"
    assert read_calls(api_calls) == []


@pytest.mark.parametrize("status", ITEM_STATUSES)
def test_an_item_that_left_the_rules_scope_is_not_applicable_without_a_read(
    status: str, put_evaluations: ConfigResultStore, lambda_context: LambdaContext, api_calls: ApiCalls
) -> None:
    node_sg = "sg-0a1b2c3d4e5f60718"
    event = {**item_event("sg-change.json", node_sg, status), "eventLeftScope": True}

    lambda_handler(event, lambda_context)

    assert read_calls(api_calls) == []

    assert [(e["ComplianceResourceId"], e["ComplianceType"]) for e in put_evaluations.evaluations] == [
        (node_sg, "NOT_APPLICABLE")
    ]


@pytest.mark.parametrize("capture_time", [..., None])
@pytest.mark.parametrize("status", ["ResourceNotRecorded", "ResourceDeletedNotRecorded"])
def test_an_item_without_a_capture_time_is_ordered_by_the_notification(
    capture_time: Any,
    status: str,
    account: SeededAccount,
    put_evaluations: ConfigResultStore,
    lambda_context: LambdaContext,
) -> None:
    node_sg = account.clusters["kubelet-blocked"].node_sg_ids[0]
    event = item_event("sg-change.json", node_sg, status, **{"item.configurationItemCaptureTime": capture_time})

    lambda_handler(event, lambda_context)

    sent = put_evaluations.by_id()
    assert sent[node_sg]["ComplianceType"] == ("NON_COMPLIANT" if status == "ResourceNotRecorded" else "NOT_APPLICABLE")
    assert {e["OrderingTimestamp"] for e in put_evaluations.evaluations} == {NOTIFIED}


def test_an_item_without_any_time_is_ordered_by_the_invocation(
    account: SeededAccount, put_evaluations: ConfigResultStore, lambda_context: LambdaContext
) -> None:
    node_sg = account.clusters["kubelet-blocked"].node_sg_ids[0]
    event = item_event(
        "sg-change.json",
        node_sg,
        "ResourceNotRecorded",
        notificationCreationTime=...,
        **{"item.configurationItemCaptureTime": ...},
    )
    before = datetime.now(UTC) - timedelta(seconds=1)

    lambda_handler(event, lambda_context)

    [stamp] = {e["OrderingTimestamp"] for e in put_evaluations.evaluations}
    assert before <= datetime.fromisoformat(stamp) <= datetime.now(UTC)
    assert put_evaluations.by_id()[node_sg]["ComplianceType"] == "NON_COMPLIANT"


@pytest.mark.parametrize("status", ["ResourceUnknown", "ok", "", "RESOURCENOTRECORDED"])
def test_a_status_outside_the_enum_fails_the_invocation_with_a_structured_log_line(
    status: str,
    put_evaluations: ConfigResultStore,
    lambda_context: LambdaContext,
    caplog: pytest.LogCaptureFixture,
    api_calls: ApiCalls,
) -> None:
    node_sg = "sg-0a1b2c3d4e5f60718"

    with pytest.raises(RuleEvaluationError, match=f"configurationItemStatus '{status}', not one of AWS Config's"):
        lambda_handler(item_event("sg-change.json", node_sg, status), lambda_context)

    assert put_evaluations.calls == []
    assert api_calls.calls == []
    [error] = [record for record in caplog.records if record.levelname == "ERROR"]
    assert error.getMessage() == "event rejected"
    assert error.error_type == "RuleInputError"  # type: ignore[attr-defined]
    assert f"{status!r}" in error.reason  # type: ignore[attr-defined]
    assert error.config_rule == "eks-security-group-requirements"  # type: ignore[attr-defined]
