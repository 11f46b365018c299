"""A picture of one cluster as inline SVG: control plane, node groups, their SGs, every required flow.

Drawn with matplotlib (imported here only: the Lambda artifact does not carry it). Text becomes
paths, so the SVG needs no font and nothing from the network. What is drawn, the flows and their
verdicts, is report/flows.py (no matplotlib).
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from ..model import NodeGroup, Topology
from ..requirements import Level
from ..results import CheckResult, Status
from .flows import CONTROL_PLANE, FAILED, INTERNET, OK, UNKNOWN, Edge, flow_edges, group_sgs
from .path_flows import ECR, EKS_API, NACLS, S3, PathEdge, path_edges

COLOURS = {OK: "#2e7d32", FAILED: "#c62828", UNKNOWN: "#8a8a8a"}
STYLES: dict[str, Literal["-", "--", ":"]] = {OK: "-", FAILED: "--", UNKNOWN: ":"}
MARKS = {OK: "✓", FAILED: "✗", UNKNOWN: "?"}
SG_COLOURS = {Status.COMPLIANT: "#2e7d32", Status.NON_COMPLIANT: "#c62828", Status.NOT_APPLICABLE: "#6d6d6d"}

INTERNET_FILL = "#e8eaf6"
SERVICE_FILL = "#e0f2f1"
# The network-path panel (NetworkPath only): one row per path of a node group.
PATH_ROW = 0.62
SERVICE_NAMES = {
    EKS_API: "EKS API endpoint",
    ECR: "Amazon ECR",
    S3: "Amazon S3",
    NACLS: "network ACLs\n(cluster flows)",
}
PATH_TITLE = (
    "From each node group's primary interfaces:\nTCP 443 to the EKS API, ECR and S3,\nand the flows with the "
    "control plane\nthrough the network ACLs. A blocked path\nnames the hop that blocks it."
)
# Layout in data units: three columns, node groups stacked on the right of the control plane.
CP_LEFT, CP_RIGHT = 0.0, 4.9
NG_LEFT, NG_RIGHT = 8.9, 13.4
NET_LEFT, NET_RIGHT = 16.6, 18.4
WIDTH = 18.6
LINE = 0.34
EDGE_GAP = 0.62
INCHES_PER_UNIT = 0.78


def _sg_line(sg_id: str, topology: Topology, role: str, sg_status: Mapping[str, Status]) -> tuple[str, str]:
    group = topology.security_groups.get(sg_id)
    name = group.name if group else "(not readable)"
    name = name if len(name) <= 22 else name[:21] + "…"
    status = sg_status.get(sg_id, Status.NOT_APPLICABLE)
    mark = {Status.COMPLIANT: "✓", Status.NON_COMPLIANT: "✗"}.get(status, "·")
    return f"{mark} {sg_id}  {name}{role}", SG_COLOURS[status]


def _group_title(group: NodeGroup) -> str:
    if group.from_template:
        return f"{group.label} (launch template, no instance)"
    return f"{group.label} · {len(group.nodes)} node(s)"


class _Drawing:  # one figure per cluster; its methods draw one part each
    """One cluster's figure: boxes for the control plane, each node group and the internet; arrows between."""

    def __init__(
        self, topology: Topology, edges: list[Edge], sg_status: Mapping[str, Status], paths: Sequence[PathEdge] = ()
    ) -> None:
        self.topology = topology
        self.paths = list(paths)
        self.cluster = topology.cluster
        self.edges = edges
        self.sg_status = sg_status
        self.groups = topology.node_groups
        # Each node group gets a band tall enough for its SG lines, its arrows and its loops.
        self.bands = [self._band(index, group) for index, group in enumerate(self.groups)]
        self.cp_loops = [e for e in edges if e.source == e.target == CONTROL_PLANE]
        self.cp_out = [e for e in edges if e.source == CONTROL_PLANE and e.target == INTERNET]
        cp_lines = 2 + len(self.cluster.control_plane_sg_ids)
        self.body = max(sum(self.bands) + 0.5 * max(0, len(self.bands) - 1), cp_lines * LINE + 0.6, 1.6)
        self.top_lane = 0.8 if self.cp_out else 0.0
        path_groups = {edge.group for edge in self.paths}
        self.panel = (len(self.paths) * PATH_ROW + 0.3 * len(path_groups) + 0.5) if self.paths else 0.0
        self.bottom = 0.9 + (self.panel + 0.3 if self.panel else 0.0) + (0.9 if self.cp_loops else 0.0)
        self.height = self.body + self.top_lane + self.bottom + 0.4
        self.body_top = self.bottom + self.body
        self.figure = Figure(figsize=(WIDTH * INCHES_PER_UNIT, self.height * INCHES_PER_UNIT))
        self.axes: Axes = self.figure.add_axes((0, 0, 1, 1))
        self.axes.set_xlim(-0.3, WIDTH)
        self.axes.set_ylim(0, self.height)
        self.axes.set_axis_off()

    def _band(self, index: int, group: NodeGroup) -> float:
        between = [e for e in self.edges if {e.source, e.target} == {CONTROL_PLANE, index}]
        side = [e for e in self.edges if e.source == index and e.target in (index, INTERNET)]
        lines = 1 + len(group_sgs(group))
        return max(lines * LINE + 0.5, len(between) * EDGE_GAP + 0.4, len(side) * 0.7 + 0.5)

    def box(self, left: float, bottom: float, width: float, height: float, colour: str, fill: str = "#f7f9fc") -> None:
        self.axes.add_patch(
            FancyBboxPatch(
                (left, bottom),
                width,
                height,
                boxstyle="round,pad=0.02,rounding_size=0.15",
                facecolor=fill,
                edgecolor=colour,
                linewidth=1.6,
            )
        )

    def arrow(self, start: tuple[float, float], end: tuple[float, float], status: str, rad: float = 0.0) -> None:
        self.axes.add_patch(
            FancyArrowPatch(
                start,
                end,
                arrowstyle="-|>",
                mutation_scale=14,
                color=COLOURS[status],
                linestyle=STYLES[status],
                linewidth=2.4 if status == FAILED else 1.5,
                connectionstyle=f"arc3,rad={rad}",
                shrinkA=0,
                shrinkB=0,
            )
        )

    def label(self, x: float, y: float, text: str, status: str, **options: Any) -> None:
        self.axes.text(x, y, f"{MARKS[status]} {text}", fontsize=7.5, color=COLOURS[status], **options)

    def sg_lines(self, x: float, top: float, sg_ids: list[str], roles: Mapping[str, str]) -> None:
        for row, sg_id in enumerate(sg_ids):
            text, colour = _sg_line(sg_id, self.topology, roles.get(sg_id, ""), self.sg_status)
            self.axes.text(x, top - row * LINE, text, fontsize=7, color=colour, family="monospace")

    def control_plane(self) -> None:
        """The control plane: the cluster SG and securityGroupIds, all on its network interfaces."""
        cluster, top = self.cluster, self.body_top
        self.box(CP_LEFT, self.bottom, CP_RIGHT - CP_LEFT, self.body, "#37474f")
        self.axes.text(CP_LEFT + 0.15, top - 0.3, f"control plane · {cluster.name}", fontsize=10, weight="bold")
        version = f"Kubernetes {cluster.version or '?'}, {cluster.ip_family.value}"
        self.axes.text(CP_LEFT + 0.15, top - 0.3 - LINE, version, fontsize=8)
        roles = dict.fromkeys(cluster.additional_sg_ids, " (additional)")
        if cluster.cluster_sg_id:
            roles[cluster.cluster_sg_id] = " (cluster SG)"
        self.sg_lines(CP_LEFT + 0.15, top - 0.3 - 2 * LINE, list(cluster.control_plane_sg_ids), roles)
        middle = (CP_LEFT + CP_RIGHT) / 2
        for edge in self.cp_out:
            y = top + 0.4
            self.arrow((middle, top), (middle, y), edge.status)
            self.arrow((middle, y), (NET_LEFT, y), edge.status)
            self.label((CP_RIGHT + NG_LEFT) / 2, y + 0.1, f"cluster SG: {edge.traffic} to the internet", edge.status)
        for slot, edge in enumerate(self.cp_loops):
            x = CP_LEFT + 0.8 + slot * 1.6
            self.arrow((x, self.bottom), (x + 0.5, self.bottom), edge.status, rad=1.4)
            self.label(x + 0.9, self.bottom - 0.55, f"cluster SG: {edge.traffic} from itself", edge.status)

    def internet(self) -> None:
        if any(edge.target == INTERNET for edge in self.edges):
            self.box(NET_LEFT, self.bottom, NET_RIGHT - NET_LEFT, self.body + self.top_lane, "#5c6bc0", INTERNET_FILL)
            anywhere = self.cluster.anywhere
            middle = ((NET_LEFT + NET_RIGHT) / 2, self.bottom + (self.body + self.top_lane) / 2)
            self.axes.text(*middle, f"internet\n{anywhere}", ha="center", va="center", fontsize=9)

    def node_group(self, index: int, group: NodeGroup, top: float) -> None:
        self.box(NG_LEFT, top - self.bands[index], NG_RIGHT - NG_LEFT, self.bands[index], "#37474f")
        self.axes.text(NG_LEFT + 0.15, top - 0.3, _group_title(group), fontsize=8.5, weight="bold")
        cluster_sg = self.cluster.cluster_sg_id
        roles = {cluster_sg: " (cluster SG)"} if cluster_sg else {}
        self.sg_lines(NG_LEFT + 0.15, top - 0.3 - LINE, sorted(group_sgs(group)), roles)
        between = [e for e in self.edges if {e.source, e.target} == {CONTROL_PLANE, index}]
        for slot, edge in enumerate(between):
            y = top - 0.45 - slot * EDGE_GAP
            start, end = (
                ((CP_RIGHT, y), (NG_LEFT, y)) if edge.source == CONTROL_PLANE else ((NG_LEFT, y), (CP_RIGHT, y))
            )
            self.arrow(start, end, edge.status)
            box = {"boxstyle": "round,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.85}
            self.label((CP_RIGHT + NG_LEFT) / 2, y + 0.1, edge.label, edge.status, ha="center", bbox=box)
        # Towards the internet first, then the loops (traffic between the nodes), one lane each.
        side = [e for e in self.edges if e.source == index and e.target == INTERNET]
        side += [e for e in self.edges if e.source == e.target == index]
        for slot, edge in enumerate(side):
            y = top - 0.5 - slot * 0.7
            if edge.target == INTERNET:
                self.arrow((NG_RIGHT, y), (NET_LEFT, y), edge.status)
                self.label((NG_RIGHT + NET_LEFT) / 2, y + 0.1, edge.label, edge.status, ha="center")
            else:
                self.arrow((NG_RIGHT, y - 0.05), (NG_RIGHT, y - 0.45), edge.status, rad=-1.6)
                self.label(NG_RIGHT + 0.45, y - 0.3, f"{edge.traffic} between the nodes", edge.status)

    def path_panel(self) -> None:
        """Below the flows: per node group, one arrow to each service and to the network ACLs; a blocked
        one in red with the blocking hop on it, one that could not be judged grey, "cannot judge"."""
        top = 0.9 + self.panel
        self.axes.text(CP_LEFT + 0.15, top - 0.3, "network paths", fontsize=10, weight="bold")
        self.axes.text(CP_LEFT + 0.15, top - 0.3 - LINE, PATH_TITLE, fontsize=7.5, va="top", color="#37474f")
        y = top - 0.3
        for index in dict.fromkeys(edge.group for edge in self.paths):
            mine = [edge for edge in self.paths if edge.group == index]
            height = len(mine) * PATH_ROW
            self.box(NG_LEFT, y - height, NG_RIGHT - NG_LEFT - 1.2, height, "#37474f")
            text = self.groups[index].label
            self.axes.text(NG_LEFT + 0.15, y - height / 2, text, fontsize=8.5, weight="bold", va="center")
            for row, edge in enumerate(mine):
                middle = y - (row + 0.5) * PATH_ROW
                self.box(NET_LEFT, middle - 0.24, NET_RIGHT - NET_LEFT, 0.48, "#5c6bc0", SERVICE_FILL)
                name = SERVICE_NAMES[edge.target]
                self.axes.text((NET_LEFT + NET_RIGHT) / 2, middle, name, ha="center", va="center", fontsize=7)
                self.arrow((NG_RIGHT - 1.2, middle), (NET_LEFT, middle), edge.status)
                edge_colour = COLOURS[FAILED] if edge.status == FAILED else "none"
                box = {"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": edge_colour, "alpha": 0.95}
                x = (NG_RIGHT - 1.2 + NET_LEFT) / 2
                text = edge.label if len(edge.label) <= 30 else edge.label.replace(" at ", " at\n", 1)
                self.label(x, middle, text, edge.status, ha="center", va="center", bbox=box)
            y -= height + 0.3

    def draw(self) -> str:
        if self.paths:
            self.path_panel()
        self.control_plane()
        self.internet()
        if not self.groups:
            self.box(NG_LEFT, self.body_top - 1.2, NG_RIGHT - NG_LEFT, 1.2, "#8a8a8a")
            text = "no worker nodes found:\nthe node checks cannot judge"
            self.axes.text(NG_LEFT + 0.15, self.body_top - 0.6, text, fontsize=8, va="center", color="#6d6d6d")
        top = self.body_top
        for index, group in enumerate(self.groups):
            self.node_group(index, group, top)
            top -= self.bands[index] + 0.5
        legend = [Line2D([0], [0], color=COLOURS[s], linestyle=STYLES[s], linewidth=2) for s in (OK, FAILED, UNKNOWN)]
        labels = ["allowed (both sides)", "missing (marked ✗)", "not judged"]
        self.axes.legend(legend, labels, loc="lower center", ncol=3, frameon=False, fontsize=8, bbox_to_anchor=(0.5, 0))
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="svg", metadata={"Date": None})
        svg = buffer.getvalue().decode("utf-8")
        return svg[svg.index("<svg") :]


def cluster_svg(
    topology: Topology, level: Level, results: Mapping[str, CheckResult], sg_status: Mapping[str, Status]
) -> str:
    """The cluster's picture as an `<svg>` element (no XML prologue), ready to inline in HTML."""
    return _Drawing(topology, flow_edges(topology, level, results), sg_status, path_edges(topology, results)).draw()
