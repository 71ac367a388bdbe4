"""Platform-neutral replies. Adapters (console, Slack) render these; handlers never format for a platform."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ChatContext:
    """Who is talking, and where."""

    user_id: str | None
    channel: str | None = None
    platform: str = "console"
    # The chat platform's id for this request (Slack trigger_id / event_id), so a redelivery of the same
    # request does not write twice; None in the console.
    request_id: str | None = None


@dataclass(frozen=True)
class Choice:
    entry_id: str
    question: str
    score: float


@dataclass(frozen=True)
class Answer:
    question: str
    answer: str
    source: str
    entry_id: str
    score: float
    log_id: int | None = None
    notices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Choices:
    """「もしかして」: the engine is unsure; the user picks one."""

    question: str
    choices: tuple[Choice, ...]
    log_id: int | None = None
    notices: tuple[str, ...] = ()


@dataclass(frozen=True)
class NoAnswer:
    question: str
    log_id: int | None = None
    notices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Text:
    """A plain informational reply (confirmation, list, status, help)."""

    text: str


@dataclass(frozen=True)
class Refusal:
    """An expected failure: what was wrong and how to write it. Nothing was changed."""

    text: str


@dataclass(frozen=True)
class OpenReportForm:
    """`/dx 報告` alone: the adapter opens a form (the console explains the command instead)."""

    hint: str


Reply = Answer | Choices | NoAnswer | Text | Refusal | OpenReportForm
