"""`make bench`: sweep a large synthetic account in the embedded emulator and print the figures.

A script, not a test. Builds the account with demo/seed.py (the demo's layouts, scaled), runs the
real handler in fresh processes (bench/invoke.py), and prints a table, or one JSON object with
--json. Each target is printed with PASS or MISS.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
REGION = "us-east-1"
TARGETS = {"api_ratio": 1.1, "cold_start_ratio": 1.3, "peak_rss_mb": 160.0, "peer_ratio": 1.0}


def _env() -> None:
    os.environ.update(
        AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION=REGION, AWS_REGION=REGION
    )
    os.environ.pop("AWS_PROFILE", None)


class Emulator:
    """moto's server in this process, seeded with a scaled account."""

    def __init__(self, clusters: int, instances: int, security_groups: int) -> None:
        import boto3
        from demo.seed import seed_scaled
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.server.start()
        host, port = self.server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        # moto's state lives in this process, not in the server: start each account from nothing.
        urllib.request.urlopen(urllib.request.Request(f"{self.endpoint}/moto-api/reset", method="POST"))
        ec2 = boto3.client("ec2", region_name=REGION, endpoint_url=self.endpoint)
        eks = boto3.client("eks", region_name=REGION, endpoint_url=self.endpoint)
        started = time.perf_counter()
        self.account = seed_scaled(
            ec2, eks, clusters=clusters, instances=instances, security_groups=security_groups, region=REGION
        )
        self.seed_s = time.perf_counter() - started
        self.counts = {
            "clusters": len(self.account.clusters),
            "node_groups": sum(c.node_groups for c in self.account.clusters.values()),
            **self._managed_node_groups(eks),
            "instances": sum(
                len(r["Instances"])
                for p in ec2.get_paginator("describe_instances").paginate()
                for r in p["Reservations"]
            ),
            "security_groups": sum(
                len(p["SecurityGroups"]) for p in ec2.get_paginator("describe_security_groups").paginate()
            ),
            "unrelated_security_groups": len(self.account.unrelated_sg_ids),
        }
        self.store = Path(tempfile.mkdtemp(prefix="eks-sg-bench-")) / "config-results.json"

    def _managed_node_groups(self, eks: Any) -> dict[str, int]:
        described = [
            eks.describe_nodegroup(clusterName=name, nodegroupName=group)["nodegroup"]
            for name in self.account.clusters
            for group in eks.list_nodegroups(clusterName=name)["nodegroups"]
        ]
        return {
            "managed_node_groups": len(described),
            "managed_node_groups_with_launch_template": sum(1 for n in described if n.get("launchTemplate")),
        }

    def invoke(self, event: str, resource_id: str | None = None) -> dict[str, Any]:
        command = [
            sys.executable,
            str(ROOT / "bench" / "invoke.py"),
            "--endpoint",
            self.endpoint,
            "--event",
            event,
            "--store",
            str(self.store),
        ]
        if resource_id:
            command += ["--resource-id", resource_id]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(f"invocation failed:\n{done.stderr[-3000:]}")
        return dict(json.loads(done.stdout.strip().splitlines()[-1]))

    def stop(self) -> None:
        self.server.stop()
        shutil.rmtree(self.store.parent, ignore_errors=True)


def api_call_floor(counts: dict[str, int], evaluations: int, stored: int) -> int:
    """What any correct implementation must call for one sweep (see the scale issue)."""
    return (
        math.ceil(max(counts["clusters"], 1) / 100)  # ListClusters pages
        + 2 * counts["clusters"]  # DescribeCluster + ListNodegroups
        + counts["managed_node_groups"]  # DescribeNodegroup
        + counts["managed_node_groups_with_launch_template"]  # DescribeLaunchTemplateVersions
        + math.ceil(counts["instances"] / 1000)
        + math.ceil(counts["security_groups"] / 1000)
        + 1  # DescribeSubnets
        + math.ceil(evaluations / 100)  # PutEvaluations
        + max(1, math.ceil(stored / 100))  # pages of GetComplianceDetailsByConfigRule
    )


def measure_account(clusters: int, instances: int, security_groups: int, with_events: bool) -> dict[str, Any]:
    emulator = Emulator(clusters, instances, security_groups)
    try:
        sweep = emulator.invoke("scheduled.json")
        sweep["api_call_floor"] = api_call_floor(emulator.counts, sweep["evaluations_written"], 0)
        result: dict[str, Any] = {"account": emulator.counts, "seed_s": round(emulator.seed_s, 1), "sweep": sweep}
        if with_events:
            steady = emulator.invoke("scheduled.json")
            result["steady_sweep"] = {k: steady[k] for k in ("evaluations_written", "api_calls", "wall_s")}
            broken = next(c for c in emulator.account.clusters.values() if c.name.startswith("c001"))
            change = emulator.invoke("sg-change.json", resource_id=broken.node_sg_ids[0])
            result["change_event"] = {"wall_ms": round(change["wall_s"] * 1000), "api_calls": change["api_calls"]}
        return result
    finally:
        emulator.stop()


# --- cold start ---------------------------------------------------------------------------------

CLIENTS = "import boto3\nfor s in ('eks', 'ec2', 'config'):\n    boto3.client(s, region_name='us-east-1')\n"


def build_artifact(target: Path) -> None:
    """The rule function's deployment artifact, made by the same Makefile target `sam build` runs.

    It holds sources only: bytecode for the Lambda runtime's Python cannot be made here, so every
    import in the measurement compiles, as it would in a fresh Lambda sandbox (boto3 is the runtime's).
    """
    subprocess.run(
        ["make", "-s", "-C", str(ROOT / "src"), "build-RuleFunction", f"ARTIFACTS_DIR={target}"],
        check=True,
        capture_output=True,
    )


def _timed(code: str, path: Path | None) -> float:
    prefix = f"import sys\nsys.path.insert(0, {str(path)!r})\n" if path else ""
    script = f"import time\nt = time.perf_counter()\n{prefix}{code}print(time.perf_counter() - t)\n"
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "AWS_REGION": REGION}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, env=env)
    return float(done.stdout.strip())


def cold_start(runs: int = 7) -> dict[str, Any]:
    artifact = Path(tempfile.mkdtemp(prefix="eks-sg-artifact-"))
    try:
        build_artifact(artifact)
        subprocess.run(["chmod", "-R", "a-w", str(artifact)], check=True)  # read-only, like /var/task
        handler = statistics.median(_timed("import eks_sg_rule.handler\n" + CLIENTS, artifact) for _ in range(runs))
        floor = statistics.median(_timed(CLIENTS, None) for _ in range(runs))
    finally:
        subprocess.run(["chmod", "-R", "u+w", str(artifact)], check=True)
        shutil.rmtree(artifact, ignore_errors=True)
    return {
        "handler_ms": round(handler * 1000, 1),
        "floor_ms": round(floor * 1000, 1),
        "ratio": round(handler / floor, 2),
    }


# --- the peer: Cloud Custodian ------------------------------------------------------------------

# What a Cloud Custodian user would write to look at the worker nodes too (the rule reads them:
# worker-node SGs come from the nodes), measured beside the policy set.
NODES_POLICY = """
  - name: eks-worker-nodes
    resource: aws.ec2
    filters:
      - type: value
        key: "length(Tags[?starts_with(Key, 'kubernetes.io/cluster/') || Key == 'eks:cluster-name'])"
        op: gt
        value: 0
"""

PEER_POLICIES = """policies:
  - name: eks-clusters
    resource: aws.eks
  - name: sg-kubelet-or-api-ingress
    resource: aws.security-group
    filters:
      - or:
          - type: ingress
            Ports: [10250]
          - type: ingress
            Ports: [443]
"""


def _custodian(custodian: Path, endpoint: str, policies: str) -> tuple[float, dict[str, int]]:
    work = Path(tempfile.mkdtemp(prefix="eks-sg-c7n-"))
    try:
        (work / "policy.yml").write_text(policies)
        env = {**os.environ, "AWS_ENDPOINT_URL": endpoint}
        command = [str(custodian), "run", "--cache-period", "0", "-r", REGION, "-s", str(work / "out")]
        started = time.perf_counter()
        subprocess.run([*command, str(work / "policy.yml")], check=True, capture_output=True, env=env)
        wall = time.perf_counter() - started
        found = {
            folder.name: len(json.loads((folder / "resources.json").read_text()))
            for folder in sorted((work / "out").iterdir())
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return wall, found


def peer(emulator_args: tuple[int, int, int]) -> dict[str, Any]:
    """Cloud Custodian (its own environment) over the same account, pointed at the emulator."""
    venv = ROOT / ".venv-c7n"
    custodian = venv / "bin" / "custodian"
    if not custodian.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", "c7n==0.9.53"], check=True)
    emulator = Emulator(*emulator_args)
    try:
        wall, found = _custodian(custodian, emulator.endpoint, PEER_POLICIES)
        nodes_wall, nodes_found = _custodian(custodian, emulator.endpoint, PEER_POLICIES + NODES_POLICY)
        ours = emulator.invoke("scheduled.json")["wall_s"]
    finally:
        emulator.stop()
    return {
        "wall_s": round(wall, 2),
        "resources_found": found,
        "ours_wall_s": ours,
        "ratio": round(ours / wall, 2),
        "with_worker_nodes": {
            "wall_s": round(nodes_wall, 2),
            "resources_found": nodes_found,
            "ratio": round(ours / nodes_wall, 2),
        },
    }


def verdicts(report: dict[str, Any]) -> list[tuple[str, str, bool]]:
    sweep = report["sweep"]
    rows = [
        (
            "sweep.api_calls <= 1.1 x floor",
            f"{sweep['api_calls']['total']} <= {1.1 * sweep['api_call_floor']:.0f}",
            sweep["api_calls"]["total"] <= TARGETS["api_ratio"] * sweep["api_call_floor"],
        ),
        (
            "steady_sweep.evaluations_written == 0",
            str(report["steady_sweep"]["evaluations_written"]),
            report["steady_sweep"]["evaluations_written"] == 0,
        ),
        ("sweep.peak_rss_mb <= 160", str(sweep["peak_rss_mb"]), sweep["peak_rss_mb"] <= TARGETS["peak_rss_mb"]),
    ]
    if "larger" in report:
        larger = report["larger"]["sweep"]
        rows.append(
            (
                "4x instances and SGs: api_calls <= 1.1 x floor",
                f"{larger['api_calls']['total']} <= {1.1 * larger['api_call_floor']:.0f}",
                larger["api_calls"]["total"] <= TARGETS["api_ratio"] * larger["api_call_floor"],
            )
        )
    if "cold_start" in report:
        rows.append(
            (
                "cold_start.ratio <= 1.3",
                str(report["cold_start"]["ratio"]),
                report["cold_start"]["ratio"] <= TARGETS["cold_start_ratio"],
            )
        )
    if "peer" in report:
        rows.append(
            ("peer.ratio <= 1.0", str(report["peer"]["ratio"]), report["peer"]["ratio"] <= TARGETS["peer_ratio"])
        )
    return [(name, value, ok) for name, value, ok in rows]


def print_table(report: dict[str, Any]) -> None:
    account, sweep = report["account"], report["sweep"]
    print("account: " + ", ".join(f"{k}={v}" for k, v in account.items()) + f" (seeded in {report['seed_s']} s)")
    print(
        f"sweep: {sweep['wall_s']} s ({sweep['cpu_s']} s CPU in the rule), "
        f"{sweep['api_calls']['total']} API calls (floor {sweep['api_call_floor']}), "
        f"{sweep['evaluations_written']} evaluations written, peak RSS {sweep['peak_rss_mb']} MB"
    )
    print("  calls by operation: " + ", ".join(f"{k} {v}" for k, v in sweep["api_calls"]["by_operation"].items()))
    steady = report["steady_sweep"]
    print(
        f"steady sweep: {steady['evaluations_written']} evaluations written, {steady['api_calls']['total']} API calls, "
        f"{steady['wall_s']} s"
    )
    change = report["change_event"]
    print(f"change event: {change['wall_ms']} ms, {change['api_calls']['total']} API calls")
    if "larger" in report:
        larger, counts = report["larger"], report["larger"]["account"]
        print(
            f"larger: {counts['instances']} instances, {counts['security_groups']} SGs: "
            f"{larger['sweep']['api_calls']['total']} API calls (floor {larger['sweep']['api_call_floor']}), "
            f"{larger['sweep']['wall_s']} s, peak RSS {larger['sweep']['peak_rss_mb']} MB"
        )
    if "cold_start" in report:
        cold = report["cold_start"]
        print(f"cold start: handler {cold['handler_ms']} ms, floor {cold['floor_ms']} ms, ratio {cold['ratio']}")
    if "peer" in report:
        print(
            f"peer (Cloud Custodian, found {report['peer']['resources_found']}): {report['peer']['wall_s']} s "
            f"vs ours {report['peer']['ours_wall_s']} s, "
            f"ratio {report['peer']['ratio']}"
        )
        nodes = report["peer"]["with_worker_nodes"]
        found = nodes["resources_found"]
        print(f"peer with the worker nodes too (found {found}): {nodes['wall_s']} s, ratio {nodes['ratio']}")
    print()
    for name, value, ok in verdicts(report):
        print(f"{'PASS' if ok else 'MISS'}  {name}: {value}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clusters", type=int, default=50)
    parser.add_argument("--instances", type=int, default=1500)
    parser.add_argument("--security-groups", type=int, default=2000)
    parser.add_argument("--scale", type=int, default=4, help="multiply instances and SGs by this for the second size")
    parser.add_argument("--no-larger", action="store_true")
    parser.add_argument("--no-cold-start", action="store_true")
    parser.add_argument("--no-peer", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    _env()

    size = (args.clusters, args.instances, args.security_groups)
    report = measure_account(*size, with_events=True)
    if not args.no_larger:
        report["larger"] = measure_account(
            args.clusters, args.instances * args.scale, args.security_groups * args.scale, with_events=False
        )
    if not args.no_cold_start:
        report["cold_start"] = cold_start()
    if not args.no_peer:
        report["peer"] = peer(size)
    report["targets"] = [{"target": n, "value": v, "pass": ok} for n, v, ok in verdicts(report)]
    if args.json:
        print(json.dumps(report))
    else:
        print_table(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
