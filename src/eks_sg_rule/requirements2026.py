"""The 2026 requirement set as data: the EKS user guide as AWS publishes it today, check by check.

Pure (no AWS). Read on 2026-12-07 (notes: research19). Each check cites the live page and section it
rests on (`doc_page` + `doc_anchor`); where the issue's wording and AWS's pages differ, AWS's pages win
and the check's docstring-like `passes_when` says how:

- The control-plane and worker-node tables of 2020 are gone from sec-group-reqs; CP_SG_MINIMUM and
  WORKER_SG_MINIMUM keep their 2020 flows (requirements.CHECKS) because the page still requires the
  kubelet (10250), API server (443) and inter-node traffic ("Restricting cluster traffic").
- NODE_TAG: no EKS user guide page states a security-group tag rule today. The rule is the AWS Load
  Balancer Controller's: on an interface with several SGs exactly one must carry the key
  `kubernetes.io/cluster/<name>` (it counts the key whatever its value); its VPC-wide lookup reads
  the values `owned` and `shared`. The load balancer prerequisites' `shared or owned` tag is on
  subnets, not SGs. So a key with another value still counts toward "exactly one" and is reported
  as "set it to owned or shared".
- CLUSTER_SG_DEFAULT_RULES: the EFA self-egress rule is required of the SGs on the EFA interface
  (EC2 "Create and attach an EFA"); this check asks it of the cluster SG when any node of the
  cluster has an EFA interface, as the default-rules table shows it. AWS publishes no "only
  SG-referencing rules match EFA traffic": we require the self rule because both pages name it.
- HYBRID_NODES_NETWORK: the page's rules go on "the cluster security group" but its procedure puts
  them on an additional SG passed at creation, so the control plane's SGs together (cluster SG plus
  securityGroupIds) are judged. The remote pod CIDR's TCP 443 rule is needed only when the CNI does
  not NAT pod traffic; a configured remotePodNetworks is taken as saying it does not (the page gives
  no other signal an API shows). Webhook egress to remote pod CIDRs names no port: not judged.
- POD_SG_MINIMUM: the page asks for inbound from the node SG "over any ports that you've configured
  probes for"; the probes' ports are not visible through AWS's APIs, so the check asks for some TCP
  port (a pod SG admitting no TCP at all from the node SG serves no TCP or HTTP probe), never for a
  port range it cannot know. The CoreDNS SG's inbound 53 from the pod SG is not judged; "or
  anywhere" is how an all-traffic egress rule to 0.0.0.0/0 covers the DNS rule.
- Recommended level: sec-group-reqs recommends nothing beyond the minimum, so under 2026
  `recommended` runs the same checks as `minimum`.
"""

from __future__ import annotations

from .requirement_types import DOC_URL, Check, Kind, Level, Party

SEC_GROUP_REQS = DOC_URL
HYBRID_NETWORKING = "https://docs.aws.amazon.com/eks/latest/userguide/hybrid-nodes-networking.html"
SG_PODS = "https://docs.aws.amazon.com/eks/latest/userguide/sg-pods-example-deployment.html"
LBC_SECURITY_GROUPS = "https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/deploy/security_groups/"
CLUSTER_HEALTH = "https://docs.aws.amazon.com/eks/latest/APIReference/API_ClusterIssue.html"

_DEFAULT = "Default cluster security group"
_RESTRICTING = "Restricting cluster traffic"

# The 2020 checks the 2026 set keeps with the same flows, re-cited: id -> (page, anchor, section).
KEPT: dict[str, tuple[str, str, str]] = {
    "CP_SG_MINIMUM": (
        SEC_GROUP_REQS,
        "security-group-restricting-cluster-traffic",
        _RESTRICTING + " (API server TCP 443, kubelet TCP 10250; the 2020 control plane table's minimum)",
    ),
    "WORKER_SG_MINIMUM": (
        SEC_GROUP_REQS,
        "security-group-restricting-cluster-traffic",
        _RESTRICTING + " (kubelet, API server, inter-node traffic; the 2020 worker node table's minimum)",
    ),
}

CLUSTER_SG_EXISTS = Check(
    id="CLUSTER_SG_EXISTS",
    title="EKS finds the cluster SG",
    level=Level.MINIMUM,
    kind=Kind.CLUSTER_SG_EXISTS,
    subject=Party.CONTROL_PLANE,
    passes_when="DescribeCluster `health.issues` has no `Ec2SecurityGroupNotFound` issue",
    doc_section="Amazon EKS API Reference, ClusterIssue (code Ec2SecurityGroupNotFound)",
    doc_anchor="API_ClusterIssue_Contents",
    doc_page=CLUSTER_HEALTH,
)

ADDED: tuple[Check, ...] = (
    Check(
        id="NODE_TAG",
        title="One SG per multi-SG interface tagged kubernetes.io/cluster/<name>",
        level=Level.MINIMUM,
        kind=Kind.NODE_TAG,
        subject=Party.WORKERS,
        passes_when="an interface with one SG passes; on every interface with several SGs (pod branch interfaces "
        "included) exactly one SG carries the tag key `kubernetes.io/cluster/<cluster-name>`, with the value `owned` "
        "or `shared`",
        doc_section="no EKS user guide page today: AWS Load Balancer Controller, Security groups (the SG of an "
        "interface with several SGs is the one tagged kubernetes.io/cluster/<name>)",
        doc_anchor="backend-security-groups",
        doc_page=LBC_SECURITY_GROUPS,
    ),
    Check(
        id="CLUSTER_SG_DEFAULT_RULES",
        title="Cluster SG: AWS's default self rules",
        level=Level.MINIMUM,
        kind=Kind.CLUSTER_SG_DEFAULT_RULES,
        subject=Party.CLUSTER_SG,
        passes_when="the cluster SG admits all traffic from itself; when a node of the cluster has an EFA interface, "
        "it also allows all outbound traffic to itself (an outbound rule to itself is never a finding)",
        doc_section=_DEFAULT + " (inbound all from self; outbound all to self for EFA traffic)",
        doc_anchor="security-group-default-rules",
        doc_page=SEC_GROUP_REQS,
    ),
    Check(
        id="CLUSTER_SG_RESTRICTED_EGRESS",
        title="Cluster SG: restricted outbound minimum",
        level=Level.MINIMUM,
        kind=Kind.CLUSTER_SG_RESTRICTED_EGRESS,
        subject=Party.CLUSTER_SG,
        passes_when="when the cluster SG has no all-traffic outbound rule to 0.0.0.0/0 (::/0 for IPv6 clusters), it "
        "allows outbound TCP 443, TCP 10250, TCP 53 and UDP 53 to itself (rules covering these count)",
        doc_section=_RESTRICTING + " (minimum outbound rules to the cluster security group)",
        doc_anchor="security-group-restricting-cluster-traffic",
        doc_page=SEC_GROUP_REQS,
    ),
    Check(
        id="HYBRID_NODES_NETWORK",
        title="Control plane SGs: hybrid nodes' remote networks",
        level=Level.MINIMUM,
        kind=Kind.HYBRID_NODES_NETWORK,
        subject=Party.CONTROL_PLANE,
        passes_when="for a cluster with remote node networks, the control plane's SGs admit TCP 443 from every remote "
        "node CIDR and remote pod CIDR and allow outbound TCP 10250 to every remote node CIDR; EKS cluster insights "
        "of category MISCONFIGURATION are quoted, never re-derived",
        doc_section="Prepare networking for hybrid nodes: Cluster security group configuration",
        doc_anchor="hybrid-nodes-networking-cluster-sg",
        doc_page=HYBRID_NETWORKING,
    ),
    Check(
        id="POD_SG_MINIMUM",
        title="Security groups for pods: kubelet probes and DNS",
        level=Level.MINIMUM,
        kind=Kind.POD_SG_MINIMUM,
        subject=Party.WORKERS,
        passes_when="for a cluster whose nodes have branch interfaces, each branch interface's SGs admit TCP from the "
        "SGs of its node's primary interface and allow outbound TCP and UDP 53 to the nodes' SGs, the cluster SG or "
        "anywhere",
        doc_section="Use a security group policy for an Amazon EKS Pod (Important: what the Pods' security groups "
        "must allow)",
        doc_anchor="sg-pods-example-deployment",
        doc_page=SG_PODS,
    ),
    CLUSTER_SG_EXISTS,
)
