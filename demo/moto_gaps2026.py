"""The moto gaps the 2026 requirement set meets (issue 19), for the demo and the tests: each filled here,
on moto's in-process records. Not product code. Kept apart from demo/moto_gaps.py (the same rules:
importing changes nothing; `fill_2026_gaps()` applies the process-wide fill once).

Process-wide (`fill_2026_gaps()`):
- `answer_list_insights`: moto 5.2.5 does not implement EKS ListInsights (POST
  /clusters/{name}/insights answers 404 "Not yet implemented"). It answers here from insights seeded
  with `seed_insights` (none by default: a cluster EKS has not yet refreshed insights for), in the
  shape of the EKS API Reference's ListInsights response and the botocore eks 2017-11-01 model
  (id, name, category, kubernetesVersion, lastRefreshTime, lastTransitionTime, description,
  insightStatus {status, reason}), filtered by `filter.categories` and `filter.statuses`.

Per record (the seeding and the tests call them on what they create):
- `report_in_use`: EC2 reports a branch interface "in-use" though it has no Attachment.
- `report_health_issue`: EKS reports a cluster's health issues (DescribeCluster `health.issues`); moto
  reports no `health`.
The InterfaceType of EFA, trunk and branch interfaces is filled by demo.moto_gaps.set_interface_type.

Not a gap: moto 5.2.5 keeps CreateCluster's `remoteNetworkConfig` (hybrid nodes) and returns it from
DescribeCluster in EKS's shape, so the hybrid cluster is created with it as EKS would be.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from moto.ec2.models import ec2_backends
from moto.eks import urls as eks_urls
from moto.eks.models import eks_backends
from moto.eks.responses import EKSResponse

INSIGHTS_PATH = "{0}/clusters/(?P<name>[^/]+)/insights$"
# (account, region, cluster) -> the ListInsights items EKS would report for it.
_INSIGHTS: dict[tuple[str, str, str], list[dict[str, Any]]] = {}


def fill_2026_gaps() -> None:
    """Apply the process-wide fill (`answer_list_insights`) once; calling it again changes nothing."""
    answer_list_insights()


def answer_list_insights() -> None:
    """moto gap: EKS ListInsights is not implemented. Route POST /clusters/{name}/insights to an
    EKSResponse method answering from `seed_insights` (an unknown cluster: ResourceNotFoundException,
    as DescribeCluster answers). One page: the seeded lists are short."""
    if getattr(EKSResponse, "list_insights", None) is not None:
        return

    def list_insights(self: EKSResponse) -> Any:
        from moto.core.responses import ActionResult  # noqa: PLC0415

        name = self._get_param("clusterName") or self._get_param("name")
        self.eks_backend.describe_cluster(name=name)  # raises ResourceNotFoundException as EKS does
        wanted = self._get_param("filter") or {}
        categories = set(wanted.get("categories") or ())
        statuses = set(wanted.get("statuses") or ())
        items = [
            item
            for item in _INSIGHTS.get((self.current_account, self.region, name), [])
            if (not categories or item["category"] in categories)
            and (not statuses or item["insightStatus"]["status"] in statuses)
        ]
        return ActionResult({"insights": items})

    EKSResponse.list_insights = list_insights  # type: ignore[attr-defined]
    eks_urls.url_paths.setdefault(INSIGHTS_PATH, eks_urls.response.dispatch)


def seed_insights(account_id: str, region: str, cluster: str, *insights: dict[str, str]) -> None:
    """moto gap (with `answer_list_insights`): the cluster's insights, each given as {id, name,
    category, status, reason, description}, stored in ListInsights' item shape."""
    now = datetime(2026, 12, 7, tzinfo=UTC)
    _INSIGHTS[(account_id, region, cluster)] = [
        {
            "id": given["id"],
            "name": given["name"],
            "category": given.get("category", "MISCONFIGURATION"),
            "kubernetesVersion": given.get("kubernetesVersion", "1.33"),
            "lastRefreshTime": now,
            "lastTransitionTime": now,
            "description": given.get("description", ""),
            "insightStatus": {"status": given["status"], "reason": given.get("reason", "")},
        }
        for given in insights
    ]


def report_in_use(account_id: str, region: str, interface_id: str) -> None:
    """moto gap: EC2 reports a branch interface "in-use" though it has no Attachment (the VPC resource
    controller associates it with its trunk); moto reports every unattached interface "available"."""
    ec2_backends[account_id][region].get_network_interface(interface_id).status = "in-use"


def report_health_issue(account_id: str, region: str, cluster: str, code: str, resource_ids: list[str]) -> None:
    """moto gap: EKS reports a cluster's `health.issues` ({code, message, resourceIds}, botocore
    ClusterIssue); moto reports no `health` at all. Give the cluster one issue with this code. Its
    message is left empty: EKS's runtime wording for a cluster is not published (the API Reference
    documents per-code text only for node groups)."""
    record = eks_backends[account_id][region].clusters[cluster]
    record.health = {"issues": [{"code": code, "message": "", "resourceIds": resource_ids}]}
