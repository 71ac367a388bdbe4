"""The digest chart: the status of the initiatives of each reform, as stacked horizontal bars (PNG).

matplotlib's object API with the Agg canvas (no pyplot, no GUI backend, no global figure state), and the
IPAexGothic font shipped by matplotlib-fontja, so Japanese labels render as text, not as empty boxes.
"""

from __future__ import annotations

import io
import logging
from functools import cache

from jobs.digest import STATUS_ORDER, Digest
from storage.progress import status_label

logger = logging.getLogger(__name__)

FONT_FAMILY = "IPAexGothic"
# One colour per status, from "not reported" (grey) through the life of an initiative.
STATUS_COLOURS = ("#c8c8c8", "#9ecae1", "#6baed6", "#fdd49e", "#41ab5d", "#006d2c", "#fc8d59", "#d7301f")


@cache
def japanese_font_path() -> str:
    """The TTF file of the Japanese font, registered with matplotlib's font manager (once per process)."""
    # matplotlib_fontja sets rcParams on import; we pass the family explicitly anyway (see render_chart).
    import matplotlib_fontja
    from matplotlib import font_manager

    path = str(matplotlib_fontja.get_font_ttf_path())
    font_manager.fontManager.addfont(path)
    return path


def chart_labels(digest: Digest) -> list[str]:
    """Every string drawn on the chart (the glyph test checks the font covers them)."""
    return [
        f"{digest.week.key} 取組みの状況（改革別）",
        "取組み数",
        *(r.title for r in digest.reforms),
        *(status_label(s) for s in STATUS_ORDER),
    ]


def render_chart(digest: Digest) -> bytes:
    """PNG bytes of the status-by-reform chart."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    japanese_font_path()
    reforms = list(reversed(digest.reforms))  # first reform on top
    with rc_context({"font.family": [FONT_FAMILY], "axes.unicode_minus": False}):
        figure = Figure(figsize=(8, 1.2 + 0.7 * max(len(reforms), 1)), dpi=100)
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        labels = [r.title for r in reforms]
        left = [0] * len(reforms)
        for status, colour in zip(STATUS_ORDER, STATUS_COLOURS, strict=True):
            values = [r.status_counts.get(status, 0) for r in reforms]
            if not any(values):
                continue
            axes.barh(labels, values, left=left, color=colour, label=status_label(status), height=0.6)
            left = [a + b for a, b in zip(left, values, strict=True)]
        axes.set_title(f"{digest.week.key} 取組みの状況（改革別）")
        axes.set_xlabel("取組み数")
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        if any(left):
            axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.25), ncol=4, frameon=False, fontsize="small")
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
    return buffer.getvalue()
