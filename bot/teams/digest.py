"""The weekly digest and the jobs' neutral messages in Teams markdown, and the jobs' `Notifier` port on Teams.

The digest's content is the jobs' own (jobs/digest_layout.py); only the markup is Teams' (bot/teams/render.py):
`**bold**`, `` `code` ``, what people wrote made inert, commands written `@dxbot 状況` as in a channel
(`報告 …` in a personal chat, for a reminder). Messages stay within Teams' ~28 KB; the first is the channel
post, the rest go in its thread.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.directory import TEAMS_KEY_PREFIX
from bot.replies import Message
from bot.teams.notifier import TeamsNotifier
from bot.teams.render import MESSAGE_LIMIT_BYTES, blocks_markdown, ours, split_text, utf16_len
from jobs.digest import Digest
from jobs.digest_layout import digest_footer, digest_sections, title
from jobs.notify import Image, PermanentDeliveryError

_MARKER_RESERVE = 200  # room in each message for the title line and its "（2/3）"


def _pack(parts: list[str], limit: int) -> list[str]:
    """Markdown pieces packed into as few messages as fit in `limit` UTF-16 units, split at line breaks."""
    packed: list[str] = []
    for part in parts:
        for piece in split_text(part, limit - _MARKER_RESERVE):
            if packed and utf16_len(packed[-1]) + utf16_len(piece) + 2 <= limit - _MARKER_RESERVE:
                packed[-1] += "\n\n" + piece
            else:
                packed.append(piece)
    return packed or [""]


def _with_title(packed: list[str], head: str) -> list[str]:
    count = len(packed)
    messages = []
    for number, body in enumerate(packed, 1):
        if number == 1:
            more = f"（続き {count - 1}件はこのスレッドに）" if count > 1 else ""
            messages.append(f"{head}{more}\n\n{body}")
        else:
            messages.append(f"{head}（{number}/{count}）\n\n{body}")
    return messages


def render_teams_digest(digest: Digest, limit: int = MESSAGE_LIMIT_BYTES) -> list[str]:
    """The digest as Teams messages (markdown), each within `limit` UTF-16 units."""
    sections = [blocks_markdown(section, "channel") for section in digest_sections(digest)]
    sections.append(blocks_markdown((digest_footer(digest),), "channel"))
    return _with_title(_pack(sections, limit), f"**{ours(title(digest))}**")


def render_teams_message(message: Message, limit: int = MESSAGE_LIMIT_BYTES) -> list[str]:
    """A neutral message for a channel: one post, or a few in its thread when it is long."""
    return _pack([blocks_markdown(message.blocks, "channel")], limit)


class TeamsDeliveryNotifier:
    """The jobs' `Notifier` (jobs/notify.py) on Teams: renders as above, posts by stored conversation reference;
    a thread handle is the id of the channel post."""

    def __init__(self, teams: TeamsNotifier, object_id: Callable[[str], str | None] | None = None) -> None:
        self.teams = teams
        # The jobs name a person by their staff key (a Slack id, or teams:<object id>); Teams needs the object id.
        self.object_id = object_id or teams_object_id

    def render(self, content: Digest | Message) -> list[str]:
        if isinstance(content, Digest):
            return render_teams_digest(content, self.teams.limit)
        return render_teams_message(content, self.teams.limit)

    def post(self, target: str, message: str, thread: str | None = None) -> str:
        return self.teams.post_text(target, message, thread=thread)

    def attach_image(self, target: str, image: Image, thread: str | None = None) -> None:
        self.teams.post_image(target, image.content, image.filename, ours(image.title), thread=thread)

    def send_direct(self, person: str, message: Message) -> str:
        aad = self.object_id(person)
        if not aad:
            raise PermanentDeliveryError("teams: this staff member has no teams_id")
        return self.teams.send_dm_text(aad, blocks_markdown(message.blocks, "personal"))


def teams_object_id(staff_key: str) -> str | None:
    """The object id in a Teams-only staff key (`teams:<id>`); None for any other key."""
    return staff_key.removeprefix(TEAMS_KEY_PREFIX) if staff_key.startswith(TEAMS_KEY_PREFIX) else None


def is_teams_channel(target: str | None) -> bool:
    """A Teams channel's conversation id (`19:…@thread.tacv2` / `@thread.skype`), not a Slack channel ID."""
    return target is not None and target.startswith("19:") and "@thread." in target
