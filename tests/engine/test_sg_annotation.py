"""An SG's annotation names the checks that fail with the same detail once (issue 18, item 7): at
recommended, CP_SG_MINIMUM and CP_SG_RECOMMENDED missing the same rule read as one sentence; at
minimum the annotation is as before."""

from __future__ import annotations

from eks_sg_rule.evaluate import evaluate
from eks_sg_rule.model import Snapshot
from eks_sg_rule.requirements import Level
from eks_sg_rule.settings import Settings

from .test_checks import self_managed

MISSING = "control plane does not admit API server TCP 443 from nodegroup ng-1 (sg-node); allow ingress on sg-cp"


def _annotation(level: Level) -> str:
    top = self_managed(cp_ingress=[])
    evaluations = evaluate(Snapshot({top.cluster.name: top}), Settings(level=level))
    return next(e.annotation for e in evaluations if e.resource_id == "sg-cp")


def test_checks_with_one_detail_are_named_together_on_the_sg() -> None:
    assert _annotation(Level.RECOMMENDED) == f"CP_SG_MINIMUM, CP_SG_RECOMMENDED: {MISSING}"
    assert _annotation(Level.MINIMUM) == f"CP_SG_MINIMUM: {MISSING}"
