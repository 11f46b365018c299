"""The command line's argument types and shared options (cli.py builds the parser with them).

`cluster_name` and `endpoint_url` are argparse types checked before any AWS call; `add_requirements`
adds `--requirements {2020,2026,latest}` (the rule's RequirementSet parameter) to a parser.
"""

from __future__ import annotations

import argparse
from urllib.parse import urlparse

from .names import CLUSTER_NAME
from .requirements import RequirementSet


def cluster_name(value: str) -> str:
    """An argparse type: a name EKS could have given a cluster, checked before any AWS call."""
    if not CLUSTER_NAME.fullmatch(value):  # names.CLUSTER_NAME: EKS CreateCluster, 1-100 characters
        shown = value if len(value) <= 40 else value[:40] + "…"
        raise argparse.ArgumentTypeError(
            f"{shown!r} ({len(value)} characters) is not an EKS cluster name: 1-100 letters, digits, "
            "hyphens and underscores, starting with a letter or digit"
        )
    return value


def endpoint_url(value: str) -> str:
    """An argparse type: an http(s) URL with a host."""
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise argparse.ArgumentTypeError(f"{value!r} is not a URL: expected http(s)://host[:port]")
    return value


def requirement_set(value: str) -> RequirementSet:
    """An argparse type: `2020`, `2026` or `latest` (RequirementSet.parse) -> the set; anything else is
    refused with the accepted values (argparse.ArgumentTypeError)."""
    try:
        return RequirementSet.parse(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def add_requirements(parser: argparse.ArgumentParser) -> None:
    """`--requirements {2020,2026,latest}` (default 2020), as `args.requirements` (a RequirementSet)."""
    parser.add_argument(
        "--requirements",
        type=requirement_set,
        default=RequirementSet.Y2020,
        metavar="{2020,2026,latest}",
        help="which AWS text the checks follow: 2020 (default; the 2020 requirement tables), 2026 (the EKS user "
        "guide today: cluster SG defaults and restricted minimum, owned or shared tag, EFA, hybrid nodes, "
        "security groups for pods) or latest (the newest set)",
    )
