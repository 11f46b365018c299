"""`make demo-serve`: the demo account in the local emulator, kept running for your own commands.

Starts moto's server on a loopback port, fills moto's gaps (demo/moto_gaps.py), seeds the demo
account (demo/seed.py's eight clusters and demo/network_paths.py's four network-path clusters, as
`make demo` does), then prints the `--endpoint-url`, the region and the (fake) credentials to use
and an example `eks-sg-rule scan` line, and waits until Ctrl-C, which stops it with one line and
exit 0. Nothing leaves the machine. `--port N` picks the port (default: any free one).
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

REGION = "us-east-1"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing"}


def instructions(endpoint: str, clusters: list[str]) -> str:
    """What the user types to reach the emulator: endpoint, region, credentials and example commands."""
    exports = " ".join(f"{name}={value}" for name, value in CREDENTIALS.items())
    return "\n".join(
        [
            f"Local AWS emulator running at {endpoint} (region {REGION}); seeded clusters: {', '.join(clusters)}",
            f"endpoint-url: {endpoint}",
            f"region: {REGION}",
            "credentials (fake, any value works): " + exports,
            "In another shell:",
            f"  export {exports} AWS_DEFAULT_REGION={REGION}",
            f"  eks-sg-rule scan --endpoint-url {endpoint} --region {REGION}",
            f"  eks-sg-rule scan --endpoint-url {endpoint} --region {REGION} --network-path --format html "
            "--output build/served.html",
            "Press Ctrl-C to stop the emulator.",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="demo/serve.py", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="the emulator's port on 127.0.0.1 (default: any free one)")
    args = parser.parse_args(argv)
    # Ctrl-C stops it even when started where SIGINT is ignored (a shell's background job).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    os.environ.update({**CREDENTIALS, "AWS_DEFAULT_REGION": REGION})
    os.environ.pop("AWS_PROFILE", None)

    import boto3
    from moto.server import ThreadedMotoServer

    from demo.moto_gaps import fill_moto_gaps
    from demo.network_paths import seed_network_paths
    from demo.seed import seed_account

    fill_moto_gaps()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the emulator's request log
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=args.port, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        ec2 = boto3.client("ec2", region_name=REGION, endpoint_url=endpoint)
        eks = boto3.client("eks", region_name=REGION, endpoint_url=endpoint)
        account = seed_account(ec2, eks, region=REGION)
        network = seed_network_paths(ec2, eks, region=REGION)
        print(instructions(endpoint, [*account.clusters, *network.clusters]), flush=True)
        threading.Event().wait()  # until Ctrl-C
    except KeyboardInterrupt:
        print("Ctrl-C: emulator stopped.", flush=True)
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
