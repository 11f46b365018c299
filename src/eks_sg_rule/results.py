"""The results vocabulary: what a check says about a cluster, and what a failure asks to change.

Pure (no AWS). Produced by checks.Judge, read by evaluate (AWS Config's evaluations), plan (the
remediation) and report/ (the CLI's output).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .network import PortSet
from .requirements import Direction, Traffic


class Status(StrEnum):
    """A verdict, spelled as AWS Config's `ComplianceType` values (PutEvaluations)."""

    COMPLIANT = "COMPLIANT"
    NON_COMPLIANT = "NON_COMPLIANT"
    NOT_APPLICABLE = "NOT_APPLICABLE"


@dataclass(frozen=True, slots=True)
class Gap:
    """Traffic a flow check found missing, as a repair would add it: a rule on the finding's SG."""

    direction: Direction
    traffic: Traffic
    ports: PortSet  # the missing TCP ports (Traffic.TCP only)
    peer_sg_ids: tuple[str, ...]  # the peers' SGs; empty when the peer is an address range (0.0.0.0/0)


@dataclass(frozen=True, slots=True)
class Finding:
    """One failure, reported on the SG where the missing rule or wrong tag belongs."""

    security_group_id: str
    message: str
    gap: Gap | None = None
    # For tag findings: "tag" when the SG needs the cluster tag set to owned, "untag" when it must lose it.
    tag_repair: str | None = None
    # Network-path findings (NetworkPath): the component the change belongs on (acl-…, rtb-…,
    # vpce-…, nat-…, or the cluster's name for its publicAccessCidrs), `security_group_id` empty
    # unless the change is an SG rule; and the exact change as an AWS CLI command (never applied).
    component_id: str | None = None
    change: str | None = None


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One check id's verdict for one cluster (or one SG): status, the detail in words, the findings."""

    check_id: str
    status: Status
    detail: str
    findings: tuple[Finding, ...] = ()
    # NOT_APPLICABLE because data is missing (no nodes, say), not because the check does not apply.
    cannot_judge: bool = False
    # Network-path checks: every component (acl-…, rtb-…, vpce-…, nat-…) on a path they judged,
    # failing or not, so each gets an evaluation.
    components: tuple[str, ...] = ()
    # A failing check a live waiver covers (waivers.apply_waivers): "until DATE: reason"; "" when none.
    waived: str = ""
