"""What `eks-sg-rule fix` prints: per cluster the changes with their status, and what remains.

The engine's texts are written for the SSM remediation (`AllowTagRemoval`); a terminal user has
the `--allow-tag-removal` flag instead, so the words are swapped here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from ..plan import APPLIED, MANUAL, PLANNED, Change, Outcome
from .markdown import cell

STATUSES = ("planned", "applied", "manual", "failed")


def cli_words(text: str) -> str:
    """Engine text as a CLI user acts on it: the SSM parameter becomes the flag."""
    return text.replace("AllowTagRemoval", "--allow-tag-removal")


def where(change: Change) -> str:
    """What a change is on: its SG, and a network-path change's component (acl-…, rtb-…, vpce-…,
    nat-…, a cluster) beside it or alone: "sg-1", "acl-1", "sg-1 vpce-1"."""
    if change.component_id and change.component_id != change.security_group_id:
        return f"{change.security_group_id} {change.component_id}".strip()
    return change.security_group_id


def action_cell(change: Change) -> str:
    """The action column of a plan table: what eks-sg-rule does (authorize_ingress, create_tags, …);
    "—" for a manual change, which it does not make (the status column already says `manual`)."""
    return change.action if change.automatic else "—"


def change_status(outcome: Outcome, change: Change) -> str:
    """The change's status; an automatic change still `planned` in an applied outcome was applied
    (the engine applies every automatic change or raises)."""
    if outcome.applied and change.automatic and change.status == PLANNED:
        return APPLIED
    return change.status


def _change_json(outcome: Outcome, change: Change, status: str | None = None) -> dict[str, Any]:
    document = change.to_json()
    document["detail"] = cli_words(change.detail)
    document["status"] = status or change_status(outcome, change)
    return document


def outcome_json(outcome: Outcome) -> dict[str, Any]:
    """One cluster's document: {"cluster", "level", "changes", "applied", "remaining"}, CLI words."""
    document = outcome.to_json()
    document["changes"] = [_change_json(outcome, change) for change in outcome.changes]
    document["remaining"] = [_change_json(outcome, change, change.status) for change in outcome.remaining]
    return document


def fix_json(outcomes: Sequence[Outcome], region: str) -> dict[str, Any]:
    """One cluster: its outcome document as is. Several: {"level", "region", "clusters": [...], "summary"}."""
    if len(outcomes) == 1:
        return outcome_json(outcomes[0])
    counted = Counter(change_status(o, c) for o in outcomes for c in o.changes)
    return {
        "level": outcomes[0].level.value,
        "region": region,
        "clusters": [outcome_json(outcome) for outcome in outcomes],
        "summary": {
            "clusters": len(outcomes),
            "done": sum(1 for outcome in outcomes if outcome.done),
            "changes": {status: counted.get(status, 0) for status in STATUSES},
        },
    }


def _counts(outcome: Outcome) -> str:
    counted = Counter(change_status(outcome, change) for change in outcome.changes)
    return ", ".join(f"{counted[status]} {status}" for status in STATUSES if counted[status]) or "nothing to change"


def fix_table(outcomes: Sequence[Outcome]) -> str:
    """Per cluster: the counts by status, each change, and what the re-check still finds."""
    lines: list[str] = []
    for outcome in outcomes:
        lines.append(f"cluster {outcome.cluster} ({outcome.level.value} level): {_counts(outcome)}")
        lines += [
            f"  [{change_status(outcome, c)}] {'' if c.action == MANUAL else c.action + ' '}{where(c)} "
            f"({', '.join(c.checks)}): "
            f"{cli_words(c.detail)}"
            for c in outcome.changes
        ]
        if outcome.applied and outcome.remaining:
            lines.append(f"  still needed after applying: {len(outcome.remaining)} change(s)")
            lines += [f"    [{c.status}] {where(c)}: {cli_words(c.detail)}" for c in outcome.remaining]
        elif not outcome.applied and any(change.automatic for change in outcome.changes):
            lines.append("  run again with --apply to make the planned changes")
        lines.append("")
    return "\n".join(lines)


def fix_markdown(outcomes: Sequence[Outcome]) -> str:
    """One table per cluster: status, action, SG (or a network-path change's component), checks, detail."""
    lines = ["## eks-sg-rule fix", ""]
    for outcome in outcomes:
        lines += [f"### `{outcome.cluster}` ({outcome.level.value} level): {_counts(outcome)}", ""]
        if outcome.changes:
            lines += ["| status | action | SG | checks | detail |", "| --- | --- | --- | --- | --- |"]
            lines += [
                f"| {change_status(outcome, c)} | {action_cell(c)} | `{where(c)}` | {', '.join(c.checks)} | "
                f"{cell(cli_words(c.detail))} |"
                for c in outcome.changes
            ]
            lines.append("")
    return "\n".join(lines)
