"""Pure engine tests: no AWS, no network. Any socket use here is a bug in the test or the engine."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("pure engine tests must not open sockets")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    yield
