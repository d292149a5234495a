"""The brick dependency graph, as Mermaid (``graph TD``) or Graphviz dot text.

Nodes are the bricks, labelled with their number, id, name and the convention
versions that define them; a plain edge ``a --> b`` says that brick ``a`` requires
brick ``b``. A withdrawn brick (replaced, or absent from the latest version) is
drawn dashed and grey, with a dotted ``replaced by`` edge to the brick that takes
over, labelled with the version of the replacement.
"""

from __future__ import annotations

import re

from eligibility.catalog.model import Brick, Catalog
from eligibility.wording.i18n import say

FORMATS = ("mermaid", "dot")


def withdrawn(catalog: Catalog, brick: Brick) -> bool:
    """Whether the brick is gone from the latest convention version."""
    return brick.replaced_by is not None or catalog.version_ids[-1] not in brick.versions


def _versions(catalog: Catalog, brick: Brick) -> str:
    return " · ".join(v for v in catalog.version_ids if v in brick.versions)


def _heading(brick: Brick) -> str:
    return f"{brick.number} · {brick.id}" if brick.number else brick.id


def _mermaid_id(brick_id: str) -> str:
    # Mermaid reads "-" as the start of an arrow: node ids keep letters, digits and "_".
    return re.sub(r"[^A-Za-z0-9_]", "_", brick_id)


def _mermaid_text(text: str) -> str:
    return text.replace("&", "#amp;").replace('"', "#quot;").replace("<", "#lt;") \
        .replace(">", "#gt;")


def _edges(catalog: Catalog) -> list[tuple[str, str, str | None]]:
    """``(brick, required brick, None)`` for each requirement, then ``(brick, its
    replacement, version)`` for each replaced brick; unknown bricks are lint's to report."""
    edges: list[tuple[str, str, str | None]] = [
        (brick.id, req.brick, None) for brick in catalog.bricks.values()
        for req in brick.requires if req.brick in catalog.bricks]
    edges += [(brick.id, brick.replaced_by.brick, brick.replaced_by.version)
              for brick in catalog.bricks.values()
              if brick.replaced_by is not None and brick.replaced_by.brick in catalog.bricks]
    return edges


def mermaid(catalog: Catalog, lang: str = "fr") -> str:
    """The graph as a Mermaid flowchart."""
    lines = ["graph TD",
             "  %% a --> b: brick a requires brick b; dotted: replaced by (since version)"]
    for brick in catalog.bricks.values():
        label = "<br/>".join(_mermaid_text(part) for part in (
            _heading(brick), brick.name(lang), _versions(catalog, brick)))
        lines.append(f'  {_mermaid_id(brick.id)}["{label}"]')
    word = say(lang, "remplacée par", "replaced by")
    for source, target, since in _edges(catalog):
        if since is None:
            lines.append(f"  {_mermaid_id(source)} --> {_mermaid_id(target)}")
        else:
            lines.append(f'  {_mermaid_id(source)} -.->|"{word} · {since}"| '
                         f"{_mermaid_id(target)}")
    gone = [_mermaid_id(b.id) for b in catalog.bricks.values() if withdrawn(catalog, b)]
    if gone:
        lines.append("  classDef withdrawn fill:#eeeeee,stroke:#888888,color:#555555,"
                     "stroke-dasharray:5 5")
        lines.append(f"  class {','.join(gone)} withdrawn")
    return "\n".join(lines)


def _dot_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def dot(catalog: Catalog, lang: str = "fr") -> str:
    """The graph as Graphviz dot (``dot -Tsvg`` draws it)."""
    lines = ["digraph bricks {",
             "  // a -> b: brick a requires brick b; dashed: replaced by (since version)",
             "  rankdir=TB;",
             '  node [shape=box, style="rounded", fontname="Helvetica"];',
             '  edge [fontname="Helvetica", fontsize=10];']
    for brick in catalog.bricks.values():
        label = "\\n".join(_dot_text(part) for part in (
            _heading(brick), brick.name(lang), _versions(catalog, brick)))
        style = ', style="rounded,dashed", color="gray50", fontcolor="gray40"' \
            if withdrawn(catalog, brick) else ""
        lines.append(f'  "{_dot_text(brick.id)}" [label="{label}"{style}];')
    word = say(lang, "remplacée par", "replaced by")
    for source, target, since in _edges(catalog):
        edge = f'  "{_dot_text(source)}" -> "{_dot_text(target)}"'
        if since is None:
            lines.append(f"{edge};")
        else:
            lines.append(f'{edge} [style=dashed, color="gray50", '
                         f'label="{word}\\n{_dot_text(since)}"];')
    lines.append("}")
    return "\n".join(lines)


def render(catalog: Catalog, fmt: str = "mermaid", lang: str = "fr") -> str:
    return dot(catalog, lang) if fmt == "dot" else mermaid(catalog, lang)
