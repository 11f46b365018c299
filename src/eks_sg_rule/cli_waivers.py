"""The CLI's `--waivers FILE` (scan and fix): read and check the file while the arguments are parsed,
apply the waivers to what `scan` reports, leave waived findings out of what `fix` plans and say so.

The document and its semantics are waivers.py's (README "Waivers"). An invalid file is a usage error:
one line on stderr, exit 2, before any AWS call. "Today" is the UTC date when the command runs.
"""

from __future__ import annotations

import argparse
import functools
import json
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from .evaluate import ResourceEvaluation
from .model import Snapshot
from .plan import Planner
from .results import CheckResult
from .settings import Scope
from .waivers import Waiver, WaiverError, apply_waivers, parse_waivers, unwaived


def today() -> date:
    """The UTC date now: a waiver applies through its `expires` day in UTC."""
    return datetime.now(UTC).date()


def waivers_file(path: str) -> tuple[Waiver, ...]:
    """An argparse type: the waivers of the YAML file at `path`. Raises argparse.ArgumentTypeError
    (one line: the file, the entry and the field) when it cannot be read or is not a valid document."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        raise argparse.ArgumentTypeError(f"cannot read {path}: {reason}") from None
    try:
        return parse_waivers(text, path)
    except WaiverError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def add_waivers_argument(parser: argparse.ArgumentParser) -> None:
    """`--waivers FILE` on `parser` (the options scan and fix share)."""
    parser.add_argument(
        "--waivers",
        type=waivers_file,
        metavar="FILE",
        help="YAML list of waivers (check, resource id or glob, reason, expires YYYY-MM-DD): a waived failure "
        "does not make its resource NON_COMPLIANT, and fix does not plan it (README: Waivers)",
    )


def _waivers(args: argparse.Namespace) -> tuple[Waiver, ...]:
    return tuple(getattr(args, "waivers", None) or ())


def waived(args: argparse.Namespace, evaluations: Iterable[ResourceEvaluation]) -> tuple[ResourceEvaluation, ...]:
    """scan: the evaluations with `--waivers` applied today (unchanged without the flag)."""
    return tuple(apply_waivers(evaluations, _waivers(args), today()))


def waivable(scope: Scope, args: argparse.Namespace) -> Scope:
    """fix: `scope` planning without the findings a live waiver names (unchanged without `--waivers`)."""
    waivers = _waivers(args)
    if not waivers:
        return scope
    return replace(scope, waive=functools.partial(_kept, waivers=waivers, on=today()))


def _kept(results: list[CheckResult], waivers: Sequence[Waiver], on: date) -> list[CheckResult]:
    return unwaived(results, waivers, on)[0]


def waived_in_plan(text: str, args: argparse.Namespace, before: Snapshot, names: Sequence[str], scope: Scope) -> str:
    """fix: the rendered plan `text` with what `--waivers` left out of it: under "waived" in JSON (a
    list of lines), a "Waived, not planned" list in Markdown and the table. Unchanged when nothing
    was waived. `before`: the snapshot the plan was made from; `scope` without waivers."""
    waivers = _waivers(args)
    notes: list[str] = []
    # Every name is in `before` (fix refused the run otherwise); the plan's own results, unwaived.
    for name in (n for n in names if waivers and n in before.topologies):
        results = Planner(before.topologies[name], scope).results()
        notes += [f"{name}: {note}" for note in unwaived(results, waivers, today())[1]]
    if not notes:
        return text
    if args.format == "json":
        document = json.loads(text)
        document["waived"] = notes
        return json.dumps(document, indent=2) + "\n"
    if args.format == "markdown":
        return text.rstrip("\n") + "\n\n**Waived, not planned**\n\n" + "".join(f"- {n}\n" for n in notes)
    return text.rstrip("\n") + "\n\nWaived, not planned:\n" + "".join(f"  {n}\n" for n in notes)
