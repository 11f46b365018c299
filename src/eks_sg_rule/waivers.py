"""Waivers: a documented, dated exception to one check on one resource (issue 18).

Pure: no AWS. The CLI reads the document from `--waivers FILE`; the rule from the SSM parameter its
`WaiversParameterName` names (waiver_source.py). Both parse it here and apply it to the evaluations
before anything is reported or written.

The document (YAML, a list; README "Waivers"):

    - check: WORKER_SG_RECOMMENDED       # a check id (requirements.CHECKS_BY_ID)
      resource: "sg-0123456789abcdef0"   # a resource id, or a glob matching the whole id
      reason: node egress is restricted on purpose (SEC-1234)
      expires: 2027-06-30                # YYYY-MM-DD: the last day the waiver applies (UTC)

Semantics:
- `resource` is matched against the evaluated resource's id (a cluster's name, an SG's id, a network
  component's id) with `fnmatch.fnmatchcase`: the whole id, case-sensitive; `*` any run of
  characters, `?` one, `[...]` one of a set. An id without those characters names that one resource.
- A waiver applies to the resource it names, nothing else: a waiver on a cluster clears the cluster's
  evaluation for that check, not its SGs' (each SG is named by its own id, or by a glob such as `sg-*`).
- A waived failing check no longer makes its resource NON_COMPLIANT. When every failure of a resource
  is waived, it is COMPLIANT (or NOT_APPLICABLE when something could not be judged: a waiver never
  turns "cannot judge" into COMPLIANT), saying "<CHECK> waived until DATE: reason". When only some are,
  it stays NON_COMPLIANT and says which are waived.
- A waiver applies through its `expires` day (UTC). From the day after, it no longer applies and the
  evaluation says "waiver for <CHECK> expired on DATE".
- Only NON_COMPLIANT evaluations change: a COMPLIANT or NOT_APPLICABLE one is never touched.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from fnmatch import fnmatchcase
from typing import Any

import yaml

from .evaluate import ResourceEvaluation
from .requirements import CHECKS_BY_ID
from .results import CheckResult, Status

KEYS = ("check", "resource", "reason", "expires")
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"


class WaiverError(Exception):
    """The waiver document is not valid; the one-line message names the entry (1-based) and the field.

    Not a ValueError on purpose: the rule's handler reports it itself (rdklib would swallow a ValueError)."""


class _Loader(yaml.SafeLoader):  # type: ignore[misc]
    """yaml.safe_load's loader (plain data only, no object construction) with unquoted dates left as
    text, so that a bad date is reported here with its entry's number instead of by the YAML parser."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != TIMESTAMP_TAG]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True, slots=True)
class Waiver:
    """One entry: `check_id` on the resources whose id `resource` (a glob) matches, with `reason`,
    through the day `expires` (UTC)."""

    check_id: str
    resource: str
    reason: str
    expires: date

    def names(self, check_id: str, resource_id: str) -> bool:
        """Whether this waiver is about `check_id` on `resource_id` (whole-id, case-sensitive glob)."""
        return check_id == self.check_id and fnmatchcase(resource_id, self.resource)

    def live(self, today: date) -> bool:
        """Whether it applies on `today` (through its `expires` day)."""
        return today <= self.expires


def parse_waivers(text: str, source: str = "waivers") -> tuple[Waiver, ...]:
    """The waivers of a YAML document (a list of {check, resource, reason, expires}; `[]` is none).

    Raises WaiverError with one line starting with `source` (the file or parameter name): not YAML,
    not a list, an entry that is not a mapping, an unknown or missing key, an unknown check id, an
    empty resource or reason, a date that is not YYYY-MM-DD.
    """
    try:
        document = yaml.load(text, Loader=_Loader)  # a SafeLoader subclass: plain data only
    except yaml.YAMLError as error:
        raise WaiverError(f"{source}: not YAML: {' '.join(str(error).split())}") from None
    if not isinstance(document, list):
        got = "an empty document" if document is None else f"a {type(document).__name__}"
        raise WaiverError(f"{source}: expected a list of waivers ({', '.join(KEYS)}), got {got}")
    return tuple(_entry(item, f"{source}: waiver {number}") for number, item in enumerate(document, start=1))


def _entry(item: Any, where: str) -> Waiver:
    if not isinstance(item, dict):
        raise WaiverError(f"{where}: expected a mapping with {', '.join(KEYS)}, got a {type(item).__name__}")
    unknown = sorted(str(key) for key in item if key not in KEYS)
    if unknown:
        raise WaiverError(f"{where}: unknown key {', '.join(unknown)} (accepted: {', '.join(KEYS)})")
    missing = [key for key in KEYS if item.get(key) is None]
    if missing:
        raise WaiverError(f"{where}: missing {', '.join(missing)}")
    check = item["check"]
    if not isinstance(check, str) or check not in CHECKS_BY_ID:
        raise WaiverError(f"{where}: check {check!r} is not a check id (one of: {', '.join(CHECKS_BY_ID)})")
    resource, reason = item["resource"], item["reason"]
    if not isinstance(resource, str) or not resource.strip():
        raise WaiverError(f"{where}: resource must be a resource id or a glob, got {resource!r}")
    if not isinstance(reason, str) or not reason.strip():
        raise WaiverError(f"{where}: reason must be non-empty text, got {reason!r}")
    return Waiver(check, resource.strip(), " ".join(reason.split()), _date(item["expires"], where))


def _date(value: Any, where: str) -> date:
    if isinstance(value, date) and type(value) is date:  # an explicit !!timestamp tag
        return value
    if isinstance(value, str) and ISO_DATE.fullmatch(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError as error:
            raise WaiverError(f"{where}: expires {value!r} is not a date: {error}") from None
    raise WaiverError(f"{where}: expires must be a date YYYY-MM-DD, got {value!r}")


def waiver_for(
    waivers: Iterable[Waiver], check_id: str, resource_id: str, today: date
) -> tuple[Waiver | None, Waiver | None]:
    """(the live waiver of `check_id` on `resource_id`, or None; the expired one, or None when any is
    live). Among several, the one expiring last."""
    found = sorted((w for w in waivers if w.names(check_id, resource_id)), key=lambda w: w.expires)
    live = [w for w in found if w.live(today)]
    if live:
        return live[-1], None
    return None, (found[-1] if found else None)


def waived_note(waiver: Waiver) -> str:
    """ "waived until DATE: reason" (without the check id)."""
    return f"waived until {waiver.expires.isoformat()}: {waiver.reason}"


def expired_note(waiver: Waiver) -> str:
    """ "waiver for <CHECK> expired on DATE"."""
    return f"waiver for {waiver.check_id} expired on {waiver.expires.isoformat()}"


def apply_waivers(
    evaluations: Iterable[ResourceEvaluation], waivers: Sequence[Waiver], today: date
) -> list[ResourceEvaluation]:
    """The evaluations with `waivers` applied on `today` (UTC date), in the same order.

    Only a NON_COMPLIANT evaluation with a failing check a waiver names changes: the check keeps its
    NON_COMPLIANT status with `waived` set ("until DATE: reason") and its detail saying so; the
    evaluation's compliance is recomputed as if the waived checks had passed. An expired waiver only
    adds "waiver for <CHECK> expired on DATE" to the check's and the evaluation's detail.
    """
    if not waivers:
        return list(evaluations)
    return [_apply(evaluation, waivers, today) for evaluation in evaluations]


def _apply(evaluation: ResourceEvaluation, waivers: Sequence[Waiver], today: date) -> ResourceEvaluation:
    if evaluation.compliance_type is not Status.NON_COMPLIANT:
        return evaluation
    checks: list[CheckResult] = []
    failing: list[CheckResult] = []
    waived: list[str] = []
    expired: list[str] = []
    for check in evaluation.checks:
        live, old = (
            waiver_for(waivers, check.check_id, evaluation.resource_id, today)
            if check.status is Status.NON_COMPLIANT
            else (None, None)
        )
        if live is not None:
            note = waived_note(live)
            checks.append(replace(check, waived=note.removeprefix("waived "), detail=f"{note}; {check.detail}"))
            waived.append(f"{check.check_id} {note}")
            continue
        if check.status is Status.NON_COMPLIANT:
            failing.append(check)  # the evaluation's detail says the expiry once, at its end
        if old is not None:
            expired.append(expired_note(old))
        checks.append(check if old is None else replace(check, detail=f"{expired_note(old)}; {check.detail}"))
    if not waived and not expired:
        return evaluation
    notes = list(dict.fromkeys([*waived, *expired]))
    unjudged = [c for c in checks if c.cannot_judge]
    if failing:
        status, detail = Status.NON_COMPLIANT, _grouped(failing, notes)
    elif unjudged:
        status, detail = Status.NOT_APPLICABLE, _grouped(unjudged, notes)
    elif evaluation.incomplete:
        status, detail = Status.NOT_APPLICABLE, "; ".join([f"cannot judge: {'; '.join(evaluation.incomplete)}", *notes])
    else:
        status, detail = Status.COMPLIANT, "; ".join(notes)
    return replace(evaluation, compliance_type=status, detail=detail, checks=tuple(checks))


def _grouped(results: Sequence[CheckResult], notes: Sequence[str]) -> str:
    """ "ID: detail" per result (checks with the same detail named together), then the notes."""
    by_detail: dict[str, list[str]] = {}
    for result in results:
        by_detail.setdefault(result.detail, []).append(result.check_id)
    return "; ".join([*(f"{', '.join(ids)}: {detail}" for detail, ids in by_detail.items()), *notes])


def unwaived(
    results: Iterable[CheckResult], waivers: Sequence[Waiver], today: date
) -> tuple[list[CheckResult], list[str]]:
    """For a plan (fix): the results without the findings a live waiver names, and one note per
    waived finding ("<CHECK> on <resource> waived until DATE: reason: not planned").

    A finding is named by the resource it is reported on: its SG id, or its component id (network
    paths). A failing result left with no finding is dropped; every other result is kept as it is.
    """
    kept: list[CheckResult] = []
    notes: list[str] = []
    for result in results:
        if result.status is not Status.NON_COMPLIANT or not result.findings:
            kept.append(result)
            continue
        findings = []
        for finding in result.findings:
            on = finding.security_group_id or finding.component_id or ""
            live, _ = waiver_for(waivers, result.check_id, on, today)
            if live is None:
                findings.append(finding)
            else:
                notes.append(f"{result.check_id} on {on} {waived_note(live)}: not planned")
        if findings:
            kept.append(replace(result, findings=tuple(findings)))
    return kept, list(dict.fromkeys(notes))
