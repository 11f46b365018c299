"""Security-review probes on the carrier guard (remediation.foreign_carriers): can an attacker who may
create, describe, tag and attach network interfaces make an interface count as the cluster's own?

What EC2 sets, from published DescribeNetworkInterfaces / CreateNetworkInterface outputs:
- An interface a person creates carries `RequesterId` = the creating principal's unique id and
  `RequesterManaged` false: "AIDA…" for an IAM user (the AWS CLI reference's create-network-interface
  example; several published course answers), and "AROA<role id>:<role session name>" for an
  assumed-role session (published answers show "AROA…:<someone's email>", the session name an
  identity-centre sign-in uses, and "AROA…:i-…", an instance profile's session).
- EKS's control-plane interfaces carry "AROA<role id>:AmazonEKS" (issue 15's sources): EKS creates
  them in a session named AmazonEKS of a role in the customer's account (the cluster role).
- `RoleSessionName` is chosen by whoever calls sts:AssumeRole (pattern [\\w+=,.@-]{2,64}), so
  "AmazonEKS" is a session name anyone who may assume any role of the account can use.
- A person's interface is in use with no `Attachment.InstanceId` of this account once it is attached
  to an instance of another account (ec2:CreateNetworkInterfacePermission INSTANCE-ATTACH to an
  account the attacker holds, then AttachNetworkInterface there), the same shape EKS's own have.

moto cannot attach across accounts and gives every interface one fixed RequesterId; the probes set
the two fields EC2 would report on moto's record (as demo.moto_gaps.mark_in_use does for EKS's own).
"""

from __future__ import annotations

import json
from typing import Any

from demo.seed import Seeder
from moto.ec2.models import ec2_backends

from eks_sg_rule.discovery import Discovery
from eks_sg_rule.interfaces import eks_control_plane
from eks_sg_rule.model import Carrier
from eks_sg_rule.plan import MANUAL, foreign_carriers
from eks_sg_rule.remediation import control_plane_role_ids, remediate
from eks_sg_rule.requirements import Level
from eks_sg_rule.settings import Scope
from tests.conftest import ACCOUNT, REGION, iam_client, kubelet_gap_cluster

TAG = "kubernetes.io/cluster/c1"
# An assumed-role session the attacker named AmazonEKS: what EC2 reports as the interface's creator.
ATTACKER_SESSION = "AROAEXAMPLEATTACKER01:AmazonEKS"


class Broken(AssertionError):
    """Raised where a probe shows the defect it names (a write reaching beyond the cluster)."""


def reported_as(interface_id: str, status: str, requester_id: str) -> None:
    """moto gap: set what EC2 would report for this interface (Status, RequesterId)."""
    record = ec2_backends[ACCOUNT][REGION].get_network_interface(interface_id)
    record.status = status
    record.requester_id = requester_id


def writes_touching(outcome: Any, sg_id: str) -> list[Any]:
    return [
        c
        for c in outcome.changes
        if c.status == "applied" and (c.security_group_id == sg_id or sg_id in json.dumps(c.permissions))
    ]


def test_an_interface_made_in_a_session_named_amazoneks_is_not_the_control_plane(seeder: Seeder) -> None:
    """Holds: only the cluster role's id (iam:GetRole) before ":AmazonEKS" makes the control plane."""
    _cluster_sg, node = kubelet_gap_cluster(seeder)
    # The attacker's interface: created in a session named AmazonEKS, described as EKS's, carrying the
    # node SG, attached to an instance of an account the attacker holds (so in use, no InstanceId here).
    forged = seeder.ec2.create_network_interface(
        SubnetId=seeder.subnets[0], Groups=[node], Description="Amazon EKS c1"
    )["NetworkInterface"]["NetworkInterfaceId"]
    reported_as(forged, "in-use", ATTACKER_SESSION)
    # Control: the same interface from a session of another name is foreign (the guard works for it).
    snapshot = Discovery(eks=seeder.eks, ec2=seeder.ec2).snapshot
    topology = snapshot(clusters=["c1"]).topologies["c1"]
    renamed = Carrier(forged, None, "Amazon EKS c1", True, "interface", "AROAEXAMPLEATTACKER01:attacker", False)
    assert node in foreign_carriers(topology, {node: [renamed]}, control_plane_role_ids(iam_client(), topology.cluster))

    outcome = remediate(snapshot, seeder.ec2, iam_client(), "c1", Scope(Level.MINIMUM), apply_changes=True)

    reaching = writes_touching(outcome, node)
    if reaching:
        raise Broken(
            f"{forged} (RequesterId {ATTACKER_SESSION}, attached to another account's instance) was taken as "
            f"c1's control plane; applied: {[c.detail for c in reaching]}"
        )
    assert any(c.action == MANUAL and forged in c.detail for c in outcome.changes)


def test_a_user_interface_described_as_eks_is_not_the_control_plane(seeder: Seeder) -> None:
    """Holds: the same forgery from an IAM user (RequesterId AIDA…) or a session of another name."""
    _cluster_sg, node = kubelet_gap_cluster(seeder)
    for requester in ("AIDAEXAMPLEUSER000001", "AROAEXAMPLEATTACKER01:AmazonEKS-admin", "AmazonEKS"):
        forged = seeder.ec2.create_network_interface(
            SubnetId=seeder.subnets[0], Groups=[node], Description="Amazon EKS c1"
        )["NetworkInterface"]["NetworkInterfaceId"]
        reported_as(forged, "in-use", requester)
    before = seeder.ec2.describe_security_groups(GroupIds=[node])["SecurityGroups"][0]

    outcome = remediate(
        Discovery(eks=seeder.eks, ec2=seeder.ec2).snapshot, seeder.ec2, iam_client(), "c1", Scope(Level.MINIMUM), True
    )

    assert writes_touching(outcome, node) == []
    assert seeder.ec2.describe_security_groups(GroupIds=[node])["SecurityGroups"][0] == before


def test_a_tagged_branch_interface_is_foreign_without_trust_node_tags(seeder: Seeder) -> None:
    """Holds: a branch-typed interface whose tags name the cluster (anyone may tag) is the cluster's
    own only with TrustNodeTags; a non-branch interface with the same tags never is."""
    _cluster_sg, node = kubelet_gap_cluster(seeder)
    topology = Discovery(eks=seeder.eks, ec2=seeder.ec2).snapshot(clusters=["c1"]).topologies["c1"]
    tags = {TAG: "owned", "eks:eni:owner": "eks-vpc-resource-controller", "vlan-id": "1"}
    branch = Carrier("eni-0b1b1b1b1b1b1b1b1", None, "aws-k8s-branch-eni", True, "branch", ACCOUNT, False, tags)
    typed_interface = Carrier("eni-0c1c1c1c1c1c1c1c1", None, "aws-k8s-branch-eni", True, "interface", None, False, tags)

    assert "branch interface" in foreign_carriers(topology, {node: [branch]}, ())[node]
    assert foreign_carriers(topology, {node: [branch]}, (), trust_node_tags=True) == {}
    assert node in foreign_carriers(topology, {node: [typed_interface]}, (), trust_node_tags=True)


def test_a_forged_leaked_cni_interface_still_blocks_the_change(seeder: Seeder) -> None:
    """Holds: an `available` interface described aws-K8S-<instance> (anyone may describe one so) is
    foreign whatever it claims; the reason says to delete it, but nothing is written meanwhile."""
    _cluster_sg, node = kubelet_gap_cluster(seeder)
    running = seeder.ec2.describe_instances()["Reservations"][0]["Instances"][0]["InstanceId"]
    for description in ("aws-K8S-i-0123456789abcdef0", f"aws-K8S-{running}"):
        seeder.ec2.create_network_interface(SubnetId=seeder.subnets[0], Groups=[node], Description=description)
    before = seeder.ec2.describe_security_groups(GroupIds=[node])["SecurityGroups"][0]

    outcome = remediate(
        Discovery(eks=seeder.eks, ec2=seeder.ec2).snapshot, seeder.ec2, iam_client(), "c1", Scope(Level.MINIMUM), True
    )

    assert writes_touching(outcome, node) == []
    assert seeder.ec2.describe_security_groups(GroupIds=[node])["SecurityGroups"][0] == before
    details = " ".join(c.detail for c in outcome.changes if c.action == MANUAL)
    assert "leaked VPC CNI interface" in details and "delete it" in details
    # The one naming a running node is not called leaked: it is an unexplained interface.
    assert "unattached" in details


def test_auto_mode_tags_without_operator_are_tag_evidence(seeder: Seeder) -> None:
    """Holds: an instance a user launches with Auto Mode's tags (eks:eks-cluster-name and the
    cluster tag) has no `Operator`, so its membership is tags only and its SG stays untrusted."""
    _cluster_sg, _node = kubelet_gap_cluster(seeder)
    mine = seeder.security_group("mine", "mine")
    seeder.instances(1, [mine], {"eks:eks-cluster-name": "c1", TAG: "owned", "eks:kubernetes-node-pool-name": "x"})

    topology = Discovery(eks=seeder.eks, ec2=seeder.ec2).snapshot(clusters=["c1"]).topologies["c1"]

    tagged = [n for g in topology.node_groups for n in g.nodes if mine in n.all_security_group_ids]
    assert tagged and all(n.membership.value == "tags" for n in tagged)
    available = Carrier("eni-0", None, "Amazon EKS c1", False, "interface", ATTACKER_SESSION)
    # and an available interface is never the control plane, whatever role made it
    assert eks_control_plane(available, "c1", {ATTACKER_SESSION.split(":", maxsplit=1)[0]}) is False
