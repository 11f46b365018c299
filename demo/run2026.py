"""The demo's "2026 requirement set" section (demo/run.py calls it last): seeds the 2026 clusters in a
VPC of their own (demo/seed2026.py) and scans them with `--requirements 2026`, and AWS's restricted
cluster SG also under 2020, where CLUSTER_SG_RULES (recommended) fails it. Not product code.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

CLUSTERS = """\
  shared-tag             nodes with two SGs, the node SG tagged kubernetes.io/cluster/shared-tag=shared: NODE_TAG
                         passes (owned or shared); under 2020 TAG_OWNED fails it (it wants owned).
  restricted-cluster-sg  AWS's "Restricting cluster traffic" layout: the cluster SG's all-traffic egress replaced by
                         TCP 443, TCP 10250, TCP and UDP 53 to itself. Passes 2026; fails CLUSTER_SG_RULES under 2020.
  efa-training           BROKEN ON PURPOSE: EFA nodes on a cluster SG without the outbound rule to itself:
                         CLUSTER_SG_DEFAULT_RULES fails.
  hybrid-edge            BROKEN ON PURPOSE: hybrid nodes; the control plane's SGs admit TCP 443 from the remote node
                         CIDR but not from the remote pod CIDR: HYBRID_NODES_NETWORK fails (a manual change).
  pods-sg-dns            BROKEN ON PURPOSE: security groups for pods; the pod SG sends only TCP 443: no DNS,
                         POD_SG_MINIMUM fails.
"""
EXIT_CODES = {
    0: "nothing is NON_COMPLIANT",
    1: "something is NON_COMPLIANT, as expected for the clusters broken on purpose (or the 2020 text)",
}


def section(
    clients: Callable[[str], Any], region: str, target: Sequence[str], cli_main: Callable[[list[str]], int]
) -> int:
    """Seed the 2026 clusters through `clients(service)` and run the scans; the worst exit code."""
    from demo.seed2026 import CLUSTERS_2026, seed_2026  # noqa: PLC0415

    print("=" * 100)
    print("2026 requirement set (--requirements 2026): the EKS user guide as AWS publishes it today")
    print("=" * 100)
    account = seed_2026(clients("ec2"), clients("eks"), region=region)
    print(f"Seeded in their own VPC {account.vpc_id}: {', '.join(account.clusters)}\n")
    print(CLUSTERS)
    named = [argument for name in CLUSTERS_2026 for argument in ("--cluster", name)]
    commands = [
        ["scan", *target, "--requirements", "2026", *named],
        # The same restricted cluster SG under the 2020 text: its recommended CLUSTER_SG_RULES wants
        # all traffic to 0.0.0.0/0.
        ["scan", *target, "--requirements", "2020", "--level", "recommended", "--cluster", "restricted-cluster-sg"],
        # What fix would do under 2026 (the plan only: the hybrid CIDR rule is manual).
        ["fix", *target, "--requirements", "2026", "--cluster", "efa-training", "--cluster", "pods-sg-dns"],
        ["fix", *target, "--requirements", "2026", "--cluster", "hybrid-edge"],
    ]
    worst = 0
    for command in commands:
        print(f"$ eks-sg-rule {' '.join(command)}")
        code = cli_main(command)
        print(f"(exit code {code}: {EXIT_CODES.get(code, 'an error') if command[0] == 'scan' else _fix(code)})\n")
        worst = max(worst, code)
    return worst


def _fix(code: int) -> str:
    return {0: "nothing left to change", 1: "changes are needed: run with --apply (or some are for a person)"}.get(
        code, "an error"
    )
