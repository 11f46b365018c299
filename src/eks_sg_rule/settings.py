"""What the rule judges and what the remediation may touch: `Settings`, `Scope`, one "in scope" rule.

Pure (no AWS). `Settings` are the rule's parameters (parameters.settings_from); `Scope` is the
remediation's (the same parameters plus the operator's opt-ins). Both decide whether a cluster is
in scope with `refusal`, one rule with one explicit difference (README, "What AWS Config shows",
"Cluster status: one rule"): the rule judges ACTIVE and UPDATING clusters; writes are made only to
ACTIVE ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .model import Cluster
from .requirements import Level, RequirementSet

# EKS DescribeCluster `cluster.status`: the values the rule judges, and those the remediation writes to.
JUDGED_STATUSES = frozenset({"ACTIVE", "UPDATING"})
WRITABLE_STATUSES = frozenset({"ACTIVE"})


def refusal(cluster: Cluster, cluster_name_pattern: re.Pattern[str] | None, for_writing: bool = False) -> str | None:
    """Why `cluster` is outside the scope, in words, or None when it is in.

    Outside: its name does not fully match `cluster_name_pattern` (ClusterNamePattern), or its EKS
    status is not one the rule judges (JUDGED_STATUSES) or, `for_writing`, not one a write may
    touch (WRITABLE_STATUSES: an UPDATING cluster is judged but never changed).
    """
    if cluster_name_pattern is not None and not cluster_name_pattern.fullmatch(cluster.name):
        return f"cluster {cluster.name} does not match ClusterNamePattern"
    if for_writing:
        if cluster.status not in WRITABLE_STATUSES:
            return f"cluster {cluster.name} is {cluster.status}, not ACTIVE"
    elif cluster.status not in JUDGED_STATUSES:
        return f"cluster {cluster.name} is {cluster.status}: judged once ACTIVE"
    return None


@dataclass(frozen=True, slots=True)
class Settings:
    """The rule's parameters, validated (parameters.settings_from): ComplianceLevel,
    ExemptSecurityGroupIds, ClusterNamePattern, ReportUnchanged, NetworkPath, RequirementSet."""

    level: Level = Level.MINIMUM
    exempt_sg_ids: frozenset[str] = frozenset()
    cluster_name_pattern: re.Pattern[str] | None = None
    report_unchanged: bool = False
    # NetworkPath: also judge the network-path checks (requirements.PATH_CHECKS).
    network_path: bool = False
    # RequirementSet: which AWS text the checks follow (2020, the default, or 2026).
    requirement_set: RequirementSet = RequirementSet.Y2020

    def in_scope(self, cluster_name: str) -> bool:
        """Whether the name fully matches ClusterNamePattern (always, without one)."""
        return self.cluster_name_pattern is None or self.cluster_name_pattern.fullmatch(cluster_name) is not None

    def refusal(self, cluster: Cluster) -> str | None:
        """Why the rule does not judge this cluster (`refusal`, judging), or None."""
        return refusal(cluster, self.cluster_name_pattern)


@dataclass(frozen=True, slots=True)
class Scope:
    """What the remediation may touch, and what the operator accepted.

    Mirrors the rule's parameters (ComplianceLevel, ExemptSecurityGroupIds, ClusterNamePattern)
    plus the operator's opt-ins: AllowTagRemoval and TrustNodeTags (both default false).
    `only_security_group` limits the plan to the rules and tags that belong on that one SG (the
    remediation of an `AWS::EC2::SecurityGroup` resource).
    """

    level: Level = Level.MINIMUM
    exempt_sg_ids: frozenset[str] = frozenset()
    cluster_name_pattern: re.Pattern[str] | None = None
    allow_tag_removal: bool = False
    trust_node_tags: bool = False
    only_security_group: str | None = None
    # NetworkPath: path findings are planned as manual changes (never written).
    network_path: bool = False
    # RequirementSet: the checks the plan repairs (2020, the default, or 2026).
    requirement_set: RequirementSet = RequirementSet.Y2020

    def refusal(self, cluster: Cluster) -> str | None:
        """Why the remediation may not write to this cluster (`refusal`, for writing), or None."""
        return refusal(cluster, self.cluster_name_pattern, for_writing=True)
