"""Comparing new evaluations with the results AWS Config holds (config_results.py), without AWS."""

from __future__ import annotations

import pytest

from eks_sg_rule.config_results import StoredResult, changes_only, same_annotation, without_stored_result
from eks_sg_rule.evaluate import CLUSTER_TYPE, SECURITY_GROUP_TYPE, ResourceEvaluation, fit
from eks_sg_rule.results import Status

LONG = fit("WORKER_SG_MINIMUM: " + "nodegroup workers (sg-0123456789abcdef0) does not admit kubelet TCP 10250; " * 8)


@pytest.mark.parametrize(
    ("sent", "held", "same"),
    [
        ("CLUSTER_SG_RULES: nothing missing", "CLUSTER_SG_RULES: nothing missing", True),
        ("CLUSTER_SG_RULES: nothing missing", "CLUSTER_SG_RULES: nothing missing  \n", True),
        ("CLUSTER_SG_RULES: nothing missing", " CLUSTER_SG_RULES:  nothing\tmissing", True),
        ("CLUSTER_SG_RULES: nothing missing", "CLUSTER_SG_RULES: something missing", False),
        ("CLUSTER_SG_RULES: nothing missing", "", False),
        # Short of the limit, a prefix is a different annotation, not one Config cut.
        ("CLUSTER_SG_RULES: nothing missing", "CLUSTER_SG_RULES: nothing", False),
        # At the limit (in characters, or in UTF-8 bytes: "…" is three), a prefix is Config's cut.
        (LONG, LONG[:254], True),
        (LONG, LONG.encode()[:256].decode(errors="ignore"), True),
        (LONG, LONG[:200], False),
    ],
)
def test_annotations_compare_as_config_may_hand_them_back(sent: str, held: str, same: bool) -> None:
    assert 250 < len(LONG) <= 256 and LONG.endswith(" …")
    assert same_annotation(sent, held) is same


def evaluation(resource_id: str, status: Status, annotation: str) -> ResourceEvaluation:
    resource_type = SECURITY_GROUP_TYPE if resource_id.startswith("sg-") else CLUSTER_TYPE
    return ResourceEvaluation(resource_type, resource_id, status, annotation)


def test_only_a_changed_verdict_or_a_missing_result_is_written_and_missing_ones_are_counted() -> None:
    new = [
        evaluation("c1", Status.NON_COMPLIANT, "WORKER_SG_MINIMUM: kubelet"),
        evaluation("c2", Status.NOT_APPLICABLE, "no worker nodes found"),
        evaluation("sg-11111111", Status.COMPLIANT, "nothing missing on this SG"),
        evaluation("sg-22222222", Status.COMPLIANT, "nothing missing on this SG"),
    ]
    stored = {
        (CLUSTER_TYPE, "c1"): StoredResult("NON_COMPLIANT", "WORKER_SG_MINIMUM:  kubelet "),
        (SECURITY_GROUP_TYPE, "sg-11111111"): StoredResult("NON_COMPLIANT", "nothing missing on this SG"),
        # Config's NOT_APPLICABLE result for c2 was not returned; sg-22222222 was never written.
    }

    changed = changes_only(new, stored)

    assert [e.resource_id for e in changed] == ["c2", "sg-11111111", "sg-22222222"]
    assert without_stored_result(changed, stored) == {"NOT_APPLICABLE": 1, "COMPLIANT": 1}
