"""Charts drawn on the server as SVG: no JavaScript, no chart library, no CDN.

`weekly_chart()` turns the weekly counts the worker cached into coordinates; the
template (templates/reports/partials/weekly_chart.html) draws them, with a title and a
description for screen readers and the same figures as a table beside it.
"""

from __future__ import annotations

import math
from datetime import date

from django.utils import formats

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 12, 30
Y_TICKS = 4


def nice_ceiling(value: int) -> int:
    """The smallest of 1, 2, 5 x 10^k that is at least `value` (and at least Y_TICKS,
    so that every grid line has a whole number)."""
    value = max(value, Y_TICKS)
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * power >= value:
            ceiling = step * power
            break
    # Grid lines at whole numbers.
    return int(math.ceil(ceiling / Y_TICKS) * Y_TICKS)


def weekly_chart(weeks: list[dict]) -> dict:
    """Bars of reports received and fixed per week, side by side."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = nice_ceiling(max([w["received"] for w in weeks] + [w["fixed"] for w in weeks] + [0]))
    slot = plot_w / max(len(weeks), 1)
    bar_w = round(slot * 0.4, 2)
    bottom = TOP + plot_h

    def y(value: int) -> float:
        return round(bottom - plot_h * value / top, 2)

    bars, labels, month = [], [], None
    for i, week in enumerate(weeks):
        x = LEFT + i * slot
        monday = date.fromisoformat(week["week"])
        for offset, kind in ((0.1, "received"), (0.5, "fixed")):
            value = week[kind]
            bars.append(
                {
                    "kind": kind,
                    "x": round(x + slot * offset, 2),
                    "y": y(value),
                    "width": bar_w,
                    "height": round(bottom - y(value), 2),
                    "value": value,
                    "week": monday,
                }
            )
        if monday.month != month:
            month = monday.month
            # The first week of each month is labelled with the month's short name.
            labels.append({"x": round(x + slot / 2, 2), "text": formats.date_format(monday, "M")})
    ticks = [{"value": top * i // Y_TICKS, "y": y(top * i // Y_TICKS)} for i in range(Y_TICKS + 1)]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "bottom": bottom,
        "label_y": bottom + 18,
        "bars": bars,
        "x_labels": labels,
        "y_ticks": ticks,
        "rows": [
            {"week": date.fromisoformat(w["week"]), "received": w["received"], "fixed": w["fixed"]}
            for w in weeks
        ],
        "total_received": sum(w["received"] for w in weeks),
        "total_fixed": sum(w["fixed"] for w in weeks),
    }
