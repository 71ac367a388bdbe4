"""The weekly digest (jobs/digest_layout.py) and the jobs' neutral messages as Slack Block Kit, within Slack's limits.

Limits on every message: at most 50 blocks, 3,000 characters per section, 150 per header, 2,000 per context
and 12,000 characters of block text in all. What does not fit goes into further messages, posted in the
thread of the first; the first says how many follow and each continuation says which part it is. The
content's own words are escaped and what people wrote is inert (bot/slack/render.py), so `<!channel>` in a
note stays text.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.replies import Message
from bot.slack.blocks import CONTEXT_LIMIT, MESSAGE_BLOCK_LIMIT, SECTION_LIMIT, SlackBlock
from bot.slack.mrkdwn import escape, split_text, truncate
from bot.slack.render import blocks_mrkdwn
from jobs.digest import Digest
from jobs.digest_layout import digest_footer, digest_sections, report_count_summary, title

HEADER_LIMIT = 150
MESSAGE_TEXT_LIMIT = 12000
_MARKER_RESERVE = 120  # room kept in each message for the "続きはスレッド" / "（続き 2/3）" line


@dataclass(frozen=True)
class OutgoingMessage:
    """One Slack message: the notification / fallback `text` (escaped like the blocks) and its blocks."""

    text: str
    blocks: tuple[SlackBlock, ...]

    @property
    def block_text_length(self) -> int:
        return sum(block_text_length(b) for b in self.blocks)


def block_text_length(block: SlackBlock) -> int:
    if block.get("type") in ("section", "header"):
        return len(block["text"]["text"])
    if block.get("type") == "context":
        return sum(len(e.get("text", "")) for e in block.get("elements", []))
    return 0


def _section(text: str) -> SlackBlock:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _context(text: str) -> SlackBlock:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": truncate(text, CONTEXT_LIMIT)}]}


def _header(text: str) -> SlackBlock:
    return {"type": "header", "text": {"type": "plain_text", "text": truncate(text, HEADER_LIMIT), "emoji": True}}


def _content_blocks(digest: Digest) -> list[SlackBlock]:
    blocks: list[SlackBlock] = [_header(title(digest))]
    for number, section in enumerate(digest_sections(digest)):
        if number > 0:
            blocks.append({"type": "divider"})
        blocks += [_section(chunk) for chunk in split_text(blocks_mrkdwn(section), SECTION_LIMIT)]
    blocks.append(_context(blocks_mrkdwn((digest_footer(digest),))))
    return blocks


def _pack(blocks: list[SlackBlock]) -> list[list[SlackBlock]]:
    """Greedy packing into messages, each leaving room for one marker block."""
    messages: list[list[SlackBlock]] = [[]]
    size = 0
    for block in blocks:
        length = block_text_length(block)
        current = messages[-1]
        fits = len(current) + 1 < MESSAGE_BLOCK_LIMIT and size + length <= MESSAGE_TEXT_LIMIT - _MARKER_RESERVE
        if current and not fits:
            if current[-1].get("type") == "divider":
                current.pop()
            messages.append([])
            size = 0
            if block.get("type") == "divider":
                continue
        messages[-1].append(block)
        size += length
    return messages


def _with_markers(packed: list[list[SlackBlock]], head: str, summary: str) -> list[OutgoingMessage]:
    """The first message says how many follow in its thread; each continuation says which part it is."""
    count = len(packed)
    messages = []
    for number, blocks in enumerate(packed, 1):
        if number == 1:
            if count > 1:
                blocks = [*blocks, _context(f"続きはこのスレッドに {count - 1}件 あります。")]
            messages.append(OutgoingMessage(text=f"{head}: {summary}", blocks=tuple(blocks)))
        else:
            marker = _context(f"{head}（続き {number}/{count}）")
            messages.append(OutgoingMessage(text=f"{head}（続き {number}/{count}）", blocks=(marker, *blocks)))
    return messages


def render_digest(digest: Digest) -> list[OutgoingMessage]:
    """The digest as messages: the first goes to the channel, the rest into its thread, in order."""
    return _with_markers(_pack(_content_blocks(digest)), escape(title(digest)), report_count_summary(digest))


def render_message(message: Message) -> list[OutgoingMessage]:
    """A neutral message (our own words, data inert) as one message, or a few in one thread when long."""
    packed = _pack([_section(chunk) for chunk in split_text(blocks_mrkdwn(message.blocks), SECTION_LIMIT)])
    return [OutgoingMessage(text=blocks[0]["text"]["text"], blocks=tuple(blocks)) for blocks in packed]


def render(content: Digest | Message) -> list[OutgoingMessage]:
    """The jobs' content (the notifier port's `render`) as Slack messages."""
    return render_digest(content) if isinstance(content, Digest) else render_message(content)
