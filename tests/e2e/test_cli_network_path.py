"""`--network-path` on scan and fix (issue 17): parsed on both, it reaches the read (Discovery), the
judgement (Settings) and the plan (Scope); the exit codes keep their meaning."""

from __future__ import annotations

import io
from typing import Any

import boto3
import pytest
from demo.seed import SeededAccount, seed_account

from eks_sg_rule import cli
from eks_sg_rule.cli import main
from tests.conftest import REGION


@pytest.fixture
def account(aws: None) -> SeededAccount:
    return seed_account(boto3.client("ec2", region_name=REGION), boto3.client("eks", region_name=REGION), region=REGION)


class Spy:
    """What the CLI hands the read, the judgement and the plan."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.discovery: list[bool] = []
        self.settings: list[bool] = []
        self.scopes: list[bool] = []
        real_discovery, real_evaluate, real_remediate = cli.Discovery, cli.evaluate, cli.remediate

        def discovery(*args: Any, **kwargs: Any) -> Any:
            made = real_discovery(*args, **kwargs)
            self.discovery.append(made.network_path)
            return made

        def evaluate(snapshot: Any, settings: Any, **kwargs: Any) -> Any:
            self.settings.append(settings.network_path)
            return real_evaluate(snapshot, settings, **kwargs)

        def remediate(*args: Any, **kwargs: Any) -> Any:
            self.scopes.append(kwargs["scope"].network_path)
            return real_remediate(*args, **kwargs)

        monkeypatch.setattr(cli, "Discovery", discovery)
        monkeypatch.setattr(cli, "evaluate", evaluate)
        monkeypatch.setattr(cli, "remediate", remediate)


def run(*args: str) -> int:
    return main([*args[:1], "--region", REGION, *args[1:]], out=io.StringIO())


def test_scan_takes_the_flag_into_the_read_and_the_judgement(
    account: SeededAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = Spy(monkeypatch)

    without = run("scan", "--format", "json")
    with_flag = run("scan", "--format", "json", "--network-path")

    assert spy.discovery == spy.settings == [False, True]
    # kubelet-blocked fails its SG checks either way: 1 stays 1.
    assert without == with_flag == 1
    assert run("scan", "--cluster", "kubelet-blocked", "--network-path") == 1


def test_fix_takes_the_flag_into_the_read_and_the_plan(account: SeededAccount, monkeypatch: pytest.MonkeyPatch) -> None:
    spy = Spy(monkeypatch)

    without = run("fix", "--cluster", "kubelet-blocked")
    with_flag = run("fix", "--cluster", "kubelet-blocked", "--network-path")

    assert spy.discovery == spy.scopes == [False, True]
    assert without == with_flag == 1  # planned, not applied: changes are still needed


def test_the_flag_is_on_both_commands_and_takes_no_value(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("scan", "fix"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        assert "--network-path" in capsys.readouterr().out
    assert main(["scan", "--region", REGION, "--network-path=yes"], out=io.StringIO()) == 2
    assert "--network-path: ignored explicit argument 'yes'" in capsys.readouterr().err
