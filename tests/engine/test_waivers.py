"""Waivers (issue 18 item 3): the document's validation, one line per error naming the entry and the
field, and what a waiver does to an evaluation (waived, partially waived, expired, cannot judge)."""

from __future__ import annotations

from datetime import date

import pytest

from eks_sg_rule.evaluate import CLUSTER_TYPE, SECURITY_GROUP_TYPE, ResourceEvaluation
from eks_sg_rule.results import CheckResult, Finding, Status
from eks_sg_rule.waivers import Waiver, WaiverError, apply_waivers, parse_waivers, unwaived

TODAY = date(2026, 12, 7)
DOCUMENT = """
- check: WORKER_SG_RECOMMENDED
  resource: sg-0123456789abcdef0
  reason: node egress is restricted on purpose (SEC-1234)
  expires: 2027-06-30
- check: TAG_OWNED
  resource: "prod-*"
  reason: "tagged by another pipeline"
  expires: "2026-12-07"
"""


def test_a_valid_document_parses_dates_globs_and_reasons() -> None:
    first, second = parse_waivers(DOCUMENT)
    assert first == Waiver(
        "WORKER_SG_RECOMMENDED",
        "sg-0123456789abcdef0",
        "node egress is restricted on purpose (SEC-1234)",
        date(2027, 6, 30),
    )
    assert second.expires == date(2026, 12, 7) and second.live(TODAY) and not second.live(date(2026, 12, 8))
    assert second.names("TAG_OWNED", "prod-eu") and not second.names("TAG_OWNED", "staging-prod-eu")
    assert not second.names("TAG_OWNED", "Prod-eu")  # case-sensitive
    assert not second.names("CP_SG_MINIMUM", "prod-eu")
    assert parse_waivers("[]") == ()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("check: [", "w.yaml: not YAML: "),
        ("", "w.yaml: expected a list of waivers (check, resource, reason, expires), got an empty document"),
        ("check: TAG_OWNED", "w.yaml: expected a list of waivers (check, resource, reason, expires), got a dict"),
        ("- just text", "w.yaml: waiver 1: expected a mapping with check, resource, reason, expires, got a str"),
        (
            "- {check: TAG_OWNED, resource: c, reason: r, expires: 2027-01-01, owner: me}",
            "w.yaml: waiver 1: unknown key owner (accepted: check, resource, reason, expires)",
        ),
        ("- {check: TAG_OWNED, resource: c, expires: 2027-01-01}", "w.yaml: waiver 1: missing reason"),
        ("- {check: TAG_OWNED, resource: c, reason: r}", "w.yaml: waiver 1: missing expires"),
        ("- {check: NOPE, resource: c, reason: r, expires: 2027-01-01}", "w.yaml: waiver 1: check 'NOPE' is not"),
        ("- {check: TAG_OWNED, resource: '  ', reason: r, expires: 2027-01-01}", "w.yaml: waiver 1: resource must"),
        ("- {check: TAG_OWNED, resource: 7, reason: r, expires: 2027-01-01}", "w.yaml: waiver 1: resource must"),
        ("- {check: TAG_OWNED, resource: c, reason: '', expires: 2027-01-01}", "w.yaml: waiver 1: reason must be"),
        ("- {check: TAG_OWNED, resource: c, reason: r, expires: 2027-02-30}", "w.yaml: waiver 1: expires '2027-02-30'"),
        ("- {check: TAG_OWNED, resource: c, reason: r, expires: 31/12/2027}", "w.yaml: waiver 1: expires must be a"),
        ("- {check: TAG_OWNED, resource: c, reason: r, expires: 20271231}", "w.yaml: waiver 1: expires must be a"),
        (
            "- {check: TAG_OWNED, resource: c, reason: r, expires: 2027-01-01}\n- {check: TAG_OWNED, resource: c}",
            "w.yaml: waiver 2: missing reason, expires",
        ),
    ],
)
def test_every_invalid_document_is_one_line_naming_the_entry_and_field(text: str, message: str) -> None:
    with pytest.raises(WaiverError) as raised:
        parse_waivers(text, "w.yaml")
    assert str(raised.value).startswith(message)
    assert "\n" not in str(raised.value)


def test_an_explicit_timestamp_tag_still_gives_a_date_and_a_time_is_refused() -> None:
    [waiver] = parse_waivers("- {check: TAG_OWNED, resource: c, reason: r, expires: !!timestamp 2027-01-01}")
    assert waiver.expires == date(2027, 1, 1)
    with pytest.raises(WaiverError, match="waiver 1: expires must be a date"):
        parse_waivers("- {check: TAG_OWNED, resource: c, reason: r, expires: !!timestamp 2027-01-01T10:00:00Z}")


def failing(check_id: str, detail: str = "missing egress", sg_id: str = "sg-1") -> CheckResult:
    return CheckResult(check_id, Status.NON_COMPLIANT, detail, (Finding(sg_id, detail),))


def passing(check_id: str) -> CheckResult:
    return CheckResult(check_id, Status.COMPLIANT, "ok")


def cluster(*checks: CheckResult, incomplete: tuple[str, ...] = ()) -> ResourceEvaluation:
    failed = [c for c in checks if c.status is Status.NON_COMPLIANT]
    status = Status.NON_COMPLIANT if failed else Status.COMPLIANT
    detail = "; ".join(f"{c.check_id}: {c.detail}" for c in failed) or "pass"
    return ResourceEvaluation(CLUSTER_TYPE, "prod", status, detail, checks, incomplete=incomplete)


def waiver(check_id: str, resource: str = "prod", expires: date = date(2027, 1, 31)) -> Waiver:
    return Waiver(check_id, resource, "on purpose", expires)


def test_a_resource_whose_only_failure_is_waived_is_compliant_and_says_until_when() -> None:
    evaluation = cluster(passing("CP_SG_MINIMUM"), failing("WORKER_SG_RECOMMENDED"))
    [after] = apply_waivers([evaluation], [waiver("WORKER_SG_RECOMMENDED")], TODAY)
    assert after.compliance_type is Status.COMPLIANT
    assert after.annotation == "WORKER_SG_RECOMMENDED waived until 2027-01-31: on purpose"
    waived = after.checks[1]
    assert (waived.status, waived.waived) == (Status.NON_COMPLIANT, "until 2027-01-31: on purpose")
    assert waived.detail == "waived until 2027-01-31: on purpose; missing egress"
    assert after.to_json()["checks"][1]["waived"] == "until 2027-01-31: on purpose"
    assert "waived" not in after.to_json()["checks"][0]


def test_a_partly_waived_resource_stays_non_compliant_and_names_the_waived_check() -> None:
    evaluation = cluster(failing("CP_SG_MINIMUM", "no 443"), failing("WORKER_SG_RECOMMENDED"))
    [after] = apply_waivers([evaluation], [waiver("WORKER_SG_RECOMMENDED")], TODAY)
    assert after.compliance_type is Status.NON_COMPLIANT
    assert after.detail == "CP_SG_MINIMUM: no 443; WORKER_SG_RECOMMENDED waived until 2027-01-31: on purpose"


def test_an_expired_waiver_no_longer_applies_and_says_so() -> None:
    evaluation = cluster(failing("WORKER_SG_RECOMMENDED"))
    # Through its expires day it applies; the day after, it does not.
    [on_the_day] = apply_waivers([evaluation], [waiver("WORKER_SG_RECOMMENDED", expires=TODAY)], TODAY)
    assert on_the_day.compliance_type is Status.COMPLIANT
    [after] = apply_waivers([evaluation], [waiver("WORKER_SG_RECOMMENDED", expires=date(2026, 12, 6))], TODAY)
    assert after.compliance_type is Status.NON_COMPLIANT
    assert (
        after.detail == "WORKER_SG_RECOMMENDED: missing egress; waiver for WORKER_SG_RECOMMENDED expired on 2026-12-06"
    )
    assert after.checks[0].detail == "waiver for WORKER_SG_RECOMMENDED expired on 2026-12-06; missing egress"
    assert not after.checks[0].waived
    # A live waiver beside an expired one wins.
    both = [waiver("WORKER_SG_RECOMMENDED", expires=date(2026, 1, 1)), waiver("WORKER_SG_RECOMMENDED")]
    assert apply_waivers([evaluation], both, TODAY)[0].compliance_type is Status.COMPLIANT


def test_a_waiver_never_turns_cannot_judge_into_compliant() -> None:
    unjudged = CheckResult("TAG_OWNED", Status.NOT_APPLICABLE, "cannot judge: no nodes", cannot_judge=True)
    [after] = apply_waivers([cluster(failing("CP_SG_MINIMUM"), unjudged)], [waiver("CP_SG_MINIMUM")], TODAY)
    assert after.compliance_type is Status.NOT_APPLICABLE
    assert after.detail.startswith("TAG_OWNED: cannot judge: no nodes; CP_SG_MINIMUM waived until")
    incomplete = cluster(failing("CP_SG_MINIMUM"), incomplete=("launch template lt-1 could not be read",))
    [after] = apply_waivers([incomplete], [waiver("CP_SG_MINIMUM")], TODAY)
    assert after.compliance_type is Status.NOT_APPLICABLE
    assert after.detail.startswith("cannot judge: launch template lt-1 could not be read; CP_SG_MINIMUM waived")
    # A NOT_APPLICABLE or COMPLIANT evaluation is never touched, whatever the waiver names.
    not_applicable = ResourceEvaluation(CLUSTER_TYPE, "prod", Status.NOT_APPLICABLE, "cannot judge: x", (unjudged,))
    compliant = cluster(passing("TAG_OWNED"))
    assert apply_waivers([not_applicable, compliant], [waiver("TAG_OWNED")], TODAY) == [not_applicable, compliant]


def test_a_waiver_applies_to_the_resource_it_names_only() -> None:
    on_cluster = cluster(failing("WORKER_SG_RECOMMENDED"))
    on_sg = ResourceEvaluation(
        SECURITY_GROUP_TYPE, "sg-1", Status.NON_COMPLIANT, "x", (failing("WORKER_SG_RECOMMENDED"), passing("TAG_OWNED"))
    )
    cluster_after, sg_after = apply_waivers([on_cluster, on_sg], [waiver("WORKER_SG_RECOMMENDED")], TODAY)
    assert cluster_after.compliance_type is Status.COMPLIANT
    assert sg_after is on_sg  # the cluster's waiver does not name the SG
    [sg_waived] = apply_waivers([on_sg], [waiver("WORKER_SG_RECOMMENDED", "sg-*")], TODAY)
    assert sg_waived.compliance_type is Status.COMPLIANT
    # Another check on the same resource is not waived; no waiver at all changes nothing.
    assert apply_waivers([on_cluster], [waiver("CP_SG_MINIMUM")], TODAY) == [on_cluster]
    assert apply_waivers([on_cluster], [], TODAY) == [on_cluster]


def test_a_plan_leaves_out_the_findings_a_live_waiver_names() -> None:
    result = CheckResult(
        "WORKER_SG_RECOMMENDED",
        Status.NON_COMPLIANT,
        "missing",
        (Finding("sg-1", "egress to 0.0.0.0/0"), Finding("sg-2", "egress to 0.0.0.0/0")),
    )
    other = failing("CP_SG_MINIMUM", sg_id="sg-1")
    kept, notes = unwaived([result, other, passing("TAG_OWNED")], [waiver("WORKER_SG_RECOMMENDED", "sg-1")], TODAY)
    assert [r.check_id for r in kept] == ["WORKER_SG_RECOMMENDED", "CP_SG_MINIMUM", "TAG_OWNED"]
    assert [f.security_group_id for f in kept[0].findings] == ["sg-2"]
    assert notes == ["WORKER_SG_RECOMMENDED on sg-1 waived until 2027-01-31: on purpose: not planned"]
    kept, notes = unwaived([result], [waiver("WORKER_SG_RECOMMENDED", "sg-*")], TODAY)
    assert kept == [] and len(notes) == 2
    expired = [waiver("WORKER_SG_RECOMMENDED", "sg-*", date(2020, 1, 1))]
    assert unwaived([result], expired, TODAY) == ([result], [])
