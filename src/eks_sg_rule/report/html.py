"""The HTML report: one self-contained file (inline style and SVG, no script, nothing fetched).

A summary, then per cluster its picture, its checks with their details and what is missing, its
SGs with roles and verdicts, and the fix plan `eks-sg-rule fix` would make (planned read-only).
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

from ..model import Topology
from ..plan import Outcome
from ..requirements import DOC_URL
from ..results import CheckResult, Status
from .diagram import cluster_svg
from .fix import action_cell, change_status, cli_words, where
from .path_flows import path_edges
from .scan import EvaluationView, ScanResult

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;max-width:1300px;
color:#1d2630;padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{margin-top:2.5rem;border-bottom:2px solid #dde3ea;padding-bottom:.3rem}
h3{font-size:1.05rem;margin-top:1.4rem}
.meta{color:#56616d}table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem;font-size:.9rem}
th,td{border:1px solid #dde3ea;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#f1f4f8}code{font-size:.88em}
.badge{display:inline-block;padding:.1rem .5rem;border-radius:.8rem;font-size:.8rem;font-weight:600;color:#fff}
.COMPLIANT{background:#2e7d32}.NON_COMPLIANT{background:#c62828}.NOT_APPLICABLE{background:#6d6d6d}
.planned{background:#1565c0}.applied{background:#2e7d32}.manual{background:#ef6c00}.failed{background:#c62828}
figure{margin:1rem 0;border:1px solid #dde3ea;border-radius:.4rem;padding:.5rem;background:#fff}
figure svg{width:100%;height:auto}figcaption{color:#56616d;font-size:.85rem}
ul.missing{margin:.3rem 0 0 1rem;padding:0}
"""


def _badge(value: str) -> str:
    return f'<span class="badge {escape(value)}">{escape(value)}</span>'


def _anchor(view: EvaluationView) -> str:
    return f"cluster-{view.region}-{view.evaluation.resource_id}"


def _summary(result: ScanResult) -> list[str]:
    rows = []
    for label, counts in (
        ("clusters", result.summary()["clusters"]),
        ("security groups", result.summary()["security_groups"]),
    ):
        cells = "".join(f"<td>{counts[status.value]}</td>" for status in Status)
        rows.append(f"<tr><th>{label}</th><td>{counts['total']}</td>{cells}</tr>")
    head = "".join(f"<th>{_badge(status.value)}</th>" for status in Status)
    clusters = "".join(
        f'<li><a href="#{escape(_anchor(v))}">{escape(v.evaluation.resource_id)}</a> '
        f"({escape(v.region)}) {_badge(v.status.value)}</li>"
        for v in result.clusters
    )
    return [
        "<h2>Summary</h2>",
        f"<table><tr><th></th><th>total</th>{head}</tr>{''.join(rows)}</table>",
        f"<ul>{clusters}</ul>",
    ]


def _checks(view: EvaluationView) -> str:
    rows = []
    for check in view.checks:
        missing = ""
        if check.missing:
            items = "".join(f"<li><code>{escape(item.describe())}</code></li>" for item in check.missing)
            missing = f'<ul class="missing">{items}</ul>'
        if check.blocking:
            items = "".join(
                f"<li>blocked at <code>{escape(f.component_id or '')}</code>"
                + (f": <code>{escape(f.change)}</code>" if f.change else "")
                + "</li>"
                for f in check.blocking
            )
            missing += f'<ul class="missing">{items}</ul>'
        rows.append(
            f'<tr><td><a href="{escape(check.doc_url)}"><code>{escape(check.result.check_id)}</code></a></td>'
            f"<td>{escape(check.title)}</td><td>{_badge(check.result.status.value)}</td>"
            f"<td>{escape(check.result.detail)}{missing}</td></tr>"
        )
    return "<table><tr><th>check</th><th>title</th><th>status</th><th>detail</th></tr>" + "".join(rows) + "</table>"


def _groups(groups: tuple[EvaluationView, ...]) -> str:
    rows = "".join(
        f"<tr><td><code>{escape(g.evaluation.resource_id)}</code></td><td>{escape(g.group_name or '?')}</td>"
        f"<td>{escape(', '.join(g.roles))}</td><td>{escape(', '.join(g.clusters))}</td>"
        f"<td>{_badge(g.status.value)}</td><td>{escape(g.evaluation.detail)}</td></tr>"
        for g in groups
    )
    head = "<tr><th>SG</th><th>name</th><th>roles</th><th>clusters</th><th>verdict</th><th>detail</th></tr>"
    return f"<table>{head}{rows}</table>"


def _plan(view: EvaluationView, plan: Outcome | None) -> str:
    if view.status is not Status.NON_COMPLIANT:
        return "<p>Nothing to fix.</p>"
    if plan is None or not plan.changes:
        return "<p>No change planned.</p>"
    rows = "".join(
        f"<tr><td>{_badge(change_status(plan, c))}</td><td><code>{escape(action_cell(c))}</code></td>"
        f"<td><code>{escape(where(c))}</code></td><td>{escape(', '.join(c.checks))}</td>"
        f"<td>{escape(cli_words(c.detail))}</td></tr>"
        for c in plan.changes
    )
    command = (
        f"eks-sg-rule fix --region {view.region} --cluster {view.evaluation.resource_id} --level {plan.level.value}"
    )
    return (
        f"<p>What <code>{escape(command)}</code> plans (add <code>--apply</code> to make the automatic changes; "
        "<em>manual</em> ones are for a person):</p>"
        "<table><tr><th>status</th><th>action</th><th>SG</th><th>checks</th><th>detail</th></tr>"
        f"{rows}</table>"
    )


def _paths_caption(topology: Topology, results: Mapping[str, CheckResult]) -> str:
    """The caption's words for the network-path panel; "" when the scan ran without NetworkPath."""
    if not path_edges(topology, results):
        return ""
    return (
        " Below, each node group's network paths: TCP 443 to the EKS API, ECR and S3, and its flows with the "
        "control plane through the network ACLs; a blocked path names the network ACL, route table, VPC "
        "endpoint or NAT gateway that blocks it, in red; a path that could not be judged is grey, "
        "“cannot judge”."
    )


def _cluster(result: ScanResult, view: EvaluationView, plan: Outcome | None) -> list[str]:
    name = view.evaluation.resource_id
    parts = [f'<h2 id="{escape(_anchor(view))}">{escape(name)} {_badge(view.status.value)}</h2>']
    topology = view.topology
    if topology is None:
        return [*parts, f"<p>{escape(view.evaluation.detail)}</p>"]
    cluster = topology.cluster
    parts.append(
        f'<p class="meta">region {escape(view.region)} · Kubernetes {escape(cluster.version or "?")} · '
        + (f"VPC {escape(cluster.vpc_id)} · " if cluster.vpc_id else "")
        + f"{escape(cluster.ip_family.value)} · {len(topology.node_groups)} node group(s)</p>"
    )
    groups = result.security_groups_of(view)
    results = {check.result.check_id: check.result for check in view.checks}
    picture = cluster_svg(topology, result.level, results, {g.evaluation.resource_id: g.status for g in groups})
    parts += [
        f'<figure class="cluster-picture">{picture}<figcaption>The control plane (left), its node groups (right) '
        f"and the SGs on each side, coloured by verdict; every flow the {escape(result.level.value)} level "
        f"requires is drawn, a missing one dashed in red and marked ✗.{_paths_caption(topology, results)}"
        "</figcaption></figure>",
        "<h3>Checks</h3>",
        _checks(view),
        "<h3>Security groups</h3>",
        _groups(groups),
        "<h3>Fix plan</h3>",
        _plan(view, plan),
    ]
    return parts


def render_html(result: ScanResult, plans: Mapping[tuple[str, str], Outcome]) -> str:
    """The whole report as one HTML document; `plans` maps (region, cluster) to its read-only fix plan."""
    account = f" · account {escape(result.account)}" if result.account else ""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>eks-sg-rule report ({escape(result.level.value)} level)</title>",
        f"<style>{STYLE}</style></head><body>",
        "<h1>EKS security groups: eks-sg-rule report</h1>",
        f'<p class="meta">level {escape(result.level.value)} · '
        f"region(s) {escape(', '.join(result.regions))}{account} · "
        f"{escape(result.generated_at.isoformat(timespec='seconds'))} · eks-sg-rule {escape(result.tool_version)} · "
        f'checked against <a href="{DOC_URL}">Amazon EKS security group requirements</a></p>',
        *_summary(result),
    ]
    for view in result.clusters:
        parts += _cluster(result, view, plans.get((view.region, view.evaluation.resource_id)))
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
