"""A picture of one cluster as inline SVG: control plane, node groups, their SGs, every required flow.

Drawn with matplotlib (imported here only: the Lambda artifact does not carry it). Text stays SVG
text in generic font families (svg.fonttype none), so the SVG embeds no glyphs and fetches nothing.
What is drawn, the flows and their verdicts, is report/flows.py; where, report/layout.py (neither
needs matplotlib).
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import matplotlib
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from ..model import NodeGroup, Topology
from ..requirements import Level
from ..results import CheckResult, Status
from .flows import CONTROL_PLANE, FAILED, INTERNET, OK, PODS, UNKNOWN, Edge, Place, flow_edges
from .layout import EDGE_GAP, INCHES_PER_UNIT, LINE, PAD, SG_FONT, Bracket, Part, group_extent, node_parts, sg_line
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
# Layout in data units: three columns, node groups (and their pod interfaces) stacked right of the control plane.
CP_LEFT, CP_RIGHT = 0.0, 4.6
NG_LEFT, NG_RIGHT = 8.2, 13.2
NET_LEFT, NET_RIGHT = 16.8, 18.6
WIDTH = 18.8
PODS_FILL = "#fff8e1"
BOX_EDGE = "#37474f"
# Text stays text (no glyph outlines): a tenth of the size, drawn in the browser's own fonts, none fetched.
MONO = "monospace"


def _group_title(group: NodeGroup) -> str:
    if group.from_template:
        return f"{group.label} (launch template, no instance)"
    return f"{group.label} · {len(group.nodes)} node(s)"


def empty_note(topology: Topology) -> str:
    """What the node column says for a cluster without node groups: Fargate is a place pods run (the
    worker checks do not apply), not missing data; no node at all is (the node checks cannot judge)."""
    profiles = topology.cluster.fargate_profiles
    if profiles:
        shown = ", ".join(profiles[:3]) + (f" +{len(profiles) - 3} more" if len(profiles) > 3 else "")
        return f"no EC2 worker nodes: pods run on Fargate\n(profiles {shown}),\nwhich gives them the cluster SG"
    return "no worker nodes found:\nthe node checks cannot judge"


def _part_name(groups: Sequence[NodeGroup], place: Place, other: Place) -> str:
    """A part's name on a bracket: its interface kind within one group, else its group's label."""
    if place.group == other.group:
        return "pods" if place.kind == PODS else "nodes"
    name = groups[place.group].label
    return f"{name} pods" if place.kind == PODS else name


class _Drawing:  # one figure per cluster; its methods draw one part each
    """One cluster's figure: boxes for the control plane, each node group (its pod interfaces in a box
    of their own) and the internet; arrows between."""

    def __init__(
        self, topology: Topology, edges: list[Edge], sg_status: Mapping[str, Status], paths: Sequence[PathEdge] = ()
    ) -> None:
        self.topology = topology
        self.paths = list(paths)
        self.cluster = topology.cluster
        self.edges = edges
        self.sg_status = sg_status
        self.groups = topology.node_groups
        self.parts, self.brackets = node_parts(topology, edges, 0.0)
        lowest = min((part.top - part.height for part in self.parts.values()), default=0.0)
        self.cp_loops = [e for e in edges if e.source == e.target == CONTROL_PLANE]
        self.cp_out = [e for e in edges if e.source == CONTROL_PLANE and e.target == INTERNET]
        cp_lines = 2 + len(self.cluster.control_plane_sg_ids)
        self.body = max(-lowest + 0.1, cp_lines * LINE + 0.6, 1.6)
        self.top_lane = 0.8 if self.cp_out else 0.0
        path_groups = {edge.group for edge in self.paths}
        self.panel = (len(self.paths) * PATH_ROW + 0.3 * len(path_groups) + 0.5) if self.paths else 0.0
        self.bottom = 0.9 + (self.panel + 0.3 if self.panel else 0.0) + (0.9 if self.cp_loops else 0.0)
        self.height = self.body + self.top_lane + self.bottom + 0.4
        self.body_top = self.bottom + self.body
        for part in self.parts.values():
            part.top += self.body_top
        self.figure = Figure(figsize=(WIDTH * INCHES_PER_UNIT, self.height * INCHES_PER_UNIT))
        self.axes: Axes = self.figure.add_axes((0, 0, 1, 1))
        self.axes.set_xlim(-0.3, WIDTH)
        self.axes.set_ylim(0, self.height)
        self.axes.set_axis_off()

    def box(self, left: float, bottom: float, width: float, height: float, colour: str, fill: str = "#f7f9fc") -> None:
        self.axes.add_artist(
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

    def arrow(
        self, start: tuple[float, float], end: tuple[float, float], status: str, connection: str = "arc3,rad=0.0"
    ) -> None:
        self.axes.add_artist(
            FancyArrowPatch(
                start,
                end,
                arrowstyle="<|-|>" if connection.startswith("both ") else "-|>",
                mutation_scale=14,
                color=COLOURS[status],
                linestyle=STYLES[status],
                linewidth=2.4 if status == FAILED else 1.5,
                connectionstyle=connection.removeprefix("both "),
                shrinkA=0,
                shrinkB=0,
            )
        )

    def label(self, x: float, y: float, text: str, status: str, **options: Any) -> None:
        self.axes.text(x, y, f"{MARKS[status]} {text}", fontsize=7.5, color=COLOURS[status], **options)

    def sg_lines(self, x: float, top: float, width: float, sg_ids: list[str], roles: Mapping[str, str]) -> None:
        """One line per SG, coloured by its verdict, cut to fit `width` units."""
        for row, sg_id in enumerate(sg_ids):
            group = self.topology.security_groups.get(sg_id)
            status = self.sg_status.get(sg_id, Status.NOT_APPLICABLE)
            text = sg_line(sg_id, group.name if group else None, roles.get(sg_id, ""), status, width - 2 * PAD)
            colour = SG_COLOURS[status]
            self.axes.text(x, top - row * LINE, text, fontsize=SG_FONT, color=colour, family=MONO)

    def control_plane(self) -> None:
        """The control plane: the cluster SG and securityGroupIds, all on its network interfaces."""
        cluster, top = self.cluster, self.body_top
        self.box(CP_LEFT, self.bottom, CP_RIGHT - CP_LEFT, self.body, BOX_EDGE)
        self.axes.text(CP_LEFT + PAD, top - 0.3, f"control plane · {cluster.name}", fontsize=10, weight="bold")
        version = f"Kubernetes {cluster.version or '?'}, {cluster.ip_family.value}"
        self.axes.text(CP_LEFT + PAD, top - 0.3 - LINE, version, fontsize=8)
        roles = dict.fromkeys(cluster.additional_sg_ids, " (additional)")
        if cluster.cluster_sg_id:
            roles[cluster.cluster_sg_id] = " (cluster SG)"
        sg_ids = list(cluster.control_plane_sg_ids)
        self.sg_lines(CP_LEFT + PAD, top - 0.3 - 2 * LINE, CP_RIGHT - CP_LEFT, sg_ids, roles)
        middle = (CP_LEFT + CP_RIGHT) / 2
        for edge in self.cp_out:
            y = top + 0.4
            self.arrow((middle, top), (middle, y), edge.status)
            self.arrow((middle, y), (NET_LEFT, y), edge.status)
            self.label((CP_RIGHT + NG_LEFT) / 2, y + 0.1, f"cluster SG: {edge.traffic} to the internet", edge.status)
        for slot, edge in enumerate(self.cp_loops):
            x = CP_LEFT + 0.8 + slot * 1.6
            self.arrow((x, self.bottom), (x + 0.5, self.bottom), edge.status, "arc3,rad=1.4")
            self.label(x + 0.9, self.bottom - 0.55, f"cluster SG: {edge.traffic} from itself", edge.status)

    def internet(self) -> None:
        if any(edge.target == INTERNET for edge in self.edges):
            self.box(NET_LEFT, self.bottom, NET_RIGHT - NET_LEFT, self.body + self.top_lane, "#5c6bc0", INTERNET_FILL)
            anywhere = self.cluster.anywhere
            middle = ((NET_LEFT + NET_RIGHT) / 2, self.bottom + (self.body + self.top_lane) / 2)
            self.axes.text(*middle, f"internet\n{anywhere}", ha="center", va="center", fontsize=9)

    def node_group(self, index: int, group: NodeGroup) -> None:
        """The group's box and title, then each of its parts (primary interfaces, pod interfaces)."""
        top, bottom = group_extent(self.parts, index)
        self.box(NG_LEFT, bottom, NG_RIGHT - NG_LEFT, top - bottom, BOX_EDGE)
        self.axes.text(NG_LEFT + PAD, top - 0.28, _group_title(group), fontsize=8.5, weight="bold")
        for part in self.parts.values():
            if part.place.group == index:
                self.part(part)

    def part(self, part: Part) -> None:
        """One kind of interface of a node group: its SGs, its arrows with the control plane on the left,
        to the internet, its loops and its brackets to other parts on the right."""
        left, width = NG_LEFT, NG_RIGHT - NG_LEFT
        if part.place.kind == PODS:
            left, width = NG_LEFT + 0.1, width - 0.2
            self.box(left, part.top - part.height, width, part.height, "#8d6e63", PODS_FILL)
        self.axes.text(left + PAD, part.top - 0.28, part.title, fontsize=7.5, style="italic", color="#37474f")
        cluster_sg = self.cluster.cluster_sg_id
        roles = {cluster_sg: " (cluster SG)"} if cluster_sg else {}
        self.sg_lines(left + PAD, part.top - 0.28 - LINE, width, part.sg_ids, roles)
        for slot, edge in enumerate(part.left):
            y = part.top - 0.4 - slot * EDGE_GAP
            start, end = ((CP_RIGHT, y), (left, y)) if edge.source == CONTROL_PLANE else ((left, y), (CP_RIGHT, y))
            self.arrow(start, end, edge.status)
            box = {"boxstyle": "round,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.85}
            self.label((CP_RIGHT + NG_LEFT) / 2, y + 0.1, edge.label, edge.status, ha="center", bbox=box)
        for item in part.right:
            y = part.slot(item)
            if isinstance(item, Bracket):
                if item.ends[0] == part.place:  # drawn once, from its first end
                    self.bracket(item)
            elif item.target == INTERNET:
                self.arrow((NG_RIGHT, y), (NET_LEFT, y), item.status)
                self.label(NET_LEFT - 0.1, y + 0.1, item.label, item.status, ha="right")
            else:
                self.arrow((NG_RIGHT, y - 0.05), (NG_RIGHT, y - 0.45), item.status, "arc3,rad=-1.6")
                among = "the pods" if part.place.kind == PODS else "the nodes"
                self.label(NG_RIGHT + 0.45, y - 0.3, f"{item.traffic} between {among}", item.status)

    def bracket(self, bracket: Bracket) -> None:
        """Node-to-node traffic between two parts: out to the right `arm` units, across, and back."""
        source, target = (self.parts[end] for end in bracket.ends)
        start, end = (NG_RIGHT, source.slot(bracket)), (NG_RIGHT, target.slot(bracket))
        points = bracket.arm * INCHES_PER_UNIT * 72
        both = "both " if len(bracket.edges) == 2 else ""
        status = bracket.edges[0].status
        self.arrow(start, end, status, f"{both}arc,angleA=0,angleB=0,armA={points},armB={points},rad=6")
        first, second = bracket.ends
        names = [_part_name(self.groups, first, second), _part_name(self.groups, second, first)]
        words = f"{names[0]} ↔ {names[1]}" if both else f"{names[0]} → {names[1]}"
        box = {"boxstyle": "round,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.9}
        x, y = NG_RIGHT + bracket.arm + 0.08, (start[1] + end[1]) / 2
        self.label(x, y, f"{bracket.edges[0].label}\n{words}", status, va="center", bbox=box)

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
            colour = "#6d6d6d"
            self.box(NG_LEFT, self.body_top - 1.2, NG_RIGHT - NG_LEFT, 1.2, "#8a8a8a")
            note = empty_note(self.topology)
            self.axes.text(NG_LEFT + PAD, self.body_top - 0.6, note, fontsize=8, va="center", color=colour)
        for index, group in enumerate(self.groups):
            self.node_group(index, group)
        legend = [Line2D([0], [0], color=COLOURS[s], linestyle=STYLES[s], linewidth=2) for s in (OK, FAILED, UNKNOWN)]
        labels = ["allowed (both sides)", "missing (marked ✗)", "not judged"]
        self.axes.legend(legend, labels, loc="lower center", ncol=3, frameon=False, fontsize=8, bbox_to_anchor=(0.5, 0))
        buffer = io.BytesIO()
        with matplotlib.rc_context({"svg.fonttype": "none"}):
            self.figure.savefig(buffer, format="svg", metadata={"Date": None})
        return compact(buffer.getvalue().decode("utf-8"))


_FAMILIES = re.compile(r"font-family: ('DejaVu Sans(?: Mono)?'),[^;\"]*?(sans-serif|monospace)")
_NO_ROTATION = re.compile(r' transform="rotate\(-?0 [-\d.]+ [-\d.]+\)"')


def compact(svg: str) -> str:
    """The `<svg>` element of matplotlib's SVG output, without the XML prologue, each text's long font
    fallback list cut to its first font and generic family, and no rotation by 0 degrees."""
    svg = svg[svg.index("<svg") :]
    svg = _FAMILIES.sub(r"font-family: \1, \2", svg)
    return _NO_ROTATION.sub("", svg)


def cluster_svg(
    topology: Topology, level: Level, results: Mapping[str, CheckResult], sg_status: Mapping[str, Status]
) -> str:
    """The cluster's picture as an `<svg>` element (no XML prologue), ready to inline in HTML."""
    return _Drawing(topology, flow_edges(topology, level, results), sg_status, path_edges(topology, results)).draw()
