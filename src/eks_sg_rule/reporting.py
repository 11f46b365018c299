"""AWS Config's side: read the results it holds, write only what changed, lose nothing.

rdklib writes evaluations without looking at PutEvaluations' FailedEvaluations; here each batch of
100 is retried for the items Config refused, and what still fails fails the invocation with a count.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .checks import Status
from .discovery import pages_of
from .evaluate import CLUSTER_TYPE, SECURITY_GROUP_TYPE, ResourceEvaluation

BATCH_SIZE = 100
PUT_ATTEMPTS = 4
RULE_TYPES = frozenset({CLUSTER_TYPE, SECURITY_GROUP_TYPE})
NO_LONGER_USED = "no longer plays a role for any EKS cluster in scope (or was deleted)"

Key = tuple[str, str]


class EvaluationsNotRecorded(Exception):
    """AWS Config refused some evaluations even after retries."""

    def __init__(self, count: int, sample: list[Key]) -> None:
        super().__init__(f"AWS Config refused {count} evaluation(s) after {PUT_ATTEMPTS} attempts, e.g. {sample[:3]}")
        self.count = count


@dataclass(frozen=True, slots=True)
class StoredResult:
    compliance_type: str
    annotation: str


def current_results(config: Any, rule_name: str) -> dict[Key, StoredResult]:
    """What Config holds for the rule now: one paginated GetComplianceDetailsByConfigRule read."""
    results: dict[Key, StoredResult] = {}
    pages = pages_of(
        "config",
        config,
        "get_compliance_details_by_config_rule",
        ConfigRuleName=rule_name,
        ComplianceTypes=["COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE"],
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
        if held != StoredResult(evaluation.compliance_type.value, evaluation.annotation):
            changed.append(evaluation)
    for key, held in stored.items():
        if key not in seen and key[0] in RULE_TYPES and held.compliance_type != Status.NOT_APPLICABLE.value:
            changed.append(ResourceEvaluation(key[0], key[1], Status.NOT_APPLICABLE, NO_LONGER_USED))
    return changed


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
