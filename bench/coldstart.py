"""The rule function's cold start: its artifact's import and three clients, against the clients alone.

`cold_start()` builds the artifact with the Makefile target `sam build` runs (src/Makefile), makes it
read-only like /var/task, and times, in fresh interpreters (median of `runs`), `import
eks_sg_rule.handler` plus creating the eks, ec2 and config clients, against a floor of creating the
same clients alone. Both sides run in the same interpreter with the same environment, the two kinds
of run taking turns so that a change in the machine's load falls on both.

With a Python 3.13 (the Lambda runtime's; the one src/Makefile compiles the artifact with, see
`make -C src runtime-python`), both sides run under 3.13: a venv at .venv-lambda313/ (made once)
holds boto3 and its dependencies at the versions of the project's .venv, installed with their
bytecode as the runtime has them, and the artifact ships its own 3.13 bytecode. Without one, it falls
back to the host's Python and an artifact of sources only (every import compiles, while the floor's
boto3 has the host's bytecode), and says so in the result.

    .venv/bin/python bench/coldstart.py [--runs 7] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
LAMBDA_VENV = ROOT / ".venv-lambda313"
REGION = "us-east-1"
CLIENTS = "import boto3\nfor s in ('eks', 'ec2', 'config'):\n    boto3.client(s, region_name='us-east-1')\n"
# What the Lambda runtime provides beside the artifact: boto3 and what it depends on.
RUNTIME_DISTRIBUTIONS = ("boto3", "botocore", "s3transfer", "jmespath", "urllib3", "python-dateutil", "six")


def runtime_python() -> str | None:
    """The Python 3.13 src/Makefile compiles the artifact with (RUNTIME_PYTHON=, found there), or None."""
    done = subprocess.run(
        ["make", "-s", "-C", str(ROOT / "src"), "runtime-python"], capture_output=True, text=True, check=True
    )
    return done.stdout.strip() or None


def _project_pins() -> list[str]:
    """boto3 and its dependencies at the versions installed in the project's .venv (`make install`)."""
    sites = sorted((ROOT / ".venv" / "lib").glob("python3*/site-packages"))
    if not sites:
        raise SystemExit("the project's .venv is missing: run `make install`")
    from importlib import metadata

    installed = {d.metadata["Name"].lower(): d.version for d in metadata.distributions(path=[str(sites[-1])])}
    missing = [name for name in RUNTIME_DISTRIBUTIONS if name not in installed]
    if missing:
        raise SystemExit(f"the project's .venv lacks {missing}: run `make install`")
    return [f"{name}=={installed[name]}" for name in RUNTIME_DISTRIBUTIONS]


def lambda_venv(python: str) -> Path:
    """.venv-lambda313/: the runtime's boto3 under 3.13, with bytecode; remade when the pins change."""
    pins = _project_pins()
    stamp = LAMBDA_VENV / ".pins"
    if stamp.exists() and stamp.read_text().split() == pins:
        return LAMBDA_VENV / "bin" / "python"
    shutil.rmtree(LAMBDA_VENV, ignore_errors=True)
    subprocess.run([python, "-m", "venv", str(LAMBDA_VENV)], check=True)
    subprocess.run(
        [str(LAMBDA_VENV / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *pins],
        check=True,
    )
    stamp.write_text("\n".join(pins) + "\n")
    return LAMBDA_VENV / "bin" / "python"


def build_artifact(target: Path, env: dict[str, str]) -> None:
    """The rule function's artifact, made by the Makefile target `sam build` runs."""
    subprocess.run(
        ["make", "-s", "-C", str(ROOT / "src"), "build-RuleFunction", f"ARTIFACTS_DIR={target}"],
        check=True,
        capture_output=True,
        env=env,
    )


def _environment() -> dict[str, str]:
    # Credentials in the environment, as Lambda gives them: creating a client must not go looking for
    # them (instance metadata). No bytecode is written, as on Lambda's read-only /var/task.
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "AWS_PROFILE")}
    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_REGION=REGION,
        AWS_DEFAULT_REGION=REGION,
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


def _timed(python: str, code: str, path: Path | None, env: dict[str, str]) -> float:
    prefix = f"import sys\nsys.path.insert(0, {str(path)!r})\n" if path else ""
    script = f"import time\nt = time.perf_counter()\n{prefix}{code}print(time.perf_counter() - t)\n"
    done = subprocess.run([python, "-s", "-c", script], capture_output=True, text=True, check=True, env=env)
    return float(done.stdout.strip().splitlines()[-1])


def cold_start(runs: int = 7) -> dict[str, Any]:
    env = _environment()
    found = runtime_python()
    python = str(lambda_venv(found)) if found else sys.executable
    version = subprocess.run(
        [python, "-c", "import platform; print(platform.python_version())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    artifact = Path(tempfile.mkdtemp(prefix="eks-sg-artifact-"))
    handler: list[float] = []
    floor: list[float] = []
    try:
        build_artifact(artifact, {**os.environ, **({"RUNTIME_PYTHON": found} if found else {})})
        bytecode = any(artifact.rglob("*.pyc"))
        subprocess.run(["chmod", "-R", "a-w", str(artifact)], check=True)  # read-only, like /var/task
        for _ in range(runs):
            handler.append(_timed(python, "import eks_sg_rule.handler\n" + CLIENTS, artifact, env))
            floor.append(_timed(python, CLIENTS, None, env))
    finally:
        subprocess.run(["chmod", "-R", "u+w", str(artifact)], check=True)
        shutil.rmtree(artifact, ignore_errors=True)
    handler_s, floor_s = statistics.median(handler), statistics.median(floor)
    return {
        "handler_ms": round(handler_s * 1000, 1),
        "floor_ms": round(floor_s * 1000, 1),
        "ratio": round(handler_s / floor_s, 2),
        "python": version,
        "bytecode": bytecode,
        "runs": runs,
        "method": (
            "python 3.13: the artifact with its 3.13 bytecode against boto3 with bytecode (.venv-lambda313)"
            if found
            else "no python 3.13: the host's python, the artifact as sources against the host's boto3 with bytecode"
        ),
        "handler_runs_ms": [round(t * 1000, 1) for t in handler],
        "floor_runs_ms": [round(t * 1000, 1) for t in floor],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = cold_start(args.runs)
    if args.json:
        print(json.dumps(result))
    else:
        print(
            f"cold start (python {result['python']}, bytecode {result['bytecode']}, median of {result['runs']}): "
            f"handler {result['handler_ms']} ms, floor {result['floor_ms']} ms, ratio {result['ratio']}"
        )
        print(f"  {result['method']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
