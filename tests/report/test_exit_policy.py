"""`scan`'s exit policy (cli_args.exit_code): which NOT_APPLICABLE counts as "could not be judged" for
`--fail-on not-applicable`, and what `--fail-if-empty` counts as found. Pure: evaluations built by hand."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from eks_sg_rule.cli_args import cannot_judge, exit_code
from eks_sg_rule.evaluate import CLUSTER_TYPE, SECURITY_GROUP_TYPE, ResourceEvaluation
from eks_sg_rule.model import Snapshot
from eks_sg_rule.report.scan import RegionScan, ScanResult, build_result
from eks_sg_rule.requirements import Level
from eks_sg_rule.results import CheckResult, Status
from eks_sg_rule.settings import Settings

NA = Status.NOT_APPLICABLE


def result(*evaluations: ResourceEvaluation) -> ScanResult:
    scan = RegionScan("us-east-1", Snapshot({}), evaluations, "123456789012")
    return build_result(Level.MINIMUM, [scan], None, datetime(2026, 1, 1, tzinfo=UTC), "test")


@pytest.mark.parametrize(
    ("evaluation", "unjudged"),
    [
        # evaluate.judge_cluster: every check passed on what could be read, the rest was not read.
        (ResourceEvaluation(CLUSTER_TYPE, "c", NA, "cannot judge: subnet-1 could not be read"), True),
        # A check that could not be judged (checks.Judge: no worker nodes found).
        (
            ResourceEvaluation(
                CLUSTER_TYPE,
                "c",
                NA,
                "WORKER_SG_MINIMUM: no nodes",
                (CheckResult("WORKER_SG_MINIMUM", NA, "x", (), True),),
            ),
            True,
        ),
        # Outside the scope, exempted, or not applying (Fargate): judged, nothing missing.
        (ResourceEvaluation(CLUSTER_TYPE, "c", NA, "cluster c does not match ClusterNamePattern"), False),
        (
            ResourceEvaluation(
                SECURITY_GROUP_TYPE, "sg-1", NA, "exempted by the ExemptSecurityGroupIds rule parameter"
            ),
            False,
        ),
        (ResourceEvaluation(CLUSTER_TYPE, "c", NA, "x", (CheckResult("WORKER_SG_MINIMUM", NA, "Fargate"),)), False),
        # A COMPLIANT evaluation is never "not judged", whatever its words.
        (ResourceEvaluation(CLUSTER_TYPE, "c", Status.COMPLIANT, "cannot judge: never"), False),
    ],
)
def test_what_counts_as_not_judged(evaluation: ResourceEvaluation, unjudged: bool) -> None:
    scanned = result(evaluation)

    assert cannot_judge(scanned) is unjudged
    assert exit_code(scanned, Settings(), "not-applicable", False) == int(unjudged)
    assert exit_code(scanned, Settings(), "non-compliant", False) == 0


def test_found_means_in_the_scope() -> None:
    scanned = result(ResourceEvaluation(CLUSTER_TYPE, "dev-1", Status.COMPLIANT, "ok"))

    assert exit_code(scanned, Settings(), "non-compliant", True) == 0
    assert exit_code(scanned, Settings(cluster_name_pattern=re.compile("prod-.*")), "non-compliant", True) == 1
    assert exit_code(result(), Settings(), "non-compliant", True) == 1
    assert exit_code(result(), Settings(), "non-compliant", False) == 0


def test_each_scan_keeps_its_account_and_the_document_its_own() -> None:
    evaluation = ResourceEvaluation(CLUSTER_TYPE, "c", Status.COMPLIANT, "ok")
    scans = [
        RegionScan("us-east-1", Snapshot({}), (evaluation,), "111111111111"),
        RegionScan("us-east-1", Snapshot({}), (evaluation,), None),
    ]

    built = build_result(Level.MINIMUM, scans, "222222222222", datetime(2026, 1, 1, tzinfo=UTC), "test")

    assert [view.account for view in built.evaluations] == ["111111111111", "222222222222"]
    assert built.account == "222222222222"
