"""The remediation's use case: read the live state, plan, read who else carries the SGs (and which
IAM roles EKS creates the cluster's control-plane interfaces under), re-plan, apply (aws/writes.py)
and re-check one cluster. The plan itself is plan.py (pure)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .aws.reads import interface_carriers, role_id
from .aws.writes import apply
from .interfaces import EKS_SERVICE_LINKED_ROLE, role_name
from .model import Cluster, Snapshot
from .plan import Change, Outcome, Planner, RemediationError, foreign_carriers, preview, sgs_of
from .settings import Scope


def remediate(
    discover: Callable[[], Snapshot],
    ec2: Any,
    iam: Any,
    cluster: str,
    scope: Scope,
    apply_changes: bool,
    on_change: Callable[[Change], None] | None = None,
    before: Snapshot | None = None,
) -> Outcome:
    """Re-read the live state, plan, and (when asked) apply and re-check one cluster.

    `discover` is a callable returning a fresh model.Snapshot of the cluster (the plan never
    trusts an older view: AWS Config may trigger remediation from a stale snapshot of an already
    fixed resource). `before`: a snapshot read moments earlier in the same run, used instead of the
    first read (each cluster is then read once before and once after applying). `scope`: the level,
    the opt-ins and the limits (settings.Scope). `ec2` reads who else carries each SG an automatic
    change would change or name (ec2:DescribeNetworkInterfaces: such an SG is left manual) and makes
    the writes (aws.writes.apply; `on_change(change)` after each). `iam` reads the RoleIds of the
    cluster's IAM role and EKS's service-linked role (control_plane_role_ids), once, when the SGs'
    carriers are first read: only an interface created in an `AmazonEKS` session of one of them is
    the control plane's. A plan without reading AWS is
    plan.preview. Raises RemediationError for a cluster that does not exist or is outside the scope,
    aws.writes.ApplyFailed when a write fails, DiscoveryError when a read fails.
    """
    topology = (before or discover()).topologies.get(cluster)
    if topology is None:
        raise RemediationError(f"cluster {cluster} not found in this account and region")
    changes = preview(topology, scope).changes
    # Who else carries each SG an automatic change would change or name. A plan made with what was
    # learnt can turn another change automatic (a tag removal kept manual only to spare an
    # interface): read again until every SG the plan touches has been read (usually once).
    foreign: dict[str, str] = {}
    read: set[str] = set()
    role_ids: frozenset[str] | None = None
    while touched := {sg for change in changes if change.automatic for sg in sgs_of(change)} - read:
        found = interface_carriers(ec2, touched)
        read |= touched
        if role_ids is None:
            role_ids = control_plane_role_ids(iam, topology.cluster)
        foreign |= foreign_carriers(topology, found, role_ids, scope.trust_node_tags)
        changes = tuple(Planner(topology, scope, foreign).plan())
    if not apply_changes or not any(change.automatic for change in changes):
        return Outcome(cluster, scope.level, changes, applied=False, remaining=changes)
    applied = apply(ec2, changes, on_change)
    after = discover().topologies.get(cluster)
    remaining = tuple(Planner(after, scope, foreign).plan()) if after else ()
    return Outcome(cluster, scope.level, applied, applied=True, remaining=remaining)


def control_plane_role_ids(iam: Any, cluster: Cluster) -> frozenset[str]:
    """The RoleIds ("AROA…") EKS creates `cluster`'s control-plane interfaces under: its IAM role's
    (the role named by DescribeCluster `roleArn`, any path) and, where it exists, EKS's service-linked
    role's (AWSServiceRoleForAmazonEKS). One iam:GetRole each; a role that does not exist (or no
    `roleArn`) adds none. Raises DiscoveryError naming iam:GetRole when a role cannot be read (access
    denied included): an unread role is neither evidence nor its absence."""
    names = [name for name in (role_name(cluster.role_arn), EKS_SERVICE_LINKED_ROLE) if name]
    return frozenset(found for name in dict.fromkeys(names) if (found := role_id(iam, name)) is not None)
