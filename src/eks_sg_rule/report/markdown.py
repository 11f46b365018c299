"""Markdown for a CI job summary or a pull-request comment: the counts, then one table per cluster."""

from __future__ import annotations

from ..results import Status
from .scan import CheckView, EvaluationView, ScanResult

ICONS = {Status.COMPLIANT: "✅", Status.NON_COMPLIANT: "❌", Status.NOT_APPLICABLE: "⚪"}


def cell(text: str) -> str:
    """Text safe inside a Markdown table cell: pipes and angle brackets escaped, line breaks flattened."""
    text = text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")
    return " ".join(text.split())


def _status(status: Status) -> str:
    return f"{ICONS[status]} {status.value}"


def _hop(component_id: str, change: str | None) -> str:
    return f"`{component_id}`" + (f" (`{change}`)" if change else "")


def _check_row(check: CheckView) -> str:
    detail = check.result.detail
    if check.missing:
        detail += " — missing: " + "; ".join(item.describe() for item in check.missing)
    if check.blocking:
        detail += " — blocked at: " + "; ".join(_hop(f.component_id or "", f.change) for f in check.blocking)
    link = f"[`{check.result.check_id}`]({check.doc_url})" if check.doc_url else f"`{check.result.check_id}`"
    return f"| {link} | {cell(check.title)} | {_status(check.result.status)} | {cell(detail)} |"


def _cluster(view: EvaluationView, where: str, only_failures: bool) -> list[str]:
    lines = [f"### {ICONS[view.status]} `{view.evaluation.resource_id}`{where}: {view.status.value}", ""]
    checks = [c for c in view.checks if not only_failures or c.result.status is Status.NON_COMPLIANT]
    if not view.checks:
        return [*lines, cell(view.evaluation.detail), ""]
    lines += ["| check | title | status | detail |", "| --- | --- | --- | --- |"]
    lines += [_check_row(check) for check in checks]
    return [*lines, ""]


def render_markdown(result: ScanResult, only_failures: bool = False) -> str:
    """The scan as Markdown; `only_failures` keeps NON_COMPLIANT clusters, checks and SGs."""
    summary = result.summary()
    account = f", account `{result.account}`" if result.account else ""
    lines = [
        "## eks-sg-rule scan",
        "",
        f"Level `{result.level.value}`, region(s) {', '.join(f'`{r}`' for r in result.regions)}{account}, "
        f"{result.generated_at.isoformat(timespec='seconds')}, eks-sg-rule {result.tool_version}.",
        "",
        "| | total | ✅ COMPLIANT | ❌ NON_COMPLIANT | ⚪ NOT_APPLICABLE |",
        "| --- | --- | --- | --- | --- |",
    ]
    labels = {"clusters": "clusters", "security_groups": "security groups", "network_components": "network components"}
    for key, counts in summary.items():
        label = labels[key]
        lines.append(
            f"| {label} | {counts['total']} | {counts['COMPLIANT']} | {counts['NON_COMPLIANT']} | "
            f"{counts['NOT_APPLICABLE']} |"
        )
    lines.append("")
    for view in result.clusters:
        if not only_failures or view.status is Status.NON_COMPLIANT:
            lines += _cluster(view, result.where(view), only_failures)
    groups = [v for v in result.security_groups if not only_failures or v.status is Status.NON_COMPLIANT]
    if groups:
        lines += [
            "### Security groups",
            "",
            "| SG | name | roles | clusters | status | detail |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        lines += [
            f"| `{v.evaluation.resource_id}` | {cell(v.group_name or '?')} | {', '.join(v.roles)} | "
            f"{cell(', '.join(v.clusters))} | {_status(v.status)} | {cell(v.evaluation.detail)} |"
            for v in groups
        ]
        lines.append("")
    components = [v for v in result.components if not only_failures or v.status is Status.NON_COMPLIANT]
    if components:
        lines += [
            "### Network components",
            "",
            "| component | type | on paths of | status | detail |",
            "| --- | --- | --- | --- | --- |",
        ]
        lines += [
            f"| `{v.evaluation.resource_id}` | {v.kind} | {cell(', '.join(v.clusters))} | {_status(v.status)} | "
            f"{cell(v.evaluation.detail)} |"
            for v in components
        ]
        lines.append("")
    return "\n".join(lines)
