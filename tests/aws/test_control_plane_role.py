"""The control plane's evidence is the cluster's IAM role, not the session name: RequesterId
"<RoleId>:AmazonEKS" where RoleId is iam:GetRole's for the role DescribeCluster's `roleArn` names (or
EKS's service-linked role, where it exists). Interfaces shaped as in tests/aws/test_real_outputs.py
(the EKS networking workshop's control-plane interface: RequesterId "AROA…:AmazonEKS",
RequesterManaged false); GetRole answers shaped by the IAM API reference (Role: Path, RoleName,
RoleId, Arn, CreateDate), served by botocore's Stubber.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from demo.seed import Seeder

from eks_sg_rule.aws.calls import DiscoveryError
from eks_sg_rule.interfaces import EKS_SERVICE_LINKED_ROLE, role_name
from eks_sg_rule.model import Cluster
from eks_sg_rule.plan import foreign_carriers
from eks_sg_rule.remediation import control_plane_role_ids, remediate
from eks_sg_rule.requirements import Level
from eks_sg_rule.settings import Scope
from tests.aws.test_carrier_evidence import kubelet_gap_cluster
from tests.aws.test_real_outputs import (
    ACCOUNT,
    CLUSTER,
    CLUSTER_ROLE_ID,
    CLUSTER_SG,
    CONTROL_PLANE,
    NODE_PRIMARY,
    carriers_of,
    topology,
)
from tests.conftest import discover, rules_of

ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/eks/{CLUSTER}-cluster-role"
OTHER_ROLE_ID = "AROAEXAMPLEOTHERROLE1"
SERVICE_LINKED_ROLE_ID = "AROAEXAMPLESLRROLE001"


@pytest.fixture
def ec2() -> Iterator[tuple[Any, Stubber]]:
    client = boto3.client("ec2", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
    with Stubber(client) as stubber:
        yield client, stubber


@pytest.fixture
def iam() -> Iterator[tuple[Any, Stubber]]:
    client = boto3.client("iam", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
    with Stubber(client) as stubber:
        yield client, stubber


def get_role(stubber: Stubber, name: str, role_id: str, path: str = "/") -> None:
    role = {
        "Path": path,
        "RoleName": name,
        "RoleId": role_id,
        "Arn": f"arn:aws:iam::{ACCOUNT}:role{path}{name}",
        "CreateDate": datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC),
    }
    stubber.add_response("get_role", {"Role": role}, {"RoleName": name})


def no_such_role(stubber: Stubber, name: str) -> None:
    message = f"The role with name {name} cannot be found."
    stubber.add_client_error("get_role", "NoSuchEntity", message, 404, expected_params={"RoleName": name})


def test_role_name_of_a_role_arn_with_a_path() -> None:
    assert role_name(ROLE_ARN) == f"{CLUSTER}-cluster-role"
    assert role_name(f"arn:aws-cn:iam::{ACCOUNT}:role/eks") == "eks"
    assert role_name(f"arn:aws:iam::{ACCOUNT}:user/eks") is None
    assert role_name(None) is None


def test_the_cluster_roles_session_is_the_control_plane_another_roles_is_foreign(
    ec2: tuple[Any, Stubber], iam: tuple[Any, Stubber]
) -> None:
    client, stubber = iam
    get_role(stubber, f"{CLUSTER}-cluster-role", CLUSTER_ROLE_ID, path="/eks/")
    no_such_role(stubber, EKS_SERVICE_LINKED_ROLE)

    role_ids = control_plane_role_ids(client, Cluster(CLUSTER, role_arn=ROLE_ARN))

    stubber.assert_no_pending_responses()
    assert role_ids == {CLUSTER_ROLE_ID}
    assert foreign_carriers(topology(), carriers_of(ec2, CONTROL_PLANE, NODE_PRIMARY), role_ids) == {}
    # The same interface made in a session named AmazonEKS of another role of the account.
    other = dict(CONTROL_PLANE, RequesterId=f"{OTHER_ROLE_ID}:AmazonEKS")
    foreign = foreign_carriers(topology(), carriers_of(ec2, other, NODE_PRIMARY), role_ids)
    assert "described as an EKS control-plane interface" in foreign[CLUSTER_SG]


def test_the_service_linked_roles_session_is_accepted_when_the_role_exists(iam: tuple[Any, Stubber]) -> None:
    client, stubber = iam
    get_role(stubber, f"{CLUSTER}-cluster-role", CLUSTER_ROLE_ID, path="/eks/")
    get_role(stubber, EKS_SERVICE_LINKED_ROLE, SERVICE_LINKED_ROLE_ID, path="/aws-service-role/eks.amazonaws.com/")
    assert control_plane_role_ids(client, Cluster(CLUSTER, role_arn=ROLE_ARN)) == {
        CLUSTER_ROLE_ID,
        SERVICE_LINKED_ROLE_ID,
    }


def test_an_unreadable_role_fails_loudly(iam: tuple[Any, Stubber]) -> None:
    client, stubber = iam
    message = "User: arn:aws:sts::111122223333:assumed-role/remediation/x is not authorized to perform: iam:GetRole"
    stubber.add_client_error("get_role", "AccessDenied", message, 403)

    with pytest.raises(DiscoveryError) as caught:
        control_plane_role_ids(client, Cluster(CLUSTER, role_arn=ROLE_ARN))

    assert (caught.value.action, caught.value.access_denied) == ("iam:GetRole", True)


def test_remediate_stops_before_any_write_when_the_role_cannot_be_read(seeder: Seeder) -> None:
    cluster_sg, node = kubelet_gap_cluster(seeder)
    before = {sg: rules_of(seeder, sg) for sg in (cluster_sg, node)}
    client = boto3.client("iam", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
    with Stubber(client) as stubber:
        stubber.add_client_error("get_role", "AccessDenied", "not authorized to perform: iam:GetRole", 403)
        with pytest.raises(DiscoveryError, match="iam:GetRole failed: AccessDenied"):
            remediate(discover(seeder), seeder.ec2, client, "c1", Scope(Level.MINIMUM), apply_changes=True)

    assert {sg: rules_of(seeder, sg) for sg in (cluster_sg, node)} == before
