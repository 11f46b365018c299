"""The terminal table: clusters with their checks, then the SGs with names and roles, then the network
components (NetworkPath: network ACLs, route tables, VPC endpoints, NAT gateways), then the counts."""

from __future__ import annotations

import re
import textwrap

from ..results import Status
from .scan import EvaluationView, ScanResult

_COLOURS = {Status.COMPLIANT: "32", Status.NON_COMPLIANT: "31", Status.NOT_APPLICABLE: "33"}
_ANSI = re.compile(r"\033\[[0-9;]*m")
WIDTH = 120  # columns when the output is not a terminal
_CONTINUATION = 6  # how far a wrapped detail's further lines are indented
_FIRST_ROOM = 30  # below this many columns left after a row's fields, its detail starts on the next line


def fit(row: str, detail: str, width: int | None) -> list[str]:
    """A row's fields (`row`, ANSI colours allowed) followed by its detail, as lines of at most `width`
    visible columns: one line when it fits, else the detail wrapped at spaces with its further lines
    indented (a single word longer than the width stays whole). `width` None: one line, never wrapped."""
    visible = len(_ANSI.sub("", row))
    if width is None or visible + len(detail) <= width:
        return [row + detail]
    indent = " " * _CONTINUATION
    wrap = textwrap.TextWrapper(width=width, subsequent_indent=indent, break_long_words=False, break_on_hyphens=False)
    if width - visible < _FIRST_ROOM:
        wrap.initial_indent = indent
        return [row.rstrip(), *wrap.wrap(detail)]
    wrap.initial_indent = " " * visible
    first, *rest = wrap.wrap(detail)
    return [row + first[visible:], *rest]


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


def render_table(
    result: ScanResult, only_failures: bool = False, colour: bool = False, width: int | None = None
) -> str:
    """The scan as text for a terminal; `only_failures` keeps NON_COMPLIANT clusters, checks and SGs.
    `width`: the columns a line may take (the CLI gives the terminal's, else WIDTH); a longer detail is
    wrapped with an indent (see fit); None keeps every row on one line."""
    lines = [
        f"Level: {result.level.value} · region(s): {', '.join(result.regions)}"
        + (f" · account {result.account}" if result.account else ""),
        "",
    ]
    clusters = [v for v in result.clusters if not only_failures or v.status is Status.NON_COMPLIANT]
    id_width = max((len(c.result.check_id) for v in clusters for c in v.checks), default=12)
    for view in clusters:
        status = view.status
        lines.append(
            f"cluster {view.evaluation.resource_id}{result.where(view)}: {_paint(status.value, status, colour)}"
        )
        checks = [c for c in view.checks if not only_failures or c.result.status is Status.NON_COMPLIANT]
        if not view.checks:
            lines += fit("  ", view.evaluation.detail, width)
        for check in checks:
            check_status = check.result.status
            lines += fit(
                f"  {check.result.check_id:<{id_width}}  {_paint(check_status.value, check_status, colour, 14)}  ",
                check.result.detail,
                width,
            )
            for finding in check.blocking:
                lines += fit(
                    f"    blocked at {finding.component_id}", f": {finding.change}" if finding.change else "", width
                )
        lines.append("")
    groups = [v for v in result.security_groups if not only_failures or v.status is Status.NON_COMPLIANT]
    if groups:
        lines.append("security groups:")
        sg_width = max(len(v.evaluation.resource_id) for v in groups)
        name_width = max(len(v.group_name or "?") for v in groups)
        roles = {id(v): f"{', '.join(v.roles) or 'no role'} of {', '.join(v.clusters) or '-'}" for v in groups}
        role_width = max(len(text) for text in roles.values())
        for view in groups:
            status = view.status
            lines += fit(
                f"  {view.evaluation.resource_id:<{sg_width}}  {view.group_name or '?':<{name_width}}  "
                f"{roles[id(view)]:<{role_width}}  {_paint(status.value, status, colour, 14)}  ",
                view.evaluation.detail,
                width,
            )
        lines.append("")
    components = [v for v in result.components if not only_failures or v.status is Status.NON_COMPLIANT]
    lines += component_lines(result, components, colour, width)
    if only_failures and not clusters and not groups and not components:
        lines += ["nothing NON_COMPLIANT", ""]
    lines += summary_lines(result)
    return "\n".join(lines) + "\n"


def component_lines(
    result: ScanResult, components: list[EvaluationView], colour: bool, width: int | None = None
) -> list[str]:
    """The "network components:" section: id, what it is, the clusters whose paths cross it, verdict, detail
    (wrapped to `width` as render_table says)."""
    if not components:
        return []
    id_width = max(len(v.evaluation.resource_id) for v in components)
    kind_width = max(len(v.kind) for v in components)
    crossing = {id(v): f"on paths of {', '.join(v.clusters) or '-'}{result.where(v)}" for v in components}
    cross_width = max(len(text) for text in crossing.values())
    lines = ["network components:"]
    for view in components:
        status = view.status
        lines += fit(
            f"  {view.evaluation.resource_id:<{id_width}}  {view.kind:<{kind_width}}  "
            f"{crossing[id(view)]:<{cross_width}}  {_paint(status.value, status, colour, 14)}  ",
            view.evaluation.detail,
            width,
        )
    return [*lines, ""]
