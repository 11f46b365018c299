"""Periodic sweeps against a seeded account: only changes are written, stale results are cleaned up
by resource type and id, and a sweep short of time writes what it has and names what is left."""

from __future__ import annotations

import json
import threading

import boto3
import pytest
from demo.seed import SeededAccount, seed_account

from eks_sg_rule.handler import RuleEvaluationError, lambda_handler
from tests.conftest import REGION, ConfigResultStore, LambdaContext, load_event


@pytest.fixture
def account(aws: None) -> SeededAccount:
    return seed_account(boto3.client("ec2", region_name=REGION), boto3.client("eks", region_name=REGION), region=REGION)


def sweep(context: LambdaContext, **parameters: str) -> dict[str, int]:
    event = load_event("scheduled.json")
    return lambda_handler({**event, "ruleParameters": json.dumps(parameters)}, context)


def test_a_second_sweep_with_nothing_changed_writes_nothing(
    account: SeededAccount, put_evaluations: ConfigResultStore, lambda_context: LambdaContext
) -> None:
    first = sweep(lambda_context)
    written_first = len(put_evaluations.evaluations)
    second = sweep(lambda_context)

    assert first == {"evaluations_written": written_first}
    assert written_first == 8 + 16  # eight clusters, sixteen SGs that play a role
    assert second == {"evaluations_written": 0}
    assert len(put_evaluations.evaluations) == written_first
    assert put_evaluations.reads == 2


def test_report_unchanged_restores_writing_everything(
    account: SeededAccount, put_evaluations: ConfigResultStore, lambda_context: LambdaContext
) -> None:
    sweep(lambda_context)
    again = sweep(lambda_context, ReportUnchanged="true")

    assert again == {"evaluations_written": 24}
    assert put_evaluations.reads == 1


def test_a_changed_result_is_written_and_a_deleted_cluster_is_cleaned_up(
    account: SeededAccount, put_evaluations: ConfigResultStore, lambda_context: LambdaContext
) -> None:
    sweep(lambda_context)
    ec2 = boto3.client("ec2", region_name=REGION)
    blocked = account.clusters["kubelet-blocked"]
    control_plane = blocked.additional_sg_ids[0]
    ec2.authorize_security_group_ingress(
        GroupId=blocked.node_sg_ids[0],
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 10250, "ToPort": 10250, "UserIdGroupPairs": [{"GroupId": control_plane}]}
        ],
    )
    eks = boto3.client("eks", region_name=REGION)
    for nodegroup in ("ng-general", "ng-spot"):
        eks.delete_nodegroup(clusterName="prod-managed", nodegroupName=nodegroup)
    eks.delete_cluster(name="prod-managed")
    prod = account.clusters["prod-managed"]
    before = len(put_evaluations.evaluations)

    sweep(lambda_context)

    written = {(e["ComplianceResourceId"], e["ComplianceType"]) for e in put_evaluations.evaluations[before:]}
    assert ("kubelet-blocked", "COMPLIANT") in written
    assert (blocked.node_sg_ids[0], "COMPLIANT") in written
    # The deleted cluster and the SGs that played a role only for it, by type and id.
    assert ("prod-managed", "NOT_APPLICABLE") in written
    assert (prod.cluster_sg_id, "NOT_APPLICABLE") in written
    assert (prod.additional_sg_ids[0], "NOT_APPLICABLE") in written
    # Nothing else changed, so nothing else is written.
    assert len(written) == 5


class ShortOfTime(LambdaContext):
    """Remaining time is plenty for the first `calls` questions, then short."""

    def __init__(self, calls: int) -> None:
        super().__init__()
        self.calls = calls
        self.lock = threading.Lock()

    def get_remaining_time_in_millis(self) -> int:
        with self.lock:
            self.calls -= 1
            return 300_000 if self.calls >= 0 else 5_000


def test_a_sweep_short_of_time_writes_what_it_computed_and_names_the_rest(
    account: SeededAccount, put_evaluations: ConfigResultStore
) -> None:
    with pytest.raises(RuleEvaluationError, match=r"ran short of time; 6 cluster\(s\) left for the next run"):
        sweep(ShortOfTime(calls=2))

    clusters = [e for e in put_evaluations.evaluations if e["ComplianceResourceType"] == "AWS::EKS::Cluster"]
    assert len(clusters) == 2
    # Results of clusters that were not read are not cleaned up as if they were gone.
    assert all(
        e["ComplianceType"] != "NOT_APPLICABLE" or e["ComplianceResourceId"] in ("no-nodes", "fargate-only")
        for e in clusters
    )


@pytest.mark.parametrize("event_file", ["cluster-change.json", "sg-change.json"])
def test_a_change_event_short_of_time_fails_naming_the_clusters_and_writes_nothing_false(
    account: SeededAccount, put_evaluations: ConfigResultStore, event_file: str
) -> None:
    from tests.e2e.test_handler import with_item

    resource = (
        "kubelet-blocked" if event_file.startswith("cluster") else account.clusters["kubelet-blocked"].node_sg_ids[0]
    )
    event = with_item(load_event(event_file), resource)

    with pytest.raises(RuleEvaluationError, match=r"ran short of time; \d+ cluster\(s\) left for the next run"):
        lambda_handler(event, ShortOfTime(calls=0))

    # Nothing unread is reported "not found", and no SG verdict rests on clusters that were not read.
    assert [e for e in put_evaluations.evaluations if e["ComplianceType"] == "NOT_APPLICABLE"] == []
    assert all(e["ComplianceResourceType"] == "AWS::EKS::Cluster" for e in put_evaluations.evaluations)
