"""A pure report case (no AWS): two hand-built clusters judged by the engine, optionally with hand-made
network-path results added to their checks, assembled as a scan and rendered. The HTML of the case
without path results is pinned by digest in test_path_reports.py: it was produced by the code before
the network-path reports (main at ae8256a) with the same function, so "without path results, the HTML
is exactly today's" is checked, not assumed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime

import matplotlib

from eks_sg_rule.evaluate import CLUSTER_TYPE, evaluate
from eks_sg_rule.model import Snapshot, Topology
from eks_sg_rule.plan import preview
from eks_sg_rule.report.html import render_html
from eks_sg_rule.report.scan import RegionScan, ScanResult, build_result
from eks_sg_rule.requirements import Level
from eks_sg_rule.results import CheckResult
from eks_sg_rule.settings import Scope, Settings
from tests.engine.builders import eks_default, everything, nodegroup, owned, sg, topology

REGION = "us-east-1"
WHEN = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def topologies() -> dict[str, Topology]:
    """c1: EKS's defaults (passes); c2: nodes with an SG of their own that admits nothing (fails)."""
    blocked = topology(
        [sg("sg-cluster2", [everything(sgs=["sg-cluster2"])], **owned("c2")), sg("sg-node2", [], **owned("c2"))],
        [nodegroup("ng-1", ["sg-node2"])],
        name="c2",
        cluster_sg="sg-cluster2",
    )
    return {"c1": eks_default("c1"), "c2": blocked}


def scan_case(
    paths: Mapping[str, Sequence[CheckResult]] | None = None, tops: Mapping[str, Topology] | None = None
) -> ScanResult:
    """The case as a ScanResult; `paths`: cluster name -> path results added to its evaluation's checks."""
    snapshot = Snapshot(dict(tops or topologies()))
    evaluations = evaluate(snapshot, Settings(level=Level.RECOMMENDED))
    if paths:
        evaluations = [
            replace(e, checks=(*e.checks, *paths.get(e.resource_id, ()))) if e.resource_type == CLUSTER_TYPE else e
            for e in evaluations
        ]
    return build_result(Level.RECOMMENDED, [RegionScan(REGION, snapshot, tuple(evaluations))], None, WHEN, "0.0.0")


def html_case(result: ScanResult) -> str:
    """The HTML report of a case, with the fix plans `scan --format html` adds; SVG ids fixed."""
    plans = {
        (view.region, view.evaluation.resource_id): preview(view.topology, Scope(level=Level.RECOMMENDED))
        for view in result.clusters
        if view.topology is not None
    }
    with matplotlib.rc_context({"svg.hashsalt": "eks-sg-rule"}):
        return render_html(result, plans)
