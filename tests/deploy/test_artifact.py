"""The Lambda artifact `sam build` makes: what the handlers import, its bytecode, and that it runs.

The build runs the same Makefile target (src/Makefile) as `make build`, with the SAM CLI from
`make sam` (make test installs it); without it these tests are skipped. With a Python 3.13 (the
runtime's; `make -C src runtime-python` names the one the build uses) the artifact ships 3.13 bytecode
and the handlers are run under that Python; without one, it holds sources only, the bytecode test is
skipped and the handlers run under the Python running the tests.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import boto3
import botocore
import pytest

from tests.conftest import ROOT

SAM = ROOT / ".venv-sam" / "bin" / "sam"
FUNCTIONS = ("RuleFunction", "RemediationFunction")
# What the Lambda python3.13 runtime provides beside the artifact: boto3 and its dependencies.
RUNTIME_PACKAGES = ("boto3", "botocore", "s3transfer", "jmespath", "urllib3", "dateutil", "six.py")
TOP_LEVEL = ["_yaml", "aws_lambda_powertools", "eks_sg_rule", "rdklib", "typing_extensions.py", "yaml"]
NO_313 = "no Python 3.13 here (src/Makefile's RUNTIME_PYTHON is empty): the artifact holds sources only"

# Run in an isolated interpreter (-I -S -B: no site-packages, no user paths, no bytecode written) whose
# path is the artifact and the runtime's boto3 only. Both handlers are called with an input they
# reject before any AWS call, which runs Powertools' decorators and structured logging for real.
# The probe also lists the artifact's modules that had to be compiled from source (no usable bytecode).
PROBE = """
import json, sys
artifact, runtime = sys.argv[1], sys.argv[2]
sys.path[:0] = [artifact, runtime]
import _frozen_importlib_external as bootstrap
compiled = []
source_to_code = bootstrap.SourceLoader.source_to_code
def counting(self, data, path, *args, **kwargs):
    compiled.append(path)
    return source_to_code(self, data, path, *args, **kwargs)
bootstrap.SourceLoader.source_to_code = counting
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
print(json.dumps({
    "raised": raised,
    "loaded": [f for f in loaded if not f.startswith(sys.base_prefix)],
    "compiled": [f for f in compiled if f.startswith(artifact)],
    "version": list(sys.version_info[:2]),
}))
"""


@cache
def runtime_python() -> str | None:
    """The Python 3.13 the build compiles the artifact with (src/Makefile finds it), or None."""
    done = subprocess.run(
        ["make", "-s", "-C", str(ROOT / "src"), "runtime-python"], capture_output=True, text=True, check=True
    )
    return done.stdout.strip() or None


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


def bytecode(artifact: Path) -> list[Path]:
    return [p for p in files(artifact) if p.suffix in (".pyc", ".pyo") or "__pycache__" in p.parts]


@pytest.mark.parametrize("function", FUNCTIONS)
def test_the_artifact_holds_what_the_handlers_import(build: Path, function: str) -> None:
    artifact = build / function
    top = sorted(p.name for p in artifact.iterdir() if p.name != "__pycache__")
    assert top == TOP_LEVEL  # jmespath is the runtime's (botocore's), see src/Makefile
    assert not list(artifact.rglob("*.dist-info")) and not list(artifact.rglob("tests"))
    assert not (artifact / "boto3").exists() and not (artifact / "botocore").exists()  # the runtime's own
    assert {p.name for p in (artifact / "eks_sg_rule").iterdir() if p.name != "__pycache__"} == {
        p.name for p in (ROOT / "src" / "eks_sg_rule").iterdir() if p.suffix in (".py", ".typed")
    } | {"aws"}  # the AWS access package; report/ (the CLI's output, matplotlib) stays out
    assert {p.name for p in (artifact / "eks_sg_rule" / "aws").iterdir() if p.name != "__pycache__"} == {
        p.name for p in (ROOT / "src" / "eks_sg_rule" / "aws").glob("*.py")
    }
    # Never bytecode of the building Python (3.11) or of any Python but the runtime's.
    foreign = [p for p in bytecode(artifact) if not p.name.endswith(".cpython-313.pyc")]
    assert not foreign, foreign[:5]
    if runtime_python() is None:
        assert not bytecode(artifact), bytecode(artifact)[:5]


@pytest.mark.parametrize("function", FUNCTIONS)
def test_every_source_ships_unchecked_313_bytecode(build: Path, function: str) -> None:
    python = runtime_python()
    if python is None:
        pytest.skip(NO_313)
    magic = subprocess.run(
        [python, "-c", "import importlib.util, sys; sys.stdout.write(importlib.util.MAGIC_NUMBER.hex())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    artifact = build / function
    sources = sorted(p for p in files(artifact) if p.suffix == ".py")
    expected = {p.parent / "__pycache__" / f"{p.stem}.cpython-313.pyc" for p in sources}
    assert set(bytecode(artifact)) == expected
    for pyc in expected:
        header = pyc.read_bytes()[:16]
        assert header[:4].hex() == magic, pyc
        # PEP 552 flags: bit 0 set, hash-based; bit 1 clear, the source is never checked.
        assert int.from_bytes(header[4:8], "little") == 0b01, pyc


@pytest.mark.parametrize("function", FUNCTIONS)
def test_both_handlers_import_and_run_from_the_artifact_with_boto3_only(
    build: Path, runtime: Path, function: str
) -> None:
    artifact = build / function
    before = sorted(files(artifact))
    python = runtime_python() or sys.executable
    env = {"PATH": os.environ.get("PATH", ""), "AWS_DEFAULT_REGION": "us-east-1", "POWERTOOLS_DEV": "false"}
    done = subprocess.run(
        [python, "-I", "-S", "-B", "-c", PROBE, str(artifact), str(runtime)],
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
    assert sorted(files(artifact)) == before  # nothing written
    if runtime_python() is None:
        assert report["compiled"], "sources only: every module of the artifact is compiled in memory"
    else:
        # Under the runtime's Python every module of the artifact comes from its bytecode, none compiles.
        assert report["version"] == [3, 13]
        assert report["compiled"] == [], report["compiled"][:5]
    assert '"level":"ERROR"' in done.stdout.replace(" ", "")  # Powertools' structured line, level intact
