"""The terminal table: clusters with their checks, then the SGs with names and roles, then the network
components (NetworkPath: network ACLs, route tables, VPC endpoints, NAT gateways), then the counts."""

from __future__ import annotations

from ..results import Status
from .scan import EvaluationView, ScanResult

_COLOURS = {Status.COMPLIANT: "32", Status.NON_COMPLIANT: "31", Status.NOT_APPLICABLE: "33"}


def _paint(text: str, status: Status, colour: bool, width: int = 0) -> str:
    padded = f"{text:<{width}}"
    return f"\033[{_COLOURS[status]}m{padded}\033[0m" if colour else padded


def summary_lines(result: ScanResult) -> list[str]:
    """`clusters: 5 (1 COMPLIANT, ...)`, `security groups: 9 (...)` and, when the scan judged any,
    `network components: 4 (...)`: never one count for two kinds."""
    lines = []
    summary = result.summary()
    labels = {"clusters": "clusters", "security_groups": "security groups", "network_components": "network components"}
    for label, counts in ((labels[key], counts) for key, counts in summary.items()):
        parts = ", ".join(f"{n} {status}" for status, n in counts.items() if status != "total" and n)
        lines.append(f"{label}: {counts['total']}" + (f" ({parts})" if parts else ""))
    return lines


def render_table(result: ScanResult, only_failures: bool = False, colour: bool = False) -> str:
    """The scan as text for a terminal; `only_failures` keeps NON_COMPLIANT clusters, checks and SGs."""
    lines = [
        f"Level: {result.level.value} · region(s): {', '.join(result.regions)}"
        + (f" · account {result.account}" if result.account else ""),
        "",
    ]
    clusters = [v for v in result.clusters if not only_failures or v.status is Status.NON_COMPLIANT]
    width = max((len(c.result.check_id) for v in clusters for c in v.checks), default=12)
    for view in clusters:
        status = view.status
        lines.append(
            f"cluster {view.evaluation.resource_id}{result.where(view)}: {_paint(status.value, status, colour)}"
        )
        checks = [c for c in view.checks if not only_failures or c.result.status is Status.NON_COMPLIANT]
        if not view.checks:
            lines.append(f"  {view.evaluation.detail}")
        for check in checks:
            check_status = check.result.status
            lines.append(
                f"  {check.result.check_id:<{width}}  {_paint(check_status.value, check_status, colour, 14)}  "
                f"{check.result.detail}"
            )
            lines += [
                f"    blocked at {f.component_id}" + (f": {f.change}" if f.change else "") for f in check.blocking
            ]
        lines.append("")
    groups = [v for v in result.security_groups if not only_failures or v.status is Status.NON_COMPLIANT]
    if groups:
        lines.append("security groups:")
        id_width = max(len(v.evaluation.resource_id) for v in groups)
        name_width = max(len(v.group_name or "?") for v in groups)
        roles = {id(v): f"{', '.join(v.roles) or 'no role'} of {', '.join(v.clusters) or '-'}" for v in groups}
        role_width = max(len(text) for text in roles.values())
        for view in groups:
            status = view.status
            lines.append(
                f"  {view.evaluation.resource_id:<{id_width}}  {view.group_name or '?':<{name_width}}  "
                f"{roles[id(view)]:<{role_width}}  {_paint(status.value, status, colour, 14)}  {view.evaluation.detail}"
            )
        lines.append("")
    components = [v for v in result.components if not only_failures or v.status is Status.NON_COMPLIANT]
    lines += component_lines(result, components, colour)
    if only_failures and not clusters and not groups and not components:
        lines += ["nothing NON_COMPLIANT", ""]
    lines += summary_lines(result)
    return "\n".join(lines) + "\n"


def component_lines(result: ScanResult, components: list[EvaluationView], colour: bool) -> list[str]:
    """The "network components:" section: id, what it is, the clusters whose paths cross it, verdict, detail."""
    if not components:
        return []
    id_width = max(len(v.evaluation.resource_id) for v in components)
    kind_width = max(len(v.kind) for v in components)
    crossing = {id(v): f"on paths of {', '.join(v.clusters) or '-'}{result.where(v)}" for v in components}
    cross_width = max(len(text) for text in crossing.values())
    lines = ["network components:"]
    for view in components:
        status = view.status
        lines.append(
            f"  {view.evaluation.resource_id:<{id_width}}  {view.kind:<{kind_width}}  "
            f"{crossing[id(view)]:<{cross_width}}  "
            f"{_paint(status.value, status, colour, 14)}  {view.evaluation.detail}"
        )
    return [*lines, ""]
