"""An SG change on the cluster SG of a cluster with more than 200 running nodes, through the real
rule handler (issue 15, point 1), with EC2's 200-filter-value limit enforced (tests/conftest.py,
`ec2_filter_limit`: the refusal real EC2 sends, as published in convox/rack issue #2205 for a
cluster of more than 200 instances).

Before: the rule looked up the SG's 203 carriers' instances with 200 instance ids plus
`instance-state-name=running` in one call (201 values): FilterLimitExceeded, a failed invocation, and
the busiest SG of the largest cluster never re-evaluated on change.
"""

from __future__ import annotations

import boto3
import pytest
from demo.seed import SeededCluster, Seeder

from eks_sg_rule.aws.calls import FILTER_VALUES_MAX, filter_values
from eks_sg_rule.handler import lambda_handler
from tests.conftest import ACCOUNT, REGION, ApiCalls, ConfigResultStore, LambdaContext, load_event
from tests.e2e.test_change_scope import sg_change, written
from tests.e2e.test_handler import with_parameters

NODES = 201


@pytest.fixture
def big(aws: None) -> SeededCluster:
    seeder = Seeder(boto3.client("ec2", region_name=REGION), boto3.client("eks", region_name=REGION), ACCOUNT, REGION)
    return seeder.prod_managed("big", nodes=NODES)


def test_an_sg_change_on_a_cluster_sg_carried_by_201_running_nodes_is_evaluated(
    big: SeededCluster, put_evaluations: ConfigResultStore, lambda_context: LambdaContext, api_calls: ApiCalls
) -> None:
    assert big.cluster_sg_id and len(big.instance_ids) == NODES
    lambda_handler(with_parameters(load_event("scheduled.json"), ComplianceLevel="minimum"), lambda_context)
    sweep = written(put_evaluations)
    before = len(put_evaluations.evaluations)
    api_calls.clear()

    lambda_handler(sg_change(big.cluster_sg_id), lambda_context)

    changed = written(put_evaluations, before)
    key = ("AWS::EC2::SecurityGroup", big.cluster_sg_id)
    assert changed[key] == sweep[key] == ("COMPLIANT", sweep[key][1])
    assert changed == {k: sweep[k] for k in changed}
    # The carriers' instances were read in two calls, each within the limit.
    by_id = [p for p in api_calls.params("DescribeInstances") if p["Filters"][0]["Name"] == "instance-id"]
    assert [len(p["Filters"][0]["Values"]) for p in by_id] == [199, 2]
    for name, params, _ in api_calls.calls:
        assert filter_values(params.get("Filters") or ()) <= FILTER_VALUES_MAX, name
