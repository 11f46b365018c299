"""How every AWS read is called: errors naming the IAM action, paging, and EC2's filter-value limit.

The one place where a botocore `ClientError` becomes a `DiscoveryError` naming the IAM action
(`<service>:<Operation>`), where paginators are driven (`pages_of`), and where EC2 describe filters
are chunked within EC2's limit on filter values.

EC2 refuses a call whose filters carry more than 200 values in all (every filter of the call
counted together) with `FilterLimitExceeded` ("The maximum number of filter values specified on a
single call is 200"). A filter (EC2 API reference, `Filter`): a name and values; the values of one
filter are joined with OR, the filters of one call with AND; a value may hold the wildcards `*`
(zero or more characters) and `?` (exactly one), a backslash escapes them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from botocore.exceptions import ClientError

FILTER_VALUES_MAX = 200
NOT_FOUND_CODES = frozenset(
    {
        "ResourceNotFoundException",
        "InvalidGroup.NotFound",
        "InvalidLaunchTemplateId.NotFound",
        "InvalidLaunchTemplateName.NotFoundException",
        "InvalidLaunchTemplateId.VersionNotFound",
        "InvalidPrefixListID.NotFound",
        "InvalidPrefixListId.NotFound",
        "NoSuchEntity",  # IAM: no role of that name
    }
)

Filter = dict[str, Any]


class DiscoveryError(Exception):
    """An AWS read failed in a way that retries did not cure; names the IAM action involved."""

    def __init__(self, action: str, code: str, message: str) -> None:
        super().__init__(f"{action} failed: {code}: {message}")
        self.action = action
        self.code = code

    @property
    def access_denied(self) -> bool:
        return "AccessDenied" in self.code or "UnauthorizedOperation" in self.code or "AuthFailure" in self.code


def failure(service: str, error: ClientError) -> DiscoveryError:
    """The DiscoveryError for a failed call: action `<service>:<Operation>`, the error's code and message."""
    details = error.response.get("Error", {})
    action = f"{service}:{error.operation_name}"
    return DiscoveryError(action, details.get("Code", "Unknown"), details.get("Message", ""))


def not_found(error: ClientError) -> bool:
    """Whether a call failed because the resource is gone (NOT_FOUND_CODES), not for any other reason."""
    return error.response.get("Error", {}).get("Code", "") in NOT_FOUND_CODES


def pages_of(service: str, client: Any, operation: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
    """Every page of a paginated call. Raises DiscoveryError when a call fails, ValueError when its
    `Filters` (DescribeNatGateways: `Filter`) carry more values than EC2 accepts (build them with filter_sets)."""
    within_limit(kwargs.get("Filters") or kwargs.get("Filter") or ())
    try:
        yield from client.get_paginator(operation).paginate(**kwargs)
    except ClientError as error:
        raise failure(service, error) from error


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
