"""Attack probes on the two write-safety guards: carriers outside the cluster, and tag removal.

Each finding of that attack was mended; every probe now documents what holds.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

import pytest
from demo.seed import Seeder

from eks_sg_rule.plan import MANUAL
from eks_sg_rule.remediation import remediate
from eks_sg_rule.remediation_handler import RemediationFailed, lambda_handler
from eks_sg_rule.requirements import Level
from eks_sg_rule.settings import Scope
from tests.conftest import LambdaContext, discover, iam_client, kubelet_gap_cluster, rules_of
from tests.deploy.deployment import deploy_widest

TAG = "kubernetes.io/cluster/c1"


@pytest.fixture(autouse=True)
def widest_deployment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The inputs here ask for the switches themselves: the remediation's deployment allows them all."""
    deploy_widest(monkeypatch)


def has_tag(seeder: Seeder, sg_id: str, key: str = TAG) -> bool:
    tags = seeder.ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [sg_id]}])["Tags"]
    return any(t["Key"] == key for t in tags)


def applied(outcome: Any) -> list[Any]:
    return [c for c in outcome.changes if c.status == "applied"]


# --- guard 1: carriers ---------------------------------------------------------------------------


def test_cluster_sg_on_a_database_is_named_as_a_peer_automatically(seeder: Seeder) -> None:
    cluster_sg, _node = kubelet_gap_cluster(seeder)
    db_sg = seeder.security_group("payments-db", "db")
    [db] = seeder.instances(1, [db_sg, cluster_sg], {"Name": "payments-db"})  # someone put the cluster SG on it

    outcome = remediate(discover(seeder), seeder.ec2, iam_client(), "c1", Scope(Level.MINIMUM), apply_changes=True)

    # Sanity: the write happened, and it reaches the database (an instance outside the cluster).
    naming = [
        c for c in applied(outcome) if cluster_sg in json.dumps(c.permissions) or c.security_group_id == cluster_sg
    ]
    assert db  # the instance exists
    # What should happen: a change naming or on an SG an unrelated instance carries stays manual.
    assert naming == [], [c.detail for c in naming]


def test_cluster_sg_exemption_without_foreign_carrier_still_applies(seeder: Seeder) -> None:
    """Control: with only EKS's own interfaces carrying the cluster SG the rules are automatic."""
    _cluster_sg, _node = kubelet_gap_cluster(seeder)
    outcome = remediate(discover(seeder), seeder.ec2, iam_client(), "c1", Scope(Level.MINIMUM), apply_changes=True)
    assert applied(outcome)
    assert outcome.done


def test_node_sg_also_on_a_stopped_instance_stays_manual(seeder: Seeder) -> None:
    _cluster_sg, node = kubelet_gap_cluster(seeder)
    [other] = seeder.instances(1, [node], {"Name": "old-box"})
    seeder.ec2.stop_instances(InstanceIds=[other])
    before = rules_of(seeder, node)

    outcome = remediate(discover(seeder), seeder.ec2, iam_client(), "c1", Scope(Level.MINIMUM), apply_changes=True)

    assert rules_of(seeder, node) == before
    assert all(node not in (c.security_group_id, *json.dumps(c.permissions).split('"')) for c in applied(outcome))
    assert any(c.action == MANUAL and other in c.detail for c in outcome.changes)


def test_forged_control_plane_interface_once_attached_is_foreign(seeder: Seeder) -> None:
    _cluster_sg, node = kubelet_gap_cluster(seeder)
    eni = seeder.ec2.create_network_interface(SubnetId=seeder.subnets[0], Groups=[node], Description="Amazon EKS c1")[
        "NetworkInterface"
    ]["NetworkInterfaceId"]
    [box] = seeder.instances(1, [seeder.security_group("box", "box")], {"Name": "box"})
    seeder.ec2.attach_network_interface(NetworkInterfaceId=eni, InstanceId=box, DeviceIndex=1)
    before = rules_of(seeder, node)

    outcome = remediate(discover(seeder), seeder.ec2, iam_client(), "c1", Scope(Level.MINIMUM), apply_changes=True)

    assert rules_of(seeder, node) == before
    assert any(c.action == MANUAL and eni in c.detail for c in outcome.changes)


def test_forged_unattached_control_plane_interface_is_not_the_control_plane(seeder: Seeder) -> None:
    _cluster_sg, node = kubelet_gap_cluster(seeder)
    eni = seeder.ec2.create_network_interface(SubnetId=seeder.subnets[0], Groups=[node], Description="Amazon EKS c1")[
        "NetworkInterface"
    ]["NetworkInterfaceId"]
    assert seeder.ec2.describe_network_interfaces(NetworkInterfaceIds=[eni])["NetworkInterfaces"][0]["Status"] == (
        "available"
    )

    outcome = remediate(discover(seeder), seeder.ec2, iam_client(), "c1", Scope(Level.MINIMUM), apply_changes=True)

    # The rule on/naming `node` was written, then the forged interface goes onto an outside instance.
    [box] = seeder.instances(1, [seeder.security_group("box", "box")], {"Name": "box"})
    seeder.ec2.attach_network_interface(NetworkInterfaceId=eni, InstanceId=box, DeviceIndex=1)
    touching = [c for c in applied(outcome) if node in (c.security_group_id, *json.dumps(c.permissions).split('"'))]
    assert touching == []  # should: an unattached interface is not proof of a control plane


def test_a_tags_only_instance_carrying_a_trusted_sg_is_not_foreign(seeder: Seeder) -> None:
    _cluster_sg, node = kubelet_gap_cluster(seeder)
    db_sg = seeder.security_group("payments-db", "db")
    seeder.instances(1, [node, db_sg], {"Name": "payments-db", TAG: "shared"})  # a user-set tag
    before = rules_of(seeder, node)

    outcome = remediate(discover(seeder), seeder.ec2, iam_client(), "c1", Scope(Level.MINIMUM), apply_changes=True)

    assert applied(outcome) == [] and rules_of(seeder, node) == before


def test_forged_nodegroup_name_outside_its_asg_is_not_trusted(seeder: Seeder) -> None:
    cluster_sg, node = kubelet_gap_cluster(seeder)
    db_sg = seeder.security_group("payments-db", "db")
    seeder.instances(1, [db_sg], {"eks:nodegroup-name": "ng", "eks:cluster-name": "c1"})
    outcome = remediate(discover(seeder), seeder.ec2, iam_client(), "c1", Scope(Level.MINIMUM), apply_changes=True)
    assert all(db_sg not in json.dumps(c.permissions) and c.security_group_id != db_sg for c in applied(outcome))
    assert db_sg not in json.dumps(rules_of(seeder, node) + rules_of(seeder, cluster_sg))


def test_many_interfaces_pagination_still_sees_the_foreign_one(seeder: Seeder) -> None:
    _cluster_sg, node = kubelet_gap_cluster(seeder)
    for _ in range(30):
        seeder.ec2.create_network_interface(SubnetId=seeder.subnets[1], Groups=[node], Description="Amazon EKS c1")
    [other] = seeder.instances(1, [node], {"Name": "stray"})
    before = rules_of(seeder, node)
    outcome = remediate(discover(seeder), seeder.ec2, iam_client(), "c1", Scope(Level.MINIMUM), apply_changes=True)
    assert rules_of(seeder, node) == before
    assert any(other in c.detail for c in outcome.changes)


# --- guard 2: tag removal ------------------------------------------------------------------------


def chained_tags(seeder: Seeder) -> tuple[str, str, str]:
    """c1 with two managed node groups: ng1 on {a, b}, ng2 on {b, c}, all three tagged; a < b < c.
    TAG_OWNED keeps the first on each: remove b (ng1) and c (ng2)."""
    seeder.cluster("c1", "1.31", [])
    cluster_sg = seeder.eks_cluster_sg("c1")
    sgs = sorted(seeder.security_group(n, n, tags={TAG: "owned"}) for n in ("x", "y", "z"))
    a, b, c = sgs
    for sg in sgs:
        seeder.add_ingress(sg, {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": s} for s in (*sgs, cluster_sg)]})
    seeder.managed_nodegroup("c1", "ng1", seeder.launch_template("c1-ng1", [a, b]))
    seeder.managed_instances("c1", "ng1", 1, [a, b])
    seeder.managed_nodegroup("c1", "ng2", seeder.launch_template("c1-ng2", [b, c]))
    seeder.managed_instances("c1", "ng2", 1, [b, c])
    return a, b, c


def test_two_deletes_in_one_plan_never_strand_an_interface(seeder: Seeder) -> None:
    a, b, c = chained_tags(seeder)
    outcome = remediate(
        discover(seeder),
        seeder.ec2,
        iam_client(),
        "c1",
        Scope(Level.MINIMUM, allow_tag_removal=True),
        apply_changes=True,
    )
    deletes = [(x.security_group_id, x.status) for x in outcome.changes if x.checks == ("TAG_OWNED",)]
    assert has_tag(seeder, a)
    assert has_tag(seeder, b) or has_tag(seeder, c)  # ng2's interface keeps one
    assert deletes


def test_a_delete_that_becomes_automatic_in_the_replan_is_carrier_checked(seeder: Seeder) -> None:
    _a, b, c = chained_tags(seeder)
    # b and c are both also on instances outside the cluster.
    seeder.instances(1, [b], {"Name": "db-b"})
    [db_c] = seeder.instances(1, [c], {"Name": "db-c"})

    outcome = remediate(
        discover(seeder),
        seeder.ec2,
        iam_client(),
        "c1",
        Scope(Level.MINIMUM, allow_tag_removal=True),
        apply_changes=True,
    )

    on_c = [x for x in outcome.changes if x.security_group_id == c and x.checks == ("TAG_OWNED",)]
    # What should happen: c is carried by db-c, outside c1: its change stays manual, its tag stays.
    assert has_tag(seeder, c), [(x.action, x.status, x.detail) for x in on_c]
    assert on_c and all(x.action == MANUAL for x in on_c)
    assert db_c


def test_delete_refused_through_the_lambda_keeps_the_tag_when_nothing_foreign(
    seeder: Seeder, lambda_context: LambdaContext
) -> None:
    a, b, c = chained_tags(seeder)
    with contextlib.suppress(RemediationFailed):
        lambda_handler({"ResourceId": "c1", "DryRun": False, "AllowTagRemoval": True}, lambda_context)
    assert has_tag(seeder, a) and (has_tag(seeder, b) or has_tag(seeder, c))


def test_sg_resource_path_cannot_strand_through_separate_invocations(
    seeder: Seeder, lambda_context: LambdaContext
) -> None:
    a, b, c = chained_tags(seeder)
    for resource in (c, b, c):
        with contextlib.suppress(RemediationFailed):
            lambda_handler({"ResourceId": resource, "DryRun": False, "AllowTagRemoval": True}, lambda_context)
    assert has_tag(seeder, a) and (has_tag(seeder, b) or has_tag(seeder, c))
