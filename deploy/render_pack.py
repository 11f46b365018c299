"""Render a conformance pack source into the pack AWS Config is given: every parameter a literal.

AWS Config needs a remediation's AutomationAssumeRole as a literal ARN, so the pack is rendered
with the deployed stack's outputs filled in. Usage (or `make pack`):

    python deploy/render_pack.py SOURCE OUTPUT Name=value ...

Every parameter of SOURCE takes the value given, else its Default; one with neither is an error
(the message names the `make pack` variable that gives it). Conditions are resolved (Fn::Equals,
Fn::Not, Fn::And, Fn::Or, Condition; Fn::If and AWS::NoValue in properties) and a resource whose
condition is false is left out. A rule parameter (InputParameters) or a remediation parameter
whose value is empty is left out: Config refuses an empty static value, and a custom rule gets only
the keys that have a value (the SSM document's default, "", applies to a left-out remediation one).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import yaml
from cfnlint.decode import decode

ROLE_ARN = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}")
# The `make pack` variable that gives each parameter (Makefile, target pack).
MAKE_VARIABLES = {
    "RuleFunctionArn": "RULE_FUNCTION_ARN",
    "RemediationDocumentName": "REMEDIATION_DOCUMENT",
    "AutomationAssumeRoleArn": "AUTOMATION_ROLE_ARN",
    "OldestVersionSupported": "OLDEST_VERSION_SUPPORTED",
}
NO_VALUE = object()


class RenderError(Exception):
    """A parameter is missing or malformed."""


def _named(name: str) -> str:
    """A parameter's name, with the make variable that gives it when there is one."""
    return f"{name} (make pack {MAKE_VARIABLES[name]}=...)" if name in MAKE_VARIABLES else name


def _substitute(node: Any, values: dict[str, str], conditions: dict[str, bool]) -> Any:
    """Parameters replaced by their values, Fn::If resolved, AWS::NoValue keys and items dropped."""
    if isinstance(node, dict):
        if set(node) == {"Ref"} and node["Ref"] == "AWS::NoValue":
            return NO_VALUE
        if set(node) == {"Ref"} and node["Ref"] in values:
            return values[node["Ref"]]
        if set(node) == {"Fn::If"}:
            name, when_true, when_false = node["Fn::If"]
            return _substitute(when_true if conditions[name] else when_false, values, conditions)
        found = {key: _substitute(value, values, conditions) for key, value in node.items()}
        return {key: value for key, value in found.items() if value is not NO_VALUE}
    if isinstance(node, list):
        items = [_substitute(item, values, conditions) for item in node]
        return [item for item in items if item is not NO_VALUE]
    return node


def _condition(node: Any, values: dict[str, str], spec: dict[str, Any], seen: dict[str, bool]) -> Any:
    """The value of a condition expression (CloudFormation's condition functions)."""
    if isinstance(node, dict) and len(node) == 1:
        [(function, argument)] = node.items()
        if function == "Ref":
            return values[argument]
        if function == "Condition":
            if argument not in seen:
                seen[argument] = bool(_condition(spec[argument], values, spec, seen))
            return seen[argument]
        arguments = [_condition(item, values, spec, seen) for item in argument]
        if function == "Fn::Equals":
            return arguments[0] == arguments[1]
        if function == "Fn::Not":
            return not arguments[0]
        if function == "Fn::And":
            return all(arguments)
        if function == "Fn::Or":
            return any(arguments)
        raise RenderError(f"condition function {function} is not supported")
    return node


def _conditions(spec: dict[str, Any], values: dict[str, str]) -> dict[str, bool]:
    seen: dict[str, bool] = {}
    for name in spec:
        _condition({"Condition": name}, values, spec, seen)
    return seen


def _values(parameters: dict[str, Any], given: dict[str, str]) -> dict[str, str]:
    """Each parameter's value: given, else its Default; checked against AllowedValues/AllowedPattern."""
    unknown = set(given) - set(parameters)
    if unknown:
        raise RenderError(f"no such pack parameter: {', '.join(sorted(unknown))}")
    missing = [name for name, spec in parameters.items() if name not in given and "Default" not in spec]
    if missing:
        raise RenderError(
            f"{' and '.join(_named(name) for name in missing)} {'is' if len(missing) == 1 else 'are'} required"
        )
    values: dict[str, str] = {}
    for name, spec in parameters.items():
        values[name] = given[name] if name in given else str(spec["Default"])
        allowed = spec.get("AllowedValues")
        if allowed and values[name] not in allowed:
            raise RenderError(f"{_named(name)} must be one of {allowed}, got {values[name]!r}")
        pattern = spec.get("AllowedPattern")
        if pattern and not re.fullmatch(pattern, values[name]):
            raise RenderError(f"{_named(name)} must match {pattern}, got {values[name]!r}")
    document, role = values.get("RemediationDocumentName", ""), values.get("AutomationAssumeRoleArn", "")
    if document and not role:
        raise RenderError(f"RemediationDocumentName needs {_named('AutomationAssumeRoleArn')}")
    if role and not document:
        raise RenderError(f"AutomationAssumeRoleArn needs {_named('RemediationDocumentName')}")
    if role and not ROLE_ARN.fullmatch(role):
        raise RenderError(f"{_named('AutomationAssumeRoleArn')} must be an IAM role ARN, got {role!r}")
    return values


def render(source: Path, given: dict[str, str]) -> dict[str, Any]:
    """The pack AWS Config is given: literal values, conditions resolved, no empty parameter.

    `given`: parameter name -> value. Raises RenderError for an unknown, missing or malformed
    parameter (naming its `make pack` variable), or a condition function it does not resolve.
    """
    template, errors = decode(str(source))
    if errors:
        raise RenderError(f"{source}: {errors}")
    template = json.loads(json.dumps(template))
    values = _values(template.pop("Parameters", {}), given)
    conditions = _conditions(template.pop("Conditions", {}), values)
    template["Resources"] = {
        name: resource
        for name, resource in template["Resources"].items()
        if conditions.get(resource.pop("Condition", ""), True)
    }
    rendered: dict[str, Any] = _substitute(template, values, conditions)
    for resource in rendered["Resources"].values():
        properties = resource.get("Properties", {})
        if resource["Type"] == "AWS::Config::ConfigRule" and "InputParameters" in properties:
            rule = properties["InputParameters"]
            properties["InputParameters"] = {key: value for key, value in rule.items() if value != ""}
        if resource["Type"] == "AWS::Config::RemediationConfiguration":
            remediation = properties["Parameters"]
            for name in [n for n, p in remediation.items() if p.get("StaticValue", {}).get("Values") == [""]]:
                del remediation[name]
    return rendered


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    source, output, *pairs = argv
    given = dict(pair.split("=", 1) for pair in pairs if "=" in pair and pair.split("=", 1)[1] != "")
    try:
        rendered = render(Path(source), given)
    except RenderError as error:
        print(f"render_pack: {error}", file=sys.stderr)
        return 2
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    header = f"# Rendered from {source} by deploy/render_pack.py: do not edit, run `make pack`.\n"
    Path(output).write_text(header + yaml.safe_dump(rendered, sort_keys=False, width=120))
    print(output)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
