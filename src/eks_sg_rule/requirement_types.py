"""The vocabulary of the requirement tables: levels, requirement sets, parties, flows and checks.

Pure (no AWS). The tables themselves are data in requirements (the 2020 text) and requirements2026
(the EKS user guide as published today); requirements re-exports every name here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .network import PortSet

DOC_URL = "https://docs.aws.amazon.com/eks/latest/userguide/sec-group-reqs.html"


class Level(StrEnum):
    MINIMUM = "minimum"
    RECOMMENDED = "recommended"


class RequirementSet(StrEnum):
    """Which AWS text the checks follow (the RequirementSet parameter, CLI `--requirements`).

    `2020`: the requirement text as AWS published it in 2020 (control-plane and worker-node tables,
    the owned tag); the default, and with it every verdict is exactly the rule's historic one.
    `2026`: the EKS user guide as published today (sec-group-reqs' default cluster SG and
    "Restricting cluster traffic", hybrid nodes, security groups for pods), see requirements2026.
    `latest` is accepted by `parse` as an alias of the newest set.
    """

    Y2020 = "2020"
    Y2026 = "2026"

    @classmethod
    def latest(cls) -> RequirementSet:
        """The newest set (what `latest` means)."""
        return max(cls, key=lambda member: int(member.value))

    @classmethod
    def parse(cls, text: str) -> RequirementSet:
        """ "2020", "2026" or "latest" (case and surrounding spaces ignored) -> the set.

        Raises ValueError naming the accepted values for anything else.
        """
        wanted = text.strip().lower()
        if wanted == "latest":
            return cls.latest()
        for member in cls:
            if member.value == wanted:
                return member
        accepted = ", ".join([*(member.value for member in cls), "latest"])
        raise ValueError(f"requirement set {text!r} is not one of {accepted}")


class Direction(StrEnum):
    INGRESS = "ingress"
    EGRESS = "egress"


class Party(StrEnum):
    """Who is on either end of a required flow."""

    CONTROL_PLANE = "control plane"
    WORKERS = "worker nodes"
    CLUSTER_SG = "cluster SG"
    ANYWHERE = "anywhere"


class Traffic(StrEnum):
    TCP = "tcp"  # the listed TCP ports
    UDP = "udp"  # the listed UDP ports (2026 set: DNS)
    ALL = "all"  # all protocols and ports: only a "-1" rule grants it
    ANY = "any"  # some traffic, of any protocol ("any protocol you expect your worker nodes to use")


class NodeInterfaces(StrEnum):
    """Which network interfaces of the worker nodes a flow judges (on whichever side the nodes are).

    The primary interface (device index 0) carries the node's own traffic (kubelet, host-network
    pods); every interface that carries pod addresses carries pod traffic.
    """

    PRIMARY = "primary interfaces"
    ALL = "every interface"
    # Worker-to-worker flows only: each interface, from the same kind of interface on the other
    # nodes (primary from primary, pod interface from pod interface).
    SAME_KIND = "each interface from the same kind of interface"


class Kind(StrEnum):
    FLOWS = "flows"
    TAG_OWNED = "tag"
    CLUSTER_SG_ON_WORKERS = "cluster-sg-on-workers"
    DEDICATED = "dedicated"
    # Network-path checks (NetworkPath on): judged by paths.py over the VPC's network layer.
    NACL = "nacl"
    AWS_APIS = "aws-apis"
    # Both sets: DescribeCluster health.issues carries Ec2SecurityGroupNotFound (checks2026).
    CLUSTER_SG_EXISTS = "cluster-sg-exists"
    # The 2026 set (requirements2026, judged by checks2026).
    NODE_TAG = "node-tag"
    CLUSTER_SG_DEFAULT_RULES = "cluster-sg-default-rules"
    CLUSTER_SG_RESTRICTED_EGRESS = "cluster-sg-restricted-egress"
    HYBRID_NODES_NETWORK = "hybrid-nodes-network"
    POD_SG_MINIMUM = "pod-sg-minimum"


@dataclass(frozen=True, slots=True)
class Flow:
    direction: Direction
    peer: Party
    traffic: Traffic
    ports: PortSet
    purpose: str
    doc_row: str
    interfaces: NodeInterfaces = NodeInterfaces.ALL

    def describe(self) -> str:
        what = {
            Traffic.TCP: f"TCP {self.ports.describe()}",
            Traffic.UDP: f"UDP {self.ports.describe()}",
            Traffic.ALL: "all traffic",
            Traffic.ANY: "any traffic",
        }
        return what[self.traffic]


@dataclass(frozen=True, slots=True)
class Check:
    id: str
    level: Level
    kind: Kind
    subject: Party  # whose SGs the check judges (and which SG a failure is reported on)
    title: str
    passes_when: str
    doc_section: str
    flows: tuple[Flow, ...] = ()
    # The section of the AWS doc this check comes from (an anchor on DOC_URL).
    doc_anchor: str = "sec-group-reqs"
    # Judged only with the NetworkPath option (PATH_CHECKS); never part of CHECKS.
    network_path: bool = False
    # The page `doc_anchor` is on; "" means DOC_URL (sec-group-reqs), as for every 2020 check.
    doc_page: str = ""
    # Judged, but its result is kept only when it fails (CLUSTER_SG_EXISTS in the 2020 set, so that a
    # cluster without the health issue gets exactly the 2020 verdict it always had).
    reported_only_when_failing: bool = False

    @property
    def doc_url(self) -> str:
        """The page and section the check rests on: `<doc_page or DOC_URL>#<doc_anchor>`."""
        return f"{self.doc_page or DOC_URL}#{self.doc_anchor}"

    @property
    def needs_nodes(self) -> bool:
        """Checks about worker nodes cannot be judged on a cluster that has none."""
        return (
            self.subject is Party.WORKERS
            or any(flow.peer is Party.WORKERS for flow in self.flows)
            or (self.kind in (Kind.TAG_OWNED, Kind.CLUSTER_SG_ON_WORKERS, Kind.NODE_TAG))
        )

    @property
    def needs_cluster_sg(self) -> bool:
        return self.subject is Party.CLUSTER_SG or self.kind is Kind.CLUSTER_SG_ON_WORKERS
