"""EC2's limit of 200 filter values per call (issue 15, point 1), and the sweep's instance reads.

EC2 refuses a call whose filters carry more than 200 values in all with FilterLimitExceeded; moto
does not, so tests/conftest.py's `ec2_filter_limit` does (for every moto test, through `aws`). The
refusal as published: a convox/rack issue (#2205) shows `convox instances` on a cluster of more than
200 instances failing with status 400, FilterLimitExceeded, "The maximum number of filter values
specified on a single call is 200"; gjbae1212/gossm issues #31 and #47 show the same answer to an
ec2:DescribeInstances call.
"""

from __future__ import annotations

from typing import Any

import boto3
import botocore.session
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from eks_sg_rule.aws.calls import FILTER_VALUES_MAX, filter_sets, filter_values, pages_of
from eks_sg_rule.aws.reads import interface_carriers, security_groups, subnets
from eks_sg_rule.discovery import RUNNING, instances_by_id
from eks_sg_rule.evaluate import evaluate
from eks_sg_rule.requirements import Level
from eks_sg_rule.settings import Settings
from tests.aws.accounts import AMI, Account, self_all
from tests.conftest import FILTER_LIMIT_MESSAGE, REGION, ApiCalls


@pytest.fixture
def account(aws: None) -> Account:
    return Account()


@pytest.fixture
def api(aws: None, monkeypatch: pytest.MonkeyPatch) -> ApiCalls:
    return ApiCalls(monkeypatch)


def ids(prefix: str, count: int) -> list[str]:
    return [f"{prefix}-{index:017x}" for index in range(count)]


def assert_within_limit(api: ApiCalls) -> None:
    ec2_calls = [(name, params) for name, params, _ in api.calls if name.startswith("Describe")]
    assert ec2_calls
    for name, params in ec2_calls:
        assert filter_values(params.get("Filters") or ()) <= FILTER_VALUES_MAX, name


# --- the guard ----------------------------------------------------------------------------------


def test_the_guard_refuses_201_filter_values_as_ec2_does(aws: None) -> None:
    ec2 = boto3.client("ec2", region_name=REGION)
    filters = [{"Name": "instance-id", "Values": ids("i", 200)}, RUNNING]

    with pytest.raises(ClientError) as refused:
        ec2.describe_instances(Filters=filters)

    assert refused.value.response["Error"] == {"Code": "FilterLimitExceeded", "Message": FILTER_LIMIT_MESSAGE}
    assert refused.value.operation_name == "DescribeInstances"
    # 200 in all is accepted.
    ec2.describe_instances(Filters=[{"Name": "instance-id", "Values": ids("i", 199)}, RUNNING])


def test_the_guard_also_stands_before_a_stubber(ec2_filter_limit: None) -> None:
    client = botocore.session.get_session().create_client(
        "ec2", region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    with Stubber(client) as stubber:
        stubber.add_response("describe_security_groups", {"SecurityGroups": []})
        with pytest.raises(ClientError, match="FilterLimitExceeded"):
            client.describe_security_groups(Filters=[{"Name": "group-id", "Values": ids("sg", 201)}])
        client.describe_security_groups(Filters=[{"Name": "group-id", "Values": ids("sg", 200)}])


# --- the one place that chunks ------------------------------------------------------------------


def test_filter_sets_fit_every_call_within_200_values_with_the_fixed_filters() -> None:
    values = ids("i", 450) + ids("i", 3)  # duplicates asked once

    calls = list(filter_sets("instance-id", values, RUNNING))

    assert [filter_values(filters) for filters in calls] == [200, 200, 53]
    assert all(filters[1:] == [RUNNING] for filters in calls)
    assert [v for filters in calls for v in filters[0]["Values"]] == sorted(set(values))
    assert list(filter_sets("group-id", [])) == []
    with pytest.raises(ValueError):
        list(filter_sets("instance-id", ["i-1"], {"Name": "tag-key", "Values": ids("k", 200)}))


def test_pages_of_refuses_to_send_more_than_200_values(aws: None) -> None:
    ec2 = boto3.client("ec2", region_name=REGION)
    with pytest.raises(ValueError, match="201 filter values"):
        next(pages_of("ec2", ec2, "describe_instances", Filters=[{"Name": "instance-id", "Values": ids("i", 201)}]))


# --- every path ---------------------------------------------------------------------------------


def test_the_carriers_of_an_sg_on_200_plus_running_instances_are_read_within_the_limit(
    account: Account, api: ApiCalls
) -> None:
    cluster_sg = account.sg("cluster-sg")
    account.ec2.authorize_security_group_ingress(GroupId=cluster_sg, IpPermissions=[self_all(cluster_sg)])
    account.minimal_cluster("big", cluster_sg)
    nodes = account.nodes("big", [cluster_sg], count=201)
    api.clear()

    # Before: one DescribeInstances with 200 instance ids and instance-state-name=running (201 values).
    users = account.discovery().clusters_using([cluster_sg])

    assert users.clusters_for([cluster_sg]) == {"big"}
    assert users.instances[cluster_sg] == set(nodes)
    assert api.count("DescribeInstances") == 2
    assert_within_limit(api)


def test_reads_by_hundreds_of_ids_stay_within_the_limit(account: Account, api: ApiCalls) -> None:
    assert interface_carriers(account.ec2, ids("sg", 450)) == {}
    assert security_groups(account.ec2, set(ids("sg", 450))) == {}
    assert subnets(account.ec2, set(ids("subnet", 450))) == ({}, {})
    assert instances_by_id(account.ec2, ids("i", 450)) == []

    assert api.by_operation() == {
        "DescribeNetworkInterfaces": 3,
        "DescribeSecurityGroups": 3,
        "DescribeSubnets": 3,
        "DescribeInstances": 3,
    }
    assert_within_limit(api)


# --- the sweep reads what a cluster could claim, not the region ---------------------------------


def run(account: Account, tags: dict[str, str], sgs: list[str]) -> str:
    tagged = [{"ResourceType": "instance", "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}] if tags else []
    reservation = account.ec2.run_instances(
        ImageId=AMI, MinCount=1, MaxCount=1, SubnetId=account.subnet, SecurityGroupIds=sgs, TagSpecifications=tagged
    )
    return str(reservation["Instances"][0]["InstanceId"])


def transferred(api: ApiCalls) -> set[str]:
    return {
        instance["InstanceId"]
        for name, _, response in api.calls
        if name == "DescribeInstances"
        for reservation in response.get("Reservations", ())
        for instance in reservation["Instances"]
    }


def test_the_sweep_reads_every_instance_a_cluster_could_claim_and_no_other(account: Account, api: ApiCalls) -> None:
    cluster_sg = account.sg("cluster-sg")
    account.ec2.authorize_security_group_ingress(GroupId=cluster_sg, IpPermissions=[self_all(cluster_sg)])
    web = account.sg("web")
    account.minimal_cluster("prod", cluster_sg)
    account.eks.create_nodegroup(
        clusterName="prod", nodegroupName="ng", nodeRole="arn:aws:iam::123456789012:role/node", subnets=[account.subnet]
    )
    described = account.eks.describe_nodegroup(clusterName="prod", nodegroupName="ng")["nodegroup"]
    managed_asg = described["resources"]["autoScalingGroups"][0]["name"]
    claimable = {
        # In the managed node group's Auto Scaling group, its cluster tags removed: AWS-set evidence.
        run(account, {"aws:autoscaling:groupName": managed_asg}, [cluster_sg]),
        run(account, {"eks:cluster-name": "prod"}, [cluster_sg]),
        run(account, {"aws:eks:cluster-name": "prod"}, [cluster_sg]),
        run(account, {"eks:eks-cluster-name": "prod"}, [cluster_sg]),
        run(account, {"kubernetes.io/cluster/prod": "owned"}, [cluster_sg]),
    }
    unrelated = {
        run(account, {"Name": "web"}, [web]),
        run(account, {"aws:autoscaling:groupName": "web-asg", "Name": "web"}, [web]),
        run(account, {"kubernetes.io/role/elb": "1"}, [web]),
        run(account, {}, [web]),
    }
    stopped = run(account, {"eks:cluster-name": "prod"}, [cluster_sg])
    account.ec2.stop_instances(InstanceIds=[stopped])
    api.clear()

    snapshot = account.discovery().snapshot()

    nodes = {n.node_id for g in snapshot.topologies["prod"].node_groups for n in g.nodes if not g.from_template}
    assert nodes == claimable
    assert transferred(api) == claimable
    assert not transferred(api) & (unrelated | {stopped})
    # One call for the tag keys, one for the managed node groups' Auto Scaling groups.
    assert api.count("DescribeInstances") == 2
    assert_within_limit(api)
    # The same verdicts as the named read, which reads nodes by the cluster's own name.
    settings = Settings(level=Level.RECOMMENDED)
    by_sweep = {e.key: e for e in evaluate(snapshot, settings)}
    named = {e.key: e for e in evaluate(account.discovery().snapshot(clusters=["prod"]), settings, clusters=["prod"])}
    assert by_sweep == named


def test_the_sweep_chunks_hundreds_of_managed_auto_scaling_groups(account: Account, api: ApiCalls) -> None:
    discovery = account.discovery()
    reads: Any = {}
    cluster_sg = account.sg("cluster-sg")
    account.minimal_cluster("prod", cluster_sg)
    prod = discovery._read_cluster("prod")
    assert not isinstance(prod, str) and prod is not None
    prod.nodegroups = [
        {"nodegroupName": "ng", "resources": {"autoScalingGroups": [{"name": n} for n in ids("asg", 450)]}}
    ]
    reads["prod"] = prod
    api.clear()

    assert discovery._sweep_nodes(reads) == []
    assert api.count("DescribeInstances") == 1 + 3
    assert_within_limit(api)
