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

import html
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from botocore.exceptions import ClientError
from botocore.parsers import ResponseParserError

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
REASON_MAX = 200  # characters of an error body kept in a reason: one line, no markup
_MARKUP = re.compile(r"<(script|style)\b.*?</\1\s*>|<!--.*?-->|<[^>]*>", re.IGNORECASE | re.DOTALL)
_TITLE = re.compile(r"<title[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)
_PAGE = re.compile(r"<\s*(!doctype|html|head|body|title)\b", re.IGNORECASE)


class DiscoveryError(Exception):
    """An AWS read failed in a way that retries did not cure; names the IAM action involved."""

    def __init__(self, action: str, code: str, message: str) -> None:
        super().__init__(f"{action} failed: {code}: {message}")
        self.action = action
        self.code = code

    @property
    def access_denied(self) -> bool:
        return "AccessDenied" in self.code or "UnauthorizedOperation" in self.code or "AuthFailure" in self.code


def plain_text(body: str) -> str:
    """An error body as one line of text of at most REASON_MAX characters: markup, scripts and
    comments dropped, entities decoded, whitespace collapsed, cut with `…`."""
    text = " ".join(html.unescape(_MARKUP.sub(" ", body)).split())
    return text if len(text) <= REASON_MAX else text[: REASON_MAX - 1] + "…"


def reason(code: str, message: str, status: int | None, endpoint: str | None) -> tuple[str, str]:
    """(code, message) of a failed call as people can read them, whatever the endpoint answered.

    An AWS error keeps its code and its message (as one line, plain_text). A body that is no AWS
    error (a proxy's or web server's HTML page, an empty 404: botocore gives the HTTP status as the
    code, or `Unknown`, and the body or nothing as the message) becomes `HTTP <status>` and a message
    naming the endpoint that answered and what it answered (an HTML page's title, else its text)."""
    page = bool(_PAGE.search(message))
    if code not in ("", "Unknown") and not code.isdigit() and not page:
        return code, plain_text(message)
    answered = f"HTTP {status}" if status else "an error"
    where = endpoint or "the AWS endpoint"
    if page:
        title = _TITLE.search(message)
        what = f"an HTML page ({plain_text(title.group(1))})" if title else f"an HTML page ({plain_text(message)})"
        text = f"the endpoint answered with {what}, not an AWS response"
    elif message.strip() and message.strip() != code:
        text = f"the endpoint answered with no AWS error ({plain_text(message)})"
    else:
        text = "the endpoint answered with an empty body, not an AWS response"
    return (f"HTTP {status}" if status else code or "Unknown"), f"{text}: {answered} from {where}"


def failure(service: str, error: ClientError, client: Any = None) -> DiscoveryError:
    """The DiscoveryError for a failed call: action `<service>:<Operation>`, the error's code and
    message as `reason` gives them (the endpoint named from `client.meta.endpoint_url` when given)."""
    details = error.response.get("Error") or {}
    status = (error.response.get("ResponseMetadata") or {}).get("HTTPStatusCode")
    endpoint = getattr(getattr(client, "meta", None), "endpoint_url", None)
    code, message = reason(str(details.get("Code", "")), str(details.get("Message", "")), status, endpoint)
    return DiscoveryError(f"{service}:{error.operation_name}", code, message)


def unparsable(service: str, operation: str, client: Any) -> DiscoveryError:
    """The DiscoveryError for an answer botocore could not parse (an empty or HTML body where XML or
    JSON was due: botocore's ResponseParserError), naming the endpoint that gave it."""
    endpoint = getattr(getattr(client, "meta", None), "endpoint_url", None) or "the AWS endpoint"
    message = f"the endpoint answered with a body that is not an AWS response: from {endpoint}"
    return DiscoveryError(f"{service}:{operation}", "unparsable response", message)


def not_found(error: ClientError) -> bool:
    """Whether a call failed because the resource is gone (NOT_FOUND_CODES), not for any other reason."""
    return error.response.get("Error", {}).get("Code", "") in NOT_FOUND_CODES


def pages_of(service: str, client: Any, operation: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
    """Every page of a paginated call. Raises DiscoveryError when a call fails, ValueError when its
    `Filters` (DescribeNatGateways: `Filter`) carry more values than EC2 accepts (build them with filter_sets)."""
    within_limit(kwargs.get("Filters") or kwargs.get("Filter") or ())
    paginator = client.get_paginator(operation)
    try:
        yield from paginator.paginate(**kwargs)
    except ClientError as error:
        raise failure(service, error, client) from error
    except ResponseParserError as error:
        raise unparsable(service, client.meta.method_to_api_mapping.get(operation, operation), client) from error


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
