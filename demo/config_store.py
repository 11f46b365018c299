"""Test double of AWS Config's result store, for tests and the benchmark (moto lacks it).

Not product code: the rule talks to the real AWS Config; this stands in for the parts moto does
not implement, on a boto3 session's event hooks.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class _Http:
    status_code = 200


@dataclass
class ConfigResultStore:
    """Test double of AWS Config's result store, clearly not the real thing.

    moto keeps no evaluations and implements neither GetComplianceDetailsByConfigRule nor an empty
    PutEvaluations (which Config accepts). This double records every PutEvaluations request (the
    rule's writes, read back), keeps the latest result per (resource type, id) as Config would, and
    answers GetComplianceDetailsByConfigRule from them. Non-empty writes still go on to moto, which
    validates them.
    """

    calls: list[dict[str, Any]] = field(default_factory=list)
    results: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    reads: int = 0
    # False models a Config that keeps (or returns) no NOT_APPLICABLE results, whatever the filter.
    returns_not_applicable: bool = True

    def record(self, params: dict[str, Any], **_: Any) -> None:
        call = json.loads(json.dumps(params, default=str))
        self.calls.append(call)
        for evaluation in call["Evaluations"]:
            self.results[(evaluation["ComplianceResourceType"], evaluation["ComplianceResourceId"])] = evaluation

    @staticmethod
    def _api_params(request: dict[str, Any]) -> dict[str, Any]:
        """The operation's parameters, from the serialised request (AWS Config speaks JSON)."""
        body = request.get("body") or b"{}"
        return dict(json.loads(body.decode() if isinstance(body, bytes) else body))

    def answer_empty_put(self, params: dict[str, Any], **_: Any) -> tuple[_Http, dict[str, Any]] | None:
        empty = not self._api_params(params).get("Evaluations")
        return (_Http(), {"FailedEvaluations": []}) if empty else None

    def answer_read(self, params: dict[str, Any], **_: Any) -> tuple[_Http, dict[str, Any]]:
        self.reads += 1
        params = self._api_params(params)
        # Without a filter, only COMPLIANT and NON_COMPLIANT: a caller is not promised NOT_APPLICABLE
        # results unless it names them (stelligent/potemkin-decorator had to add NOT_APPLICABLE to its
        # filter to see them). The rule always names all three.
        wanted = set(params.get("ComplianceTypes") or ("COMPLIANT", "NON_COMPLIANT"))
        if not self.returns_not_applicable:
            wanted.discard("NOT_APPLICABLE")
        held = [e for e in self.results.values() if e["ComplianceType"] in wanted]
        start = int(params.get("NextToken") or 0)
        limit = int(params.get("Limit") or 10)
        page = [
            {
                "EvaluationResultIdentifier": {
                    "EvaluationResultQualifier": {
                        "ConfigRuleName": params["ConfigRuleName"],
                        "ResourceType": e["ComplianceResourceType"],
                        "ResourceId": e["ComplianceResourceId"],
                        "EvaluationMode": "DETECTIVE",
                    }
                },
                "ComplianceType": e["ComplianceType"],
                **({"Annotation": e["Annotation"]} if e.get("Annotation") else {}),
            }
            for e in held[start : start + limit]
        ]
        response: dict[str, Any] = {"EvaluationResults": page}
        if start + limit < len(held):
            response["NextToken"] = str(start + limit)
        return (_Http(), response)

    @property
    def evaluations(self) -> list[dict[str, Any]]:
        return [evaluation for call in self.calls for evaluation in call["Evaluations"]]

    def by_id(self) -> dict[str, dict[str, Any]]:
        return {e["ComplianceResourceId"]: e for e in self.evaluations}


def install_result_store(session: Any) -> ConfigResultStore:
    store = ConfigResultStore()
    session.events.register("provide-client-params.config.PutEvaluations", store.record)
    session.events.register("before-call.config.PutEvaluations", store.answer_empty_put)
    session.events.register("before-call.config.GetComplianceDetailsByConfigRule", store.answer_read)
    return store


def save(store: ConfigResultStore, path: Path) -> None:
    path.write_text(json.dumps(list(store.results.values())))


def load(store: ConfigResultStore, path: Path) -> None:
    if path.exists():
        for evaluation in json.loads(path.read_text()):
            store.results[(evaluation["ComplianceResourceType"], evaluation["ComplianceResourceId"])] = evaluation
