"""The digest chart renders its Japanese labels with a font that has the glyphs (no empty boxes)."""

from __future__ import annotations

import warnings

from fontTools.ttLib import TTFont
from matplotlib import font_manager

from jobs.chart import FONT_FAMILY, chart_labels, japanese_font_path, render_chart
from jobs.digest import build_digest
from jobs.weeks import IsoWeek
from storage.progress import ReportStatus
from tests.digest_fixtures import TOKYO, DigestDb, jst


def test_the_font_matplotlib_picks_has_every_glyph_of_the_labels(db: DigestDb) -> None:
    digest = build_digest(db.repos, IsoWeek(2026, 48), jst(2026, 11, 30, 9), TOKYO)
    path = japanese_font_path()
    chosen = font_manager.findfont(font_manager.FontProperties(family=FONT_FAMILY), fallback_to_default=False)
    assert chosen == path and path.endswith(".ttf")
    cmap = TTFont(path).getBestCmap()
    characters = {c for label in chart_labels(digest) for c in label if not c.isspace()}
    assert {"改", "革", "未", "報", "告", "①", "③", "（"} <= characters
    missing = sorted(c for c in characters if ord(c) not in cmap)
    assert missing == []


def test_render_chart_emits_a_png_without_missing_glyph_warnings(db: DigestDb) -> None:
    db.report("ULEAD1", "1-02", ReportStatus.IN_PROGRESS, jst(2026, 11, 24, 10))
    db.report("ULEAD2", "2-02", ReportStatus.DONE, jst(2026, 11, 25, 10))
    digest = build_digest(db.repos, IsoWeek(2026, 48), jst(2026, 11, 30, 9), TOKYO)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png = render_chart(digest)
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5000
    assert [str(w.message) for w in caught if "Glyph" in str(w.message) or "missing from" in str(w.message)] == []
