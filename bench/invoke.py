"""One measured invocation of the real Lambda handler, in a fresh process (for an honest peak RSS).

Reads an event from events/, points every AWS client at the emulator (AWS_ENDPOINT_URL), stands in
for AWS Config's result store (demo/config_store.py, state kept in a file between invocations),
counts API calls per operation with botocore event hooks, and prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))


class Context:
    function_name = "eks-sg-rule"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:eks-sg-rule"
    aws_request_id = "bench"

    def __init__(self, timeout_s: float) -> None:
        self.deadline = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return int((self.deadline - time.monotonic()) * 1000)


def peak_rss_mb() -> float:
    """This process's peak resident set. Not getrusage: on Linux its ru_maxrss survives execve, so
    it would count the parent that forked this process; VmHWM starts afresh with the new program."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) / 1024


def count_paths_judged() -> Counter[str]:
    """Counts the (source, destination, port) paths the network-path checks judge, by wrapping the
    engine's own steps (the engine reports no such count; this is the bench's): each network ACL
    crossing `paths` judges (a source range, a destination range, one required flow's ports, both
    ways) is one "nacl" path; each node place's way to the EKS API is one "aws_apis" path, to ECR two
    (ecr.api, ecr.dkr), to S3 one (TCP 443 each)."""
    from eks_sg_rule import apis, paths

    counted: Counter[str] = Counter()
    crossing = paths.judge_crossing

    def judge_crossing(*args: Any, **kwargs: Any) -> Any:
        counted["nacl"] += 1
        return crossing(*args, **kwargs)

    paths.judge_crossing = judge_crossing  # type: ignore[assignment]
    for step, services in (("eks", 1), ("ecr", 2), ("s3", 1)):
        original = getattr(apis.ApiPaths, step)

        def counting(self: Any, place: Any, _original: Any = original, _services: int = services) -> Any:
            counted["aws_apis"] += _services
            return _original(self, place)

        setattr(apis.ApiPaths, step, counting)
    return counted


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--event", required=True, help="an events/ file name, or a path")
    parser.add_argument("--store", required=True, type=Path)
    parser.add_argument("--resource-id", help="point the event's configuration item at this resource")
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--network-path", action="store_true", help="rule parameter NetworkPath true")
    args = parser.parse_args()

    os.environ.update(
        AWS_ENDPOINT_URL=args.endpoint,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_REGION="us-east-1",
        POWERTOOLS_LOG_LEVEL="WARNING",
    )
    import boto3
    from demo import config_store

    from eks_sg_rule.handler import lambda_handler

    boto3.setup_default_session()
    session = boto3.DEFAULT_SESSION
    # The emulator on a busy 2-core machine can take minutes to answer a large page: wait for it
    # (the rule's own clients keep botocore's defaults in Lambda; this is the bench's stand-in).
    from botocore.config import Config

    session._session.set_default_client_config(Config(connect_timeout=60, read_timeout=900))
    store = config_store.install_result_store(session)
    config_store.load(store, args.store)
    calls: Counter[str] = Counter()
    reads: Counter[str] = Counter()

    def count(model: Any, **_: Any) -> None:
        calls[model.name] += 1
        if model.service_model.service_name in ("ec2", "eks"):
            reads[model.name] += 1

    # provide-client-params reaches every handler (before-call stops at the first answer, and the
    # result-store double answers some calls itself).
    session.events.register("provide-client-params", count)

    path = Path(args.event) if Path(args.event).exists() else ROOT / "events" / args.event
    event = json.loads(path.read_text())
    if args.resource_id:
        invoking = json.loads(event["invokingEvent"])
        item = invoking["configurationItem"]
        item["resourceId"] = args.resource_id
        if isinstance(item.get("configuration"), dict) and item["resourceType"] == "AWS::EC2::SecurityGroup":
            item["configuration"]["groupId"] = args.resource_id
        elif isinstance(item.get("configuration"), dict):
            item["configuration"]["Name"] = args.resource_id
            # The sample's cluster SG id is the sample's own.
            item["configuration"].pop("ClusterSecurityGroupId", None)
        event["invokingEvent"] = json.dumps(invoking)
    paths_judged: Counter[str] | None = None
    if args.network_path:
        event["ruleParameters"] = json.dumps({**json.loads(event["ruleParameters"]), "NetworkPath": "true"})
        paths_judged = count_paths_judged()

    started, cpu_started = time.perf_counter(), time.process_time()
    result = lambda_handler(event, Context(args.timeout))
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    config_store.save(store, args.store)
    print(
        json.dumps(
            {
                "wall_s": round(wall, 3),
                # The rule's own CPU time; the rest of wall_s is waiting on the emulator.
                "cpu_s": round(cpu, 3),
                "api_calls": {"total": sum(calls.values()), "by_operation": dict(sorted(calls.items()))},
                # The EKS and EC2 reads alone (the rest are AWS Config's result store).
                "read_calls": {"total": sum(reads.values()), "by_operation": dict(sorted(reads.items()))},
                "evaluations_written": result["evaluations_written"],
                "peak_rss_mb": peak_rss_mb(),
                **(
                    {"paths_judged": {"total": sum(paths_judged.values()), **paths_judged}}
                    if paths_judged is not None
                    else {}
                ),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
