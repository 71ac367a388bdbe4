"""The console adapter: the same core and replies as Slack, as plain text on a terminal or a pipe."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, TextIO

from bot.replies import Answer, ChatContext, Choices, NoAnswer, OpenReportForm, Refusal, Reply, Text

if TYPE_CHECKING:
    from bot.app import Services

logger = logging.getLogger(__name__)

GENERIC_ERROR = "申し訳ありません、処理中にエラーが発生しました。時間をおいてもう一度お試しください。"


def render_text(reply: Reply, secretariat: str = "政策企画課") -> str:
    """Plain-text rendering of a reply; Slack renders the same replies as Block Kit."""
    notices = "".join(f"\n※ {n}" for n in getattr(reply, "notices", ()))
    match reply:
        case Answer():
            return f"{reply.answer}\n（出典: {reply.source}）{notices}" if reply.source else reply.answer + notices
        case Choices():
            lines = ["はっきりとはわかりませんでした。もしかして:"]
            lines += [f"  {i}. {c.question}" for i, c in enumerate(reply.choices, 1)]
            lines.append("番号を入力すると、その回答を表示します。")
            return "\n".join(lines) + notices
        case NoAnswer():
            return (
                "申し訳ありません。その質問はアクションプランに記載がないか、うまく見つけられませんでした。\n"
                f"事務局（{secretariat}）にお問い合わせください。質問は記録し、今後の回答に役立てます。"
                + notices
            )
        case Text():
            return reply.text
        case Refusal():
            return reply.text
        case OpenReportForm():
            return reply.hint
    raise TypeError(f"unknown reply: {reply!r}")


def run_console(services: Services, user_id: str, stdin: TextIO, stdout: TextIO, interactive: bool) -> None:
    """Read lines, answer each. A bare number picks from the last 「もしかして」 choices."""
    from bot.handlers.faq import answer_entry

    secretariat = services.kb.plan.secretariat if services.kb.plan else "政策企画課"
    ctx = ChatContext(user_id=user_id, channel="console", platform="console")
    if interactive:
        stdout.write("DX推進ボット（コンソール）です。質問かコマンドを入力してください。`ヘルプ` で使い方、Ctrl-D で終了。\n")
    last_choices: Choices | None = None
    while True:
        if interactive:
            stdout.write("> ")
            stdout.flush()
        line = stdin.readline()
        if not line:
            break
        text = line.strip()
        if not text:
            continue
        try:
            picked = _pick(text, last_choices)
            reply = answer_entry(services, ctx, picked) if picked else services.handle(ctx, text)
        except Exception:
            logger.exception("console command failed")
            reply = Refusal(GENERIC_ERROR)
        last_choices = reply if isinstance(reply, Choices) else None
        stdout.write(render_text(reply, secretariat) + "\n")
        if not interactive:
            stdout.write("\n")
        stdout.flush()


def _pick(text: str, choices: Choices | None) -> str | None:
    import unicodedata

    if choices is None:
        return None
    digits = unicodedata.normalize("NFKC", text).strip()
    if digits.isdigit() and 1 <= int(digits) <= len(choices.choices):
        return choices.choices[int(digits) - 1].entry_id
    return None
