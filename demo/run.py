"""`make demo`: scan realistic EKS clusters in an embedded local AWS emulator; no AWS account needed.

Starts moto's server in this process on a loopback port, fills moto's gaps (demo/moto_gaps.py), seeds
it (demo/seed.py), then runs the real `eks-sg-rule scan` against it at both levels, writes the HTML
report, and repairs one cluster.
Fake credentials only: nothing leaves the machine.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

REGION = "us-east-1"
ROOT = Path(__file__).resolve().parents[1]
REPORT = ROOT / "build" / "demo-report.html"

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
"""
EXIT_CODES = {
    ("scan", 0): "nothing is NON_COMPLIANT",
    ("scan", 1): "something is NON_COMPLIANT, as expected: kubelet-blocked, two-owned and custom-networking "
    "are broken on purpose",
    ("fix", 0): "nothing left to change",
    ("fix", 1): "changes are needed: run with --apply (or some are for a person)",
}


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
        account = seed_account(
            boto3.client("ec2", region_name=REGION, endpoint_url=endpoint),
            boto3.client("eks", region_name=REGION, endpoint_url=endpoint),
            region=REGION,
        )
        print(f"Local AWS emulator at {endpoint}; seeded clusters: {', '.join(account.clusters)}\n")
        print(CLUSTERS)
        target = ["--endpoint-url", endpoint, "--region", REGION]
        REPORT.parent.mkdir(parents=True, exist_ok=True)
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
        ]
        worst = 0
        for command in commands:
            print(f"$ eks-sg-rule {' '.join(command)}")
            code = cli_main(command)
            print(f"(exit code {code}: {EXIT_CODES.get((command[0], code), 'an error')})\n")
            worst = max(worst, code)
        print(f"HTML report (one file, opens offline): {REPORT}\n")
        clients = lambda service: boto3.client(service, region_name=REGION, endpoint_url=endpoint)  # noqa: E731
        worst = max(worst, section_2026(clients, REGION, target, cli_main))
    finally:
        server.stop()
    # Exit 1 is the answer for the clusters seeded broken on purpose; only errors fail the demo.
    print("The demo itself exits 0: exit 1 above is the expected verdict; only an error (2) would fail it.")
    return 1 if worst >= EXIT_ERROR else 0


if __name__ == "__main__":
    sys.exit(main())
