"""Change-triggered work costs what it touches (issue: cost in proportion to the change).

Through the real rule handler on the demo account: an SG no EKS interface carries is NOT_APPLICABLE
after at most two reads; an SG change and a cluster change read the same whatever the number of
other clusters; and every change-triggered verdict equals the periodic sweep's.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from demo.config_store import install_result_store
from demo.moto_gaps import fill_moto_gaps
from demo.scaled import seed_scaled
from demo.seed import SeededAccount, seed_account
from moto import mock_aws

from eks_sg_rule.handler import lambda_handler
from tests.conftest import REGION, ConfigResultStore, LambdaContext, load_event
from tests.e2e.test_handler import with_item, with_parameters

READ_SERVICES = ("ec2", "eks")


class Calls:
    """Every EKS and EC2 call the rule makes, by operation (botocore's provide-client-params hook)."""

    def __init__(self) -> None:
        self.by_operation: Counter[str] = Counter()
        boto3.DEFAULT_SESSION.events.register("provide-client-params", self._count)

    def _count(self, model: Any, **_: Any) -> None:
        if model.service_model.service_name in READ_SERVICES:
            self.by_operation[model.name] += 1

    def reads(self) -> int:
        return sum(self.by_operation.values())

    def reset(self) -> None:
        self.by_operation.clear()


@pytest.fixture
def account(aws: None) -> SeededAccount:
    return seed_account(boto3.client("ec2", region_name=REGION), boto3.client("eks", region_name=REGION), region=REGION)


@pytest.fixture
def calls(aws: None) -> Calls:
    return Calls()


def sg_change(sg_id: str, level: str = "minimum") -> dict[str, Any]:
    return with_parameters(with_item(load_event("sg-change.json"), sg_id), ComplianceLevel=level)


def cluster_change(name: str, level: str = "minimum") -> dict[str, Any]:
    return with_parameters(with_item(load_event("cluster-change.json"), name), ComplianceLevel=level)


def written(store: ConfigResultStore, since: int = 0) -> dict[tuple[str, str], tuple[str, str]]:
    return {
        (e["ComplianceResourceType"], e["ComplianceResourceId"]): (e["ComplianceType"], e.get("Annotation", ""))
        for e in store.evaluations[since:]
    }


def test_an_sg_no_eks_interface_carries_is_not_applicable_after_at_most_two_reads(
    account: SeededAccount, put_evaluations: ConfigResultStore, lambda_context: LambdaContext, calls: Calls
) -> None:
    ec2 = boto3.client("ec2", region_name=REGION)
    # The last one is the load-balancer SG the cloud provider tags owned for prod-managed: a tag is not use.
    web = account.unrelated_sg_ids[0]
    # A web server (not a node: no cluster tag) in the cluster's subnets, carrying the ALB's SG.
    ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1, SecurityGroupIds=[web])

    for sg_id in account.unrelated_sg_ids:
        calls.reset()
        before = len(put_evaluations.evaluations)

        lambda_handler(sg_change(sg_id), lambda_context)

        [(key, (status, annotation))] = written(put_evaluations, before).items()
        assert key == ("AWS::EC2::SecurityGroup", sg_id)
        assert status == "NOT_APPLICABLE"
        assert annotation.startswith("no network interface of an EKS control plane or running node carries it")
        # One lookup of the SG's interfaces; a second call only to learn that the web server is no node.
        expected = {"DescribeNetworkInterfaces": 1} | ({"DescribeInstances": 1} if sg_id == web else {})
        assert dict(calls.by_operation) == expected, sg_id


def test_a_forged_control_plane_interface_only_makes_the_rule_read_that_cluster(
    account: SeededAccount, put_evaluations: ConfigResultStore, lambda_context: LambdaContext, calls: Calls
) -> None:
    ec2 = boto3.client("ec2", region_name=REGION)
    bastion = account.unrelated_sg_ids[1]
    subnet = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [account.vpc_id]}])["Subnets"][0]["SubnetId"]
    # Anyone may describe an interface "Amazon EKS prod-managed": it names a cluster to read, no more.
    ec2.create_network_interface(SubnetId=subnet, Groups=[bastion], Description="Amazon EKS prod-managed")

    lambda_handler(sg_change(bastion), lambda_context)

    assert put_evaluations.by_id()[bastion]["ComplianceType"] == "NOT_APPLICABLE"
    assert calls.by_operation["DescribeCluster"] == 1
    assert calls.by_operation["ListClusters"] == 0


@pytest.mark.parametrize("level", ["minimum", "recommended"])
def test_change_triggered_verdicts_equal_the_sweeps(
    account: SeededAccount, put_evaluations: ConfigResultStore, lambda_context: LambdaContext, level: str
) -> None:
    lambda_handler(with_parameters(load_event("scheduled.json"), ComplianceLevel=level), lambda_context)
    sweep = written(put_evaluations)
    assert len(sweep) == 8 + 16

    for name in account.clusters:
        before = len(put_evaluations.evaluations)
        lambda_handler(cluster_change(name, level), lambda_context)
        changed = written(put_evaluations, before)
        assert ("AWS::EKS::Cluster", name) in changed
        assert changed == {key: sweep[key] for key in changed}, name
    role_sgs = [key for key in sweep if key[0] == "AWS::EC2::SecurityGroup"]
    for key in role_sgs:
        before = len(put_evaluations.evaluations)
        lambda_handler(sg_change(key[1], level), lambda_context)
        changed = written(put_evaluations, before)
        assert changed[key] == sweep[key], key
        assert changed == {k: sweep[k] for k in changed}, key


# --- reads do not grow with the number of other clusters ---------------------------------------


@pytest.fixture
def scaled_accounts(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_RETRY_MODE", "AWS_MAX_ATTEMPTS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "POWERTOOLS_LOG_LEVEL": "WARNING",
    }.items():
        monkeypatch.setenv(name, value)
    yield


def reads_at(clusters: int, level: str) -> dict[str, dict[str, int]]:
    """Reads by operation of one SG change (c001's node SG) and one cluster change (c001), in an
    account of `clusters` clusters with the same layouts and nodes per cluster."""
    fill_moto_gaps()
    with mock_aws():
        boto3.setup_default_session()
        seeded = seed_scaled(
            boto3.client("ec2", region_name=REGION),
            boto3.client("eks", region_name=REGION),
            clusters=clusters,
            instances=4 * clusters,
            security_groups=0,
            region=REGION,
        )
        install_result_store(boto3.DEFAULT_SESSION)
        calls = Calls()
        target = seeded.clusters["c001"]
        assert target.node_sg_ids, "c001 is the kubelet-blocked layout: its own node SG"
        lambda_handler(sg_change(target.node_sg_ids[0], level), LambdaContext())
        sg_reads = dict(calls.by_operation)
        calls.reset()
        lambda_handler(cluster_change("c001", level), LambdaContext())
        return {"sg": sg_reads, "cluster": dict(calls.by_operation)}


@pytest.mark.parametrize("level", ["minimum", "recommended"])
def test_sg_and_cluster_changes_read_the_same_with_one_or_three_times_the_clusters(
    scaled_accounts: None, level: str
) -> None:
    small, large = reads_at(4, level), reads_at(12, level)

    assert small == large
    assert "ListClusters" not in small["sg"] and "ListClusters" not in small["cluster"]
    assert small["cluster"]["DescribeCluster"] == 1
