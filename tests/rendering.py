"""How core tests read a neutral reply: the text Slack shows (mrkdwn, unescaped), and a context to send."""

from __future__ import annotations

from bot.errors import UserError
from bot.replies import ChatContext, Mention, Refusal, Reply, UserRef
from bot.slack.blocks import unescape
from bot.slack.render import reply_mrkdwn


def text_of(reply: Reply) -> str:
    """The reply as Slack writes it (`*bold*`, `/dx 報告 …`), with Slack's &, <, > escaping undone."""
    return unescape(reply_mrkdwn(reply))


def chat(
    user_id: str | None,
    channel: str | None = "C1",
    platform: str = "console",
    request_id: str | None = None,
    mentions: tuple[Mention, ...] = (),
) -> ChatContext:
    return ChatContext(
        user=UserRef(platform, user_id) if user_id else None,
        conversation=channel,
        platform=platform,
        request_id=request_id,
        mentions=mentions,
    )


def with_mentions(text: str) -> tuple[str, tuple[Mention, ...]]:
    """Slack mention syntax in a test's input (`登録 <@U1|sato> …`), resolved as the Slack adapter does."""
    from bot.slack.app import slack_mentions

    return slack_mentions(text.replace("&", "&amp;"))


def error_text(error: UserError) -> str:
    """A refusal's text as Slack writes it (see `text_of`)."""
    return text_of(Refusal(error.blocks))
