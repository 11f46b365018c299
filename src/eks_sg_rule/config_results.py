"""AWS Config's side: read the results it holds, write only what changed, lose nothing.

rdklib writes evaluations without looking at PutEvaluations' FailedEvaluations; here each batch of
100 is retried for the items Config refused, and what still fails fails the invocation with a count.

What Config holds is compared robustly: GetComplianceDetailsByConfigRule is asked for every
compliance type by name (NOT_APPLICABLE included: a caller that leaves the filter out is not
promised them), and annotations are compared as Config may hand them back (whitespace trimmed or
collapsed, cut at its 256-character limit). A result Config does not return at all is rewritten on
every run; `written_without_stored_result` counts those so a deployment's log shows it.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .aws.calls import pages_of
from .evaluate import CLUSTER_TYPE, MAX_ANNOTATION, SECURITY_GROUP_TYPE, ResourceEvaluation
from .results import Status

BATCH_SIZE = 100
PUT_ATTEMPTS = 4
RULE_TYPES = frozenset({CLUSTER_TYPE, SECURITY_GROUP_TYPE})
NO_LONGER_USED = "no longer plays a role for any EKS cluster in scope (or was deleted)"
# Every value GetComplianceDetailsByConfigRule's ComplianceTypes filter takes for an evaluation
# result (INSUFFICIENT_DATA cannot filter: API reference); at most 3 values are allowed.
STORED_TYPES = ("COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE")
_WHITESPACE = re.compile(r"\s+")

Key = tuple[str, str]


class EvaluationsNotRecorded(Exception):
    """AWS Config refused some evaluations even after retries."""

    def __init__(self, count: int, sample: list[Key]) -> None:
        super().__init__(f"AWS Config refused {count} evaluation(s) after {PUT_ATTEMPTS} attempts, e.g. {sample[:3]}")
        self.count = count


@dataclass(frozen=True, slots=True)
class StoredResult:
    """One result Config holds: its ComplianceType and Annotation ("" when Config returns none)."""

    compliance_type: str
    annotation: str

    def matches(self, evaluation: ResourceEvaluation) -> bool:
        """Whether writing `evaluation` would change nothing Config shows (same_annotation)."""
        return self.compliance_type == evaluation.compliance_type.value and same_annotation(
            evaluation.annotation, self.annotation
        )


def _squeezed(text: str) -> str:
    return _WHITESPACE.sub(" ", text).strip()


def same_annotation(sent: str, held: str) -> bool:
    """Whether Config holding `held` for an evaluation written with `sent` means nothing changed.

    Equal once whitespace runs are collapsed and the ends trimmed, or `held` is `sent` cut short
    where Config's limit falls (256, counted in characters or in UTF-8 bytes: StringWithCharLimit256).
    """
    sent, held_squeezed = _squeezed(sent), _squeezed(held)
    if sent == held_squeezed:
        return True
    at_limit = max(len(held), len(held.encode())) >= MAX_ANNOTATION - 2
    return bool(held_squeezed) and at_limit and sent.startswith(held_squeezed)


def current_results(config: Any, rule_name: str) -> dict[Key, StoredResult]:
    """What Config holds for the rule now: (resource type, id) -> StoredResult.

    One paginated GetComplianceDetailsByConfigRule read (100 a page, the API's maximum), naming
    every compliance type in the filter, NOT_APPLICABLE included. Raises botocore's ClientError
    (DiscoveryError via pages_of) when the read fails.
    """
    results: dict[Key, StoredResult] = {}
    pages = pages_of(
        "config",
        config,
        "get_compliance_details_by_config_rule",
        ConfigRuleName=rule_name,
        ComplianceTypes=list(STORED_TYPES),
        PaginationConfig={"PageSize": 100},
    )
    for page in pages:
        for result in page.get("EvaluationResults", ()):
            qualifier = result["EvaluationResultIdentifier"]["EvaluationResultQualifier"]
            key = (qualifier["ResourceType"], qualifier["ResourceId"])
            results[key] = StoredResult(result["ComplianceType"], result.get("Annotation", ""))
    return results


def changes_only(
    evaluations: Iterable[ResourceEvaluation], stored: Mapping[Key, StoredResult]
) -> list[ResourceEvaluation]:
    """The evaluations whose result or annotation differs from what Config holds, plus NOT_APPLICABLE
    for held results of resources that no longer play a role (keyed by type and id, not id alone)."""
    changed: list[ResourceEvaluation] = []
    seen: set[Key] = set()
    for evaluation in evaluations:
        seen.add(evaluation.key)
        held = stored.get(evaluation.key)
        if held is None or not held.matches(evaluation):
            changed.append(evaluation)
    for key, held in stored.items():
        if key not in seen and key[0] in RULE_TYPES and held.compliance_type != Status.NOT_APPLICABLE.value:
            changed.append(ResourceEvaluation(key[0], key[1], Status.NOT_APPLICABLE, NO_LONGER_USED))
    return changed


def without_stored_result(
    evaluations: Iterable[ResourceEvaluation], stored: Mapping[Key, StoredResult]
) -> dict[str, int]:
    """Of the evaluations to write, how many Config returned no result for, by ComplianceType.

    Those are written on every run if Config does not hand them back (NOT_APPLICABLE results it
    does not keep, say); the periodic run logs the count.
    """
    return dict(Counter(e.compliance_type.value for e in evaluations if e.key not in stored))


class EvaluationWriter:
    """Buffers evaluations and writes them in batches of 100, retrying what Config refuses."""

    def __init__(
        self,
        config: Any,
        result_token: str,
        ordering_timestamp: str,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.config = config
        self.result_token = result_token
        self.test_mode = result_token == "TESTMODE"
        self.ordering_timestamp = ordering_timestamp
        self.sleep = sleep
        self.pending: list[dict[str, Any]] = []
        self.written = 0
        self.refused: list[dict[str, Any]] = []

    def add(self, evaluations: Iterable[ResourceEvaluation]) -> None:
        for evaluation in evaluations:
            self.pending.append(
                {
                    "ComplianceResourceType": evaluation.resource_type,
                    "ComplianceResourceId": evaluation.resource_id,
                    "ComplianceType": evaluation.compliance_type.value,
                    "Annotation": evaluation.annotation,
                    "OrderingTimestamp": self.ordering_timestamp,
                }
            )
            if len(self.pending) >= BATCH_SIZE:
                self.flush()

    def flush(self) -> None:
        while self.pending:
            batch, self.pending = self.pending[:BATCH_SIZE], self.pending[BATCH_SIZE:]
            self._put(batch)

    def close(self) -> int:
        """Write what is left; raise if Config refused anything. Returns how many were written."""
        self.flush()
        if self.refused:
            keys = [(e["ComplianceResourceType"], e["ComplianceResourceId"]) for e in self.refused]
            raise EvaluationsNotRecorded(len(self.refused), keys)
        return self.written

    def _put(self, batch: list[dict[str, Any]]) -> None:
        for attempt in range(PUT_ATTEMPTS):
            response = self.config.put_evaluations(
                Evaluations=batch, ResultToken=self.result_token, TestMode=self.test_mode
            )
            refused = {
                (e.get("ComplianceResourceType"), e.get("ComplianceResourceId"))
                for e in response.get("FailedEvaluations") or ()
            }
            self.written += len(batch) - len(refused)
            batch = [e for e in batch if (e["ComplianceResourceType"], e["ComplianceResourceId"]) in refused]
            if not batch:
                return
            if attempt + 1 < PUT_ATTEMPTS:
                self.sleep(min(2.0, 0.2 * 2**attempt))
        self.refused.extend(batch)
