"""Where moto (the in-process AWS emulator) differs from AWS, for the demo, the bench and the tests: each
gap filled here, on moto's in-process records, and nowhere else. Not product code.

Importing this module changes nothing. Two gaps are process-wide patches of moto's classes, applied by
`fill_moto_gaps()` (idempotent; demo/run.py, bench/run.py and the tests' `aws` fixtures call it before
seeding):
- `match_any_interface_group`: DescribeNetworkInterfaces' `group-id` filter with several values
  matches an interface carrying any of them (moto: only one whose SGs are all among them).
- `look_up_tags_by_resource` (speed): a resource's tags are read by its id, not by scanning every tag
  of the region.

The others fix one record, as EKS or EC2 would report it; the seeding builder (demo/seed.py) calls
them on what it creates:
- `set_cluster_security_group`: EKS reports the SG it created as clusterSecurityGroupId (moto: none).
- `drop_invented_remote_access_sg`: moto gives every node group a nonexistent remote-access SG.
- `set_legacy_platform`: moto reports platform eks.4 for every cluster.
- `report_own_groups_only`: EC2 reports an attached secondary interface's own SGs (moto: its own
  plus the instance's).
- `set_interface_type`: EC2 reports a trunk, branch or EFA interface's InterfaceType (moto: always
  `interface`, whatever CreateNetworkInterface asked for).
- `mark_in_use`: EKS's control-plane interfaces are "in-use", created in an `AmazonEKS` session of
  the cluster's IAM role (moto: "available", one fixed RequesterId; and moto's CreateCluster does
  not require the role to exist, so it is created here when missing).

The builder fills three more by creating what moto does not: the control plane's network interfaces,
the instances of a managed node group, and the VPC default SG's rule allowing all traffic from itself.
"""

from __future__ import annotations

from typing import Any

from moto.ec2.models import ec2_backends
from moto.ec2.models.core import TaggedEC2Resource
from moto.ec2.models.elastic_network_interfaces import NetworkInterface, NetworkInterfaceBackend
from moto.ec2.utils import EC2_PREFIX_TO_RESOURCE, get_prefix
from moto.eks.models import eks_backends
from moto.iam.models import iam_backends
from moto.utilities.utils import get_partition


def fill_moto_gaps() -> None:
    """Apply every process-wide moto gap fill (`match_any_interface_group`, `look_up_tags_by_resource`),
    once: calling it again changes nothing. Call before seeding or reading an emulated account."""
    match_any_interface_group()
    look_up_tags_by_resource()


def _moto_cluster(account_id: str, region: str, cluster: str) -> Any:
    return eks_backends[account_id][region].clusters[cluster]


def set_cluster_security_group(account_id: str, region: str, cluster: str, group_id: str) -> None:
    """moto gap: EKS reports the SG it created as resourcesVpcConfig.clusterSecurityGroupId; moto has none."""
    _moto_cluster(account_id, region, cluster).resources_vpc_config["clusterSecurityGroupId"] = group_id


def drop_invented_remote_access_sg(account_id: str, region: str, cluster: str, nodegroup: str) -> None:
    """moto gap: moto gives every node group a random, nonexistent remote-access SG; EKS sets one only
    when remoteAccess is configured, which no layout here does."""
    _moto_cluster(account_id, region, cluster).nodegroups[nodegroup].resources["remoteAccessSecurityGroup"] = None


def set_legacy_platform(account_id: str, region: str, cluster: str, version: str, platform_version: str) -> None:
    """moto gap: moto reports platform eks.4 for every cluster."""
    record = _moto_cluster(account_id, region, cluster)
    record.version = version
    record.platformVersion = platform_version


class _OwnGroupsInterface(NetworkInterface):
    @property
    def group_set(self) -> Any:
        return self._group_set


def report_own_groups_only(account_id: str, region: str, interface_id: str) -> None:
    """moto gap: moto reports an attached secondary interface's groups as its own plus the
    instance's; EC2 reports each interface's own SGs. Make this interface report its own."""
    interface = ec2_backends[account_id][region].get_network_interface(interface_id)
    interface.__class__ = _OwnGroupsInterface


def match_any_interface_group() -> None:
    """moto gap: EC2's DescribeNetworkInterfaces `group-id` filter with several values matches an
    interface carrying any of them; moto matches only an interface whose SGs are all among the values
    (or all of the values among its SGs). Make moto answer as EC2 does. Also its `interface-type`
    filter (branch, trunk, efa, …), which moto does not implement (issue 19: security groups for pods)."""
    original = NetworkInterfaceBackend.get_all_network_interfaces
    if getattr(original, "matches_any_group", False):
        return

    def get_all_network_interfaces(
        self: Any, eni_ids: list[str] | None = None, filters: dict[str, Any] | None = None
    ) -> list[NetworkInterface]:
        remaining = dict(filters or {})
        wanted = remaining.pop("group-id", None)
        types = remaining.pop("interface-type", None)
        interfaces: list[NetworkInterface] = original(self, eni_ids, remaining)
        if types is not None:
            kinds = set(types if isinstance(types, list) else [types])
            interfaces = [eni for eni in interfaces if eni.interface_type in kinds]
        if wanted is None:
            return interfaces
        values = set(wanted if isinstance(wanted, list) else [wanted])
        return [eni for eni in interfaces if values & set(eni.get_filter_value("group-id"))]

    get_all_network_interfaces.matches_any_group = True  # type: ignore[attr-defined]
    NetworkInterfaceBackend.get_all_network_interfaces = get_all_network_interfaces  # type: ignore[method-assign]


def look_up_tags_by_resource() -> None:
    """moto gap (speed): moto finds one resource's tags by scanning every tag of the region, so a
    DescribeInstances tag filter over N instances costs N times all the region's tags (about 2 s for
    1,500 instances, over 10 s for 4,500); EC2 answers from an index. Read the resource's own tags
    (the same records, in the same shape)."""
    original = TaggedEC2Resource.get_tags
    if getattr(original, "by_resource", False):
        return

    def get_tags(self: Any) -> list[dict[str, str]]:
        if not self.id:
            return []
        kind = EC2_PREFIX_TO_RESOURCE.get(get_prefix(self.id), "")
        own = self.ec2_backend.tags.get(self.id, {})
        return [{"resource_id": self.id, "key": k, "value": v, "resource_type": kind} for k, v in own.items()]

    get_tags.by_resource = True  # type: ignore[attr-defined]
    TaggedEC2Resource.get_tags = get_tags  # type: ignore[method-assign]


# EKS assumes the cluster's IAM role (trust policy for eks.amazonaws.com, as the EKS user guide's
# cluster IAM role page gives it).
EKS_TRUST_POLICY = (
    '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
    '"Principal": {"Service": "eks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}'
)


def cluster_role_id(account_id: str, region: str, role_arn: str) -> str:
    """moto gap: EKS's CreateCluster requires the cluster's IAM role (`roleArn`) to exist; moto's does
    not. The RoleId ("AROA…") of that role in moto's IAM, the role created (path kept, EKS's trust
    policy) when it does not exist yet."""
    backend = iam_backends[account_id][get_partition(region)]
    resource = role_arn.split(":role", 1)[1]
    path, name = resource.rsplit("/", 1)
    if name not in {role.name for role in backend.roles.values()}:
        backend.create_role(name, EKS_TRUST_POLICY, path + "/", None, "EKS cluster role", [], None)
    return str(backend.get_role(name).id)


def mark_in_use(account_id: str, region: str, interface_id: str, role_arn: str) -> None:
    """moto gap: EKS attaches the control plane's interfaces to instances in its own account, so EC2
    reports them "in-use" with no instance id of yours, created in an `AmazonEKS` session of the
    cluster's IAM role `role_arn` (RequesterId "<role id>:AmazonEKS", the role id being the role's
    RoleId, which iam:GetRole reports); moto cannot attach across accounts, reports them "available"
    and gives every interface one fixed user RequesterId. Report this control-plane interface as EC2
    does, with the RoleId of the role in moto's IAM (cluster_role_id)."""
    interface = ec2_backends[account_id][region].get_network_interface(interface_id)
    interface.status = "in-use"
    interface.requester_id = f"{cluster_role_id(account_id, region, role_arn)}:AmazonEKS"


def set_interface_type(account_id: str, region: str, interface_id: str, interface_type: str) -> None:
    """moto gap: EC2 reports InterfaceType `trunk`, `branch`, `efa` or `efa-only` for such interfaces
    (security groups for pods: the VPC resource controller's trunk on the node and the pods' branch
    interfaces, which have no Attachment and name their trunk in the tag vpcresources.k8s.aws/trunk-eni-id);
    moto reports `interface` for every one. Report this one's type as EC2 does."""
    ec2_backends[account_id][region].get_network_interface(interface_id).interface_type = interface_type
