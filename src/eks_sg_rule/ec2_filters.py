"""EC2 describe filters within EC2's limit on filter values: the one place that chunks them.

EC2 refuses a call whose filters carry more than 200 values in all (every filter of the call
counted together) with `FilterLimitExceeded` ("The maximum number of filter values specified on a
single call is 200"). A filter (EC2 API reference, `Filter`): a name and values; the values of one
filter are joined with OR, the filters of one call with AND; a value may hold the wildcards `*`
(zero or more characters) and `?` (exactly one), a backslash escapes them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

FILTER_VALUES_MAX = 200

Filter = dict[str, Any]


def filter_values(filters: Iterable[Mapping[str, Any]]) -> int:
    """How many filter values a call's `Filters` parameter carries, every filter counted."""
    return sum(len(f.get("Values") or ()) for f in filters)


def filter_sets(name: str, values: Iterable[str], *fixed: Filter) -> Iterator[list[Filter]]:
    """The `Filters` of each call needed to ask about every one of `values` under filter `name`,
    ANDed with the `fixed` filters that every call repeats (e.g. `instance-state-name=running`).

    Yields `[{"Name": name, "Values": chunk}, *fixed]` with the values de-duplicated and sorted, each
    chunk as large as the 200-value budget left by `fixed` allows; nothing for no values. Raises
    ValueError when `fixed` alone leaves no room.
    """
    budget = FILTER_VALUES_MAX - filter_values(fixed)
    if budget < 1:
        raise ValueError(f"fixed filters carry {filter_values(fixed)} values: no room within {FILTER_VALUES_MAX}")
    ordered = sorted(set(values))
    for start in range(0, len(ordered), budget):
        yield [{"Name": name, "Values": ordered[start : start + budget]}, *fixed]


def within_limit(filters: Sequence[Mapping[str, Any]]) -> Sequence[Mapping[str, Any]]:
    """`filters` unchanged when their values add up to at most 200; ValueError otherwise (a call
    that EC2 would refuse with FilterLimitExceeded is a defect here, not a condition to report)."""
    count = filter_values(filters)
    if count > FILTER_VALUES_MAX:
        raise ValueError(f"{count} filter values in one EC2 call: EC2 accepts at most {FILTER_VALUES_MAX}")
    return filters
