"""The HTML report: self-contained, the picture marks exactly the failing flows, and a real browser shows it.

The browser test runs headless Chromium from Debian's packages (`.ci/run` installs it). It is skipped
only on a developer's machine without Chromium; in CI (CI=true) a missing Chromium fails it.
"""

from __future__ import annotations

import os
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import boto3
import numpy as np
import pytest
from demo.seed import SeededAccount, seed_account
from PIL import Image

from eks_sg_rule.cli import main
from eks_sg_rule.discovery import Discovery
from eks_sg_rule.evaluate import evaluate
from eks_sg_rule.report.flows import CONTROL_PLANE, FAILED, INTERNET, OK, UNKNOWN, flow_edges
from eks_sg_rule.requirements import Level
from eks_sg_rule.settings import Settings
from tests.conftest import REGION

CHROMIUM = Path("/usr/bin/chromium")
# The picture's colours: the internet box's fill, a failing flow's red, a passing flow's green.
INTERNET_FILL = (0xE8, 0xEA, 0xF6)
FAILED_RED = (0xC6, 0x28, 0x28)
PASSING_GREEN = (0x2E, 0x7D, 0x32)


@pytest.fixture(scope="module")
def account(module_aws: None) -> SeededAccount:
    return seed_account(boto3.client("ec2", region_name=REGION), boto3.client("eks", region_name=REGION), region=REGION)


@pytest.fixture(scope="module")
def report(account: SeededAccount, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("html") / "report.html"
    code = main(["scan", "--region", REGION, "--level", "recommended", "--format", "html", "--output", str(path)])
    assert code == 1
    return path


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.fetched: list[str] = []  # anything a browser would load: src, link href, srcset
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        values = dict(attrs)
        for name in ("src", "srcset", "data", "poster"):
            if values.get(name):
                self.fetched.append(str(values[name]))
        if tag == "link" and values.get("href"):
            self.fetched.append(str(values["href"]))
        elif tag == "a" and values.get("href"):
            self.links.append(str(values["href"]))


def test_the_report_is_one_self_contained_file(report: Path) -> None:
    html = report.read_text()
    parser = _Links()
    parser.feed(html)

    assert "script" not in parser.tags
    assert parser.fetched == []
    assert not re.search(r"url\((?!#)|@import|href=\"(?!#|https://docs\.aws\.amazon\.com/eks/)", html)
    assert all(link.startswith(("#", "https://docs.aws.amazon.com/eks/")) for link in parser.links)
    assert parser.tags.count("svg") == 8  # one picture per cluster


def test_the_report_has_checks_sgs_and_the_fix_plan(report: Path, account: SeededAccount) -> None:
    html = report.read_text()
    node_sg = account.clusters["kubelet-blocked"].node_sg_ids[0]

    assert "Worker node SGs: minimum traffic" in html
    assert f"ingress tcp 10250 from {account.clusters['kubelet-blocked'].additional_sg_ids[0]} on {node_sg}" in html
    assert "worker SG" in html and "control-plane SG" in html and "cluster SG" in html
    kubelet = html[
        html.index('id="cluster-us-east-1-kubelet-blocked"') : html.index('id="cluster-us-east-1-legacy-113"')
    ]
    assert "Fix plan" in kubelet
    # Self-managed nodes known by tags only: the repair is planned for a person (see TrustNodeTags).
    assert f"<code>—</code></td><td><code>{node_sg}</code>" in kubelet
    assert "node membership rests on user-set tags" in kubelet
    assert "manual" in kubelet  # the launch template that lacks the cluster SG is for a person
    two_owned = html[html.index('id="cluster-us-east-1-two-owned"') :]
    assert "--allow-tag-removal" in two_owned and "AllowTagRemoval" not in two_owned


def test_the_picture_marks_exactly_the_failing_flows(account: SeededAccount) -> None:
    snapshot = Discovery(eks=boto3.client("eks"), ec2=boto3.client("ec2")).snapshot(clusters=["kubelet-blocked"])
    [cluster, *_] = evaluate(snapshot, Settings(level=Level.RECOMMENDED), clusters=["kubelet-blocked"])
    results = {check.check_id: check for check in cluster.checks}

    edges = flow_edges(snapshot.topologies["kubelet-blocked"], Level.RECOMMENDED, results)

    drawn = {(e.source, e.target, e.traffic): e.status for e in edges}
    assert drawn == {
        (0, CONTROL_PLANE, "TCP 443"): OK,
        (CONTROL_PLANE, 0, "TCP 10250"): FAILED,
        (0, 0, "any traffic"): OK,
        (CONTROL_PLANE, 0, "TCP 1025-65535"): OK,
        (CONTROL_PLANE, 0, "TCP 443, 1025-65535"): FAILED,
        (0, 0, "TCP 443, 1025-65535"): OK,
        (0, INTERNET, "all traffic"): OK,
        (CONTROL_PLANE, CONTROL_PLANE, "all traffic"): OK,
        (CONTROL_PLANE, INTERNET, "all traffic"): OK,
    }
    no_nodes = Discovery(eks=boto3.client("eks"), ec2=boto3.client("ec2")).snapshot(clusters=["no-nodes"])
    [empty, *_] = evaluate(no_nodes, Settings(level=Level.MINIMUM), clusters=["no-nodes"])
    assert flow_edges(no_nodes.topologies["no-nodes"], Level.MINIMUM, {c.check_id: c for c in empty.checks}) == []
    assert UNKNOWN not in drawn.values()


def _screenshot(page: Path, png: Path, profile: Path) -> Image.Image:
    command = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        f"--screenshot={png}",
        "--window-size=1400,2000",
        page.as_uri(),
    ]
    subprocess.run(command, capture_output=True, check=True, timeout=120)
    with Image.open(png) as image:
        return image.convert("RGB")


def _near(image: np.ndarray, colour: tuple[int, int, int], tolerance: int = 25) -> np.ndarray:
    """A mask of the pixels within `tolerance` of `colour` on every channel."""
    return np.all(np.abs(image.astype(int) - np.array(colour)) <= tolerance, axis=-1)


def test_a_real_browser_shows_the_picture(report: Path, tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("CI must have Chromium (.ci/run installs it): the HTML report is tested in a real browser")
        pytest.skip("no /usr/bin/chromium here (apt-get install chromium); CI runs this test")
    without = tmp_path / "without-pictures.html"
    without.write_text(re.sub(r"<svg.*?</svg>", "", report.read_text(), flags=re.DOTALL))

    shown = np.asarray(_screenshot(report, tmp_path / "report.png", tmp_path / "profile-a"))
    bare = np.asarray(_screenshot(without, tmp_path / "bare.png", tmp_path / "profile-b"))

    # The first cluster's picture is on the first screen; its internet box is filled with a colour
    # nothing else on the page uses, which places the picture's rows.
    assert shown.shape == (2000, 1400, 3)
    assert not _near(bare, INTERNET_FILL, 3).any()
    assert np.count_nonzero(_near(shown, INTERNET_FILL, 3)) > 5000
    rows = np.nonzero(_near(shown, INTERNET_FILL, 3).any(axis=1))[0]
    assert len(rows) > 100, "the picture's internet box is not on the screen"
    picture = shown[rows.min() : rows.max() + 1]
    ink = np.count_nonzero(picture.sum(axis=-1) < 3 * 235)
    assert ink > 0.02 * picture.shape[0] * picture.shape[1], "the picture region is (nearly) blank"
    # The first cluster (custom-networking) has one failing flow: one dashed red arrow.
    assert np.count_nonzero(_near(picture, FAILED_RED)) > 100, "no failing flow drawn in red"
    assert np.count_nonzero(_near(picture, PASSING_GREEN)) > 300, "no passing flow drawn in green"
