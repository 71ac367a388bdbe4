"""The Teams app package: manifest.json (current schema) and the two icons, zipped at the root.

`dxbot teams manifest --out dxbot-teams.zip` builds it from TEAMS_APP_ID (the Entra app id of the Azure
bot registration, which is also `bots[].botId`). The icons are drawn here with matplotlib (already a
dependency for the digest chart), so nothing is downloaded: a 192×192 colour icon and a 32×32 white
outline on a transparent background, as Teams requires.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

from knowledge.kb import DEFAULT_SECRETARIAT

MANIFEST_SCHEMA = "https://developer.microsoft.com/en-us/json-schemas/teams/v1.19/MicrosoftTeams.schema.json"
MANIFEST_VERSION = "1.19"
APP_VERSION = "1.0.0"
COLOR = "#1F6FB2"
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class ManifestError(ValueError):
    """The package cannot be built; the message (Japanese) says what to set."""


def manifest(app_id: str, *, developer_url: str = "https://www.city.gotsu.lg.jp/") -> dict[str, Any]:
    if not _GUID.match(app_id or ""):
        raise ManifestError(
            "TEAMS_APP_ID には Azure のボット登録のアプリ ID（xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx の形）を設定してください。"
        )
    commands = [
        ("ヘルプ", "使い方を表示します"),
        ("報告", "取組みの進捗を報告します（フォームが開きます）"),
        ("状況", "取組みや課の最新の状況を表示します"),
        ("履歴", "取組みの報告の経過を表示します"),
        ("一覧", "取組みとその ID の一覧を表示します"),
        ("取消", "自分の最新の報告を取り消します"),
    ]
    return {
        "$schema": MANIFEST_SCHEMA,
        "manifestVersion": MANIFEST_VERSION,
        "version": APP_VERSION,
        "id": app_id,
        "developer": {
            "name": f"江津市 {DEFAULT_SECRETARIAT}",
            "websiteUrl": developer_url,
            "privacyUrl": developer_url,
            "termsOfUseUrl": developer_url,
        },
        "name": {"short": "dxbot", "full": "江津市 DX推進ボット"},
        "description": {
            "short": "アクションプランの質問に出典つきで答え、取組みの進捗報告を受け付けます。",
            "full": (
                "スマートシティ江津推進構想アクションプランについての質問に、出典（節と版）を添えて答えます。"
                "DX推進リーダーは取組みの進捗を報告でき、推進本部には週次ダイジェストを投稿します。"
            ),
        },
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": COLOR,
        "bots": [
            {
                "botId": app_id,
                "scopes": ["personal", "team", "groupChat"],
                "supportsFiles": False,
                "isNotificationOnly": False,
                "commandLists": [
                    {"scopes": ["personal", "team", "groupChat"], "commands": [{"title": t, "description": d} for t, d in commands]}
                ],
            }
        ],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [],
        "defaultInstallScope": "personal",
    }


def _icon(size: int, *, outline: bool) -> bytes:
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import FancyBboxPatch

    figure = Figure(figsize=(1, 1), dpi=size, facecolor="none")  # transparent where nothing is drawn
    canvas = FigureCanvasAgg(figure)
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set_xlim(0, 1)
    axes.set_ylim(0, 1)
    axes.axis("off")
    if outline:  # white on transparent: Teams tints it
        axes.add_patch(FancyBboxPatch((0.12, 0.12), 0.76, 0.76, boxstyle="round,pad=0,rounding_size=0.18",
                                      fill=False, edgecolor="white", linewidth=size / 14))
        axes.text(0.5, 0.47, "DX", color="white", ha="center", va="center", fontsize=size * 0.3, fontweight="bold")
    else:
        axes.add_patch(FancyBboxPatch((0, 0), 1, 1, boxstyle="round,pad=0,rounding_size=0.2", color=COLOR))
        axes.text(0.5, 0.47, "DX", color="white", ha="center", va="center", fontsize=size * 0.3, fontweight="bold")
    buffer = io.BytesIO()
    canvas.print_png(buffer)
    return buffer.getvalue()


def build_package(app_id: str, out: Path) -> Path:
    """Write the zip (manifest.json, color.png, outline.png at its root) to `out`."""
    content = json.dumps(manifest(app_id), ensure_ascii=False, indent=2)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as package:
        package.writestr("manifest.json", content)
        package.writestr("color.png", _icon(192, outline=False))
        package.writestr("outline.png", _icon(32, outline=True))
    return out
