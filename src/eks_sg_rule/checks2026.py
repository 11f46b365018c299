"""The judgements of the 2026 requirement set (requirements2026) and CLUSTER_SG_EXISTS (both sets).

Pure (no AWS): one function per Kind, topology and check in, CheckResult out, called by
checks.Judge.judge after its guards (cluster SG present, nodes found) except CLUSTER_SG_EXISTS,
which is judged first. Each finding names the SG the change belongs on; a missing rule between SGs
carries a results.Gap (planned under plan.Planner's trust rules), a missing CIDR rule (hybrid nodes)
carries the exact AWS CLI command in `change` and is always manual.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from .ip import IPNetwork
from .model import BRANCH, Node, NodeGroup, Permission, Topology
from .names import CLUSTER_TAG_PREFIX
from .network import Endpoint, PortSet, Reach, reach
from .requirements import Check, Direction, Kind, Traffic
from .results import CheckResult, Finding, Gap, Status
from .sides import names

SG_NOT_FOUND = "Ec2SecurityGroupNotFound"
# AWS's remedy for Ec2SecurityGroupNotFound, as the EKS API Reference words it for node groups'
# health issues (Issue.code); ClusterIssue documents no per-code text, so the cluster's own
# `message` is quoted beside it.
SG_NOT_FOUND_REMEDY = "We couldn't find the cluster security group for the cluster. You must recreate your cluster."
TAG_VALUES = ("owned", "shared")
DEFAULT_EGRESS_MODE = "AWS_MANAGED"
DNS = PortSet.of((53, 53))
RESTRICTED_TCP = PortSet.of((443, 443), (10250, 10250), (53, 53))
API = PortSet.of((443, 443))
KUBELET = PortSet.of((10250, 10250))


def _rules(topology: Topology, sg_ids: Iterable[str], direction: Direction) -> list[Permission]:
    rules: list[Permission] = []
    for sg_id in sg_ids:
        group = topology.security_groups.get(sg_id)
        if group is not None:
            rules.extend(group.ingress if direction is Direction.INGRESS else group.egress)
    return rules


def _unreadable(topology: Topology, sg_ids: Iterable[str]) -> list[str]:
    return sorted(sg for sg in sg_ids if sg not in topology.security_groups)


def _result(check: Check, findings: list[Finding], passed: str) -> CheckResult:
    if findings:
        detail = "; ".join(dict.fromkeys(f.message for f in findings))
        return CheckResult(check.id, Status.NON_COMPLIANT, detail, tuple(findings))
    return CheckResult(check.id, Status.COMPLIANT, passed)


def _cannot_judge(check: Check, why: str) -> CheckResult:
    return CheckResult(check.id, Status.NOT_APPLICABLE, f"cannot judge: {why}", cannot_judge=True)


def cluster_sg_exists(topology: Topology, check: Check) -> CheckResult:
    """CLUSTER_SG_EXISTS: NON_COMPLIANT when DescribeCluster `health.issues` has the code
    Ec2SecurityGroupNotFound, with EKS's message, the resources it names and AWS's remedy."""
    cluster = topology.cluster
    findings = []
    for issue in cluster.health_issues:
        if issue.code != SG_NOT_FOUND:
            continue
        sg_id = next((r for r in issue.resource_ids if r.startswith("sg-")), cluster.cluster_sg_id or "")
        said = f": {issue.message}" if issue.message else ""
        message = f"EKS reports {SG_NOT_FOUND} for {names(issue.resource_ids) or 'the cluster SG'}{said}; AWS: "
        findings.append(Finding(sg_id, message + SG_NOT_FOUND_REMEDY))
    return _result(check, findings, f"EKS reports no {SG_NOT_FOUND} health issue")


def egress_mode_note(topology: Topology) -> str:
    """The detail's words for a controlPlaneEgressMode other than AWS_MANAGED ("" otherwise): no
    finding, the required ports depend on the workloads (Configure control plane egress routing)."""
    mode = topology.cluster.control_plane_egress_mode
    if not mode or mode == DEFAULT_EGRESS_MODE:
        return ""
    return (
        f"controlPlaneEgressMode {mode}: the control plane's traffic (webhooks, OIDC, kubelet TCP 10250) leaves "
        "through this VPC, so its SGs and routes must allow what the workloads need (not judged)"
    )


# --- NODE_TAG --------------------------------------------------------------------------------


def _interfaces(group: NodeGroup) -> dict[tuple[bool, frozenset[str]], str]:
    """(branch?, SG set) -> a label, for every interface of the group's nodes with several SGs."""
    found: dict[tuple[bool, frozenset[str]], str] = {}
    for node in group.nodes:
        for interface in node.interfaces:
            if len(interface.security_group_ids) < 2:
                continue
            branch = interface.kind == BRANCH
            kind = " branch interfaces" if branch else ""
            label = f"{group.label}{kind} ({', '.join(sorted(interface.security_group_ids))})"
            found.setdefault((branch, interface.security_group_ids), label)
    return found


def node_tag(topology: Topology, check: Check) -> CheckResult:
    """NODE_TAG: on every interface with several SGs (branch interfaces included) exactly one SG
    carries the key kubernetes.io/cluster/<name> (the AWS Load Balancer Controller counts the key,
    whatever its value), and that one's value is owned or shared."""
    cluster = topology.cluster
    key = CLUSTER_TAG_PREFIX + cluster.name
    findings: list[Finding] = []
    for group in topology.node_groups:
        for (_, sg_set), label in _interfaces(group).items():
            sg_ids = sorted(sg_set)
            tags = {sg: dict(topology.security_groups[sg].tags) for sg in sg_ids if sg in topology.security_groups}
            tagged = [sg for sg in sg_ids if key in tags.get(sg, {})]
            unreadable = _unreadable(topology, sg_ids)
            own = [sg for sg in sg_ids if sg != cluster.cluster_sg_id]
            owner = own[0] if own else sg_ids[0]
            if len(tagged) > 1:
                kept = cluster.cluster_sg_id if cluster.cluster_sg_id in tagged else tagged[0]
                blamed = [sg for sg in tagged if sg != kept]
                message = f"{label}: several SGs tagged {key} ({names(tagged)}); keep it on {kept}, remove it from "
                findings.extend(Finding(sg, message + names(blamed), tag_repair="untag") for sg in blamed)
            elif not tagged:
                why = f" (could not read {names(unreadable)})" if unreadable else ""
                message = f"{label}: none tagged {key}{why}; tag exactly one owned or shared, e.g. {owner}"
                findings.append(Finding(owner, message, tag_repair=None if unreadable else "tag"))
            elif (value := tags[tagged[0]][key]) not in TAG_VALUES:
                message = f"{label}: {tagged[0]} has {key}={value!r}; set it to owned or shared"
                findings.append(Finding(tagged[0], message, tag_repair="tag"))
            elif unreadable:
                findings.append(Finding(owner, f"{label}: cannot verify tags, could not read {names(unreadable)}"))
    return _result(check, findings, f"every interface with several SGs has exactly one tagged {key}=owned|shared")


# --- the cluster SG's default rules and restricted minimum -------------------------------------


def _self(topology: Topology) -> tuple[str, Endpoint]:
    sg_id = topology.cluster.cluster_sg_id or ""
    return sg_id, Endpoint(f"cluster SG {sg_id}", frozenset([sg_id]))


def cluster_sg_default_rules(topology: Topology, check: Check) -> CheckResult:
    """CLUSTER_SG_DEFAULT_RULES: the cluster SG admits all traffic from itself; when a node carrying
    the cluster SG has an EFA interface, an outbound rule naming the cluster SG allows it all traffic
    (EC2: the EFA's SG must allow all traffic "to and from the security group itself"; a CIDR rule is
    not counted, the pages name the SG itself)."""
    sg_id, itself = _self(topology)
    group = topology.security_groups.get(sg_id)
    if group is None:
        return _cannot_judge(check, f"the cluster SG {sg_id} could not be read")
    findings = []
    if not reach(group.ingress, itself, topology.prefix_lists).all_traffic:
        findings.append(
            Finding(
                sg_id,
                f"cluster SG {sg_id} does not admit all traffic from itself (AWS's default inbound rule, re-created "
                f"when the cluster is updated); allow ingress on {sg_id}",
                Gap(Direction.INGRESS, Traffic.ALL, PortSet(), (sg_id,)),
            )
        )
    efa = [g.label for g in topology.node_groups if any(n.efa and sg_id in n.all_security_group_ids for n in g.nodes)]
    self_egress = [p for p in group.egress if sg_id in p.group_ids]
    if efa and not reach(self_egress, itself).all_traffic:
        findings.append(
            Finding(
                sg_id,
                f"cluster SG {sg_id} does not allow all outbound traffic to itself, which EFA traffic of "
                f"{names(efa)} needs; allow egress from {sg_id}",
                Gap(Direction.EGRESS, Traffic.ALL, PortSet(), (sg_id,)),
            )
        )
    efa_text = f"; all outbound to itself for the EFA nodes of {names(efa)}" if efa else " (no EFA node)"
    return _result(check, findings, f"cluster SG {sg_id} admits all traffic from itself{efa_text}")


def cluster_sg_restricted_egress(topology: Topology, check: Check) -> CheckResult:
    """CLUSTER_SG_RESTRICTED_EGRESS: unless the cluster SG allows all traffic to the whole of the
    cluster's family (0.0.0.0/0 or ::/0), it allows outbound TCP 443, 10250, 53 and UDP 53 to itself;
    any rule covering these (to itself, or to a CIDR of length 0) counts."""
    sg_id, itself = _self(topology)
    group = topology.security_groups.get(sg_id)
    if group is None:
        return _cannot_judge(check, f"the cluster SG {sg_id} could not be read")
    everywhere = topology.cluster.anywhere
    if reach(group.egress, Endpoint(str(everywhere), frozenset(), (everywhere,)), topology.prefix_lists).all_traffic:
        return CheckResult(check.id, Status.COMPLIANT, f"cluster SG {sg_id} keeps all outbound traffic to {everywhere}")
    granted: Reach = reach(group.egress, itself, topology.prefix_lists)
    findings = []
    for traffic, wanted, have in ((Traffic.TCP, RESTRICTED_TCP, granted.tcp), (Traffic.UDP, DNS, granted.udp)):
        missing = wanted.difference(have)
        if missing:
            what = f"{traffic.value.upper()} {missing.describe()}"
            findings.append(
                Finding(
                    sg_id,
                    f"cluster SG {sg_id} has no all-traffic outbound rule to {everywhere} and cannot send {what} to "
                    f"itself (AWS's restricted minimum); allow egress from {sg_id}",
                    Gap(Direction.EGRESS, traffic, missing, (sg_id,)),
                )
            )
    return _result(check, findings, f"cluster SG {sg_id} sends TCP 443, 10250, 53 and UDP 53 to itself")


# --- hybrid nodes ------------------------------------------------------------------------------


def _insights_note(topology: Topology) -> str:
    insights = topology.cluster.insights
    if insights is None:
        return " (EKS cluster insights not read)"
    shown = [i for i in insights if i.status != "PASSING"]
    if not shown:
        return f" (EKS cluster insights, MISCONFIGURATION: {len(insights)} passing)"
    quoted = "; ".join(f"{i.name}: {i.status}" + (f", {i.reason}" if i.reason else "") for i in shown)
    return f" (EKS cluster insights, MISCONFIGURATION: {quoted})"


def _cidr_finding(owner: str, sgs: str, direction: Direction, ports: PortSet, cidr: IPNetwork, what: str) -> Finding:
    verb = "admit" if direction is Direction.INGRESS else "allow outbound"
    towards = "from" if direction is Direction.INGRESS else "to"
    flag = "ingress" if direction is Direction.INGRESS else "egress"
    port = ports.describe()
    message = f"control plane SGs ({sgs}) do not {verb} TCP {port} {towards} {what} {cidr}; add {flag} on {owner}"
    command = (
        f"aws ec2 authorize-security-group-{flag} --group-id {owner} "
        f"--ip-permissions IpProtocol=tcp,FromPort={port},ToPort={port},IpRanges=[{{CidrIp={cidr}}}]"
    )
    # No Gap: the rule names a CIDR, which only `change` (the exact command, never run) carries.
    return Finding(owner, message, change=command)


def hybrid_nodes_network(topology: Topology, check: Check) -> CheckResult:
    """HYBRID_NODES_NETWORK: with remote node networks, the control plane's SGs together admit TCP
    443 from every remote node and remote pod CIDR and send TCP 10250 to every remote node CIDR.
    The missing rule goes on the first additional SG (securityGroupIds: where AWS's procedure puts
    it), else the cluster SG; always manual (a CIDR). Insights are quoted in the detail."""
    cluster = topology.cluster
    if not cluster.remote_node_networks:
        return CheckResult(check.id, Status.NOT_APPLICABLE, "no remote node networks: the cluster has no hybrid nodes")
    sg_ids = cluster.control_plane_sg_ids
    owner = cluster.additional_sg_ids[0] if cluster.additional_sg_ids else (cluster.cluster_sg_id or "")
    ingress, egress = _rules(topology, sg_ids, Direction.INGRESS), _rules(topology, sg_ids, Direction.EGRESS)
    wanted = [
        *((Direction.INGRESS, API, cidr, "remote node CIDR") for cidr in cluster.remote_node_networks),
        *((Direction.INGRESS, API, cidr, "remote pod CIDR") for cidr in cluster.remote_pod_networks),
        *((Direction.EGRESS, KUBELET, cidr, "remote node CIDR") for cidr in cluster.remote_node_networks),
    ]
    findings = []
    for direction, ports, cidr, what in wanted:
        rules = ingress if direction is Direction.INGRESS else egress
        peer = Endpoint(str(cidr), frozenset(), (cidr,))
        if ports.difference(reach(rules, peer, topology.prefix_lists).tcp):
            findings.append(_cidr_finding(owner, names(sg_ids), direction, ports, cidr, what))
    note = _insights_note(topology)
    unreadable = _unreadable(topology, sg_ids)
    if findings and unreadable:
        return _cannot_judge(check, f"could not read {names(unreadable)}, which may hold the rules{note}")
    result = _result(check, findings, "the control plane SGs admit TCP 443 from and send TCP 10250 to the remote CIDRs")
    return CheckResult(result.check_id, result.status, result.detail + note, result.findings)


# --- security groups for pods ------------------------------------------------------------------


def _branches(topology: Topology) -> dict[tuple[frozenset[str], frozenset[str]], tuple[NodeGroup, Node]]:
    """(branch SGs, node primary SGs) -> the first (node group, node) with such a branch interface."""
    found: dict[tuple[frozenset[str], frozenset[str]], tuple[NodeGroup, Node]] = {}
    for group in topology.node_groups:
        for node in group.nodes:
            for interface in node.pod_interfaces:
                if interface.kind == BRANCH:
                    found.setdefault((interface.security_group_ids, node.security_group_ids), (group, node))
    return found


def pod_sg_minimum(topology: Topology, check: Check) -> CheckResult:
    """POD_SG_MINIMUM: each branch interface's SGs admit TCP (some port: the probes' ports are not
    visible to AWS's APIs) from the SGs of its node's primary interface, and send TCP and UDP 53 to
    the nodes' SGs, the cluster SG or anywhere. A missing DNS rule is planned towards the cluster SG
    (or the node's SG); a missing probe rule is manual (its ports are the pods')."""
    branches = _branches(topology)
    if not branches:
        return CheckResult(check.id, Status.NOT_APPLICABLE, "no branch interfaces: security groups for pods not in use")
    cluster = topology.cluster
    node_sgs = frozenset(sg for group in topology.node_groups for node in group.nodes for sg in node.security_group_ids)
    dns_peers = [
        Endpoint("the cluster SG", frozenset([cluster.cluster_sg_id] if cluster.cluster_sg_id else [])),
        Endpoint("the nodes' SGs", node_sgs),
        Endpoint(str(cluster.anywhere), frozenset(), (cluster.anywhere,)),
    ]
    findings: list[Finding] = []
    for (pod_sgs, primary_sgs), (group, node) in branches.items():
        label = f"{group.label} branch interfaces ({', '.join(sorted(pod_sgs))})"
        unreadable = _unreadable(topology, pod_sgs)
        if unreadable:
            findings.append(Finding("", f"{label}: could not read {names(unreadable)}"))
            continue
        owner = sorted(pod_sgs)[0]
        kubelet = Endpoint("node", primary_sgs, cluster.addresses(node.networks) or (cluster.anywhere,))
        if not reach(_rules(topology, pod_sgs, Direction.INGRESS), kubelet, topology.prefix_lists).tcp:
            message = (
                f"{label} admit no TCP from the node's SGs {names(sorted(primary_sgs))} (kubelet probes); allow "
                f"ingress on {owner} on the probe ports"
            )
            findings.append(Finding(owner, message))
        granted = [reach(_rules(topology, pod_sgs, Direction.EGRESS), p, topology.prefix_lists) for p in dns_peers]
        target = cluster.cluster_sg_id or sorted(primary_sgs)[0]
        have = {Traffic.TCP: [g.tcp for g in granted], Traffic.UDP: [g.udp for g in granted]}
        missing = [traffic for traffic, ports in have.items() if not any(p.contains(53) for p in ports)]
        if missing:
            what = " and ".join(traffic.value.upper() for traffic in missing)
            message = (
                f"{label} cannot send {what} 53 (DNS) to the nodes, the cluster SG or anywhere; allow egress from "
                f"{owner} to {target}"
            )
            # One message, one Gap per protocol (a Gap carries one).
            findings.extend(Finding(owner, message, Gap(Direction.EGRESS, t, DNS, (target,))) for t in missing)
    unread = [f.message for f in findings if not f.security_group_id]
    findings = [f for f in findings if f.security_group_id]
    if unread and not findings:
        return _cannot_judge(check, "; ".join(unread))
    return _result(check, findings, f"{len(branches)} branch interface SG set(s) admit kubelet TCP and reach DNS")


JUDGEMENTS: dict[Kind, Callable[[Topology, Check], CheckResult]] = {
    Kind.CLUSTER_SG_EXISTS: cluster_sg_exists,
    Kind.NODE_TAG: node_tag,
    Kind.CLUSTER_SG_DEFAULT_RULES: cluster_sg_default_rules,
    Kind.CLUSTER_SG_RESTRICTED_EGRESS: cluster_sg_restricted_egress,
    Kind.HYBRID_NODES_NETWORK: hybrid_nodes_network,
    Kind.POD_SG_MINIMUM: pod_sg_minimum,
}
