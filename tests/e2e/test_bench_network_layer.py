"""The bench's scaled account with NetworkPath (demo.scaled.seed_scaled(network_path=True), the network
layer of demo.network_paths.give_network_layer): every layout's required paths pass, so the bench's
network_path sweep judges paths that all pass (it measures cost, not failures)."""

from __future__ import annotations

import boto3
from demo.scaled import seed_scaled

from eks_sg_rule.discovery import Discovery
from eks_sg_rule.evaluate import evaluate
from eks_sg_rule.requirements import CHECKS_BY_ID, Level
from eks_sg_rule.results import Status
from eks_sg_rule.settings import Settings
from tests.conftest import REGION


def test_the_bench_account_with_its_network_layer_passes_every_path_check(aws: None) -> None:
    """demo.scaled's account with `network_path` (the bench's network_path sweep): its VPC's network
    layer lets every required path through, whatever the layout's SG verdicts."""
    ec2, eks = boto3.client("ec2", region_name=REGION), boto3.client("eks", region_name=REGION)
    account = seed_scaled(ec2, eks, clusters=4, instances=16, security_groups=40, region=REGION, network_path=True)
    snapshot = Discovery(eks=eks, ec2=ec2, network_path=True).snapshot()
    evaluations = evaluate(snapshot, Settings(level=Level.RECOMMENDED, network_path=True))
    clusters = {e.resource_id: e for e in evaluations if e.resource_type == "AWS::EKS::Cluster"}

    assert set(clusters) == set(account.clusters)
    for name, evaluation in clusters.items():
        paths = {
            c.check_id: c.status
            for c in evaluation.checks
            if c.check_id in CHECKS_BY_ID and CHECKS_BY_ID[c.check_id].network_path
        }
        assert paths == dict.fromkeys(("NACL_MINIMUM", "NACL_RECOMMENDED", "NODE_EGRESS_AWS_APIS"), Status.COMPLIANT), (
            name
        )
