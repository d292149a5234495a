"""The brick dependency graph drawn as SVG, server-side, with a small layered layout.

Layers: a brick sits one layer below the deepest brick it requires (the base brick on
top), so every requirement arrow points up. Within a layer bricks keep catalog order,
then are sorted by the mean position of what they require (one sweep of the usual
barycentre heuristic; ten bricks need no more). The edges are those of ``graph``
(requirements, and dashed "replaced by" links), so the SVG, Mermaid and dot agree.
"""

from __future__ import annotations

from html import escape

from eligibility.catalog.model import Catalog
from eligibility.reports.graph import _edges, withdrawn
from eligibility.wording.web import tr

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


def _detour(where: dict[str, tuple[float, float]], source: str,
            target: str) -> list[tuple[float, float]]:
    """Bends that take a requirement past the boxes between its two ends."""
    (sx, sy), (tx, ty) = where[source], where[target]
    x1, y1, x2, y2 = sx + BOX_W / 2, sy, tx + BOX_W / 2, ty + BOX_H
    bends: list[tuple[float, float]] = []
    for other, (ox, oy) in sorted(where.items(), key=lambda item: -item[1][1]):
        if other in (source, target) or not (y2 < oy + BOX_H / 2 < y1):
            continue
        at = oy + BOX_H / 2
        x = x1 + (x2 - x1) * (y1 - at) / (y1 - y2) if y1 != y2 else x1
        if ox - 4 <= x <= ox + BOX_W + 4:
            side = ox - GAP_X / 2 if x - ox < ox + BOX_W - x else ox + BOX_W + GAP_X / 2
            bends += [(side, oy + BOX_H + 6), (side, oy - 6)]
    return bends


def columns(catalog: Catalog, rows: list[list[str]]) -> dict[str, int]:
    """A grid column per brick: each row a block of columns, centred under what its
    bricks require, leaving free the columns a longer requirement passes down through
    (the row's bricks keep the order of the mean column of what they require)."""
    width = max(len(r) for r in rows)
    row_of = {b: i for i, row in enumerate(rows) for b in row}
    placed: dict[str, int] = {}
    for index, row in enumerate(rows):
        reserved: set[int] = set()
        for below in rows[index + 1:]:
            for brick_id in below:
                for req in catalog.bricks[brick_id].requires:
                    if req.brick in placed and row_of[req.brick] < index:
                        reserved.add(placed[req.brick])
        def wanted(brick_id: str) -> float:
            above = [placed[r.brick] for r in catalog.bricks[brick_id].requires
                     if r.brick in placed]
            return sum(above) / len(above) if above else (width - 1) / 2
        order = sorted(row, key=wanted)  # stable: ties keep the catalog's order
        free = [c for c in range(width + len(reserved) + len(row)) if c not in reserved]
        aim = sum(wanted(b) for b in row) / len(row)
        blocks = [free[i:i + len(row)] for i in range(len(free) - len(row) + 1)]
        block = min(blocks, key=lambda cols: (abs(sum(cols) / len(cols) - aim), cols[0]))
        placed.update(zip(order, block, strict=True))
    return placed


def graph_svg(catalog: Catalog, lang: str = "fr") -> str:
    rows = layers(catalog)
    grid = columns(catalog, rows)
    first = min(grid.values())
    span = max(grid.values()) - first + 1
    width = MARGIN * 2 + span * BOX_W + (span - 1) * GAP_X
    height = MARGIN * 2 + len(rows) * BOX_H + (len(rows) - 1) * GAP_Y + 20
    where: dict[str, tuple[float, float]] = {}
    for y_index, row in enumerate(rows):
        for brick_id in row:
            where[brick_id] = (MARGIN + (grid[brick_id] - first) * (BOX_W + GAP_X),
                               MARGIN + y_index * (BOX_H + GAP_Y))
    title = tr(lang, "graph_title")
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
           f'width="{width:.0f}" height="{height:.0f}" role="img" aria-labelledby="graph-title">',
           f'<title id="graph-title">{escape(title)}</title>',
           '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
           'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
           'fill="#334155"/></marker></defs>']
    word = tr(lang, "replaced_by")
    for source, target, since in _edges(catalog):
        (sx, sy), (tx, ty) = where[source], where[target]
        if since is not None:  # a replacement: side to side, its words under the boxes
            y1 = sy + BOX_H / 2
            x1, x2 = (sx + BOX_W, tx) if sx < tx else (sx, tx + BOX_W)
            out.append(f'<line x1="{x1:.0f}" y1="{y1:.0f}" x2="{x2:.0f}" y2="{y1:.0f}" '
                       f'stroke="#334155" stroke-width="1.4" stroke-dasharray="5 4" '
                       f'marker-end="url(#arrow)"><title>{escape(source)} → {escape(target)}'
                       f"</title></line>")
            out.append(f'<text x="{(sx + tx + BOX_W) / 2:.0f}" y="{sy + BOX_H + 13:.0f}" '
                       f'font-size="11" text-anchor="middle" fill="#334155">'
                       f"{escape(word)} {escape(target)} ({escape(since)})</text>")
            continue
        points = [(sx + BOX_W / 2, sy), *_detour(where, source, target),
                  (tx + BOX_W / 2, ty + BOX_H)]
        path = " ".join(f"{x:.0f},{y:.0f}" for x, y in points)
        out.append(f'<polyline points="{path}" fill="none" stroke="#334155" stroke-width="1.4" '
                   f'marker-end="url(#arrow)"><title>{escape(source)} → {escape(target)}'
                   f"</title></polyline>")
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
    legend = tr(lang, "graph_legend")
    out.append(f'<text x="{MARGIN}" y="{height - 8:.0f}" font-size="11" fill="#334155">'
               f"{escape(legend)}</text></svg>")
    return "\n".join(out)
