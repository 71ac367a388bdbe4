"""`/dx ヘルプ`: what the bot can do, built from the registered commands."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.commands import CommandRouter
from bot.replies import ChatContext, Reply, Text

if TYPE_CHECKING:
    from bot.app import Services


def help_text(router: CommandRouter, services: Services) -> str:
    plan = services.kb.plan
    lines = ["*DX推進ボットの使い方*"]
    if plan:
        lines.append(f"{plan.title}（{plan.version}）について答えます。")
    lines.append("• `/dx <質問>` — 例: `/dx DX推進リーダーは何人？`、`/dx ガバクラは義務？`")
    for command in router.commands:
        aliases = "／".join(command.aliases)
        lines.append(f"• `{command.usage}` — {command.summary}（別名: {aliases}）")
    secretariat = plan.secretariat if plan else "政策企画課"
    lines.append(f"わからないことは事務局（{secretariat}）へお問い合わせください。")
    return "\n".join(lines)


def register(router: CommandRouter, services: Services) -> None:
    def show_help(ctx: ChatContext, _args: str) -> Reply:
        return Text(help_text(router, services))

    router.add("ヘルプ", ["help", "使い方", "?"], "/dx ヘルプ", "この説明を表示", show_help)
