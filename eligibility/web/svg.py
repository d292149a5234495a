"""The brick dependency graph drawn as SVG, server-side, with a small layered layout.

Layers: a brick sits one layer below the deepest brick it requires (the base brick on
top), so every requirement arrow points up. Within a layer bricks keep catalog order,
then are sorted by the mean position of what they require (one sweep of the usual
barycentre heuristic; ten bricks need no more). The edges are those of ``graph``
(requirements, and dashed "replaced by" links), so the SVG, Mermaid and dot agree.
"""

from __future__ import annotations

from html import escape

from ..catalog import Catalog
from ..graph import _edges, withdrawn

BOX_W, BOX_H, GAP_X, GAP_Y, MARGIN = 180, 58, 22, 54, 16
PER_ROW = 5  # a wide layer is folded over several rows, so the drawing fits a page


def layers(catalog: Catalog) -> list[list[str]]:
    depth: dict[str, int] = {}

    def level(brick_id: str, seen: frozenset[str] = frozenset()) -> int:
        if brick_id in depth:
            return depth[brick_id]
        required = [r.brick for r in catalog.bricks[brick_id].requires
                    if r.brick in catalog.bricks and r.brick not in seen]
        depth[brick_id] = 1 + max((level(r, seen | {brick_id}) for r in required), default=-1)
        return depth[brick_id]

    for brick_id in catalog.bricks:
        level(brick_id)
    rows: list[list[str]] = [[] for _ in range(max(depth.values(), default=0) + 1)]
    for brick_id in catalog.bricks:
        rows[depth[brick_id]].append(brick_id)
    for above, row in zip(rows, rows[1:], strict=False):
        place = {b: i for i, b in enumerate(above)}
        row.sort(key=lambda b: sum(place.get(r.brick, 0) for r in catalog.bricks[b].requires)
                 / max(1, len(catalog.bricks[b].requires)))
    folded: list[list[str]] = []
    for row in rows:
        folded += [row[i:i + PER_ROW] for i in range(0, len(row), PER_ROW)]
    return folded


def _wrap(text: str, width: int = 26) -> list[str]:
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return [*lines, line][:2]


def graph_svg(catalog: Catalog, lang: str = "fr") -> str:
    rows = layers(catalog)
    widest = max(len(r) for r in rows)
    width = MARGIN * 2 + widest * BOX_W + (widest - 1) * GAP_X
    height = MARGIN * 2 + len(rows) * BOX_H + (len(rows) - 1) * GAP_Y + 20
    where: dict[str, tuple[float, float]] = {}
    for y_index, row in enumerate(rows):
        row_width = len(row) * BOX_W + (len(row) - 1) * GAP_X
        x0 = (width - row_width) / 2
        for x_index, brick_id in enumerate(row):
            where[brick_id] = (x0 + x_index * (BOX_W + GAP_X), MARGIN + y_index * (BOX_H + GAP_Y))
    title = "Dépendances entre briques" if lang == "fr" else "Brick dependencies"
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
           f'width="{width:.0f}" height="{height:.0f}" role="img" aria-labelledby="graph-title">',
           f'<title id="graph-title">{escape(title)}</title>',
           '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
           'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
           'fill="#334155"/></marker></defs>']
    word = "remplacée par" if lang == "fr" else "replaced by"
    for source, target, since in _edges(catalog):
        (sx, sy), (tx, ty) = where[source], where[target]
        x1, y1 = sx + BOX_W / 2, sy
        x2, y2 = tx + BOX_W / 2, ty + BOX_H
        if sy <= ty:  # same layer or below: a replacement, drawn side to side
            y1, y2 = sy + BOX_H / 2, ty + BOX_H / 2
            x1, x2 = (sx + BOX_W, tx) if sx < tx else (sx, tx + BOX_W)
        dashed = ' stroke-dasharray="5 4"' if since is not None else ""
        out.append(f'<line x1="{x1:.0f}" y1="{y1:.0f}" x2="{x2:.0f}" y2="{y2:.0f}" '
                   f'stroke="#334155" stroke-width="1.4"{dashed} marker-end="url(#arrow)">'
                   f"<title>{escape(source)} → {escape(target)}</title></line>")
        if since is not None:
            out.append(f'<text x="{(x1 + x2) / 2:.0f}" y="{(y1 + y2) / 2 - 6:.0f}" '
                       f'font-size="11" text-anchor="middle" fill="#334155">'
                       f"{escape(word)} · {escape(since)}</text>")
    for brick_id, (x, y) in where.items():
        brick = catalog.bricks[brick_id]
        gone = withdrawn(catalog, brick)
        fill, stroke, ink = ("#f1f5f9", "#64748b", "#475569") if gone else \
            ("#eff6ff", "#1d4ed8", "#0f172a")
        dash = ' stroke-dasharray="5 4"' if gone else ""
        heading = f"{brick.number} · {brick.id}" if brick.number else brick.id
        out.append(f'<a href="/rules/brick/{escape(brick_id)}"><g>'
                   f'<rect x="{x:.0f}" y="{y:.0f}" width="{BOX_W}" height="{BOX_H}" rx="8" '
                   f'fill="{fill}" stroke="{stroke}" stroke-width="1.5"{dash}/>'
                   f'<text x="{x + BOX_W / 2:.0f}" y="{y + 17:.0f}" font-size="12" '
                   f'font-weight="700" text-anchor="middle" fill="{ink}">{escape(heading)}</text>')
        for i, line in enumerate(_wrap(brick.name(lang))):
            out.append(f'<text x="{x + BOX_W / 2:.0f}" y="{y + 33 + i * 14:.0f}" font-size="11" '
                       f'text-anchor="middle" fill="{ink}">{escape(line)}</text>')
        out.append("</g></a>")
    legend = ("flèche : « requiert » · pointillés : brique retirée ou remplacée" if lang == "fr"
              else "arrow: 'requires' · dashed: brick withdrawn or replaced")
    out.append(f'<text x="{MARGIN}" y="{height - 8:.0f}" font-size="11" fill="#334155">'
               f"{escape(legend)}</text></svg>")
    return "\n".join(out)
