"""`ヘルプ`: what the bot can do, built from the registered commands."""

from __future__ import annotations

from bot.commands import CommandRouter
from bot.knowledge_store import KnowledgeStore
from bot.replies import Block, ChatContext, Command, Message, Part, Reply, Strong, blocks, bullets, para
from knowledge.kb import KnowledgeBase


def help_blocks(router: CommandRouter, kb: KnowledgeBase) -> tuple[Block, ...]:
    plan = kb.plan
    items: list[list[Part]] = [[Command("<質問>"), " — 例: ", Command("DX推進リーダーは何人？"), "、", Command("ガバクラは義務？")]]
    for command in router.commands:
        aliases = "／".join(command.aliases)
        items.append([Command(command.usage), " — ", *command.summary, f"（別名: {aliases}）"])
    contact = kb.contact or "担当の部署"
    return blocks(
        para(Strong("DX推進ボットの使い方")),
        [para(f"{plan.title}（{plan.version}）について答えます。")] if plan else [],
        bullets(items),
        para(f"わからないことは{contact}へお問い合わせください。"),
    )


def register(router: CommandRouter, knowledge: KnowledgeStore) -> None:
    def show_help(ctx: ChatContext, _args: str) -> Reply:
        return Message(help_blocks(router, knowledge.current.kb))

    router.add("ヘルプ", ["help", "使い方", "?"], "ヘルプ", "この説明を表示", show_help)
