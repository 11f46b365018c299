"""The Lambda artifact `sam build` makes: what the handlers import, sources only, and it runs.

The build runs the same Makefile target (src/Makefile) as `make build`, with the SAM CLI from
`make sam` (make test installs it); without it these tests are skipped.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import boto3
import botocore
import pytest

from tests.conftest import ROOT

SAM = ROOT / ".venv-sam" / "bin" / "sam"
FUNCTIONS = ("RuleFunction", "RemediationFunction")
# What the Lambda python3.13 runtime provides beside the artifact: boto3 and its dependencies.
RUNTIME_PACKAGES = ("boto3", "botocore", "s3transfer", "urllib3", "dateutil", "six.py")

# Run in an isolated interpreter (-I -S -B: no site-packages, no user paths, no bytecode written) whose
# path is the artifact and the runtime's boto3 only. Both handlers are called with an input they
# reject before any AWS call, which runs Powertools' decorators and structured logging for real.
PROBE = """
import json, sys
artifact, runtime = sys.argv[1], sys.argv[2]
sys.path[:0] = [artifact, runtime]
import eks_sg_rule.handler as rule
import eks_sg_rule.remediation_handler as remediation

class Context:
    function_name = "eks-sg-rule"
    function_version = "$LATEST"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:eks-sg-rule"
    aws_request_id = "00000000-0000-0000-0000-000000000000"

raised = {}
for name, module, event in (("rule", rule, {}), ("remediation", remediation, {"ResourceId": "not a name!"})):
    try:
        module.lambda_handler(event, Context())
    except Exception as error:
        raised[name] = type(error).__module__ + "." + type(error).__name__
loaded = sorted({m.__file__ for m in list(sys.modules.values()) if getattr(m, "__file__", None)})
print(json.dumps({"raised": raised, "loaded": [f for f in loaded if not f.startswith(sys.base_prefix)]}))
"""


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not SAM.exists():
        pytest.skip("the SAM CLI is installed by `make sam` (make test does it)")
    build_dir = tmp_path_factory.mktemp("sam") / "build"
    done = subprocess.run(
        [str(SAM), "build", "--build-dir", str(build_dir), "--template-file", str(ROOT / "template.yaml")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return build_dir


@pytest.fixture(scope="module")
def runtime(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory holding only boto3 and its dependencies, as the Lambda runtime has them."""
    site = Path(boto3.__file__).parents[1]
    assert Path(botocore.__file__).parents[1] == site
    directory = tmp_path_factory.mktemp("runtime")
    for name in RUNTIME_PACKAGES:
        (directory / name).symlink_to(site / name)
    return directory


def files(artifact: Path) -> Iterator[Path]:
    return (path for path in artifact.rglob("*") if path.is_file())


@pytest.mark.parametrize("function", FUNCTIONS)
def test_the_artifact_holds_sources_only(build: Path, function: str) -> None:
    artifact = build / function
    compiled = [p for p in artifact.rglob("*") if p.name == "__pycache__" or p.suffix in (".pyc", ".pyo")]
    assert not compiled, compiled[:5]
    top = sorted(p.name for p in artifact.iterdir())
    assert top == ["aws_lambda_powertools", "eks_sg_rule", "jmespath", "rdklib", "typing_extensions.py"]
    assert not list(artifact.rglob("*.dist-info")) and not list(artifact.rglob("tests"))
    assert not (artifact / "boto3").exists() and not (artifact / "botocore").exists()  # the runtime's own
    assert {p.name for p in (artifact / "eks_sg_rule").iterdir()} == {
        p.name for p in (ROOT / "src" / "eks_sg_rule").iterdir() if p.suffix in (".py", ".typed")
    }


@pytest.mark.parametrize("function", FUNCTIONS)
def test_both_handlers_import_and_run_from_the_artifact_with_boto3_only(
    build: Path, runtime: Path, function: str
) -> None:
    artifact = build / function
    env = {"PATH": os.environ.get("PATH", ""), "AWS_DEFAULT_REGION": "us-east-1", "POWERTOOLS_DEV": "false"}
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-B", "-c", PROBE, str(artifact), str(runtime)],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    # Each handler rejected its input with the package's own error, not an ImportError.
    assert set(report["raised"]) == {"rule", "remediation"}, report
    assert all(name.startswith("eks_sg_rule.") for name in report["raised"].values()), report["raised"]
    outside = [f for f in report["loaded"] if not f.startswith((str(artifact), str(runtime)))]
    assert not outside, outside
    assert any(f.startswith(str(artifact / "rdklib")) for f in report["loaded"])
    assert not list(artifact.rglob("__pycache__"))
    assert '"level":"ERROR"' in done.stdout.replace(" ", "")  # Powertools' structured line, level intact
