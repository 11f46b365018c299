"""The HTML report: one self-contained file (inline style and SVG, no script, nothing fetched).

A summary table (each cluster's verdict and failing checks), then per cluster, failures first
(NON_COMPLIANT, NOT_APPLICABLE, COMPLIANT, then by name), its picture, its checks with their details
and what is missing, its SGs with roles and verdicts (each SG id a link to the SG in the EC2
console), and the fix plan `eks-sg-rule fix` would make (planned read-only). A compliant cluster's
section is collapsed (`<details>`, no script).
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

from ..model import Topology
from ..plan import MANUAL, Change, Outcome
from ..requirements import DOC_URL
from ..results import CheckResult, Status
from .diagram import cluster_svg
from .fix import change_status, cli_words, where
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
table.clusters td:nth-child(-n+3){white-space:nowrap}
details>summary{cursor:pointer;list-style-position:outside;margin-top:1.2rem}
details>summary h2{display:inline;margin:0;border:none}
"""
# Failures first: what a reader acts on, then what could not be judged, then what passes.
ORDER = {Status.NON_COMPLIANT: 0, Status.NOT_APPLICABLE: 1, Status.COMPLIANT: 2}


def _badge(value: str) -> str:
    return f'<span class="badge {escape(value)}">{escape(value)}</span>'


def _anchor(view: EvaluationView) -> str:
    return f"cluster-{view.region}-{view.evaluation.resource_id}"


def console_url(region: str, sg_id: str) -> str:
    """The SG's page in the EC2 console of its region (the China and GovCloud partitions' consoles
    have hosts of their own)."""
    if region.startswith("cn-"):
        host = "console.amazonaws.cn"
    elif region.startswith("us-gov-"):
        host = "console.amazonaws-us-gov.com"
    else:
        host = f"{region}.console.aws.amazon.com"
    return f"https://{host}/ec2/home?region={region}#SecurityGroup:groupId={sg_id}"


def _sg_link(region: str, sg_id: str) -> str:
    if not sg_id.startswith("sg-"):
        return f"<code>{escape(sg_id)}</code>"
    return f'<a href="{escape(console_url(region, sg_id))}"><code>{escape(sg_id)}</code></a>'


def ordered(clusters: tuple[EvaluationView, ...] | list[EvaluationView]) -> list[EvaluationView]:
    """Failures first: NON_COMPLIANT, NOT_APPLICABLE, COMPLIANT; then by name and region."""
    return sorted(clusters, key=lambda v: (ORDER[v.status], v.evaluation.resource_id, v.region))


def _failing(view: EvaluationView) -> str:
    """The summary's words for a cluster's checks: the failing ones, else the ones that cannot judge."""
    failing = [c.result.check_id for c in view.checks if c.result.status is Status.NON_COMPLIANT]
    if failing:
        return ", ".join(f"<code>{escape(check)}</code>" for check in failing)
    unjudged = [c.result.check_id for c in view.checks if c.result.cannot_judge]
    if unjudged:
        return "cannot judge: " + ", ".join(f"<code>{escape(check)}</code>" for check in unjudged)
    if view.status is Status.NOT_APPLICABLE:
        return escape(view.evaluation.detail)
    return ""


def _summary(result: ScanResult) -> list[str]:
    rows = []
    labels = {"clusters": "clusters", "security_groups": "security groups", "network_components": "network components"}
    for key, counts in result.summary().items():
        label = labels[key]
        cells = "".join(f"<td>{counts[status.value]}</td>" for status in Status)
        rows.append(f"<tr><th>{label}</th><td>{counts['total']}</td>{cells}</tr>")
    head = "".join(f"<th>{_badge(status.value)}</th>" for status in Status)
    clusters = "".join(
        f'<tr><td><a href="#{escape(_anchor(v))}">{escape(v.evaluation.resource_id)}</a></td>'
        f"<td>{escape(v.region)}</td><td>{_badge(v.status.value)}</td><td>{_failing(v)}</td></tr>"
        for v in ordered(result.clusters)
    )
    return [
        "<h2>Summary</h2>",
        f"<table><tr><th></th><th>total</th>{head}</tr>{''.join(rows)}</table>",
        '<table class="clusters"><tr><th>cluster</th><th>region</th><th>verdict</th><th>failing checks</th></tr>'
        f"{clusters}</table>",
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


def sg_detail(group: EvaluationView) -> str:
    """A failing SG's detail with checks that say the same thing named together ("CP_SG_MINIMUM,
    CP_SG_RECOMMENDED: …"), once; any other SG's evaluation detail."""
    failing = [c.result for c in group.checks if c.result.status is Status.NON_COMPLIANT]
    if not failing:
        return group.evaluation.detail
    by_detail: dict[str, list[str]] = {}
    for check in failing:
        by_detail.setdefault(check.detail, []).append(check.check_id)
    return "; ".join(f"{', '.join(ids)}: {detail}" for detail, ids in by_detail.items())


def _groups(groups: tuple[EvaluationView, ...]) -> str:
    rows = "".join(
        f"<tr><td>{_sg_link(g.region, g.evaluation.resource_id)}</td><td>{escape(g.group_name or '?')}</td>"
        f"<td>{escape(', '.join(g.roles))}</td><td>{escape(', '.join(g.clusters))}</td>"
        f"<td>{_badge(g.status.value)}</td><td>{escape(sg_detail(g))}</td></tr>"
        for g in groups
    )
    head = "<tr><th>SG</th><th>name</th><th>roles</th><th>clusters</th><th>verdict</th><th>detail</th></tr>"
    return f"<table>{head}{rows}</table>"


def _components(components: tuple[EvaluationView, ...]) -> list[str]:
    """The cluster's network components (NetworkPath): id, type, the clusters whose paths cross it, verdict."""
    if not components:
        return []
    rows = "".join(
        f"<tr><td><code>{escape(c.evaluation.resource_id)}</code></td><td>{escape(c.kind)}</td>"
        f"<td>{escape(', '.join(c.clusters))}</td><td>{_badge(c.status.value)}</td>"
        f"<td>{escape(c.evaluation.detail)}</td></tr>"
        for c in components
    )
    head = "<tr><th>component</th><th>type</th><th>on paths of</th><th>verdict</th><th>detail</th></tr>"
    return ["<h3>Network components</h3>", f"<table>{head}{rows}</table>"]


def _action(change: Change) -> str:
    """The change's action; a manual one (its status already says manual) is for a person to make."""
    if change.action == MANUAL:
        return "by a person" + (" (AWS CLI below)" if change.command else "")
    return f"<code>{escape(change.action)}</code>"


def _where(region: str, change: Change) -> str:
    place = where(change)
    if change.security_group_id and place.startswith(change.security_group_id):
        rest = place[len(change.security_group_id) :].strip()
        return _sg_link(region, change.security_group_id) + (f" <code>{escape(rest)}</code>" if rest else "")
    return f"<code>{escape(place)}</code>"


def _command(change: Change) -> str:
    return f"<br><code>{escape(change.command)}</code>" if change.command else ""


def _plan(view: EvaluationView, plan: Outcome | None) -> str:
    if view.status is not Status.NON_COMPLIANT:
        return "<p>Nothing to fix.</p>"
    if plan is None or not plan.changes:
        return "<p>No change planned.</p>"
    rows = "".join(
        f"<tr><td>{_badge(change_status(plan, c))}</td><td>{_action(c)}</td>"
        f"<td>{_where(view.region, c)}</td><td>{escape(', '.join(c.checks))}</td>"
        f"<td>{escape(cli_words(c.detail))}{_command(c)}</td></tr>"
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
    if collapsed(view):
        # Collapsed: nothing to act on. The anchor moves to <details>, which a link to it opens.
        parts = [
            f'<details id="{escape(_anchor(view))}"><summary><h2>{escape(name)} {_badge(view.status.value)}</h2>'
            f" ({escape(view.region)}, nothing to fix: open for the picture and the checks)</summary>"
        ]
    topology = view.topology
    if topology is None:
        return [*parts, f"<p>{escape(view.evaluation.detail)}</p>", *_close(view)]
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
        *_components(result.components_of(view)),
        "<h3>Fix plan</h3>",
        _plan(view, plan),
        *_close(view),
    ]
    return parts


def collapsed(view: EvaluationView) -> bool:
    """A cluster section shown collapsed: COMPLIANT, and no check of it failing or unable to judge
    (nothing to act on or look into)."""
    open_ = any(c.result.status is Status.NON_COMPLIANT or c.result.cannot_judge for c in view.checks)
    return view.status is Status.COMPLIANT and not open_


def _close(view: EvaluationView) -> list[str]:
    return ["</details>"] if collapsed(view) else []


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
    for view in ordered(result.clusters):
        parts += _cluster(result, view, plans.get((view.region, view.evaluation.resource_id)))
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
