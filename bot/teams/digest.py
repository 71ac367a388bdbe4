"""The weekly digest and the reminders in Teams markdown, and the jobs' `Notifier` port on Teams.

The digest's content is the jobs' own (jobs/render.py `digest_sections`); only the markup is Teams':
`**bold**`, `` `code` ``, data made inert (bot/teams/render.py `inert`), commands written
`@dxbot 状況` as in a channel. Each line is its own paragraph, which every Teams client shows as a line.
Messages stay within Teams' ~28 KB; the first is the channel post, the rest go in its thread.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any
from zoneinfo import ZoneInfo

from bot.directory import TEAMS_KEY_PREFIX
from bot.teams.notifier import TeamsNotifier
from bot.teams.render import BOT_MENTION, MESSAGE_LIMIT_BYTES, inert, split_text, utf16_len
from jobs.delivery import REMINDER_LIST_LIMIT, Reminder
from jobs.digest import Digest
from jobs.notify import PermanentDeliveryError
from jobs.render import OutgoingMessage, digest_sections, one_line, title

PERSONAL_REPORT_USAGE = "報告 <取組み> <状況> [<n>%] [メモ]"


def _bold(text: str) -> str:
    return f"**{text}**"


def _code(text: str) -> str:
    return f"`{text.replace('`', '｀')}`"


def _paragraphs(section: str) -> str:
    return "\n\n".join(line for line in section.split("\n") if line.strip())


def render_teams_digest(digest: Digest, limit: int = MESSAGE_LIMIT_BYTES) -> list[OutgoingMessage]:
    """The digest as Teams messages (markdown in `text`, no blocks), each within `limit` UTF-16 units."""
    digest = replace(
        digest,
        status_pointer=f"{BOT_MENTION} {digest.status_pointer.removeprefix('/dx ')}",
        history_pointer=f"{BOT_MENTION} {digest.history_pointer.removeprefix('/dx ')}",
    )
    sections = [_paragraphs(s) for s in digest_sections(digest, esc=inert, bold=_bold, code=_code)]
    packed: list[str] = []
    for section in sections:
        for piece in split_text(section, limit - 200):
            if packed and utf16_len(packed[-1]) + utf16_len(piece) + 2 <= limit - 200:
                packed[-1] += "\n\n" + piece
            else:
                packed.append(piece)
    count = len(packed)
    head = _bold(inert(title(digest)))
    messages = []
    for number, body in enumerate(packed, 1):
        if number == 1:
            more = f"（続き {count - 1}件はこのスレッドに）" if count > 1 else ""
            text = f"{head}{more}\n\n{body}"
        else:
            text = f"{head}（{number}/{count}）\n\n{body}"
        messages.append(OutgoingMessage(text=text, blocks=()))
    return messages


def teams_reminder_text(reminder: Reminder, tz: ZoneInfo) -> str:
    """The reminder in a personal chat: names and titles inert, the command written as in a personal chat."""
    lines = [
        f"{inert(one_line(reminder.leader.name))} さん、DX推進の取組みについてのお知らせです。",
        f"{inert(reminder.leader.department)}が関わる次の取組みは、4週間以上報告がありません。",
    ]
    items = []
    for item in reminder.initiatives[:REMINDER_LIST_LIMIT]:
        last = f"最終報告 {item.last_reported_at.astimezone(tz):%Y-%m-%d}" if item.last_reported_at else "報告なし"
        items.append(f"- {inert(item.id + ' ' + one_line(item.name))}（{last}）")
    if len(reminder.initiatives) > REMINDER_LIST_LIMIT:
        items.append(f"- ほか {len(reminder.initiatives) - REMINDER_LIST_LIMIT}件")
    usage = PERSONAL_REPORT_USAGE.replace("<", "＜").replace(">", "＞")
    closing = f"進み具合を `{usage}` で教えてください（`報告` だけならフォームが開きます）。"
    return "\n\n".join([*lines, "\n".join(items), closing])


class TeamsDeliveryNotifier:
    """The jobs' `Notifier` (jobs/notify.py) on Teams: messages rendered by `render_teams_digest` carry
    their markdown in `text`; Block Kit `blocks` are never sent to Teams."""

    def __init__(self, teams: TeamsNotifier, object_id: Callable[[str], str | None] | None = None) -> None:
        self.teams = teams
        # The jobs name a person by their staff key (a Slack id, or teams:<object id>); Teams needs the object id.
        self.object_id = object_id or teams_object_id

    def post_message(
        self, channel: str, blocks: Sequence[dict[str, Any]], text: str, thread_ts: str | None = None
    ) -> str:
        return self.teams.post_text(channel, text, thread=thread_ts)

    def upload_file(
        self, channel: str, content: bytes, filename: str, title: str, thread_ts: str | None = None
    ) -> None:
        self.teams.post_image(channel, content, filename, inert(title), thread=thread_ts)

    def send_dm(self, user: str, text: str) -> str:
        aad = self.object_id(user)
        if not aad:
            raise PermanentDeliveryError("teams: this staff member has no teams_id")
        return self.teams.send_dm_text(aad, text)


def teams_object_id(staff_key: str) -> str | None:
    """The object id in a Teams-only staff key (`teams:<id>`); None for any other key."""
    return staff_key.removeprefix(TEAMS_KEY_PREFIX) if staff_key.startswith(TEAMS_KEY_PREFIX) else None


def is_teams_channel(target: str | None) -> bool:
    """A Teams channel's conversation id (`19:…@thread.tacv2` / `@thread.skype`), not a Slack channel ID."""
    return target is not None and target.startswith("19:") and "@thread." in target
