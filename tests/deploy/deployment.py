"""The remediation function's deploy-time settings as tests set them (its environment, which
template.yaml sets from the stack parameters; see eks_sg_rule.remediation_handler.Deployment)."""

from __future__ import annotations

import pytest

from eks_sg_rule import remediation_handler as handler

# The widest deployment the template allows: RemediationDryRun=false, TrustNodeTags=true,
# AllowTagRemoval=true, ComplianceLevel=recommended, no exemption, no pattern, no member role.
WIDEST = {
    handler.ENV_DRY_RUN: "false",
    handler.ENV_TRUST_NODE_TAGS: "true",
    handler.ENV_ALLOW_TAG_REMOVAL: "true",
    handler.ENV_COMPLIANCE_LEVEL: "recommended",
    handler.ENV_EXEMPT_SECURITY_GROUP_IDS: "",
    handler.ENV_CLUSTER_NAME_PATTERN: "",
    handler.ENV_EXECUTION_ROLE_NAME: "",
}
# The template's defaults: plans only, no tag trust, no tag removal, level minimum.
DEFAULTS = {
    handler.ENV_DRY_RUN: "true",
    handler.ENV_TRUST_NODE_TAGS: "false",
    handler.ENV_ALLOW_TAG_REMOVAL: "false",
    handler.ENV_COMPLIANCE_LEVEL: "minimum",
    handler.ENV_EXEMPT_SECURITY_GROUP_IDS: "",
    handler.ENV_CLUSTER_NAME_PATTERN: "",
    handler.ENV_EXECUTION_ROLE_NAME: "",
}


def deploy(monkeypatch: pytest.MonkeyPatch, settings: dict[str, str], **overrides: str) -> None:
    """Set the remediation function's environment to `settings` with `overrides` (by variable name)."""
    for name, value in {**settings, **overrides}.items():
        monkeypatch.setenv(name, value)


def deploy_widest(monkeypatch: pytest.MonkeyPatch) -> None:
    """A deployment that allows every switch an input may ask for: the input alone decides, as it did
    before the switches were fixed at deploy time."""
    deploy(monkeypatch, WIDEST)
