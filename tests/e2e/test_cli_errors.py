"""The command in a fresh process, as CI runs it: what it does when the pipe closes, the disk is full,
the endpoint is wrong or answers HTML, credentials are missing, a name is malformed, or Ctrl-C comes.

A crash must never exit 1 (that means NON_COMPLIANT): every failure is exit 2 and one line on stderr.
Everything listens on 127.0.0.1 only: the emulator (moto's server), a silent socket, a server answering HTML.
"""

from __future__ import annotations

import http.server
import logging
import select
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from demo.moto_gaps import fill_moto_gaps
from demo.seed import seed_account
from moto.server import ThreadedMotoServer

from tests.conftest import REGION

FAKE = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_MAX_ATTEMPTS": "1",
    "AWS_CONFIG_FILE": "/nonexistent",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
    "AWS_EC2_METADATA_DISABLED": "true",
    "PATH": "/usr/bin:/bin",
}
COMMAND = [sys.executable, "-m", "eks_sg_rule"]


@pytest.fixture(scope="module")
def emulator() -> Iterator[str]:
    """moto's server on a loopback port, seeded with the demo account; yields its URL."""
    fill_moto_gaps()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    with pytest.MonkeyPatch.context() as env:
        for name, value in FAKE.items():
            env.setenv(name, value)
        seed_account(
            boto3.client("ec2", region_name=REGION, endpoint_url=url),
            boto3.client("eks", region_name=REGION, endpoint_url=url),
            region=REGION,
        )
    try:
        yield url
    finally:
        server.stop()


def run(*args: str, env: dict[str, str] | None = None, **options: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*COMMAND, *args],
        capture_output="stdout" not in options,
        text=True,
        check=False,
        env=env or FAKE,
        timeout=60,
        **options,  # type: ignore[call-overload]
    )


def test_a_closed_pipe_ends_quietly_with_the_verdict(emulator: str) -> None:
    """`scan | head -1`: the reader is gone before the report is written."""
    process = subprocess.Popen(
        [*COMMAND, "scan", "--region", REGION, "--endpoint-url", emulator],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=FAKE,
        text=True,
    )
    assert process.stdout is not None
    process.stdout.close()  # the reader leaves before anything is written
    _, stderr = process.communicate(timeout=60)
    assert (process.returncode, stderr) == (1, "")


def test_head_in_a_shell_pipeline(emulator: str) -> None:
    shell = f"set -o pipefail; {' '.join(COMMAND)} scan --region {REGION} --endpoint-url {emulator} | head -1"
    result = subprocess.run(["bash", "-c", shell], capture_output=True, text=True, env=FAKE, timeout=60, check=False)
    assert result.stdout.startswith("Level: minimum")
    assert len(result.stdout.splitlines()) == 1
    assert (result.returncode, result.stderr) == (1, "")


def test_a_full_disk_is_exit_two_with_one_line(emulator: str) -> None:
    with Path("/dev/full").open("w") as full:
        to_stdout = run("scan", "--region", REGION, "--endpoint-url", emulator, stdout=full, stderr=subprocess.PIPE)
    to_file = run("scan", "--region", REGION, "--endpoint-url", emulator, "--format", "json", "--output", "/dev/full")

    assert (to_stdout.returncode, to_stdout.stderr) == (
        2,
        "eks-sg-rule: error: could not write the report: No space left on device\n",
    )
    assert (to_file.returncode, to_file.stderr) == (
        2,
        "eks-sg-rule: error: could not write /dev/full: No space left on device\n",
    )


def test_an_endpoint_that_is_not_a_url_is_a_usage_error() -> None:
    result = run("scan", "--region", REGION, "--endpoint-url", "not-a-url")
    assert (result.returncode, result.stderr) == (
        2,
        "eks-sg-rule: error: argument --endpoint-url: 'not-a-url' is not a URL: expected http(s)://host[:port] "
        "(see eks-sg-rule scan --help)\n",
    )


@pytest.mark.parametrize("name", ["a/b", "x" * 150, "-leading-hyphen", ""])
def test_names_eks_cannot_accept_are_refused_before_any_call(name: str) -> None:
    # The endpoint is a closed port: reaching it would be a connection error, not this one.
    result = run("scan", "--region", REGION, "--endpoint-url", "http://127.0.0.1:9", f"--cluster={name}")
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1
    assert "is not an EKS cluster name: 1-100 letters, digits, hyphens and underscores" in result.stderr


def test_missing_credentials_carry_the_emulator_hint(emulator: str) -> None:
    env = {k: v for k, v in FAKE.items() if not k.startswith("AWS_ACCESS") and not k.startswith("AWS_SECRET")}
    result = run("scan", "--region", REGION, "--endpoint-url", emulator, env=env)
    assert result.returncode == 2
    assert result.stderr == (
        "eks-sg-rule: error: no usable AWS credentials found; an emulator needs credentials too, fake ones will do "
        "(AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test)\n"
    )


class _HtmlError(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.send_response(500)
        self.send_header("Content-Type", "text/html")
        body = (
            b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n<body><h1>Bad</h1>\n</body></html>\n"
        )
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST

    def log_message(self, *args: object) -> None:
        pass


def test_an_html_error_page_is_named_not_passed_through() -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _HtmlError)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        result = run("scan", "--region", REGION, "--endpoint-url", f"http://127.0.0.1:{server.server_address[1]}")
    finally:
        server.shutdown()
        server.server_close()
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1
    assert "<" not in result.stderr
    assert "the endpoint answered with an HTML page (502 Bad Gateway), not an AWS response" in result.stderr


@pytest.mark.parametrize("names", [[], ["prod", "staging"]], ids=["listing clusters", "reading clusters concurrently"])
def test_ctrl_c_is_130_with_one_line_at_once(names: list[str]) -> None:
    # A socket that accepts connections (the kernel does) and never answers: the scan waits on it,
    # in the main thread (ListClusters) or in the cluster readers (DescribeCluster of named clusters).
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    url = f"http://127.0.0.1:{silent.getsockname()[1]}"
    named = [arg for name in names for arg in ("--cluster", name)]
    process = subprocess.Popen(
        [*COMMAND, "scan", "--region", REGION, "--endpoint-url", url, *named],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=FAKE,
        text=True,
    )
    try:
        readable, _, _ = select.select([silent], [], [], 30)  # the scan has connected: it is waiting for an answer
        assert readable
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=10)  # not after the reads' 60 s timeout
    finally:
        process.kill()
        silent.close()
    assert (process.returncode, stdout, stderr) == (130, "", "eks-sg-rule: interrupted\n")


def test_a_scan_through_the_emulator_in_a_fresh_process(emulator: str) -> None:
    result = run("scan", "--region", REGION, "--endpoint-url", emulator, "--cluster", "prod-managed")
    assert (result.returncode, result.stderr) == (0, "")
    assert "cluster prod-managed: COMPLIANT" in result.stdout
