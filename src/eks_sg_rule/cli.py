"""Command line: `eks-sg-rule scan` runs the rule's engine read-only; `fix` plans and applies repairs.

Exit codes: 0 nothing NON_COMPLIANT, 1 something NON_COMPLIANT (or, as `--fail-on not-applicable` and
`--fail-if-empty` ask, something not judged or no cluster found), 2 usage, AWS or any other error
(one line on stderr; `--debug` adds the traceback), 130 when interrupted. A crash never exits 1.
Accounts and regions: targets.py; the flags beyond the basics: cli_args.py.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import shutil
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import NoReturn, TextIO

from .aws.clients import client_config
from .cli_args import (
    Once,
    add_account_flags,
    add_pipeline_flags,
    add_requirements,
    add_scope_flags,
    cluster_name,
    endpoint_url,
    exempt_ids,
    exit_code,
    region_name,
)
from .cli_waivers import add_waivers_argument, waivable, waived, waived_in_plan
from .discovery import Discovery
from .evaluate import evaluate
from .model import Snapshot
from .plan import Outcome, preview
from .remediation import remediate
from .report.errors import OutputError, UsageError, describe_error
from .report.fix_code import render_fix
from .report.markdown import render_markdown
from .report.progress import CountingEks, Progress
from .report.scan import RegionScan, ScanResult, build_result
from .report.standard import render_standard
from .report.table import WIDTH, render_table
from .requirements import Level
from .settings import Settings
from .targets import Target, targets_of
from .version import tool_version

__all__ = ["Target", "main"]

EXIT_OK, EXIT_NON_COMPLIANT, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 130
SCAN_FORMATS = ("table", "json", "markdown", "html", "csv", "ocsf")
FIX_FORMATS = ("table", "json", "markdown", "aws-cli", "terraform")
# The formats that print the plan as code for a person to run or commit: they never apply.
CODE_FORMATS = ("aws-cli", "terraform")


class _Parser(argparse.ArgumentParser):
    """argparse with its errors raised as UsageError: main prints them as one line and exits 2."""

    def error(self, message: str) -> NoReturn:
        """Raise instead of printing usage and exiting: the message stays one line."""
        raise UsageError(f"{message} (see {self.prog} --help)")


def _common(several_regions: bool) -> _Parser:
    """The flags scan and fix share; scan reads several accounts and regions in one run, fix one."""
    common = _Parser(add_help=False)
    common.add_argument(
        "--region",
        action="append" if several_regions else Once,
        type=region_name,
        metavar="REGION",
        help=("AWS region; repeat to scan several" if several_regions else "AWS region (one)")
        + " (default: AWS_REGION, else AWS_DEFAULT_REGION, else the profile's)",
    )
    add_account_flags(common, several=several_regions)
    common.add_argument(
        "--endpoint-url", action=Once, type=endpoint_url, metavar="URL", help="send every AWS call here (an emulator)"
    )
    common.add_argument(
        "--level",
        action=Once,
        choices=[level.value for level in Level],
        default=Level.MINIMUM.value,
        help="minimum: the 3 checks AWS requires (default); recommended: all 8, AWS's recommended rules too",
    )
    common.add_argument(
        "--network-path",
        action="store_true",
        help="also judge the network paths: network ACLs, routes, VPC endpoints and the API endpoint's access "
        "list on every required flow (NACL_MINIMUM, NACL_RECOMMENDED, NODE_EGRESS_AWS_APIS; never changed by fix)",
    )
    add_requirements(common)
    common.add_argument(
        "--output", action=Once, metavar="FILE", help="write the report to FILE instead of standard output"
    )
    common.add_argument("--debug", action="store_true", help="on an error, print the traceback too")
    add_scope_flags(common)
    add_waivers_argument(common)
    return common


def _parser() -> argparse.ArgumentParser:

    parser = _Parser(
        prog="eks-sg-rule",
        description="Check EKS clusters' security groups against AWS's EKS security group requirements.",
        epilog="Exit codes: 0 nothing NON_COMPLIANT, 1 something NON_COMPLIANT (see scan --fail-on, "
        "--fail-if-empty), 2 usage, AWS or other error, 130 interrupted.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {tool_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    scan = commands.add_parser(
        "scan", parents=[_common(True)], help="evaluate clusters read-only; never writes to AWS Config"
    )
    scan.add_argument(
        "--cluster",
        action="append",
        type=cluster_name,
        metavar="NAME",
        help="evaluate only this cluster; repeat the flag for several (default: every cluster of the region)",
    )
    scan.add_argument(
        "--format",
        action=Once,
        choices=SCAN_FORMATS,
        default="table",
        help="table (default, for a terminal), json (for pipelines), markdown (CI job summary, PR comment), "
        "html (one self-contained file with a picture of each cluster; use --output), csv (one row per resource "
        "and check), ocsf (OCSF Compliance Finding events, one per resource and check, as a JSON array)",
    )
    scan.add_argument(
        "--only-failures", action="store_true", help="table and markdown: show only NON_COMPLIANT clusters and SGs"
    )
    add_pipeline_flags(scan)
    fix = commands.add_parser(
        "fix", parents=[_common(False)], help="plan (and with --apply, make) the SG changes a cluster needs to pass"
    )
    fix.add_argument(
        "--cluster",
        action="append",
        required=True,
        type=cluster_name,
        metavar="NAME",
        help="a cluster to fix; repeat the flag for several",
    )
    fix.add_argument(
        "--format",
        action=Once,
        choices=FIX_FORMATS,
        default="table",
        help="table (default), json, markdown, aws-cli (the `aws ec2` commands, one per change) or terraform "
        "(aws_vpc_security_group_*_rule and aws_ec2_tag resources); aws-cli and terraform never apply",
    )
    fix.add_argument("--apply", action="store_true", help="make the changes (default: print the plan only)")
    fix.add_argument(
        "--allow-tag-removal", action="store_true", help="remove a duplicate kubernetes.io/cluster/<name> tag"
    )
    fix.add_argument(
        "--trust-node-tags",
        action="store_true",
        help="also change SGs of nodes known to belong to the cluster only by tags anyone with ec2:CreateTags "
        "can set (default: such changes are planned as manual)",
    )
    return parser


# --- AWS ----------------------------------------------------------------------------------------


def _read(discovery: Discovery, names: list[str] | None) -> tuple[Snapshot, list[str]]:
    """A snapshot and the named clusters that do not exist.

    Named clusters: only those are read, with the clusters that the network interfaces carrying
    their SGs point to (so DEDICATED_CP_SG knows what is shared), at every level.
    """
    if names is None:
        return discovery.snapshot(), []
    snapshot = discovery.snapshot(clusters=names)
    return snapshot, list(snapshot.missing)


def _missing_error(missing: dict[str, list[str]], regions: list[str]) -> UsageError:
    where = ", ".join(regions)
    names = ", ".join(missing)
    return UsageError(f"cluster(s) not found in {where}: {names}")


def _settings(args: argparse.Namespace) -> Settings:
    """The rule's parameters from the flags: --level, --exempt-sg, --cluster-name-pattern."""
    return Settings(
        level=Level(args.level),
        exempt_sg_ids=exempt_ids(args.exempt_sg),
        cluster_name_pattern=args.cluster_name_pattern,
        network_path=args.network_path,
        requirement_set=args.requirements,
    )


def scan(args: argparse.Namespace, out: TextIO) -> int:
    """Read every account and region asked for, judge, render, write; 1 when something is NON_COMPLIANT
    (and as --fail-on and --fail-if-empty ask: cli_args.exit_code)."""
    targets, regions = targets_of(args)
    settings = _settings(args)
    names: list[str] | None = list(dict.fromkeys(args.cluster)) if args.cluster else None
    scans: list[RegionScan] = []
    absent: dict[str, list[str]] = {}
    accounts: list[str | None] = []
    for target in targets:
        account = target.account(regions[0])
        accounts.append(account)
        for region in regions:
            eks, ec2 = target.eks_ec2(region)
            progress = Progress(sys.stderr, region)
            if names is not None:
                progress.add_total(len(names))
            try:
                discovery = Discovery(
                    eks=CountingEks(eks, progress),
                    ec2=ec2,
                    network_path=settings.network_path,
                    requirement_set=settings.requirement_set,
                )
                snapshot, missing = _read(discovery, names)
            finally:
                progress.finish()
            for name in missing:
                absent.setdefault(name, []).append(region)
            wanted = None if names is None else [name for name in names if name not in missing]
            evaluations = evaluate(snapshot, settings, clusters=wanted)
            scans.append(RegionScan(region, snapshot, waived(args, evaluations), account))
    # A named cluster must exist in some account and region scanned: a typo must not pass in CI.
    nowhere = {name: where for name, where in absent.items() if len(where) == len(regions) * len(targets)}
    if nowhere:
        raise _missing_error(nowhere, regions)
    # One account: the document's `account`; several: null there, each evaluation has its own.
    account = accounts[0] if len(set(accounts)) == 1 else None
    result = build_result(settings.level, scans, account, datetime.now(UTC), tool_version())
    text = _render_scan(result, args, out)
    code = exit_code(result, settings, args.fail_on, args.fail_if_empty)
    _write(text, args.output, out)
    return code


def _render_scan(result: ScanResult, args: argparse.Namespace, out: TextIO) -> str:
    if args.format == "json":
        return json.dumps(result.to_json(), indent=2) + "\n"
    if args.format == "markdown":
        return render_markdown(result, only_failures=args.only_failures)
    if args.format in ("csv", "ocsf"):
        return render_standard(result, args.format)
    if args.format == "html":
        # matplotlib is imported only here: the Lambda artifact does not carry it.
        from .report.html import render_html  # noqa: PLC0415

        return render_html(result, _plans(result, _settings(args)))
    colour = args.output is None and out.isatty() and not os.environ.get("NO_COLOR")
    width = shutil.get_terminal_size((WIDTH, 24)).columns if out.isatty() else WIDTH
    return render_table(result, only_failures=args.only_failures, colour=colour, width=width)


def _plans(result: ScanResult, settings: Settings | None = None) -> dict[tuple[str, str], Outcome]:
    """The fix plan of every NON_COMPLIANT cluster, from the snapshot already read (no AWS call, no change).

    A cluster the rule judges but the remediation would not write to (UPDATING: settings.refusal
    for writing) has no plan: its report shows the findings alone."""
    settings = settings or Settings(level=result.level)
    scope = settings.scope()
    return {
        (view.region, view.evaluation.resource_id): preview(view.topology, scope)
        for view in result.clusters
        if view.topology is not None
        and view.status.value == "NON_COMPLIANT"
        and scope.refusal(view.topology.cluster) is None
    }


def fix(args: argparse.Namespace, out: TextIO) -> int:
    """Plan (or apply) each named cluster's repairs; 0 when nothing is left to do."""
    [target], [region] = targets_of(args)  # fix: one --profile, one --account, one --region
    settings = _settings(args)
    if args.apply and args.format in CODE_FORMATS:
        raise UsageError(f"--format {args.format} prints the plan as code and never applies: drop --apply")
    names = list(dict.fromkeys(args.cluster))
    eks, ec2 = target.eks_ec2(region)
    # IAM: the RoleIds EKS creates control-plane interfaces under (remediation.control_plane_role_ids).
    iam = target.client("iam", region, client_config("eks-sg-rule", env_may_override=True))
    discovery = Discovery(eks=eks, ec2=ec2, network_path=args.network_path, requirement_set=args.requirements)
    # Every name is checked before anything is changed: a typo must not leave a half-applied run.
    # The view before is the whole region, read once: a change must know every other cluster that
    # uses an SG (an idle node group's launch template shows on no network interface). Each
    # cluster is read once more, alone, after applying.
    before = discovery.snapshot()
    known = set(before.topologies) | set(before.unreadable_clusters)
    missing = [name for name in names if name not in known]
    if missing:
        raise _missing_error({name: [region] for name in missing}, [region])
    # A cluster that cannot be fixed (not ACTIVE) stops the run before anything is written.
    scope = settings.scope(allow_tag_removal=args.allow_tag_removal, trust_node_tags=args.trust_node_tags)
    refused = [
        why for name in names if name in before.topologies and (why := scope.refusal(before.topologies[name].cluster))
    ]
    unreadable = [before.unreadable_clusters[name] for name in names if name in before.unreadable_clusters]
    if refused or unreadable:
        raise UsageError("; ".join([*refused, *unreadable]) + ": nothing was changed")
    outcomes: list[Outcome] = []
    for name in names:
        outcomes.append(
            remediate(
                functools.partial(discovery.snapshot, clusters=[name]),
                ec2,
                iam,
                name,
                scope=waivable(scope, args),
                apply_changes=args.apply,
                before=before,
            )
        )
    text = render_fix(outcomes, region, args.format)
    _write(waived_in_plan(text, args, before, names, scope), args.output, out)
    return EXIT_OK if all(outcome.done for outcome in outcomes) else EXIT_NON_COMPLIANT


# --- output and errors --------------------------------------------------------------------------


def _silence(out: TextIO) -> None:
    """Point stdout's descriptor at /dev/null: the interpreter's last flush must not fail again."""
    if out is sys.stdout:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def _write(text: str, path: str | None, out: TextIO) -> None:
    """Write the report to the file or to `out`; a closed pipe ends quietly, a full disk is an error."""
    if path:
        try:
            Path(path).write_text(text, encoding="utf-8")
        except OSError as error:
            raise OutputError(f"could not write {path}: {error.strerror or error}") from None
        return
    try:
        out.write(text)
        out.flush()
    except BrokenPipeError:
        _silence(out)  # `scan | head -1`: the reader has what it wanted
    except OSError as error:
        _silence(out)
        raise OutputError(f"could not write the report: {error.strerror or error}") from None


def _on_interrupt(signum: int, frame: object) -> None:
    """Ctrl-C. During the concurrent cluster reads the reader threads would hold the exit (the pool
    waits for them) until their calls time out, so leave at once: nothing was written yet."""
    if any(t.is_alive() and not t.daemon and t is not threading.main_thread() for t in threading.enumerate()):
        print("eks-sg-rule: interrupted", file=sys.stderr, flush=True)
        os._exit(EXIT_INTERRUPTED)
    raise KeyboardInterrupt


def _handle_interrupts() -> Callable[[], None]:
    """Install the Ctrl-C handler (main thread only); returns what puts the previous one back."""
    try:
        previous = signal.signal(signal.SIGINT, _on_interrupt)
    except ValueError:  # not the main thread: signals are not ours to handle
        return lambda: None

    def restore() -> None:
        signal.signal(signal.SIGINT, previous)

    return restore


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """`eks-sg-rule`: parse, run, and turn every failure into one line on stderr and exit code 2."""
    out = out or sys.stdout
    arguments = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in arguments
    endpoint: str | None = None
    restore = _handle_interrupts()
    try:
        args = _parser().parse_args(arguments)
        endpoint = args.endpoint_url
        return scan(args, out) if args.command == "scan" else fix(args, out)
    except KeyboardInterrupt:
        print("eks-sg-rule: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as error:
        if debug:
            traceback.print_exc()
        print(f"eks-sg-rule: error: {describe_error(error, endpoint)}", file=sys.stderr)
        return EXIT_ERROR
    finally:
        restore()
