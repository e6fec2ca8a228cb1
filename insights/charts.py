"""Charts as inline SVG, drawn on the server with presentation attributes and classes only.

No script, no inline style, no external request: they hold under the site's strict CSP
(style-src 'self') and take their colours from insights.css, light and dark. Each chart is
an `<svg role="img">` with a title and a one-line description; the page puts the same
figures in a table beside it, so nothing is only in the picture.

Coordinates are in a fixed viewBox; the chart scales to its container's width.
"""

import math

from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

FONT = 12  # user units; insights.css sets the same size


def nice_ceiling(value):
    """The smallest of 1, 2, 2.5, 5 times 10^n that is at least `value` (1 for nothing)."""
    if value <= 0:
        return 1
    exponent = 10 ** math.floor(math.log10(value))
    return next(m * exponent for m in (1, 2, 2.5, 5, 10) if value <= m * exponent * (1 + 1e-9))


def number(value):
    return f"{value:.1f}".removesuffix(".0")


def svg(chart_id, width, height, title, description, body):
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" focusable="false" '
        'aria-labelledby="{}-title {}-desc"><title id="{}-title">{}</title>'
        '<desc id="{}-desc">{}</desc>{}</svg>',
        width,
        height,
        chart_id,
        chart_id,
        chart_id,
        title,
        chart_id,
        description,
        body,
    )


def rect(x, y, width, height, css):
    return format_html(
        '<rect x="{}" y="{}" width="{}" height="{}" class="{}" fill="currentColor"/>',
        number(x),
        number(y),
        number(max(width, 0)),
        number(max(height, 0)),
        css,
    )


def text(x, y, content, css="", anchor="start"):
    return format_html(
        '<text x="{}" y="{}" class="{}" text-anchor="{}">{}</text>',
        number(x),
        number(y),
        css,
        anchor,
        content,
    )


def line(x1, y1, x2, y2, css):
    return format_html(
        '<line x1="{}" y1="{}" x2="{}" y2="{}" class="{}" stroke="currentColor"/>',
        number(x1),
        number(y1),
        number(x2),
        number(y2),
        css,
    )


def join(parts):
    return mark_safe("".join(parts))  # noqa: S308 (every part is built with format_html)


def hbars(chart_id, title, items, *, maximum=None, label_width=150, fmt=str):
    """Horizontal bars: `items` are (label, value, css class); `fmt` writes a value."""
    width, row, top = 480, 30, 6
    height = top * 2 + row * max(len(items), 1)
    left, right = label_width, 70
    scale = maximum or max((value for _, value, _ in items), default=0) or 1
    parts = []
    for n, (label, value, css) in enumerate(items):
        y = top + n * row
        bar = (width - left - right) * (value or 0) / scale
        parts.append(text(left - 8, y + row / 2 + FONT / 3, label, "label", "end"))
        parts.append(rect(left, y + 6, bar, row - 12, f"bar {css}"))
        parts.append(text(left + bar + 6, y + row / 2 + FONT / 3, fmt(value), "value"))
    parts.append(line(left, top, left, height - top, "axis"))
    description = "; ".join(f"{label}: {fmt(value)}" for label, value, _ in items)
    return svg(chart_id, width, height, title, description, join(parts))


class Frame:
    """A plot area with a y axis from `low` to `high` and `count` slots along x."""

    width, height = 480, 210
    left, right, top, bottom = 48, 10, 12, 30

    def __init__(self, count, low, high):
        self.count, self.low, self.high = max(count, 1), low, high

    @property
    def plot_width(self):
        return self.width - self.left - self.right

    @property
    def plot_height(self):
        return self.height - self.top - self.bottom

    def slot(self, n):
        """Left edge and width of slot `n`."""
        step = self.plot_width / self.count
        return self.left + n * step, step

    def middle(self, n):
        x, step = self.slot(n)
        return x + step / 2

    def y(self, value):
        share = (value - self.low) / ((self.high - self.low) or 1)
        return self.top + self.plot_height * (1 - min(max(share, 0), 1))

    def axes(self, labels, fmt, ticks=3):
        parts = []
        for k in range(ticks):
            value = self.low + (self.high - self.low) * k / (ticks - 1)
            y = self.y(value)
            parts.append(line(self.left, y, self.width - self.right, y, "grid"))
            parts.append(text(self.left - 6, y + FONT / 3, fmt(value), "label", "end"))
        # Few x labels: the first, the middle and the last slot.
        shown = sorted({0, (len(labels) - 1) // 2, len(labels) - 1}) if labels else []
        for n in shown:
            anchor = "start" if n == 0 and len(labels) > 1 else "middle"
            if n == len(labels) - 1 and len(labels) > 1:
                anchor = "end"
            x = self.slot(n)[0] if anchor == "start" else self.middle(n)
            if anchor == "end":
                x = sum(self.slot(n))
            parts.append(text(x, self.height - 10, labels[n], "label", anchor))
        return parts


def columns(chart_id, title, labels, series, *, fmt=str, description=""):
    """Stacked columns, one per label: `series` are (name, css class, values)."""
    totals = [sum(values[n] or 0 for _, _, values in series) for n in range(len(labels))]
    frame = Frame(len(labels), 0, nice_ceiling(max(totals, default=0)))
    parts = frame.axes(labels, fmt)
    for n in range(len(labels)):
        x, step = frame.slot(n)
        gap = min(step * 0.2, 4)
        base = 0
        for _, css, values in series:
            value = values[n] or 0
            if value:
                parts.append(
                    rect(
                        x + gap / 2,
                        frame.y(base + value),
                        step - gap,
                        frame.y(base) - frame.y(base + value),
                        f"bar {css}",
                    )
                )
            base += value
    return svg(chart_id, frame.width, frame.height, title, description, join(parts))


def lines(chart_id, title, labels, series, *, low, high, target=None, fmt=str, description=""):
    """Lines with a dot per point: `series` are (name, css class, values or None)."""
    frame = Frame(len(labels), low, high)
    parts = frame.axes(labels, fmt)
    if target is not None:
        y = frame.y(target)
        parts.append(line(frame.left, y, frame.width - frame.right, y, "target"))
        parts.append(
            text(frame.width - frame.right, y - 4, f"target {fmt(target)}", "label", "end")
        )
    for _, css, values in series:
        parts.extend(lines_of(frame, values, f"line {css}"))
        parts.extend(
            format_html(
                '<circle cx="{}" cy="{}" r="2.5" class="dot {}" fill="currentColor"/>',
                number(frame.middle(n)),
                number(frame.y(value)),
                css,
            )
            for n, value in enumerate(values)
            if value is not None
        )
    return svg(chart_id, frame.width, frame.height, title, description, join(parts))


def trend(chart_id, title, points, *, target, low, high, fmt):
    """A dot per week on a line, green where the week met the target and red where it did
    not, with the target as a dashed line. The y axis runs from `low` to `high`."""
    frame = Frame(len(points), low, high)
    frame.width, frame.height, frame.left, frame.right, frame.top, frame.bottom = (
        240,
        96,
        44,
        8,
        8,
        8,
    )
    parts = [
        text(frame.left - 6, frame.y(high) + FONT / 3, fmt(high), "label", "end"),
        text(frame.left - 6, frame.y(low) + FONT / 3, fmt(low), "label", "end"),
        line(frame.left, frame.y(low), frame.width - frame.right, frame.y(low), "axis"),
        line(frame.left, frame.y(target), frame.width - frame.right, frame.y(target), "target"),
    ]
    values = [point.value for point in points]
    parts.extend(lines_of(frame, values, "line s-unknown"))
    for n, point in enumerate(points):
        if point.value is not None:
            css = {True: "s-ok", False: "s-danger", None: "s-unknown"}[point.met]
            parts.append(
                format_html(
                    '<circle cx="{}" cy="{}" r="4.5" class="dot {}" fill="currentColor"/>',
                    number(frame.middle(n)),
                    number(frame.y(min(max(point.value, low), high))),
                    css,
                )
            )
    description = f"Target {fmt(target)}. " + "; ".join(
        f"{point.week.label}: {point.text}"
        + {True: " (met)", False: " (not met)", None: ""}[point.met]
        for point in points
    )
    return svg(chart_id, frame.width, frame.height, title, description, join(parts))


def lines_of(frame, values, css):
    """Polylines through the values, broken where a value is None."""
    parts, segment = [], []
    for n, value in enumerate([*values, None]):
        if value is not None:
            segment.append((frame.middle(n), frame.y(value)))
            continue
        if len(segment) > 1:
            points = " ".join(f"{number(x)},{number(y)}" for x, y in segment)
            parts.append(
                format_html(
                    '<polyline points="{}" class="{}" fill="none" stroke="currentColor"/>',
                    points,
                    css,
                )
            )
        segment = []
    return parts


def legend(series):
    """The series' names with their colour swatch, as HTML (the charts have no legend)."""
    return format_html(
        '<ul class="legend">{}</ul>',
        format_html_join(
            "",
            '<li><span class="swatch {}" aria-hidden="true"></span>{}</li>',
            ((css, name) for name, css, *_ in series),
        ),
    )
