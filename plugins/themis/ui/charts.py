"""Inline SVG charts, drawn on the server: the Fleet's score sparklines and the Instance's history.

Only numbers and fixed class names go into the markup; labels (window keys, dimension names) go
through ``markupsafe.escape``. No script, no external asset: the pages work with JS off.
"""

from __future__ import annotations

from typing import Any, Sequence

from markupsafe import Markup, escape

#: Line class per series (colours in ui.css).
SERIES_CLASS = {"overall": "s-overall", "OBJ": "s-obj", "TEXT": "s-text", "SQLPLAN": "s-plan", "SQLSTAT": "s-stat"}


def _points(values: Sequence[float | None], width: float, height: float, pad: float,
            lo: float = 0.0, hi: float = 100.0) -> list[tuple[float, float] | None]:
    n = len(values)
    step = (width - 2 * pad) / (n - 1) if n > 1 else 0.0
    span = (hi - lo) or 1.0
    out: list[tuple[float, float] | None] = []
    for index, value in enumerate(values):
        if value is None:
            out.append(None)
            continue
        x = pad + index * step if n > 1 else width / 2
        y = pad + (height - 2 * pad) * (1 - (min(max(value, lo), hi) - lo) / span)
        out.append((round(x, 1), round(y, 1)))
    return out


def _paths(points: list[tuple[float, float] | None]) -> list[str]:
    """Polyline point lists, broken where a window has no score."""
    runs, current = [], []
    for point in points:
        if point is None:
            if current:
                runs.append(current)
            current = []
        else:
            current.append(point)
    if current:
        runs.append(current)
    return [" ".join(f"{x},{y}" for x, y in run) for run in runs]


def sparkline(trend: Sequence[tuple[str, float | None]], width: int = 120, height: int = 28) -> Markup:
    """A small overall-score trend (scaled to its own range) with the last point marked; a title per point."""
    if not trend:
        return Markup('<span class="muted small">no audit yet</span>')
    values = [v for _, v in trend]
    known = [v for v in values if v is not None]
    # Scaled to the scores' own range (at least 10 points), so a drift of a few points shows.
    lo = max(0.0, min(known, default=0.0) - 2)
    hi = min(100.0, max(lo + 10, max(known, default=100.0) + 2))
    lo = max(0.0, min(lo, hi - 10))
    points = _points(values, width, height, 3, lo, hi)
    parts = [f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="overall score, last {len(values)} windows">',
             ]
    parts += [f'<polyline class="s-overall" points="{p}"/>' for p in _paths(points)]
    for (window, value), point in zip(trend, points):
        if point is not None:
            parts.append(f'<circle class="pt" cx="{point[0]}" cy="{point[1]}" r="1.6"><title>'
                         f'{escape(window)}: {value:g}</title></circle>')
    last = next((p for p in reversed(points) if p is not None), None)
    if last is not None:
        parts.append(f'<circle class="last" cx="{last[0]}" cy="{last[1]}" r="2.6"/>')
    parts.append("</svg>")
    return Markup("".join(parts))


def points_y(value: float, height: float, pad: float) -> float:
    return round(pad + (height - 2 * pad) * (1 - value / 100.0), 1)


def history_chart(windows: Sequence[dict[str, Any]], series: Sequence[str], width: int = 900,
                  height: int = 260) -> Markup:
    """Score history: one line per series ("overall" and each dimension) over the windows, 0-100,
    with gridlines at 0/50/70/90/100, the first and last window labelled and a title on every point."""
    if not windows:
        return Markup('<p class="muted">No audited window yet.</p>')
    left, bottom, pad = 34, 22, 8
    plot_w, plot_h = width - left - pad, height - bottom - pad
    parts = [f'<svg class="history" viewBox="0 0 {width} {height}" width="100%" role="img" '
             f'aria-label="score history over {len(windows)} windows">']
    for level in (0, 50, 70, 90, 100):
        y = round(pad + plot_h * (1 - level / 100), 1)
        parts.append(f'<line class="grid" x1="{left}" x2="{width - pad}" y1="{y}" y2="{y}"/>'
                     f'<text class="axis" x="{left - 6}" y="{y + 4}" text-anchor="end">{level}</text>')
    for name in series:
        values = [w["overall"] if name == "overall" else w["scores"].get(name) for w in windows]
        points = [None if p is None else (round(left + p[0], 1), round(pad + p[1], 1))
                  for p in _points(values, plot_w, plot_h, 0)]
        css = SERIES_CLASS.get(name, "s-other")
        parts += [f'<polyline class="{css}" points="{p}"/>' for p in _paths(points)]
        for window, value, point in zip(windows, values, points):
            if point is not None:
                parts.append(f'<circle class="{css} pt" cx="{point[0]}" cy="{point[1]}" r="2.5"><title>'
                             f'{escape(name)} · {escape(window["label"])}: {value:g}</title></circle>')
    first, last = windows[0]["label"].split(" → ")[0], windows[-1]["label"].split(" → ")[0]
    parts.append(f'<text class="axis" x="{left}" y="{height - 6}">{escape(first)}</text>')
    if len(windows) > 1:
        parts.append(f'<text class="axis" x="{width - pad}" y="{height - 6}" text-anchor="end">{escape(last)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
