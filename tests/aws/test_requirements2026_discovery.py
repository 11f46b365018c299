"""Discovery and evaluation with the 2026 set against moto (issue 19): what it reads, and only then.

moto reports InterfaceType `interface` for every network interface and has no `interface-type`
filter: demo.moto_gaps.set_interface_type and the gap fill of DescribeNetworkInterfaces' filters
make it answer as EC2 does for a trunk and a branch interface (shape: tests/aws/
test_requirements2026_reads.py). eks:ListInsights is not in moto: the hybrid read is Stubber-tested there.
"""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from demo.moto_gaps import set_interface_type

from eks_sg_rule.evaluate import evaluate
from eks_sg_rule.model import BRANCH
from eks_sg_rule.requirements import RequirementSet
from eks_sg_rule.settings import Settings
from tests.aws.accounts import Account, self_all
from tests.conftest import ACCOUNT, REGION

Y2026 = RequirementSet.Y2026
HTTPS_OUT = {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}


@pytest.fixture
def account(aws: None) -> Account:
    return Account()


def counted(account: Account, requirement_set: RequirementSet) -> tuple[Any, list[str]]:
    ec2 = boto3.client("ec2", region_name=REGION)
    calls: list[str] = []
    ec2.meta.events.register("provide-client-params", lambda model, **_: calls.append(model.name))
    discovery = account.discovery()
    discovery.ec2 = ec2
    discovery.requirement_set = requirement_set
    return discovery, calls


def pods_cluster(account: Account, pod_egress: list[dict[str, Any]] | None) -> tuple[str, str]:
    """Cluster c1 with one node carrying the cluster SG, a trunk on it and one branch interface whose
    pod SG admits TCP 8080 from the cluster SG; `pod_egress` replaces EC2's default egress when given."""
    cluster_sg = account.sg("eks-cluster-sg-c1")
    account.ec2.authorize_security_group_ingress(GroupId=cluster_sg, IpPermissions=[self_all(cluster_sg)])
    account.minimal_cluster("c1", cluster_sg)
    [node] = account.nodes("c1", [cluster_sg], **{"eks:nodegroup-name": "ng-1"})
    pod_sg = account.sg("pod-sg", [{"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080,
                                    "UserIdGroupPairs": [{"GroupId": cluster_sg}]}])  # fmt: skip
    if pod_egress is not None:
        everything = {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
        account.ec2.revoke_security_group_egress(GroupId=pod_sg, IpPermissions=[everything])
        account.ec2.authorize_security_group_egress(GroupId=pod_sg, IpPermissions=pod_egress)
    trunk = account.ec2.create_network_interface(
        SubnetId=account.subnet, Groups=[cluster_sg], Description="aws-k8s-trunk-eni"
    )["NetworkInterface"]["NetworkInterfaceId"]
    account.ec2.attach_network_interface(NetworkInterfaceId=trunk, InstanceId=node, DeviceIndex=2)
    set_interface_type(ACCOUNT, REGION, trunk, "trunk")
    tags = [{"Key": "vpcresources.k8s.aws/trunk-eni-id", "Value": trunk}, {"Key": "eks:eni:owner", "Value": "x"}]
    branch = account.ec2.create_network_interface(
        SubnetId=account.subnet,
        Groups=[pod_sg],
        Description="aws-k8s-branch-eni",
        TagSpecifications=[{"ResourceType": "network-interface", "Tags": tags}],
    )["NetworkInterface"]["NetworkInterfaceId"]
    set_interface_type(ACCOUNT, REGION, branch, "branch")
    return node, pod_sg


def test_2020_makes_no_new_call_and_sees_no_branch(account: Account) -> None:
    pods_cluster(
        account, [{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
    )
    discovery, calls = counted(account, RequirementSet.Y2020)
    snapshot = discovery.snapshot()
    assert "DescribeNetworkInterfaces" not in calls
    [node] = [n for g in snapshot.topologies["c1"].node_groups for n in g.nodes]
    assert all(i.kind != BRANCH for i in node.pod_interfaces)
    [cluster] = [e for e in evaluate(snapshot, Settings()) if e.resource_id == "c1"]
    assert "POD_SG_MINIMUM" not in [c.check_id for c in cluster.checks]


def test_2026_reads_branches_once_per_vpc_and_fails_blocked_dns(account: Account) -> None:
    _, pod_sg = pods_cluster(account, [HTTPS_OUT])
    discovery, calls = counted(account, Y2026)
    snapshot = discovery.snapshot()
    assert calls.count("DescribeNetworkInterfaces") == 1
    [node] = [n for g in snapshot.topologies["c1"].node_groups for n in g.nodes]
    assert [i.security_group_ids for i in node.pod_interfaces if i.kind == BRANCH] == [{pod_sg}]
    evaluations = evaluate(snapshot, Settings(requirement_set=Y2026))
    [cluster] = [e for e in evaluations if e.resource_id == "c1"]
    checks = {c.check_id: c for c in cluster.checks}
    assert checks["POD_SG_MINIMUM"].status.value == "NON_COMPLIANT"
    assert "cannot send TCP and UDP 53 (DNS)" in checks["POD_SG_MINIMUM"].detail
    [pod] = [e for e in evaluations if e.resource_id == pod_sg]
    assert pod.compliance_type.value == "NON_COMPLIANT"


def test_2026_passes_a_pod_sg_that_reaches_dns(account: Account) -> None:
    pods_cluster(account, None)
    discovery, _ = counted(account, Y2026)
    [cluster] = [e for e in evaluate(discovery.snapshot(), Settings(requirement_set=Y2026)) if e.resource_id == "c1"]
    assert {c.check_id: c.status.value for c in cluster.checks}["POD_SG_MINIMUM"] == "COMPLIANT"
