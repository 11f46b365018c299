"""`make demo-serve` (demo/serve.py) in a fresh process: it seeds the demo account, prints the endpoint,
region and credentials, a real `eks-sg-rule scan` pointed there sees the demo's clusters, and Ctrl-C
(SIGINT) stops it with one line and exit 0. Everything listens on 127.0.0.1 only."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENV = {
    "PATH": "/usr/bin:/bin",
    "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
    "AWS_CONFIG_FILE": "/nonexistent",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
    "AWS_EC2_METADATA_DISABLED": "true",
}


def _read_until(process: subprocess.Popen[str], prefix: str) -> list[str]:
    """The lines the server printed up to and including the first one starting with `prefix`."""
    assert process.stdout is not None
    lines: list[str] = []
    while not lines or not lines[-1].startswith(prefix):
        line = process.stdout.readline()
        assert line, f"demo/serve.py ended early (exit {process.wait()}) after {lines}"
        lines.append(line.rstrip("\n"))
    return lines


def test_demo_serve_keeps_the_seeded_emulator_until_ctrl_c() -> None:
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "demo" / "serve.py")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=ENV,
        text=True,
        cwd=ROOT,
    )
    guard = threading.Timer(900, process.kill)  # against a hang only: a killed server fails the test, not a timing
    guard.start()
    try:
        lines = _read_until(process, "Press Ctrl-C")
        fields = dict(line.split(": ", 1) for line in lines if line.startswith(("endpoint-url: ", "region: ")))
        endpoint, region = fields["endpoint-url"], fields["region"]
        assert endpoint.startswith("http://127.0.0.1:")
        credentials = next(line for line in lines if line.startswith("credentials"))
        exported = dict(pair.split("=", 1) for pair in credentials.split(": ", 1)[1].split())
        assert set(exported) >= {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}
        example = f"  eks-sg-rule scan --endpoint-url {endpoint} --region {region}"
        assert example in lines

        scan = subprocess.run(
            [sys.executable, "-m", "eks_sg_rule", *example.split()[1:], "--format", "json"],
            capture_output=True,
            text=True,
            check=False,
            env={**ENV, **exported},
            timeout=300,
        )
        assert (scan.returncode, scan.stderr) == (1, "")  # three demo clusters are broken on purpose
        evaluations = json.loads(scan.stdout)["evaluations"]
        clusters = {e["resource_id"] for e in evaluations if e["resource_type"] == "AWS::EKS::Cluster"}
        assert {"prod-managed", "kubelet-blocked", "custom-networking", "nacl-blocked", "paths-ok"} <= clusters

        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        guard.cancel()
        process.kill()
    assert process.returncode == 0, stderr
    assert stdout == "Ctrl-C: emulator stopped.\n"
    assert "Traceback" not in stderr
