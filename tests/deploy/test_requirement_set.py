"""RequirementSet as deployed (issue 19): the stack, the member rule and the conformance pack take it
(2020, 2026 or latest; default 2020) and pass it to the rule's InputParameters only when it is not
2020, so a deployment that leaves it alone sends exactly today's parameters."""

from __future__ import annotations

from typing import Any

import pytest
from deploy.render_pack import RenderError

from eks_sg_rule.parameters import settings_from
from eks_sg_rule.requirements import RequirementSet
from tests.deploy.test_network_path import MEMBER_RULE, PACK, RULES, TEMPLATE


@pytest.mark.parametrize("template", [TEMPLATE, MEMBER_RULE, PACK], ids=["stack", "member rule", "pack"])
def test_the_parameter_takes_the_sets_and_latest_and_is_2020_by_default(template: dict[str, Any]) -> None:
    spec = template["Parameters"]["RequirementSet"]
    assert spec["Type"] == "String" and spec["Default"] == "2020"
    assert spec["AllowedValues"] == [*(item.value for item in RequirementSet), "latest"]


@pytest.mark.parametrize("rule", RULES.values(), ids=RULES.keys())
def test_2020_is_not_sent_so_the_rule_gets_todays_parameters(rule: Any) -> None:
    properties = rule()
    assert "RequirementSet" not in properties["InputParameters"]
    assert rule(RequirementSet="2020")["InputParameters"] == properties["InputParameters"]
    assert settings_from(properties["InputParameters"]).requirement_set is RequirementSet.Y2020


@pytest.mark.parametrize("rule", RULES.values(), ids=RULES.keys())
@pytest.mark.parametrize("value", ["2026", "latest"])
def test_another_set_reaches_the_rule_and_the_rule_accepts_it(rule: Any, value: str) -> None:
    properties = rule(RequirementSet=value)
    assert properties["InputParameters"]["RequirementSet"] == value
    # The scope is the same: the 2026 set judges the same resource types.
    assert properties["Scope"] == rule()["Scope"]
    assert settings_from(properties["InputParameters"]).requirement_set is RequirementSet.Y2026


def test_the_pack_refuses_any_other_value() -> None:
    with pytest.raises(RenderError, match="RequirementSet must be one of"):
        RULES["pack"](RequirementSet="2024")
