"""Lambda entry for SSM Automation remediation: fix the cluster(s) behind one Config resource id.

Input (from the Automation document; every key but ResourceId optional):
{"ResourceId": "<cluster name or sg-…>", "ComplianceLevel": "minimum", "DryRun": true,
 "AllowTagRemoval": false, "TrustNodeTags": false, "ExemptSecurityGroupIds": "sg-1,sg-2",
 "ClusterNamePattern": "prod-.*", "AccountId": "123456789012", "ExecutionRoleName": "eks-sg-rule-execution"}

The safety switches are fixed at deploy time: the function's environment (Deployment, set by
template.yaml from its parameters) is a ceiling the input may only narrow. An omitted switch takes
its narrowest value (DryRun true, TrustNodeTags and AllowTagRemoval false, ComplianceLevel minimum);
the deployment's ExemptSecurityGroupIds and ClusterNamePattern always apply, the input's are added
to them. An input asking for more than the deployment allows fails before any AWS call, naming
every switch it widened, and changes nothing.

The account to act in comes from the ARN the function was invoked by (invocation.py): unqualified,
its own account with its own role; through the alias `acct-<account id>`, that account through the
deployment's RemediationExecutionRoleName; anything else is refused. The input's AccountId and
ExecutionRoleName may only repeat what that gives.

An SG id fixes, on that SG only, every in-scope cluster that uses it. With DryRun false the
invocation fails (so SSM and AWS Config show the remediation as failed) when the resource id
resolves to no cluster in scope, when a write fails (the error names what was applied before it),
when a manual change is left, or when the re-check still finds changes. Every apply and every
failure is a structured log line.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import boto3
from aws_lambda_powertools import Logger

from .aws.calls import DiscoveryError
from .aws.clients import client_config
from .aws.writes import ApplyFailed
from .discovery import Discovery
from .evaluate import CLUSTER_TYPE, component_type
from .invocation import InvocationRefused, Target, invocation_target
from .model import Snapshot, Topology, sg_usage
from .names import ACCOUNT_ID, CLUSTER_NAME, ROLE_NAME, SECURITY_GROUP_ID, role_arn
from .plan import APPLIED, Change, Outcome, RemediationError
from .remediation import remediate
from .remediation_input import exempt as _exempt
from .remediation_input import flag as _flag
from .remediation_input import optional as _optional
from .remediation_input import pattern as _pattern
from .requirements import Level, RequirementSet
from .settings import Scope

logger = Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME", "eks-sg-rule-remediation"))

CLIENT_CONFIG = client_config("eks-sg-rule-remediation")


# The function's environment (template.yaml sets each from the stack parameter named after it).
ENV_DRY_RUN = "REMEDIATION_DRY_RUN"  # RemediationDryRun: "true" = the function never writes
ENV_TRUST_NODE_TAGS = "TRUST_NODE_TAGS"  # TrustNodeTags
ENV_ALLOW_TAG_REMOVAL = "ALLOW_TAG_REMOVAL"  # AllowTagRemoval
ENV_COMPLIANCE_LEVEL = "COMPLIANCE_LEVEL"  # ComplianceLevel
ENV_EXEMPT_SECURITY_GROUP_IDS = "EXEMPT_SECURITY_GROUP_IDS"  # ExemptSecurityGroupIds
ENV_CLUSTER_NAME_PATTERN = "CLUSTER_NAME_PATTERN"  # ClusterNamePattern
ENV_EXECUTION_ROLE_NAME = "REMEDIATION_EXECUTION_ROLE_NAME"  # RemediationExecutionRoleName
ENV_REQUIREMENT_SET = "REQUIREMENT_SET"  # RequirementSet: the rule's, so a fix repairs what the rule judged


class RemediationFailed(Exception):
    """The remediation did not fix what it was asked to: the invocation fails with this message."""


class DeploymentInvalid(RemediationError):
    """The function's environment (its deploy-time settings) is malformed: nothing is done."""


class InputWidensDeployment(RemediationError):
    """The input asks for more than the deployment allows; `widened` names each switch."""

    def __init__(self, widened: list[str]) -> None:
        super().__init__("the input asks for more than this deployment allows, nothing changed: " + "; ".join(widened))
        self.widened = widened


@dataclass(frozen=True, slots=True)
class Deployment:
    """The remediation's deploy-time ceiling: what any input may at most ask for.

    Read from the function's environment (`from_environment`); a variable that is absent takes the
    narrowest value (plans only, no tag trust, no tag removal, level minimum, no extra scope limit),
    so a function deployed without them never writes.
    """

    may_write: bool = False
    trust_node_tags: bool = False
    allow_tag_removal: bool = False
    level: Level = Level.MINIMUM
    exempt_sg_ids: frozenset[str] = frozenset()
    cluster_name_pattern: re.Pattern[str] | None = None
    execution_role_name: str | None = None
    # The rule's RequirementSet: the checks a remediation repairs and verifies are the rule's.
    requirement_set: RequirementSet = RequirementSet.Y2020

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> Deployment:
        """Parse the environment; raises DeploymentInvalid naming the variable that is malformed."""

        def flag(name: str, default: str) -> bool:
            value = environ.get(name, default).strip().lower()
            if value not in ("true", "false"):
                raise DeploymentInvalid(f"the function's {name} must be true or false, got {value!r}")
            return value == "true"

        level = environ.get(ENV_COMPLIANCE_LEVEL, "").strip().lower() or Level.MINIMUM.value
        if level not in {member.value for member in Level}:
            raise DeploymentInvalid(
                f"the function's {ENV_COMPLIANCE_LEVEL} must be minimum or recommended, got {level!r}"
            )
        role = environ.get(ENV_EXECUTION_ROLE_NAME, "").strip() or None
        requirements = environ.get(ENV_REQUIREMENT_SET, "").strip() or RequirementSet.Y2020.value
        try:
            requirement_set = RequirementSet.parse(requirements)
        except ValueError:
            raise DeploymentInvalid(
                f"the function's {ENV_REQUIREMENT_SET} must be 2020, 2026 or latest, got {requirements!r}"
            ) from None
        if role is not None and not ROLE_NAME.fullmatch(role):
            raise DeploymentInvalid(f"the function's {ENV_EXECUTION_ROLE_NAME} is not a role name: {role!r}")
        try:
            exempt = _exempt(environ.get(ENV_EXEMPT_SECURITY_GROUP_IDS, ""))
            pattern = _pattern(environ.get(ENV_CLUSTER_NAME_PATTERN, ""))
        except RemediationError as error:
            raise DeploymentInvalid(f"the function's environment: {error}") from None
        return cls(
            may_write=not flag(ENV_DRY_RUN, "true"),
            trust_node_tags=flag(ENV_TRUST_NODE_TAGS, "false"),
            allow_tag_removal=flag(ENV_ALLOW_TAG_REMOVAL, "false"),
            level=Level(level),
            exempt_sg_ids=exempt,
            cluster_name_pattern=pattern,
            execution_role_name=role,
            requirement_set=requirement_set,
        )


@dataclass(frozen=True, slots=True)
class Request:
    """The validated remediation input. `account_id` and `execution_role_name` are where it acts, from
    the ARN the function was invoked by (invocation.invocation_target), never from the payload:
    `execution_role_name` None is the function's own role in its own account."""

    resource_id: str
    scope: Scope
    dry_run: bool
    account_id: str | None = None
    execution_role_name: str | None = None
    # The input's own ClusterNamePattern when the deployment has one too (the scope holds the
    # deployment's): a cluster must match both.
    also_matching: re.Pattern[str] | None = None

    def refusal(self, topology: Topology) -> str | None:
        """Why this cluster is outside the request's scope (the deployment's and the input's), or None."""
        if self.also_matching is not None and not self.also_matching.fullmatch(topology.cluster.name):
            return f"cluster {topology.cluster.name} does not match the input's ClusterNamePattern"
        return self.scope.refusal(topology.cluster)


def _widened(event: dict[str, Any], deployment: Deployment, level: Level, target: Target | None) -> list[str]:
    """Each switch of the input that asks for more than the deployment allows, or that names an account or
    role other than the invocation's (`target`; None: the function's own account, its id not known), in words."""
    widened = []
    if not _flag(event, "DryRun", True) and not deployment.may_write:
        widened.append("DryRun=false (the deployment plans only: RemediationDryRun=true)")
    if _flag(event, "TrustNodeTags", False) and not deployment.trust_node_tags:
        widened.append("TrustNodeTags=true (the deployment says false)")
    if _flag(event, "AllowTagRemoval", False) and not deployment.allow_tag_removal:
        widened.append("AllowTagRemoval=true (the deployment says false)")
    if level is Level.RECOMMENDED and deployment.level is Level.MINIMUM:
        widened.append("ComplianceLevel=recommended (the deployment says minimum: recommended adds rules)")
    role = _optional(event, "ExecutionRoleName", ROLE_NAME)
    acts_with = target.execution_role_name if target is not None else None
    if role is not None and role != acts_with:
        if acts_with is not None:
            why = f"the deployment's RemediationExecutionRoleName is {acts_with}"
        elif deployment.execution_role_name is None:
            why = "the deployment's RemediationExecutionRoleName is none: the function acts with its own role"
        else:
            why = "invoked unqualified, the function acts in its own account with its own role"
        widened.append(f"ExecutionRoleName={role} ({why})")
    account = _optional(event, "AccountId", ACCOUNT_ID)
    acts_in = target.account_id if target is not None else None
    if account is not None and account != acts_in:
        where = f"account {acts_in}" if acts_in else "its own account"
        widened.append(
            f"AccountId={account} (this invocation acts in {where}: the account comes from the ARN the function "
            "was invoked by, never from the input)"
        )
    return widened


def parse_request(event: Any, deployment: Deployment | None = None, invoked_function_arn: str | None = None) -> Request:
    """Validate the remediation input against the deployment and the invocation path, before any AWS call.

    `deployment` defaults to the function's environment (Deployment.from_environment).
    `invoked_function_arn` (the Lambda context's) decides where the function acts
    (invocation.invocation_target): unqualified, its own account with its own role; through the alias
    `acct-<id>`, account <id> through the deployment's RemediationExecutionRoleName. None (not a
    Lambda invocation): its own account, with its own role, and no AccountId is accepted. The input's
    AccountId and ExecutionRoleName may only repeat that. Raises RemediationError for a malformed
    input, InputWidensDeployment for one that asks for more than the deployment allows or names
    another account or role, DeploymentInvalid for a malformed environment, InvocationRefused for an
    invocation path that binds the function to no account it may act in.
    """
    if deployment is None:
        deployment = Deployment.from_environment(os.environ)
    if not isinstance(event, dict):
        raise RemediationError("the remediation input must be a JSON object")
    resource_id = event.get("ResourceId")
    if not isinstance(resource_id, str) or not (
        SECURITY_GROUP_ID.fullmatch(resource_id) or CLUSTER_NAME.fullmatch(resource_id)
    ):
        raise RemediationError(
            f"ResourceId must be an EKS cluster name or a security group id (sg-…), got {resource_id!r}"
        )
    level_text = str(event.get("ComplianceLevel") or Level.MINIMUM.value).lower()
    try:
        level = Level(level_text)
    except ValueError:
        raise RemediationError(f"ComplianceLevel must be minimum or recommended, got {level_text!r}") from None
    asked_pattern = _pattern(event.get("ClusterNamePattern"))
    exempt = _exempt(event.get("ExemptSecurityGroupIds") or "")
    target = None
    if invoked_function_arn is not None:
        target = invocation_target(invoked_function_arn, deployment.execution_role_name)
    widened = _widened(event, deployment, level, target)
    if widened:
        raise InputWidensDeployment(widened)
    both = deployment.cluster_name_pattern is not None and asked_pattern is not None
    scope = Scope(
        level=level,
        exempt_sg_ids=deployment.exempt_sg_ids | exempt,
        cluster_name_pattern=deployment.cluster_name_pattern or asked_pattern,
        allow_tag_removal=_flag(event, "AllowTagRemoval", False),
        trust_node_tags=_flag(event, "TrustNodeTags", False),
        only_security_group=resource_id if SECURITY_GROUP_ID.fullmatch(resource_id) else None,
        # NetworkPath stays off (Scope's default): the remediation writes SG rules only, never judges
        # the network-path checks, and a path finding would only ever be a manual change (plan_paths).
        requirement_set=deployment.requirement_set,
    )
    account, role = (target.account_id, target.execution_role_name) if target is not None else (None, None)
    return Request(resource_id, scope, _flag(event, "DryRun", True), account, role, asked_pattern if both else None)


def _session(request: Request, context: Any) -> Any:
    """The Lambda's own credentials, or the member account's role (the organisation rollout)."""
    if not request.execution_role_name:
        return boto3.session.Session()
    function_arn = str(getattr(context, "invoked_function_arn", "") or "arn:aws:")
    arn = role_arn(function_arn.split(":")[1], request.account_id or "", request.execution_role_name)
    credentials = boto3.client("sts", config=CLIENT_CONFIG).assume_role(
        RoleArn=arn, RoleSessionName="eks-sg-rule-remediation"
    )["Credentials"]
    return boto3.session.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )


def _log_change(cluster: str) -> Any:
    def log(change: Change) -> None:
        extra = {
            "cluster": cluster,
            "security_group_id": change.security_group_id,
            "action": change.action,
            "result": change.status,
            "checks": list(change.checks),
        }
        if change.status == APPLIED:
            logger.info("remediation change applied", extra=extra)
        else:
            logger.error("remediation change failed", extra=extra)

    return log


def _clusters_for(request: Request, discovery: Discovery) -> tuple[list[str], Snapshot]:
    """The clusters to fix and the region read just now: each cluster's view before applying.

    The view before is the whole region, once (not once per cluster): a write must know every
    other cluster that uses an SG, including one whose idle node group only names it in a launch
    template, which no network interface shows. An SG id resolves to the in-scope clusters using
    it; an id that names both an SG and a cluster is refused.
    """
    snapshot = discovery.snapshot()
    if request.scope.only_security_group is None:
        topology = snapshot.topologies.get(request.resource_id)
        kind = component_type(request.resource_id)
        if topology is None and kind != CLUSTER_TYPE:
            # A network-path component (NetworkPath) the rule found NON_COMPLIANT: never written.
            raise RemediationFailed(
                f"{request.resource_id} is no cluster here but a network-path component ({kind}): network "
                "ACLs, routes, VPC endpoints and NAT gateways are never changed by the remediation; make the "
                "change the rule's annotation names (eks-sg-rule fix --network-path prints it), nothing changed"
            )
        if topology is not None and request.also_matching is not None and (why := request.refusal(topology)):
            raise RemediationFailed(why)
        return [request.resource_id], snapshot
    if request.resource_id in snapshot.topologies or request.resource_id in snapshot.unreadable_clusters:
        raise RemediationFailed(
            f"{request.resource_id} names both a security group and a cluster: ambiguous, nothing changed"
        )
    used_by = sg_usage(snapshot.topologies.values()).get(request.resource_id, [])
    in_scope = [name for name in used_by if request.refusal(snapshot.topologies[name]) is None]
    if not in_scope:
        why = f"used by {', '.join(used_by)}, all outside the scope" if used_by else "used by no EKS cluster here"
        raise RemediationFailed(f"{request.resource_id} resolves to no cluster in scope ({why})")
    return in_scope, snapshot


def _unfinished(outcome: Outcome) -> list[str]:
    problems = []
    manual = [c for c in outcome.changes if not c.automatic]
    if manual:
        problems.append(f"{len(manual)} manual change(s) left: " + "; ".join(c.detail for c in manual[:3]))
    if outcome.applied and outcome.remaining:
        problems.append(f"{len(outcome.remaining)} change(s) still needed after applying")
    return problems


@logger.inject_lambda_context(log_event=False, clear_state=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    try:
        # Lambda always passes the ARN it was invoked by; "" (not an ARN) is refused, never taken as "own account".
        request = parse_request(event, invoked_function_arn=str(getattr(context, "invoked_function_arn", "") or ""))
    except InvocationRefused as error:
        logger.error("remediation invocation refused", extra={"reason": str(error)})
        raise
    except InputWidensDeployment as error:
        logger.error("remediation input widens the deployment", extra={"reason": str(error), "widened": error.widened})
        raise
    except DeploymentInvalid as error:
        logger.error("remediation deployment settings invalid", extra={"reason": str(error)})
        raise
    except RemediationError as error:
        logger.error("remediation input rejected", extra={"reason": str(error)})
        raise
    # `compliance_level`, not `level`: Powertools' own `level` field must stay the log level.
    logger.append_keys(
        resource_id=request.resource_id, dry_run=request.dry_run, compliance_level=request.scope.level.value
    )
    outcomes: list[Outcome] = []
    try:
        session = _session(request, context)
        ec2 = session.client("ec2", config=CLIENT_CONFIG)
        iam = session.client("iam", config=CLIENT_CONFIG)
        discovery = Discovery(
            eks=session.client("eks", config=CLIENT_CONFIG), ec2=ec2, requirement_set=request.scope.requirement_set
        )
        names, before = _clusters_for(request, discovery)
        for name in names:
            outcome = remediate(
                functools.partial(discovery.snapshot, clusters=[name]), ec2, iam, name, request.scope,
                not request.dry_run, on_change=_log_change(name), before=before,
            )  # fmt: skip
            outcomes.append(outcome)
            logger.info(
                "remediation outcome",
                extra={
                    "cluster": name,
                    "changes": len(outcome.changes),
                    "applied": outcome.applied,
                    "remaining": len(outcome.remaining),
                },
            )
    except ApplyFailed as error:
        logger.error("remediation stopped at a failed write", extra={"reason": str(error)})
        raise RemediationFailed(str(error)) from None
    except (RemediationError, RemediationFailed) as error:
        logger.error("remediation failed", extra={"reason": str(error)})
        raise RemediationFailed(str(error)) from None
    except DiscoveryError as error:
        logger.error(f"remediation failed: {error}", extra={"iam_action": error.action, "error_code": error.code})
        raise RemediationFailed(str(error)) from None
    result = {
        "ResourceId": request.resource_id,
        "DryRun": request.dry_run,
        "clusters": [outcome.to_json() for outcome in outcomes],
    }
    if not request.dry_run:
        problems = [f"{o.cluster}: {p}" for o in outcomes for p in _unfinished(o)]
        if problems:
            logger.error("remediation did not fix everything", extra={"problems": problems})
            raise RemediationFailed("; ".join(problems))
    return result
