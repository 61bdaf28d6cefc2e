"""Fewer elements per formula: MathJax's SVG with its nested groups folded into its glyphs.

MathJax's SVG output mirrors the MathML tree: a ``<g>`` for every node, most of them there
only to move what they hold (``transform="translate(911,-150) scale(0.707)"``), so a formula
of ten glyphs is some thirty elements. Each glyph, rule and line here gets the one transform
that all its groups added up to, and the groups go: the same drawing (the matrices are
multiplied exactly and written to 1/100 of a font unit, 1/100,000 of an em), a third of the
elements. Groups that carry anything but a transform (the paint of the outermost group,
MathJax's tables, errors and actions, which its stylesheet selects by ``data-mml-node``) are
kept, with the transforms above them folded into theirs; an element that cannot take a
transform (a nested ``<svg>`` of a table's column) is wrapped in one group that holds it.
What this does not understand (a transform other than translate, scale and matrix, markup
it cannot read) is left as MathJax wrote it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

TOKEN = re.compile(r'<(/?)([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+="[^"]*")*)\s*(/?)>|([^<]+)')
ATTRIBUTE = re.compile(r'([\w:.-]+)="([^"]*)"')
FUNCTION = re.compile(r"\s*(\w+)\(([^)]*)\)")
# Elements that take a transform attribute themselves (SVG 1.1); others are wrapped.
TRANSFORMABLE = {"use", "rect", "line", "path", "polygon", "polyline", "ellipse", "circle",
                 "text", "g"}
Matrix = tuple[Decimal, Decimal, Decimal, Decimal, Decimal, Decimal]  # a b c d e f
IDENTITY: Matrix = (Decimal(1), Decimal(0), Decimal(0), Decimal(1), Decimal(0), Decimal(0))


class Unreadable(ValueError):
    pass


@dataclass
class Node:
    tag: str
    attributes: list[tuple[str, str]] = field(default_factory=list)
    children: list = field(default_factory=list)  # Node or str (text, as written)

    def get(self, name: str) -> str | None:
        return next((value for key, value in self.attributes if key == name), None)

    def without(self, name: str) -> list[tuple[str, str]]:
        return [(key, value) for key, value in self.attributes if key != name]


def parse(markup: str) -> list:
    """MathJax's serialised output as a list of nodes and texts."""
    root = Node("#root")
    stack = [root]
    for match in TOKEN.finditer(markup):
        closing, tag, attributes, empty, text = match.groups()
        if text is not None:
            stack[-1].children.append(text)
        elif closing:
            if len(stack) == 1 or stack[-1].tag != tag:
                raise Unreadable(f"</{tag}> closes <{stack[-1].tag}>")
            stack.pop()
        else:
            node = Node(tag, ATTRIBUTE.findall(attributes))
            stack[-1].children.append(node)
            if not empty:
                stack.append(node)
    if len(stack) != 1 or sum(len(m.group(0)) for m in TOKEN.finditer(markup)) != len(markup):
        raise Unreadable("unbalanced or unknown markup")
    return root.children


def serialise(nodes: list) -> str:
    out = []
    for node in nodes:
        if isinstance(node, str):
            out.append(node)
        else:
            attributes = "".join(f' {key}="{value}"' for key, value in node.attributes)
            out.append(f"<{node.tag}{attributes}>{serialise(node.children)}</{node.tag}>")
    return "".join(out)


def multiply(m: Matrix, n: Matrix) -> Matrix:
    a, b, c, d, e, f = m
    p, q, r, s, t, u = n
    return (a * p + c * q, b * p + d * q, a * r + c * s, b * r + d * s,
            a * t + c * u + e, b * t + d * u + f)


def matrix(transform: str | None) -> Matrix | None:
    """The matrix of a transform attribute; None for one this does not know."""
    result = IDENTITY
    if not transform:
        return result
    position = 0
    for match in FUNCTION.finditer(transform):
        if match.start() != position:
            return None
        position = match.end()
        try:
            values = [Decimal(v) for v in re.split(r"[\s,]+", match[2].strip()) if v]
        except ArithmeticError:
            return None
        name = match[1]
        if name == "translate" and len(values) in (1, 2):
            step = (Decimal(1), Decimal(0), Decimal(0), Decimal(1), values[0],
                    values[1] if len(values) == 2 else Decimal(0))
        elif name == "scale" and len(values) in (1, 2):
            step = (values[0], Decimal(0), Decimal(0), values[-1], Decimal(0), Decimal(0))
        elif name == "matrix" and len(values) == 6:
            step = tuple(values)
        else:
            return None
        result = multiply(result, step)
    return result if transform[position:].strip() == "" else None


def _number(value: Decimal, places: int) -> str:
    text = format(round(value, places).normalize(), "f")
    if text in ("-0", "0"):
        return "0"
    return text.replace("0.", ".", 1) if text.startswith(("0.", "-0.")) else text


def written(m: Matrix) -> str | None:
    """The shortest transform attribute for ``m`` (None for the identity)."""
    a, b, c, d, e, f = [_number(v, 5) for v in m[:4]] + [_number(v, 2) for v in m[4:]]
    if (a, b, c, d) == ("1", "0", "0", "1"):
        if (e, f) == ("0", "0"):
            return None
        return f"translate({e},{f})" if f != "0" else f"translate({e})"
    return f"matrix({a} {b} {c} {d} {e} {f})"


def with_transform(node: Node, m: Matrix, children: list) -> list:
    """``node`` drawn through ``m``, as one element (or wrapped in one group)."""
    own = matrix(node.get("transform"))
    if node.tag in TRANSFORMABLE and own is not None:
        total = written(multiply(m, own))
        attributes = node.without("transform")
        if total:
            attributes = [*attributes, ("transform", total)]
        return [Node(node.tag, attributes, children)]
    kept = Node(node.tag, node.attributes, children)
    outer = written(m)
    return [Node("g", [("transform", outer)], [kept])] if outer else [kept]


def flatten_nodes(nodes: list, m: Matrix = IDENTITY) -> list:
    out: list = []
    for node in nodes:
        if isinstance(node, str):
            if node.strip():
                out.append(node)
            continue
        own = matrix(node.get("transform"))
        if node.tag == "g" and own is not None and all(
                key == "transform" for key, _ in node.attributes):
            out += flatten_nodes(node.children, multiply(m, own))  # an empty group vanishes
        elif node.tag in ("text", "title", "desc", "style"):
            out += with_transform(node, m, node.children)  # text kept as written
        else:
            out += with_transform(node, m, flatten_nodes(node.children))
    return out


def flatten(container: str) -> str:
    """A typeset formula (``<mjx-container>...``) with its SVG's groups folded into its
    glyphs; unchanged if it holds markup this cannot read."""
    try:
        nodes = parse(container)
    except Unreadable:
        return container
    for top in nodes:
        if isinstance(top, Node) and top.tag == "mjx-container":
            top.children = [Node(child.tag, child.attributes, flatten_nodes(child.children))
                            if isinstance(child, Node) and child.tag == "svg" else child
                            for child in top.children]
    return serialise(nodes)
