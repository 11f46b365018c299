"""Render a conformance pack source into the pack AWS Config is given: every parameter a literal.

AWS Config needs a remediation's AutomationAssumeRole as a literal ARN, so the pack is rendered
with the deployed stack's outputs filled in. Usage (or `make pack`):

    python deploy/render_pack.py SOURCE OUTPUT Name=value ...

Every parameter of SOURCE takes the value given, else its Default; one with neither is an error.
A remediation parameter whose value is empty is left out (Config refuses an empty static value;
the SSM document's default, "", applies).
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


class RenderError(Exception):
    """A parameter is missing or malformed."""


def _substitute(node: Any, values: dict[str, str]) -> Any:
    if isinstance(node, dict):
        if set(node) == {"Ref"} and node["Ref"] in values:
            return values[node["Ref"]]
        return {key: _substitute(value, values) for key, value in node.items()}
    if isinstance(node, list):
        return [_substitute(item, values) for item in node]
    return node


def render(source: Path, given: dict[str, str]) -> dict[str, Any]:
    template, errors = decode(str(source))
    if errors:
        raise RenderError(f"{source}: {errors}")
    template = json.loads(json.dumps(template))
    parameters: dict[str, Any] = template.pop("Parameters", {})
    unknown = set(given) - set(parameters)
    if unknown:
        raise RenderError(f"no such pack parameter: {', '.join(sorted(unknown))}")
    values: dict[str, str] = {}
    for name, spec in parameters.items():
        if name in given:
            values[name] = given[name]
        elif "Default" in spec:
            values[name] = str(spec["Default"])
        else:
            raise RenderError(f"{name} is required")
        allowed = spec.get("AllowedValues")
        if allowed and values[name] not in allowed:
            raise RenderError(f"{name} must be one of {allowed}, got {values[name]!r}")
    if "AutomationAssumeRoleArn" in values and not ROLE_ARN.fullmatch(values["AutomationAssumeRoleArn"]):
        raise RenderError(f"AutomationAssumeRoleArn must be an IAM role ARN, got {values['AutomationAssumeRoleArn']!r}")
    rendered: dict[str, Any] = _substitute(template, values)
    for resource in rendered["Resources"].values():
        if resource["Type"] == "AWS::Config::RemediationConfiguration":
            remediation = resource["Properties"]["Parameters"]
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
