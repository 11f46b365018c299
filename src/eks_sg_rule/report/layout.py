"""Where the picture puts things, without matplotlib: the node-group column's parts (one per Place: a node
group's primary interfaces, then its pod interfaces in a box of their own), the arrows each part
carries on its left (to and from the control plane) and on its right (to the internet, loops, and
brackets to other parts), and the SG lines each box holds, cut to fit inside it.

Units are the picture's data units (report/diagram.py draws 1 unit as INCHES_PER_UNIT inches). Text
widths are estimated for a monospace font (0.6 em per character) with a margin, so a label stays
inside its box whichever monospace font the browser picks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ..model import Topology
from ..results import Status
from .flows import CONTROL_PLANE, INTERNET, PODS, PRIMARY, Edge, Place, group_sgs, places

INCHES_PER_UNIT = 0.78
SG_FONT = 7.0  # points
LINE = 0.34  # one text line
EDGE_GAP = 0.62  # between two arrows to the control plane
SIDE_GAP = 0.7  # between two items on a part's right
PAD = 0.15  # text inset from a box's edge
MARKS = {Status.COMPLIANT: "✓", Status.NON_COMPLIANT: "✗"}


def fit_chars(width: float, font: float = SG_FONT) -> int:
    """How many monospace characters of `font` points fit in `width` units, with 10 % to spare."""
    return int(width * INCHES_PER_UNIT * 72 / (0.6 * font) * 0.9)


def sg_line(sg_id: str, name: str | None, role: str, status: Status, width: float) -> str:
    """`✗ sg-… name (cluster SG)`: the SG's name shortened (with …) so the line fits `width` units."""
    mark = MARKS.get(status, "·")
    fixed = f"{mark} {sg_id}  " + "{}" + role
    room = fit_chars(width) - (len(fixed) - 2)
    name = name if name is not None else "(not readable)"
    if len(name) > room:
        name = name[: max(room - 1, 0)] + "…" if room > 1 else ""
    return fixed.format(name).rstrip()


@dataclass(slots=True)
class Bracket:
    """Node-to-node traffic between two different parts: `edges` one (one way) or two (both ways, same
    verdict), drawn on the column's right at `arm` units out, ending at each part's slot."""

    ends: tuple[Place, Place]
    edges: list[Edge]
    arm: float = 0.0


@dataclass(slots=True)
class Part:
    """One Place's box region: top and height in units, its SG lines, and its arrows."""

    place: Place
    title: str
    sg_ids: list[str]
    left: list[Edge] = field(default_factory=list)  # with the control plane
    right: list[Edge | Bracket] = field(default_factory=list)  # internet, loops, brackets
    top: float = 0.0
    height: float = 0.0

    def slot(self, item: Edge | Bracket) -> float:
        """The y of an item on the part's right."""
        index = next(i for i, other in enumerate(self.right) if other is item)
        return self.top - 0.5 - index * SIDE_GAP

    def size(self) -> float:
        lines = 1 + len(self.sg_ids)
        return max(lines * LINE + 0.45, len(self.left) * EDGE_GAP + 0.45, len(self.right) * SIDE_GAP + 0.4)


def _pairs(edges: list[Edge]) -> list[Bracket]:
    """Node-to-node edges between different parts as brackets: both ways in one when they agree."""
    brackets: list[Bracket] = []
    by_key: dict[tuple[frozenset[Place], str], list[Edge]] = {}
    for edge in edges:
        if edge.between_nodes and edge.source != edge.target:
            assert isinstance(edge.source, Place) and isinstance(edge.target, Place)
            by_key.setdefault((frozenset((edge.source, edge.target)), edge.traffic), []).append(edge)
    for found in by_key.values():
        if len(found) == 2 and found[0].status == found[1].status:
            brackets.append(Bracket((found[0].source, found[0].target), found))  # type: ignore[arg-type]
        else:
            brackets += [Bracket((e.source, e.target), [e]) for e in found]  # type: ignore[arg-type]
    for index, bracket in enumerate(brackets):
        bracket.arm = 0.35 + 0.3 * (index % 4)
    return brackets


def node_parts(topology: Topology, edges: list[Edge], top: float) -> tuple[dict[Place, Part], list[Bracket]]:
    """Each Place's Part, stacked down from `top` (a group's parts together, 0.5 between groups), and
    the brackets between parts."""
    parts: dict[Place, Part] = {}
    judged = places(topology)
    # A node group with no interface to judge (no node) still gets its box.
    everything = [*judged, *(Place(i) for i in range(len(topology.node_groups)) if Place(i) not in judged)]
    for place in sorted(everything, key=lambda p: (p.group, p.kind != PRIMARY)):
        group = topology.node_groups[place.group]
        title = "pod interfaces (secondary)" if place.kind == PODS else "primary interfaces"
        parts[place] = Part(place, title, sorted(group_sgs(group, place.kind)))
    for edge in edges:
        if edge.between_nodes and edge.source == edge.target:
            parts[edge.source].right.append(edge)  # type: ignore[index]
        elif isinstance(edge.source, Place) and edge.target == INTERNET:
            parts[edge.source].right.insert(0, edge)
        elif isinstance(edge.target, Place) and edge.source == CONTROL_PLANE:
            parts[edge.target].left.append(edge)
        elif isinstance(edge.source, Place) and edge.target == CONTROL_PLANE:
            parts[edge.source].left.append(edge)
    brackets = _pairs(edges)
    for bracket in brackets:
        for end in bracket.ends:
            parts[end].right.append(bracket)
    # Internet first on each part (inserted at 0 above, so reverse those to keep their order).
    for part in parts.values():
        internet = [item for item in part.right if isinstance(item, Edge) and item.target == INTERNET]
        part.right = [*reversed(internet), *[item for item in part.right if item not in internet]]
    previous: int | None = None
    for place, part in parts.items():
        if previous is not None:
            top -= 0.5 if place.group != previous else 0.1
        # A group's first part also holds the group's title.
        title_room = LINE if place.group != previous else 0.0
        part.top = top - title_room
        part.height = part.size()
        top = part.top - part.height
        previous = place.group
    return parts, brackets


def group_extent(parts: Mapping[Place, Part], group: int) -> tuple[float, float]:
    """The (top, bottom) of a node group's box: its title line above its first part, down to its last."""
    mine = [part for part in parts.values() if part.place.group == group]
    return mine[0].top + LINE, mine[-1].top - mine[-1].height
