"""A small CloudFormation resolver for tests: what a stack instance holds, given parameter values.

It expands Fn::ForEach (AWS::LanguageExtensions), resolves Conditions (Fn::Equals, Fn::Not, Fn::And,
Fn::Or, Condition), drops resources whose condition is false, and in properties resolves Ref to
parameters and pseudo parameters (also a Ref whose name is a Fn::Sub), Fn::If, AWS::NoValue, Fn::Sub,
Fn::Join, Fn::Select and Fn::Split.
A Ref or Fn::GetAtt to a resource is left as the string "<Logical>" / "<Logical.Attribute>". It knows
only what our templates use, and raises KeyError/ValueError on anything else rather than guess.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

from cfnlint.decode import decode

NO_VALUE = object()


def load(path: Any) -> dict[str, Any]:
    """The template as cfn-lint parses it (YAML tags to intrinsic functions), as plain JSON types."""
    template, errors = decode(str(path))
    assert not errors, errors
    return dict(json.loads(json.dumps(template)))


def _substitute_name(node: Any, name: str, value: str) -> Any:
    """Fn::ForEach: the loop variable replaced in keys, ${name} strings and {"Ref": name}."""
    if isinstance(node, dict):
        if node == {"Ref": name}:
            return value
        return {k.replace(f"${{{name}}}", value): _substitute_name(v, name, value) for k, v in node.items()}
    if isinstance(node, list):
        return [_substitute_name(item, name, value) for item in node]
    if isinstance(node, str):
        return node.replace(f"${{{name}}}", value)
    return node


class Stack:
    """One stack instance: a template with parameter values, in an account and a region."""

    def __init__(self, template: dict[str, Any], parameters: dict[str, Any], account: str, region: str) -> None:
        self.template = copy.deepcopy(template)
        specs = self.template.get("Parameters", {})
        unknown = set(parameters) - set(specs)
        if unknown:
            raise KeyError(f"no such parameter: {sorted(unknown)}")
        self.values: dict[str, Any] = {}
        for name, spec in specs.items():
            value = parameters.get(name, spec.get("Default"))
            if value is None:
                raise KeyError(f"{name} is required")
            if spec["Type"] == "CommaDelimitedList":
                value = value if isinstance(value, list) else str(value).split(",")
            self.values[name] = value
        self.values |= {
            "AWS::AccountId": account,
            "AWS::Region": region,
            "AWS::Partition": "aws",
            "AWS::StackName": "eks-sg-rule",
            "AWS::URLSuffix": "amazonaws.com",
        }
        self.account, self.region = account, region
        self.conditions: dict[str, bool] = {}
        for name in self.template.get("Conditions", {}):
            self.condition(name)
        self.resources = self._resources()

    def condition(self, name: str) -> bool:
        if name not in self.conditions:
            self.conditions[name] = bool(self.value(self.template["Conditions"][name]))
        return self.conditions[name]

    def _resources(self) -> dict[str, dict[str, Any]]:
        expanded: dict[str, Any] = {}
        for key, body in self.template.get("Resources", {}).items():
            if key.startswith("Fn::ForEach::"):
                variable, collection, fragment = body
                for item in self.value(collection):
                    expanded |= _substitute_name(fragment, variable, str(item))
            else:
                expanded[key] = body
        kept: dict[str, dict[str, Any]] = {}
        for key, resource in expanded.items():
            if "Condition" in resource and not self.condition(resource["Condition"]):
                continue
            resolved = {k: v for k, v in resource.items() if k != "Condition"}
            resolved["Properties"] = self.value(resource.get("Properties", {}))
            kept[key] = resolved
        return kept

    def value(self, node: Any) -> Any:  # noqa: C901 - one branch per intrinsic function
        """The node with every intrinsic function resolved (AWS::NoValue removed)."""
        if isinstance(node, list):
            items = [self.value(item) for item in node]
            return [item for item in items if item is not NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            [(function, argument)] = node.items()
            if function == "Ref":
                if isinstance(argument, dict):  # Ref of a name built in a Fn::ForEach loop: !Ref {Fn::Sub: ...}
                    argument = self.value(argument)
                if argument == "AWS::NoValue":
                    return NO_VALUE
                return self.values.get(argument, f"<{argument}>")
            if function == "Fn::GetAtt":
                return f"<{argument[0]}.{argument[1]}>"
            if function == "Condition":
                return self.condition(argument)
            if function == "Fn::If":
                name, when_true, when_false = argument
                return self.value(when_true if self.condition(name) else when_false)
            if function == "Fn::Equals":
                left, right = (self.value(a) for a in argument)
                return left == right
            if function == "Fn::Not":
                return not self.value(argument[0])
            if function == "Fn::And":
                return all(self.value(a) for a in argument)
            if function == "Fn::Or":
                return any(self.value(a) for a in argument)
            if function == "Fn::Sub":
                text, local = (argument, {}) if isinstance(argument, str) else argument
                local = {k: self.value(v) for k, v in local.items()}
                return re.sub(r"\$\{([^}!]+)\}", lambda m: self._sub(m.group(1), local), text)
            if function == "Fn::Join":
                return str(argument[0]).join(str(self.value(a)) for a in self.value(argument[1]))
            if function == "Fn::Select":
                return self.value(argument[1])[int(self.value(argument[0]))]
            if function == "Fn::Split":
                return str(self.value(argument[1])).split(argument[0])
            if function.startswith("Fn::"):
                raise ValueError(f"{function} is not resolved by this test renderer")
        found = {key: self.value(value) for key, value in node.items()}
        return {key: value for key, value in found.items() if value is not NO_VALUE}

    def _sub(self, name: str, local: dict[str, Any]) -> str:
        if name in local:
            return str(local[name])
        if "." in name:
            return f"<{name}>"
        return str(self.values[name]) if name in self.values else f"<{name}>"
