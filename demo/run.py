"""`make demo`: scan realistic EKS clusters in an embedded local AWS emulator; no AWS account needed.

Starts moto's server in this process on a loopback port, fills moto's gaps (demo/moto_gaps.py), seeds
it (demo/seed.py, and demo/network_paths.py's four clusters in two VPCs of their own), then runs the
real `eks-sg-rule scan` against it at both levels, writes the HTML report, repairs one cluster, and
last scans the network-path clusters with `--network-path` (their whole verdicts, and an HTML report).
Fake credentials only: nothing leaves the machine.
"""

from __future__ import annotations

import io
import logging
import os
import sys
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

REGION = "us-east-1"
ROOT = Path(__file__).resolve().parents[1]
REPORT = ROOT / "build" / "demo-report.html"
PATHS_REPORT = ROOT / "build" / "demo-network-paths.html"

# What each seeded cluster is, and why three are broken on purpose.
CLUSTERS = """\
  prod-managed     EKS defaults plus eksctl's control-plane SG: passes every check.
  kubelet-blocked  BROKEN ON PURPOSE: terraform-aws-eks-style node SG that does not admit TCP 10250 (kubelet)
                   from the control plane, so `kubectl logs/exec` would hang: WORKER_SG_MINIMUM fails.
  two-owned        BROKEN ON PURPOSE: the node SG and the cluster SG both carry kubernetes.io/cluster/two-owned=owned,
                   so the AWS Load Balancer Controller cannot pick one: TAG_OWNED fails.
  legacy-113       the pre-1.14 CloudFormation quick-start: no cluster SG (the cluster-SG checks do not apply).
  dual-stack-v4    terraform-aws-eks v21 defaults on an IPv4 cluster in a dual-stack VPC: passes minimum (IPv6
                   addresses of an IPv4 cluster need no IPv4 rule); at recommended its node SG lacks 1025-65535.
  custom-networking BROKEN ON PURPOSE: pods on a secondary interface (VPC CNI custom networking) whose SG is the
                   VPC's default SG, which the control plane does not admit: CP_SG_MINIMUM fails.
  fargate-only     all pods on Fargate: the worker checks do not apply (NOT_APPLICABLE, not a data gap).
  no-nodes         a new cluster with no worker node yet: NOT_APPLICABLE, the node checks cannot judge.

In two VPCs of their own, four clusters for the network-path checks (option --network-path; without it they
pass, their SGs being EKS's defaults):
  nacl-blocked     BROKEN ON PURPOSE: the node subnets' network ACL has no outbound rule for the ephemeral ports
                   back to the control-plane subnets, so kubelet's replies are dropped: NACL_MINIMUM fails.
  private-no-ecr   BROKEN ON PURPOSE: private endpoint only, nodes in private subnets with no NAT gateway and the S3
                   gateway endpoint but no ECR interface endpoints: no way to ECR, NODE_EGRESS_AWS_APIS fails.
  public-cidrs     BROKEN ON PURPOSE: public endpoint only, publicAccessCidrs 198.51.100.0/24 excludes the NAT
                   gateway's address 203.0.113.7 the nodes leave from: NODE_EGRESS_AWS_APIS fails.
  paths-ok         ECR api/dkr interface endpoints (private DNS), the S3 gateway endpoint on the nodes' route table,
                   network ACLs that allow the flows, a NAT gateway: passes every path check.
"""
PATH_CLUSTERS = ("nacl-blocked", "private-no-ecr", "public-cidrs", "paths-ok")
EXIT_CODES = {
    ("scan", 0): "nothing is NON_COMPLIANT",
    ("scan", 1): "something is NON_COMPLIANT, as expected: kubelet-blocked, two-owned and custom-networking "
    "are broken on purpose",
    ("paths", 0): "nothing is NON_COMPLIANT",
    ("paths", 1): "something is NON_COMPLIANT, as expected: nacl-blocked, private-no-ecr and public-cidrs are "
    "broken on purpose",
    ("fix", 0): "nothing left to change",
    ("fix", 1): "changes are needed: run with --apply (or some are for a person)",
}

NETWORK_PATH_SECTION = """\
With --network-path the rule also judges the network ACLs, routes and VPC endpoints on every required path,
and the nodes' way to the EKS API, ECR and S3 (read per VPC; never written: the changes are for a person).
"""


def verdict_lines(report: str) -> str:
    """The network-path scan's table as the demo shows it: each cluster's whole verdict (its line and
    its checks' lines, findings in full) and the clusters' count; the per-resource rows (SGs and the
    network components, named in the checks' details too) are left out."""
    cuts = [i for i in (report.find("\nsecurity groups:\n"), report.find("\nnetwork components:\n")) if i >= 0]
    if not cuts:
        return report.rstrip("\n")
    head = report[: min(cuts)]
    summary = [line for line in report.splitlines() if line.startswith("clusters: ")]
    return "\n".join([head.rstrip("\n"), "", *summary])


def print_components(components: dict[str, str]) -> None:
    """The network-path clusters' network components, one per line with its role."""
    print("The network-path clusters' network components:")
    for role, component in components.items():
        print(f"  {component:<24} {role}")
    print()


def main() -> int:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        os.environ[name] = value
    os.environ.pop("AWS_PROFILE", None)

    import boto3
    from moto.server import ThreadedMotoServer

    from demo.moto_gaps import fill_moto_gaps
    from demo.moto_gaps2026 import fill_2026_gaps
    from demo.network_paths import seed_network_paths
    from demo.run2026 import section as section_2026
    from demo.seed import seed_account
    from eks_sg_rule.cli import EXIT_ERROR
    from eks_sg_rule.cli import main as cli_main

    fill_moto_gaps()
    fill_2026_gaps()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the emulator's request log
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    try:
        ec2 = boto3.client("ec2", region_name=REGION, endpoint_url=endpoint)
        eks = boto3.client("eks", region_name=REGION, endpoint_url=endpoint)
        account = seed_account(ec2, eks, region=REGION)
        network = seed_network_paths(ec2, eks, region=REGION)
        print(
            f"Local AWS emulator at {endpoint}; seeded clusters: {', '.join([*account.clusters, *network.clusters])}\n"
        )
        print(CLUSTERS)
        print_components(network.components)
        target = ["--endpoint-url", endpoint, "--region", REGION]
        REPORT.parent.mkdir(parents=True, exist_ok=True)
        path_clusters = [argument for name in PATH_CLUSTERS for argument in ("--cluster", name)]
        commands = [
            ["scan", *target, "--level", "minimum"],
            ["scan", *target, "--level", "recommended", "--only-failures"],
            ["scan", *target, "--level", "minimum", "--format", "markdown", "--only-failures"],
            ["scan", *target, "--level", "recommended", "--format", "html", "--output", str(REPORT)],
            # Then repair one cluster: the plan, applying it, and the scan that follows.
            ["fix", *target, "--cluster", "kubelet-blocked"],
            # Its nodes are self-managed: membership rests on tags, so the operator accepts it.
            ["fix", *target, "--cluster", "kubelet-blocked", "--trust-node-tags", "--apply"],
            ["scan", *target, "--cluster", "kubelet-blocked"],
            # Last, the network paths: the same scan with the option on, for the four path clusters.
            ["scan", *target, "--network-path", *path_clusters],
            ["scan", *target, "--network-path", *path_clusters, "--format", "html", "--output", str(PATHS_REPORT)],
        ]
        worst = 0
        for command in commands:
            network_path = "--network-path" in command
            if network_path and "--format" not in command:
                print(NETWORK_PATH_SECTION)
            print(f"$ eks-sg-rule {' '.join(command)}")
            if network_path and "--format" not in command:
                report = io.StringIO()
                code = cli_main(command, out=report)
                print(verdict_lines(report.getvalue()))
            else:
                code = cli_main(command)
            kind = "paths" if network_path else command[0]
            print(f"(exit code {code}: {EXIT_CODES.get((kind, code), 'an error')})\n")
            worst = max(worst, code)
        print(f"HTML reports (one file each, open offline): {REPORT}, {PATHS_REPORT} (network paths)")
        worst = max(
            worst,
            section_2026(partial(boto3.client, region_name=REGION, endpoint_url=endpoint), REGION, target, cli_main),
        )
    finally:
        server.stop()
    # Exit 1 is the answer for the clusters seeded broken on purpose; only errors fail the demo.
    print("The demo itself exits 0: exit 1 above is the expected verdict; only an error (2) would fail it.")
    return 1 if worst >= EXIT_ERROR else 0


if __name__ == "__main__":
    sys.exit(main())
