"""Progress on stderr for long scans (`us-east-1: read 12/50 clusters`), shown only on a terminal.

Discovery reads clusters concurrently and says nothing while it does; the EKS client handed to it
is wrapped so that each ListClusters page and each DescribeCluster answer moves the count.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any, TextIO


class Progress:
    """A one-line counter rewritten in place; silent unless the stream is a terminal."""

    def __init__(self, stream: TextIO, region: str) -> None:
        self.stream = stream
        self.region = region
        self.enabled = stream.isatty()
        self.total = 0
        self.done = 0
        self._lock = threading.Lock()

    def add_total(self, count: int) -> None:
        """More clusters to read (a ListClusters page, or the names asked for)."""
        with self._lock:
            self.total += count
            self._show()

    def advance(self) -> None:
        """One cluster described (a cluster found sharing an SG with a named one counts too)."""
        with self._lock:
            self.done += 1
            self.total = max(self.total, self.done)
            self._show()

    def _show(self) -> None:
        if self.enabled:
            self.stream.write(f"\r{self.region}: read {self.done}/{self.total} clusters")
            self.stream.flush()

    def finish(self) -> None:
        """Clear the line so that what follows starts clean."""
        if self.enabled and (self.total or self.done):
            self.stream.write("\r\033[K")
            self.stream.flush()


class _CountingPaginator:
    def __init__(self, paginator: Any, progress: Progress) -> None:
        self._paginator = paginator
        self._progress = progress

    def paginate(self, **kwargs: Any) -> Iterator[dict[str, Any]]:
        for page in self._paginator.paginate(**kwargs):
            self._progress.add_total(len(page.get("clusters", ())))
            yield page


class CountingEks:
    """An EKS client that reports each cluster listed and described to a Progress; otherwise the client itself."""

    def __init__(self, client: Any, progress: Progress) -> None:
        self._client = client
        self._progress = progress

    def describe_cluster(self, **kwargs: Any) -> Any:
        """DescribeCluster, counted once answered (found or not)."""
        try:
            return self._client.describe_cluster(**kwargs)
        finally:
            self._progress.advance()

    def get_paginator(self, operation: str) -> Any:
        """The client's paginator; ListClusters' counts the clusters it lists."""
        paginator = self._client.get_paginator(operation)
        return _CountingPaginator(paginator, self._progress) if operation == "list_clusters" else paginator

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)
