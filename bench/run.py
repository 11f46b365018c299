"""`make bench`: sweep a large synthetic account in the embedded emulator and print the figures.

A script, not a test. Builds the account with demo/scaled.py (the demo's layouts, scaled), runs the
real handler in fresh processes (bench/invoke.py), and prints a table, or one JSON object with
--json. Each target is printed with PASS or MISS.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
REGION = "us-east-1"
TARGETS = {
    "api_ratio": 1.1,
    "cold_start_ratio": 1.3,
    "peak_rss_mb": 160.0,
    "peer_ratio": 1.0,
    "unrelated_reads": 2,
    "rss_ratio": 1.2,
}
# EC2 refuses a call whose filter values add up to more than 200; moto does not (see FilterLimit).
FILTER_VALUES_MAX = 200
FILTER_VALUE = re.compile(r"Filter\.\d+\.Value\.\d+")
FILTER_LIMIT_ERROR = (
    b"<?xml version='1.0' encoding='UTF-8'?><Response><Errors><Error><Code>FilterLimitExceeded</Code>"
    b"<Message>The maximum number of filter values specified on a single call is 200</Message></Error></Errors>"
    b"<RequestID>bench</RequestID></Response>"
)


def _env() -> None:
    os.environ.update(
        AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION=REGION, AWS_REGION=REGION
    )
    os.environ.pop("AWS_PROFILE", None)


class FilterLimit:
    """WSGI middleware in front of the emulator: answers an EC2 call (query protocol) whose filter
    values (`Filter.N.Value.M`, all filters together) exceed 200 as EC2 does, HTTP 400
    FilterLimitExceeded, and counts the refusals."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.refused = 0

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        if b"Filter." in body:
            fields = urllib.parse.parse_qs(body.decode(), keep_blank_values=True)
            if sum(1 for name in fields if FILTER_VALUE.fullmatch(name)) > FILTER_VALUES_MAX:
                self.refused += 1
                start_response("400 Bad Request", [("Content-Type", "text/xml")])
                return [FILTER_LIMIT_ERROR]
        return self.app(environ, start_response)


def _server() -> Any:
    """moto's threaded server with FilterLimit in front of its application."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from moto.server import ThreadedMotoServer
    from werkzeug.serving import make_server

    class LimitedMotoServer(ThreadedMotoServer):
        limit = FilterLimit(DomainDispatcherApplication(create_backend_app))

        def _server_entry(self) -> None:
            self._server = make_server(
                self._ip_address, self._port, self.limit, True, request_handler=MotoRequestHandler
            )
            self._server_ready_event.set()
            self._server.serve_forever()

    return LimitedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)


class Emulator:
    """moto's server in this process (EC2's filter-value limit enforced), seeded with a scaled
    account; `other_instances` adds running instances no cluster could claim (not EKS nodes)."""

    def __init__(
        self, clusters: int, instances: int, security_groups: int, other_instances: int = 0, network_path: bool = False
    ) -> None:
        import boto3
        from botocore.config import Config
        from demo.moto_gaps import fill_moto_gaps
        from demo.scaled import seed_scaled

        fill_moto_gaps()
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self.server = _server()
        self.server.start()
        host, port = self.server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        # moto's state lives in this process, not in the server: start each account from nothing.
        urllib.request.urlopen(urllib.request.Request(f"{self.endpoint}/moto-api/reset", method="POST"))
        # The bench's own calls wait as long as the emulator needs on a busy machine (a 4x account's
        # SG count once took over a minute: botocore's default 60 s read timeout killed the bench).
        patient = Config(connect_timeout=60, read_timeout=900, retries={"mode": "standard", "max_attempts": 5})
        ec2 = boto3.client("ec2", region_name=REGION, endpoint_url=self.endpoint, config=patient)
        eks = boto3.client("eks", region_name=REGION, endpoint_url=self.endpoint, config=patient)
        started = time.perf_counter()
        self.account = seed_scaled(
            ec2,
            eks,
            clusters=clusters,
            instances=instances,
            security_groups=security_groups,
            region=REGION,
            network_path=network_path,
        )
        self._other_instances(ec2, other_instances)
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
            "eks_instances": sum(len(c.instance_ids) for c in self.account.clusters.values()),
            "role_security_groups": len(
                {
                    sg
                    for c in self.account.clusters.values()
                    for sg in (*c.additional_sg_ids, *c.node_sg_ids, c.cluster_sg_id)
                    if sg
                }
            ),
            "security_groups": sum(
                len(p["SecurityGroups"]) for p in ec2.get_paginator("describe_security_groups").paginate()
            ),
            "unrelated_security_groups": len(self.account.unrelated_sg_ids),
        }
        self.store = Path(tempfile.mkdtemp(prefix="eks-sg-bench-")) / "config-results.json"

    def _other_instances(self, ec2: Any, count: int) -> None:
        """`count` running instances of the region that are no EKS node: half in Auto Scaling groups
        of their own (an `aws:autoscaling:groupName` tag, as Auto Scaling sets it), half alone, on
        unrelated SGs, spread over the account's subnets."""
        subnets = [
            s["SubnetId"]
            for s in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [self.account.vpc_id]}])["Subnets"]
        ]
        groups = list(self.account.unrelated_sg_ids[:20]) or None
        batch = 250
        for index, start in enumerate(range(0, count, batch)):
            tags = [{"Key": "Name", "Value": f"app-{index:03d}"}]
            if index % 2 == 0:
                tags.append({"Key": "aws:autoscaling:groupName", "Value": f"app-asg-{index:03d}"})
            ec2.run_instances(
                ImageId="ami-12c6146b",
                InstanceType="m5.large",
                MinCount=min(batch, count - start),
                MaxCount=min(batch, count - start),
                SubnetId=subnets[index % len(subnets)],
                **({"SecurityGroupIds": [groups[index % len(groups)]]} if groups else {}),
                TagSpecifications=[{"ResourceType": "instance", "Tags": tags}],
            )

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

    def invoke(self, event: str, resource_id: str | None = None, network_path: bool = False) -> dict[str, Any]:
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
        if network_path:
            command.append("--network-path")
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
        + 3 * counts["clusters"]  # DescribeCluster + ListNodegroups + ListFargateProfiles
        + counts["managed_node_groups"]  # DescribeNodegroup
        + counts["managed_node_groups_with_launch_template"]  # DescribeLaunchTemplateVersions
        # The instances a cluster could claim and the SGs that play a role, in pages of 1,000 (AWS's
        # largest; the emulator answers in one page). The region's other instances and SGs are no
        # part of the floor: a correct implementation need not read them (this one does not).
        + math.ceil(counts["eks_instances"] / 1000)
        + math.ceil(counts["role_security_groups"] / 1000)
        + 1  # DescribeSubnets
        + math.ceil(evaluations / 100)  # PutEvaluations
        + max(1, math.ceil(stored / 100))  # pages of GetComplianceDetailsByConfigRule
    )


def measure_account(
    clusters: int,
    instances: int,
    security_groups: int,
    with_events: bool,
    with_sweep: bool = True,
    other_instances: int = 0,
    steady: bool = True,
) -> dict[str, Any]:
    emulator = Emulator(clusters, instances, security_groups, other_instances)
    try:
        result: dict[str, Any] = {"account": emulator.counts, "seed_s": round(emulator.seed_s, 1)}
        if with_sweep:
            sweep = emulator.invoke("scheduled.json")
            sweep["api_call_floor"] = api_call_floor(emulator.counts, sweep["evaluations_written"], 0)
            result["sweep"] = sweep
            if steady:
                again = emulator.invoke("scheduled.json")
                result["steady_sweep"] = {k: again[k] for k in ("evaluations_written", "api_calls", "wall_s")}
        if with_events:
            result.update(change_events(emulator))
        result["filter_limit_refusals"] = emulator.server.limit.refused
        return result
    finally:
        emulator.stop()


# The reads NetworkPath adds: per VPC (filtered by vpc-id, 200 VPCs a call), never per node or cluster.
NETWORK_READS = ("DescribeNetworkAcls", "DescribeRouteTables", "DescribeVpcEndpoints", "DescribeNatGateways")


def network_path_sweep(clusters: int, instances: int, security_groups: int) -> dict[str, Any]:
    """The sweep with NetworkPath on, over the scaled account given its VPC's network layer (NAT and
    internet gateways, route tables, S3 and ECR endpoints, a network ACL: demo.network_paths): calls
    by operation, and the (source, destination, port) paths the checks judged (bench/invoke.py)."""
    emulator = Emulator(clusters, instances, security_groups, network_path=True)
    try:
        sweep = emulator.invoke("scheduled.json", network_path=True)
        return {
            "account": emulator.counts,
            "seed_s": round(emulator.seed_s, 1),
            "sweep": {k: sweep[k] for k in ("wall_s", "api_calls", "evaluations_written", "peak_rss_mb")},
            "paths_judged": sweep["paths_judged"],
            "filter_limit_refusals": emulator.server.limit.refused,
        }
    finally:
        emulator.stop()


def network_reads(figures: dict[str, Any]) -> dict[str, int]:
    calls = figures["sweep"]["api_calls"]["by_operation"]
    return {operation: calls.get(operation, 0) for operation in NETWORK_READS}


def wide_sg_change(nodes: int) -> dict[str, Any]:
    """An SG change on the cluster SG of one cluster whose `nodes` running managed nodes all carry it
    (and its control plane): the carriers' instances are looked up by id, 199 ids a call beside
    `instance-state-name=running`; the emulator refuses any call over 200 filter values."""
    emulator = Emulator(1, nodes, 0)
    try:
        cluster = emulator.account.clusters["c000"]
        assert cluster.cluster_sg_id and len(cluster.instance_ids) == nodes, "c000: the prod-managed layout"
        run = emulator.invoke("sg-change.json", resource_id=cluster.cluster_sg_id)
        return {
            "account": emulator.counts,
            "seed_s": round(emulator.seed_s, 1),
            **_event_figures(run),
            "evaluations_written": run["evaluations_written"],
            "filter_limit_refusals": emulator.server.limit.refused,
        }
    finally:
        emulator.stop()


def _event_figures(run: dict[str, Any]) -> dict[str, Any]:
    return {
        "wall_ms": round(run["wall_s"] * 1000),
        "api_calls": run["read_calls"],
        "all_calls": run["api_calls"],
        "peak_rss_mb": run["peak_rss_mb"],
    }


def change_events(emulator: Emulator) -> dict[str, Any]:
    """What one change costs: an SG no cluster uses, a worker SG of one cluster (c001, self-managed
    nodes on their own node SG), that cluster's own change, and `scan --cluster c001`."""
    target = emulator.account.clusters["c001"]
    unrelated = emulator.account.unrelated_sg_ids[0]
    return {
        "change_event_unrelated": _event_figures(emulator.invoke("sg-change.json", resource_id=unrelated)),
        "change_event_used": _event_figures(emulator.invoke("sg-change.json", resource_id=target.node_sg_ids[0])),
        "change_event_cluster": _event_figures(emulator.invoke("cluster-change.json", resource_id=target.name)),
        "scan_one_cluster": scan_one_cluster(emulator.endpoint, target.name),
    }


def scan_one_cluster(endpoint: str, name: str) -> dict[str, Any]:
    """The API calls of `eks-sg-rule scan --cluster NAME --level recommended`, run in this process."""
    import io

    from botocore.client import BaseClient

    from eks_sg_rule.cli import main as cli

    calls: dict[str, int] = {}
    make_api_call = BaseClient._make_api_call

    def counting(client: Any, operation: str, params: Any) -> Any:
        calls[operation] = calls.get(operation, 0) + 1
        return make_api_call(client, operation, params)

    BaseClient._make_api_call = counting  # type: ignore[method-assign]
    started = time.perf_counter()
    try:
        arguments = ["scan", "--endpoint-url", endpoint, "--region", REGION, "--level", "recommended"]
        code = cli([*arguments, "--cluster", name, "--format", "json"], out=io.StringIO())
    finally:
        BaseClient._make_api_call = make_api_call  # type: ignore[method-assign]
    if code not in (0, 1):
        raise SystemExit(f"scan --cluster {name} failed with exit code {code}")
    calls.pop("GetCallerIdentity", None)  # the report's account id, not a read of the cluster
    return {
        "wall_ms": round((time.perf_counter() - started) * 1000),
        "api_calls": {"total": sum(calls.values()), "by_operation": dict(sorted(calls.items()))},
    }


# --- cold start: bench/coldstart.py ------------------------------------------------------------


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
        narrow_wall, narrow_found = _custodian(custodian, emulator.endpoint, PEER_POLICIES)
        wall, found = _custodian(custodian, emulator.endpoint, PEER_POLICIES + NODES_POLICY)
        ours = emulator.invoke("scheduled.json")["wall_s"]
    finally:
        emulator.stop()
    return {
        # The peer reads what the rule must read: the clusters, the SGs and the EKS-tagged instances.
        "wall_s": round(wall, 2),
        "resources_found": found,
        "ours_wall_s": ours,
        "ratio": round(ours / wall, 2),
        # For reference: clusters and SGs only (no worker nodes), the first policy set.
        "without_worker_nodes": {
            "wall_s": round(narrow_wall, 2),
            "resources_found": narrow_found,
            "ratio": round(ours / narrow_wall, 2),
        },
    }


EVENT_KEYS = ("change_event_unrelated", "change_event_used", "change_event_cluster", "scan_one_cluster")


def verdicts(report: dict[str, Any]) -> list[tuple[str, str, bool]]:
    rows: list[tuple[str, str, bool]] = []
    if "sweep" in report:
        sweep = report["sweep"]
        rows += [
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
    if "change_event_unrelated" in report:
        unrelated = [report["change_event_unrelated"]["api_calls"]["total"]]
        if "three_times_clusters" in report:
            unrelated.append(report["three_times_clusters"]["change_event_unrelated"]["api_calls"]["total"])
        rows.append(
            (
                "change_event_unrelated: <= 2 read calls (1x, 3x clusters)",
                " / ".join(map(str, unrelated)),
                max(unrelated) <= TARGETS["unrelated_reads"],
            )
        )
    if "three_times_clusters" in report:
        for key in EVENT_KEYS[1:]:
            one = report[key]["api_calls"]
            three = report["three_times_clusters"][key]["api_calls"]
            rows.append(
                (
                    f"{key}: same calls with 3x clusters",
                    f"{one['total']} / {three['total']}",
                    one["by_operation"] == three["by_operation"],
                )
            )
    if "larger" in report:
        larger = report["larger"]["sweep"]
        rows.append(
            (
                "4x instances and SGs: api_calls <= 1.1 x floor",
                f"{larger['api_calls']['total']} <= {1.1 * larger['api_call_floor']:.0f}",
                larger["api_calls"]["total"] <= TARGETS["api_ratio"] * larger["api_call_floor"],
            )
        )
        if "sweep" in report:
            base = report["sweep"]["peak_rss_mb"]
            rows.append(
                (
                    "4x instances and SGs: peak RSS <= 1.2 x default account's",
                    f"{larger['peak_rss_mb']} <= {TARGETS['rss_ratio'] * base:.1f}",
                    larger["peak_rss_mb"] <= TARGETS["rss_ratio"] * base,
                )
            )
    if "change_event_wide_sg" in report:
        wide = report["change_event_wide_sg"]
        rows.append(
            (
                f"change_event_wide_sg ({wide['account']['eks_instances']} nodes): evaluated, no call over 200 values",
                f"{wide['evaluations_written']} evaluations, {wide['filter_limit_refusals']} refused",
                wide["evaluations_written"] > 0 and wide["filter_limit_refusals"] == 0,
            )
        )
    if "network_path" in report:
        one, three = report["network_path"]["default"], report["network_path"].get("three_times")
        reads = [network_reads(one)] + ([network_reads(three)] if three else [])
        rows.append(
            (
                "network_path sweep: network reads per VPC, the same with 3x clusters and nodes",
                " / ".join(str(sum(r.values())) for r in reads),
                all(r == reads[0] for r in reads) and all(v <= 1 for v in reads[0].values()),
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
    return rows


def _calls(figures: dict[str, Any]) -> str:
    calls = figures["api_calls"]
    return f"{calls['total']} ({', '.join(f'{k} {v}' for k, v in calls['by_operation'].items()) or 'none'})"


def print_table(report: dict[str, Any]) -> None:
    account = report["account"]
    print("account: " + ", ".join(f"{k}={v}" for k, v in account.items()) + f" (seeded in {report['seed_s']} s)")
    if "sweep" in report:
        sweep = report["sweep"]
        print(
            f"sweep: {sweep['wall_s']} s ({sweep['cpu_s']} s CPU in the rule), "
            f"{sweep['api_calls']['total']} API calls (floor {sweep['api_call_floor']}), "
            f"{sweep['evaluations_written']} evaluations written, peak RSS {sweep['peak_rss_mb']} MB"
        )
        print("  calls by operation: " + ", ".join(f"{k} {v}" for k, v in sweep["api_calls"]["by_operation"].items()))
        steady = report["steady_sweep"]
        print(
            f"steady sweep: {steady['evaluations_written']} evaluations written, "
            f"{steady['api_calls']['total']} API calls, {steady['wall_s']} s"
        )
    three = report.get("three_times_clusters")
    if "change_event_used" in report:
        print("one change (EKS and EC2 reads; the event's own PutEvaluations aside):")
        for key in EVENT_KEYS:
            rss = f", peak RSS {report[key]['peak_rss_mb']} MB" if "peak_rss_mb" in report[key] else ""
            print(f"  {key}: {report[key]['wall_ms']} ms, {_calls(report[key])}{rss}")
            if three:
                clusters = three["account"]["clusters"]
                print(f"    at {clusters} clusters: {three[key]['wall_ms']} ms, {_calls(three[key])}")
    if "change_event_wide_sg" in report:
        wide = report["change_event_wide_sg"]
        print(
            f"change_event_wide_sg (cluster SG of {wide['account']['eks_instances']} running nodes, "
            f"filter-value limit enforced): {wide['wall_ms']} ms, {_calls(wide)}, peak RSS {wide['peak_rss_mb']} MB"
        )
    if "larger" in report:
        larger, counts = report["larger"], report["larger"]["account"]
        print(
            f"larger: {counts['instances']} instances ({counts['eks_instances']} EKS nodes), "
            f"{counts['security_groups']} SGs: "
            f"{larger['sweep']['api_calls']['total']} API calls (floor {larger['sweep']['api_call_floor']}), "
            f"{larger['sweep']['wall_s']} s, peak RSS {larger['sweep']['peak_rss_mb']} MB"
        )
        print(
            "  calls by operation: "
            + ", ".join(f"{k} {v}" for k, v in larger["sweep"]["api_calls"]["by_operation"].items())
        )
    if "network_path" in report:
        for key, figures in report["network_path"].items():
            counts, sweep, judged = figures["account"], figures["sweep"], figures["paths_judged"]
            print(
                f"network_path sweep ({key}: {counts['clusters']} clusters, {counts['eks_instances']} EKS nodes, "
                f"NetworkPath on): {sweep['wall_s']} s, {sweep['api_calls']['total']} API calls, "
                f"{sweep['evaluations_written']} evaluations written, peak RSS {sweep['peak_rss_mb']} MB"
            )
            operations = sweep["api_calls"]["by_operation"]
            print("  calls by operation: " + ", ".join(f"{k} {v}" for k, v in operations.items()))
            print(
                f"  paths judged: {judged['total']} (network ACL crossings {judged.get('nacl', 0)}, "
                f"node places to the EKS API, ECR and S3 {judged.get('aws_apis', 0)})"
            )
    if "cold_start" in report:
        cold = report["cold_start"]
        print(
            f"cold start (Python {cold.get('python', '?')}, bytecode {cold.get('bytecode', '?')}): "
            f"handler {cold['handler_ms']} ms, floor {cold['floor_ms']} ms, ratio {cold['ratio']}"
        )
    if "peer" in report:
        peer_report = report["peer"]
        print(
            f"peer (Cloud Custodian: clusters, SGs and EKS-tagged instances; found {peer_report['resources_found']}): "
            f"{peer_report['wall_s']} s vs ours {peer_report['ours_wall_s']} s, ratio {peer_report['ratio']}"
        )
        narrow = peer_report["without_worker_nodes"]
        print(
            f"  for reference, without the instances (found {narrow['resources_found']}): "
            f"{narrow['wall_s']} s, ratio {narrow['ratio']}"
        )
    print()
    for name, value, ok in verdicts(report):
        print(f"{'PASS' if ok else 'MISS'}  {name}: {value}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clusters", type=int, default=50)
    parser.add_argument("--instances", type=int, default=1500)
    parser.add_argument("--security-groups", type=int, default=2000)
    parser.add_argument("--scale", type=int, default=4, help="multiply instances and SGs by this for the second size")
    parser.add_argument("--no-larger", action="store_true", help="skip the sweep of the 4x account")
    parser.add_argument("--wide-nodes", type=int, default=1000, help="nodes carrying the SG of change_event_wide_sg")
    parser.add_argument("--no-wide", action="store_true", help="skip change_event_wide_sg")
    parser.add_argument("--no-three-times", action="store_true", help="skip the change events at 3x the clusters")
    parser.add_argument("--no-network-path", action="store_true", help="skip the sweeps with NetworkPath on")
    parser.add_argument("--no-cold-start", action="store_true")
    parser.add_argument("--no-peer", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    _env()

    size = (args.clusters, args.instances, args.security_groups)
    report = measure_account(*size, with_events=True)
    if not args.no_three_times:
        # Three times the clusters (and their nodes), the same SG count: what one change reads must not grow.
        report["three_times_clusters"] = measure_account(
            args.clusters * 3, args.instances * 3, args.security_groups, with_events=True, with_sweep=False
        )
    if not args.no_wide:
        report["change_event_wide_sg"] = wide_sg_change(args.wide_nodes)
    if not args.no_larger:
        # The same clusters and nodes; `scale` x the instances and SGs, the rest being no EKS node's.
        report["larger"] = measure_account(
            args.clusters,
            args.instances,
            args.security_groups * args.scale,
            with_events=False,
            other_instances=args.instances * (args.scale - 1),
            steady=False,
        )
    if not args.no_network_path:
        # NetworkPath on, the scaled account given its VPC's network layer: at the default size and with
        # 3x the clusters and their nodes (--no-three-times skips the second).
        report["network_path"] = {"default": network_path_sweep(*size)}
        if not args.no_three_times:
            report["network_path"]["three_times"] = network_path_sweep(
                args.clusters * 3, args.instances * 3, args.security_groups
            )
    if not args.no_cold_start:
        from bench.coldstart import cold_start

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
