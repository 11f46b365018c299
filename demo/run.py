"""`make demo`: scan realistic EKS clusters in an embedded local AWS emulator; no AWS account needed.

Starts moto's server in this process on a loopback port, seeds it (demo/seed.py), then runs the
real `eks-sg-rule scan` against it at both levels. Fake credentials only: nothing leaves the machine.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

REGION = "us-east-1"


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

    from demo.seed import seed_account
    from eks_sg_rule.cli import EXIT_ERROR
    from eks_sg_rule.cli import main as cli_main

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
        target = ["--endpoint-url", endpoint, "--region", REGION]
        commands = [
            ["scan", *target, "--level", "minimum"],
            ["scan", *target, "--level", "recommended"],
            # Then repair one cluster: the plan, applying it, and the scan that follows.
            ["fix", *target, "--cluster", "kubelet-blocked"],
            ["fix", *target, "--cluster", "kubelet-blocked", "--apply"],
            ["scan", *target, "--cluster", "kubelet-blocked"],
        ]
        worst = 0
        for command in commands:
            print(f"$ eks-sg-rule {' '.join(command)}")
            code = cli_main(command)
            print(f"(exit code {code})\n")
            worst = max(worst, code)
    finally:
        server.stop()
    # Exit 1 is the answer for the clusters seeded broken on purpose; only errors fail the demo.
    return 1 if worst >= EXIT_ERROR else 0


if __name__ == "__main__":
    sys.exit(main())
