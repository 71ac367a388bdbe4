"""Slack message text (mrkdwn) helpers, shared by the reply renderer and the digest renderer."""

from __future__ import annotations

from bot.replies import truncate

__all__ = ["escape", "split_text", "truncate"]


def escape(text: str) -> str:
    """Slack's escaping for message text: only &, < and > (in that order)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def split_text(text: str, limit: int) -> list[str]:
    """`text` in pieces of at most `limit` characters, cut at line ends (never inside an &entity;)."""
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                chunks.append(current)
                current = ""
            cut = limit
            amp = line.rfind("&", 0, cut)
            if amp != -1 and ";" not in line[amp:cut]:
                cut = amp or limit  # do not cut "&lt;" in two
            chunks.append(line[:cut])
            line = line[cut:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current or not chunks:
        chunks.append(current or " ")
    return chunks


