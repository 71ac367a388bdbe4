"""Dialogue, the same on every platform: numbers that pick a 「もしかして」 choice, greetings and thanks.

The core remembers, per conversation (platform, channel, thread and person), the choices it offered
last. A bare number then picks one of them; a number outside them asks for one that fits; a number with
nothing pending gets a short help rather than being taken for a question. Greetings and thanks get a
short friendly reply, not a search of the knowledge base. The memory is in the process, bounded, and
forgets after an hour: a choice is something you pick right away.
"""

from __future__ import annotations

import threading
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import SQLAlchemyError

from bot.buttons import STALE_BUTTON
from bot.clock import Clock
from bot.feedback import FeedbackService
from bot.questions import QuestionService
from bot.replies import Answer, ChatContext, Choice, Choices, Command, Message, Reply, para, refusal
from knowledge import patterns

ConversationKey = tuple[str, str, str, str]

PENDING_TTL = timedelta(hours=1)
MAX_CONVERSATIONS = 10_000

_NUMBER = patterns.compile(r"^(\d{1,3})(?:番|番目)?$")
_TRAILING = patterns.compile(r"[\s。、．，.,!！?？~〜ー♪☆★]+$")
# The whole message must be one of these (after NFKC, lower case, trailing punctuation removed).
_GREETINGS = {
    "こんにちは": "こんにちは",
    "こんにちわ": "こんにちは",
    "こんちは": "こんにちは",
    "おはよう": "おはようございます",
    "おはようございます": "おはようございます",
    "こんばんは": "こんばんは",
    "こんばんわ": "こんばんは",
    "はじめまして": "はじめまして",
    "よろしく": "よろしくお願いします",
    "よろしくお願いします": "よろしくお願いします",
    "よろしくおねがいします": "よろしくお願いします",
    "お疲れ様です": "お疲れさまです",
    "お疲れさまです": "お疲れさまです",
    "おつかれさまです": "お疲れさまです",
    "hello": "こんにちは",
    "hi": "こんにちは",
}
_THANKS = {
    "ありがとう",
    "ありがとうございます",
    "ありがとうございました",
    "どうもありがとう",
    "どうもありがとうございます",
    "どうも",
    "助かった",
    "助かりました",
    "助かります",
    "たすかった",
    "たすかりました",
    "サンキュー",
    "thanks",
    "thank you",
    "thx",
}


@dataclass(frozen=True)
class Pending:
    choices: tuple[Choice, ...]
    log_id: int | None
    offered_at: datetime


class PendingChoices:
    """The last 「もしかして」 choices offered in each conversation; thread-safe, bounded, expiring."""

    def __init__(self, clock: Clock, ttl: timedelta = PENDING_TTL, limit: int = MAX_CONVERSATIONS) -> None:
        self._clock = clock
        self._ttl = ttl
        self._limit = limit
        self._items: OrderedDict[ConversationKey, Pending] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: ConversationKey) -> Pending | None:
        with self._lock:
            pending = self._items.get(key)
            if pending is not None and self._clock() - pending.offered_at > self._ttl:
                del self._items[key]
                return None
            return pending

    def offer(self, key: ConversationKey, choices: tuple[Choice, ...], log_id: int | None) -> None:
        with self._lock:
            self._items[key] = Pending(choices, log_id, self._clock())
            self._items.move_to_end(key)
            while len(self._items) > self._limit:
                self._items.popitem(last=False)

    def clear(self, key: ConversationKey) -> None:
        with self._lock:
            self._items.pop(key, None)


def _folded(text: str) -> str:
    return _TRAILING.sub("", unicodedata.normalize("NFKC", text).strip().lower())


class Dialogue:
    def __init__(self, pending: PendingChoices, questions: QuestionService, feedback: FeedbackService) -> None:
        self.pending = pending
        self.questions = questions
        self.feedback = feedback

    def reply(self, ctx: ChatContext, text: str) -> Reply | None:
        """The reply to a dialogue turn (a number, a greeting, thanks), or None when `text` is not one."""
        folded = _folded(text)
        number = _NUMBER.match(folded)
        if number is not None:
            return self._pick(ctx, int(number.group(1)))
        if folded in _GREETINGS:
            return self._greeting(_GREETINGS[folded])
        if folded in _THANKS:
            return Message(
                (para("どういたしまして。ほかにも知りたいことがあれば、いつでも聞いてください。"),)
            )
        return None

    def choose(self, ctx: ChatContext, entry_id: str, log_id: int | None) -> Reply:
        """A choice picked (a button, or its number): its answer, tied to the question it answers."""
        self.pending.clear(ctx.conversation_key)
        if not self._known_question(log_id):
            return refusal(STALE_BUTTON)
        reply = self.questions.answer_entry(ctx, entry_id, log_id)
        if isinstance(reply, Answer):
            if log_id is not None:  # a follow-up of an answer is tied to no question: nothing to record
                self.feedback.picked(ctx.user, log_id, entry_id)
            self.remember(ctx, reply)
        return reply

    def _known_question(self, log_id: int | None) -> bool:
        """A button names the question its choices answer; a forged id is refused. During an outage the
        answer is still shown (the pick is then not stored)."""
        try:
            return self.feedback.known_question(log_id)
        except SQLAlchemyError:
            return True

    def remember(self, ctx: ChatContext, reply: Reply) -> None:
        """After a reply that was not a dialogue turn: its choices, or an answer's follow-ups, are pending."""
        if isinstance(reply, Choices) and reply.choices:
            self.pending.offer(ctx.conversation_key, reply.choices, reply.log_id)
        elif isinstance(reply, Answer) and reply.related:
            # A follow-up is a new question, not a pick for this one: no log id, so no 「picked」 feedback.
            self.pending.offer(ctx.conversation_key, reply.related, None)
        else:
            self.pending.clear(ctx.conversation_key)

    def _pick(self, ctx: ChatContext, number: int) -> Reply:
        pending = self.pending.get(ctx.conversation_key)
        if pending is None:
            return Message(
                (
                    para("番号で選べる候補は、いまはありません。知りたいことを文章で入力してください。"),
                    para("使い方は ", Command("ヘルプ")),
                )
            )
        if not 1 <= number <= len(pending.choices):
            return refusal(f"1〜{len(pending.choices)}の番号で選んでください。")
        return self.choose(ctx, pending.choices[number - 1].entry_id, pending.log_id)

    def _greeting(self, words: str) -> Reply:
        kb = self.questions.knowledge.current.kb
        about = f"{kb.plan.title}について" if kb.plan else "よくある質問に"
        example = ("例: ", Command("DX推進リーダーは何人？"), "　") if kb.plan else ()
        return Message(
            (
                para(f"{words}。DX推進ボットです。{about}お答えします。知りたいことを文章で聞いてください。"),
                para(*example, "使い方は ", Command("ヘルプ")),
            )
        )
