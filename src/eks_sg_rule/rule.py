"""The rdklib ConfigRule: triggers -> discovery -> evaluate -> config_results (what is written to AWS Config)."""

from __future__ import annotations

import json
import os
from typing import Any

from aws_lambda_powertools import Logger
from rdklib import ConfigRule, Evaluation

from .config_items import VPC_COMPONENT_TYPES, ConfigItem, item_exists, normalise
from .config_results import EvaluationWriter, changes_only, current_results, without_stored_result
from .discovery import Discovery
from .evaluate import (
    CLUSTER_TYPE,
    SECURITY_GROUP_TYPE,
    ResourceEvaluation,
    evaluate,
    not_applicable,
)
from .invocation import FunctionArn
from .model import Snapshot
from .names import role_arn
from .parameters import InvalidParametersError, settings_from
from .settings import Settings

# The network components reach the rule only when its scope names them (NetworkPath=true in the
# templates); an item of one that arrives with NetworkPath off is NOT_APPLICABLE (NETWORK_PATH_OFF).
APPLICABLE_RESOURCES = [CLUSTER_TYPE, SECURITY_GROUP_TYPE, *VPC_COMPONENT_TYPES]
NOT_CARRIED = (
    "no network interface of an EKS control plane or running node carries it "
    "(an SG only a node group's launch template names is judged by the periodic evaluation)"
)
LEFT_SCOPE = "left the rule's scope (eventLeftScope)"
NETWORK_PATH_OFF = "NetworkPath is off: network ACLs, route tables, VPC endpoints and NAT gateways are not judged"
logger = Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME", "eks-sg-rule"), child=True)


class ForeignAccountEvent(Exception):
    """The event is from another account's rule and names no ExecutionRoleName: evaluating would judge
    the function's own account and write its results into the other account's rule."""


class SweepIncomplete(Exception):
    """The invocation ran short of time: what was computed was written, these clusters were not read."""

    def __init__(self, clusters: tuple[str, ...]) -> None:
        shown = ", ".join(clusters[:10]) + (f" +{len(clusters) - 10} more" if len(clusters) > 10 else "")
        super().__init__(f"ran short of time; {len(clusters)} cluster(s) left for the next run: {shown}")
        self.clusters = clusters


class EksSecurityGroupRule(ConfigRule):  # type: ignore[misc]
    """Every EKS cluster and the SGs it uses, against the EKS security-group requirements.

    rdklib dispatches the event; evaluations are written here (config_results.EvaluationWriter), which
    retries what Config refuses, so the rule hands rdklib an empty list (and rdklib then sends one
    empty PutEvaluations, which Config accepts). The Evaluator is built with
    `is_applicable_status=True`, so every configuration item status reaches `evaluate_change`,
    which handles each one itself (rdklib would write NOT_APPLICABLE for ResourceNotRecorded).
    """

    # The periodic run cleans up itself, keyed by resource type and id (rdklib's keys on id only).
    delete_old_evaluations_on_scheduled_notification = False
    # Keep this much of the invocation's time for writing what was computed.
    TIME_RESERVE_MS = 20_000

    def __init__(self, context: Any = None) -> None:
        super().__init__()
        self.context = context
        self.written = 0
        # Periodic changes-only runs: evaluations written because Config returned no result for
        # them, by ComplianceType (config_results.without_stored_result); None when not computed.
        self.without_stored_result: dict[str, int] | None = None

    def evaluate_parameters(self, rule_parameters: dict[str, Any]) -> Settings:
        return settings_from(rule_parameters)

    def evaluate_change(
        self,
        event: dict[str, Any],
        client_factory: Any,
        configuration_item: dict[str, Any],
        valid_rule_parameters: Settings,
    ) -> list[Evaluation]:
        """One change notification, by `configurationItemStatus` (config_items.item_exists).

        OK, ResourceDiscovered and ResourceNotRecorded: the resource is judged from live EKS/EC2
        reads (the recorded configuration is not needed; an unrecorded type is not a deletion).
        ResourceDeleted and ResourceDeletedNotRecorded, or an event that left the rule's scope:
        NOT_APPLICABLE for the item, with no read (AWS Config developer guide, "Managing deleted
        resources"). A network component (VPC_COMPONENT_TYPES) re-judges the clusters of its VPC
        (`judge_component`) with NetworkPath on, and is NOT_APPLICABLE without it. Any other status
        raises ConfigItemError.
        """
        item = normalise(configuration_item)
        timestamp = str(configuration_item["configurationItemCaptureTime"])
        why = _not_judged(event, item, valid_rule_parameters)
        if why is not None:
            self._write(event, client_factory, [not_applicable(item.resource_type, item.resource_id, why)], timestamp)
            return []
        discovery = self._discovery(client_factory, valid_rule_parameters)
        if item.resource_type in VPC_COMPONENT_TYPES:
            snapshot, evaluations = judge_component(discovery, item, valid_rule_parameters)
        elif item.resource_type == SECURITY_GROUP_TYPE:
            # Who carries the SG: its network interfaces name the candidate clusters; only those are read.
            users = discovery.clusters_using([item.resource_id])
            candidates = sorted(users.clusters_for([item.resource_id]))
            if candidates:
                snapshot = discovery.snapshot(clusters=candidates, users=users)
                evaluations = evaluate(snapshot, valid_rule_parameters, clusters=[], security_groups=[item.resource_id])
            else:
                snapshot = Snapshot(topologies={})
                evaluations = [not_applicable(SECURITY_GROUP_TYPE, item.resource_id, NOT_CARRIED)]
        else:
            # An EKS item may carry ClusterSecurityGroupId: it fills in where DescribeCluster has none.
            if item.cluster and item.cluster.cluster_sg_id:
                discovery.cluster_sg_hints = {item.resource_id: item.cluster.cluster_sg_id}
            snapshot = discovery.snapshot(clusters=[item.resource_id])
            evaluations = evaluate(snapshot, valid_rule_parameters, clusters=[item.resource_id])
        if snapshot.not_reached:
            # Short of time: an unread cluster is not "not found", and an SG's users are not all
            # known. Write only the verdicts of clusters that were read, then fail naming the rest.
            evaluations = [
                e for e in evaluations if e.resource_type == CLUSTER_TYPE and e.resource_id not in snapshot.not_reached
            ]
        self._write(event, client_factory, evaluations, timestamp)
        if snapshot.not_reached:
            raise SweepIncomplete(snapshot.not_reached)
        return []

    def evaluate_periodic(
        self, event: dict[str, Any], client_factory: Any, valid_rule_parameters: Settings
    ) -> list[Evaluation]:
        snapshot = self._discovery(client_factory, valid_rule_parameters).snapshot()
        evaluations = evaluate(snapshot, valid_rule_parameters)
        if not valid_rule_parameters.report_unchanged:
            stored = current_results(client_factory.build_client("config"), str(event.get("configRuleName")))
            if snapshot.not_reached:
                # Unread clusters' resources must not be cleaned up as if they were gone.
                stored = {key: value for key, value in stored.items() if key in {e.key for e in evaluations}}
            evaluations = changes_only(evaluations, stored)
            self.without_stored_result = without_stored_result(evaluations, stored)
        timestamp = str(json.loads(event["invokingEvent"])["notificationCreationTime"])
        self._write(event, client_factory, evaluations, timestamp)
        if snapshot.not_reached:
            raise SweepIncomplete(snapshot.not_reached)
        return []

    def _write(
        self, event: dict[str, Any], client_factory: Any, evaluations: list[ResourceEvaluation], timestamp: str
    ) -> None:
        writer = EvaluationWriter(client_factory.build_client("config"), str(event["resultToken"]), timestamp)
        writer.add(evaluations)
        self.written = writer.close()

    def _out_of_time(self) -> bool:
        remaining = getattr(self.context, "get_remaining_time_in_millis", None)
        return remaining is not None and int(remaining()) < self.TIME_RESERVE_MS

    def _discovery(self, client_factory: Any, settings: Settings) -> Discovery:
        return Discovery(
            eks=client_factory.build_client("eks"),
            ec2=client_factory.build_client("ec2"),
            out_of_time=self._out_of_time,
            network_path=settings.network_path,
            requirement_set=settings.requirement_set,
        )

    # rdklib assumes the event's executionRoleArn by default, which fails with Config's
    # service-linked role. The Lambda's own role is the default here; ExecutionRoleName (the
    # cross-account pattern) switches role assumption on.
    def get_assume_role_mode(self, event: dict[str, Any]) -> bool:
        parameters = _parameters(event)
        if not parameters.get("ExecutionRoleName"):
            return False
        return str(parameters.get("AssumeRoleMode", "true")).lower() != "false"

    def get_execution_role_arn(self, event: dict[str, Any]) -> str | None:
        """The role to read and report with in the event's account, or None for the function's own role.

        Raises ForeignAccountEvent (after one structured ERROR line), before any AWS call, when the
        event's `accountId` is not the function's own account (from the context's
        `invoked_function_arn`) and the function would act with its own role (no ExecutionRoleName,
        or AssumeRoleMode=false). rdklib calls this first.
        """
        if not self.get_assume_role_mode(event):
            self._refuse_foreign_account(event)
        role_name = _parameters(event).get("ExecutionRoleName")
        if not role_name:
            return None
        partition = str(event.get("configRuleArn", "arn:aws:")).split(":")[1]
        try:
            return role_arn(partition, str(event.get("accountId")), str(role_name))
        except ValueError as error:
            raise InvalidParametersError(f"ExecutionRoleName {role_name!r} gives no role ARN: {error}") from None

    def _refuse_foreign_account(self, event: dict[str, Any]) -> None:
        own = FunctionArn.parse(getattr(self.context, "invoked_function_arn", None))
        account = event.get("accountId")
        if own is None or account in (None, "", own.account_id):
            return  # no Lambda context (the account is not known) or the function's own account
        message = (
            f"the event is from account {account}, not this function's ({own.account_id}), and the rule names "
            "no ExecutionRoleName to assume there: nothing evaluated (set ExecutionRoleName on that account's rule)"
        )
        logger.error(
            "event from another account without ExecutionRoleName",
            extra={"event_account": str(account), "function_account": own.account_id, "reason": message},
        )
        raise ForeignAccountEvent(message)

    def get_assume_role_region(self, event: dict[str, Any]) -> str | None:
        region = _parameters(event).get("ExecutionRoleRegion")
        return str(region) if region else None


def _not_judged(event: dict[str, Any], item: ConfigItem, settings: Settings) -> str | None:
    """Why a change notification's item is NOT_APPLICABLE without any read, or None to judge it:
    it left the rule's scope, it is deleted, or it is a network component and NetworkPath is off."""
    if event.get("eventLeftScope") is True:
        return LEFT_SCOPE
    if not item_exists(item.status):
        return f"deleted (configurationItemStatus {item.status})"
    if item.resource_type in VPC_COMPONENT_TYPES and not settings.network_path:
        return NETWORK_PATH_OFF
    return None


def judge_component(
    discovery: Discovery, item: ConfigItem, settings: Settings
) -> tuple[Snapshot, list[ResourceEvaluation]]:
    """A change to a network ACL, route table, VPC endpoint or NAT gateway (NetworkPath on): the
    clusters of its VPC, read by name, as an SG change reads the clusters that use the SG.

    Candidates: the clusters whose control-plane interfaces are in the item's VPC
    (Discovery.clusters_in_vpc: one ec2:DescribeNetworkInterfaces); those are read
    (`snapshot(clusters=...)`), and only those whose DescribeCluster VPC is the item's are judged.
    The component's own evaluation comes with theirs (evaluate); when none does, the component is
    NOT_APPLICABLE saying why. An item that names no VPC (not recorded, oversized) is NOT_APPLICABLE
    "cannot judge: ..." with no read: the periodic evaluation judges its VPC.
    """
    if item.vpc_id is None:
        why = "cannot judge: the configuration item names no VPC (not recorded, or oversized): judged periodically"
        return Snapshot(topologies={}), [not_applicable(item.resource_type, item.resource_id, why)]
    candidates = discovery.clusters_in_vpc(item.vpc_id)
    snapshot = discovery.snapshot(clusters=candidates) if candidates else Snapshot(topologies={})
    in_vpc = [
        name
        for name in candidates
        if name in snapshot.topologies and snapshot.topologies[name].cluster.vpc_id == item.vpc_id
    ]
    evaluations = evaluate(snapshot, settings, clusters=in_vpc) if in_vpc else []
    if (item.resource_type, item.resource_id) not in {e.key for e in evaluations}:
        why = (
            f"no judged path of the EKS clusters of {item.vpc_id} ({', '.join(in_vpc)}) goes through it"
            if in_vpc
            else f"no EKS cluster in {item.vpc_id}"
        )
        evaluations.append(not_applicable(item.resource_type, item.resource_id, why))
    return snapshot, evaluations


def _parameters(event: dict[str, Any]) -> dict[str, Any]:
    parsed = json.loads(event.get("ruleParameters") or "{}")
    return parsed if isinstance(parsed, dict) else {}
