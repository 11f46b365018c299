"""The rdklib ConfigRule: triggers -> discovery -> evaluate -> rdklib Evaluations."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from rdklib import ConfigRule, Evaluation

from .config_items import ConfigItem, normalise
from .discovery import Discovery
from .evaluate import CLUSTER_TYPE, SECURITY_GROUP_TYPE, ResourceEvaluation, Settings, Snapshot, evaluate
from .parameters import settings_from

APPLICABLE_RESOURCES = [CLUSTER_TYPE, SECURITY_GROUP_TYPE]


def _to_rdk(evaluations: list[ResourceEvaluation]) -> list[Evaluation]:
    return [
        Evaluation(e.compliance_type.value, e.resource_id, e.resource_type, annotation=e.annotation)
        for e in evaluations
    ]


def _with_item_facts(snapshot: Snapshot, item: ConfigItem) -> Snapshot:
    """Fill what DescribeCluster left out from the cluster's configuration item.

    EKS reports the cluster SG id for every cluster that has one; when an older API answer lacks
    it and the item carries `ClusterSecurityGroupId`, the item's value is used.
    """
    topology = snapshot.topologies.get(item.resource_id)
    if item.cluster is None or topology is None or topology.cluster.cluster_sg_id or not item.cluster.cluster_sg_id:
        return snapshot
    cluster = dataclasses.replace(topology.cluster, cluster_sg_id=item.cluster.cluster_sg_id)
    topologies = {**snapshot.topologies, item.resource_id: dataclasses.replace(topology, cluster=cluster)}
    return dataclasses.replace(snapshot, topologies=topologies)


class EksSecurityGroupRule(ConfigRule):  # type: ignore[misc]
    """Every EKS cluster and the SGs it uses, against the EKS security-group requirements."""

    # The periodic run reports every cluster and role SG itself; rdklib's id-only clean-up is off.
    delete_old_evaluations_on_scheduled_notification = False

    def evaluate_parameters(self, rule_parameters: dict[str, Any]) -> Settings:
        return settings_from(rule_parameters)

    def evaluate_change(
        self,
        event: dict[str, Any],
        client_factory: Any,
        configuration_item: dict[str, Any],
        valid_rule_parameters: Settings,
    ) -> list[Evaluation]:
        item = normalise(configuration_item)
        snapshot = _with_item_facts(self._snapshot(client_factory), item)
        if item.resource_type == SECURITY_GROUP_TYPE:
            evaluations = evaluate(snapshot, valid_rule_parameters, clusters=[], security_groups=[item.resource_id])
        else:
            evaluations = evaluate(snapshot, valid_rule_parameters, clusters=[item.resource_id])
        return _to_rdk(evaluations)

    def evaluate_periodic(
        self, event: dict[str, Any], client_factory: Any, valid_rule_parameters: Settings
    ) -> list[Evaluation]:
        return _to_rdk(evaluate(self._snapshot(client_factory), valid_rule_parameters))

    @staticmethod
    def _snapshot(client_factory: Any) -> Snapshot:
        return Discovery(eks=client_factory.build_client("eks"), ec2=client_factory.build_client("ec2")).snapshot()

    # rdklib assumes the event's executionRoleArn by default, which fails with Config's
    # service-linked role. The Lambda's own role is the default here; ExecutionRoleName (the
    # cross-account pattern) switches role assumption on.
    def get_assume_role_mode(self, event: dict[str, Any]) -> bool:
        parameters = _parameters(event)
        if not parameters.get("ExecutionRoleName"):
            return False
        return str(parameters.get("AssumeRoleMode", "true")).lower() != "false"

    def get_execution_role_arn(self, event: dict[str, Any]) -> str | None:
        role_name = _parameters(event).get("ExecutionRoleName")
        if not role_name:
            return None
        partition = str(event.get("configRuleArn", "arn:aws:")).split(":")[1] or "aws"
        return f"arn:{partition}:iam::{event.get('accountId')}:role/{role_name}"

    def get_assume_role_region(self, event: dict[str, Any]) -> str | None:
        region = _parameters(event).get("ExecutionRoleRegion")
        return str(region) if region else None


def _parameters(event: dict[str, Any]) -> dict[str, Any]:
    parsed = json.loads(event.get("ruleParameters") or "{}")
    return parsed if isinstance(parsed, dict) else {}
