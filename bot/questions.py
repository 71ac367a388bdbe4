"""Questions to the FAQ engine: an answer, 「もしかして」 choices, or an honest no-answer. Every one is logged.

The same service answers a question typed in any adapter, a choice picked by button or by number, and
a 「共有」 of an answer; personal data is redacted before anything is logged or echoed.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy.exc import SQLAlchemyError

from bot.clock import Clock
from bot.knowledge_store import KnowledgeStore
from bot.privacy import redact_personal_data, storable_text
from bot.replies import Answer, ChatContext, Choice, Choices, Command, NoAnswer, Reply, para, refusal
from knowledge.engine import AMBIGUOUS, ANSWERED, MatchResult
from knowledge.kb import FaqEntry, KnowledgeBase
from storage.repositories import QuestionLogRepository

logger = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 500
PLAN_SCOPE = "アクションプラン"  # what the no-answer says was searched, when the knowledge base is the plan


class QuestionService:
    def __init__(self, knowledge: KnowledgeStore, question_log: QuestionLogRepository, clock: Clock) -> None:
        self.knowledge = knowledge
        self.question_log = question_log
        self.clock = clock
        self.lost_logs = 0  # question log writes lost to a database outage, since start
        self._lost_lock = threading.Lock()

    def ask(self, ctx: ChatContext, question: str) -> Reply:
        question = question.strip()
        if not question:
            return refusal(
                para("質問を入力してください。例: ", Command("DX推進リーダーは何人？"), "　コマンド一覧は ", Command("ヘルプ"))
            )
        if len(question) > MAX_QUESTION_CHARS:
            return refusal(
                f"質問が長すぎます（{len(question)}文字）。{MAX_QUESTION_CHARS}文字以内で、要点を短く書いてください。"
            )
        knowledge = self.knowledge.current  # one knowledge base for the whole request, even across a reload
        result = knowledge.engine.match(question, top=3)
        # The engine may see what was typed (nothing of it is kept); the log and the echoed question may not.
        redaction = redact_personal_data(storable_text(question))
        question, notices = redaction.text, redaction.notices
        log_id = self.log_question(ctx, question, result)
        kb = knowledge.kb
        if result.status == ANSWERED and result.entry is not None:
            return _answer(kb, result.entry, question, result.score, log_id, notices, _related(result.related))
        if result.status == AMBIGUOUS:
            choices = tuple(Choice(c.entry_id, c.question, c.score) for c in result.candidates)
            return Choices(question=question, choices=choices, log_id=log_id, notices=notices)
        return NoAnswer(
            question=question,
            contact=kb.contact,
            statement=result.note,  # 「計画には担当者の名前は書かれていません。…」 instead of the generic words
            scope=PLAN_SCOPE if kb.plan is not None else None,
            log_id=log_id,
            notices=notices,
        )

    def answer_entry(self, ctx: ChatContext, entry_id: str, log_id: int | None = None) -> Reply:
        """The answer of one entry, chosen from 「もしかして」 choices (tied to the question it answers)."""
        knowledge = self.knowledge.current
        entry = knowledge.engine.get(entry_id)
        if entry is None:
            return refusal("その項目は見つかりませんでした。もう一度質問してください。")
        related = tuple(e for e in (knowledge.engine.get(i) for i in entry.related) if e is not None)
        return _answer(knowledge.kb, entry, entry.question, 1.0, log_id, (), _related(related))

    def logged_question(self, log_id: object) -> str | None:
        """The (redacted) text of a logged question, which a card echoes above its answer; None when `log_id`
        is not a log id or the log cannot be read (the card is then drawn without it)."""
        if not isinstance(log_id, int):
            return None
        try:
            logged = self.question_log.get(log_id)
        except SQLAlchemyError:
            logger.warning("question log read failed", exc_info=True)
            return None
        return logged.text if logged else None

    def log_question(self, ctx: ChatContext, question: str, result: MatchResult) -> int | None:
        """Keep the question for curators. A database outage must not stop answers, so it is counted.

        Personal data is redacted here too, so nothing that reaches the log table can carry it.
        """
        try:
            return self.question_log.record(
                text=redact_personal_data(question).text,
                status=result.status,
                score=result.score,
                entry_id=result.entry.id if result.entry else None,
                asked_at=self.clock(),
                user_id=ctx.user_id,
                channel=ctx.conversation,
                platform=ctx.platform,
            )
        except SQLAlchemyError as error:
            with self._lost_lock:
                self.lost_logs += 1
                lost = self.lost_logs
            # No traceback: the statement's parameters are hidden, but one line per lost write is enough.
            logger.warning("question log write failed (%s); lost so far: %d", type(error).__name__, lost)
            return None


def _related(entries: tuple[FaqEntry, ...]) -> tuple[Choice, ...]:
    """The answer's follow-ups (the entry's `related:`), offered like 「もしかして」 choices."""
    return tuple(Choice(e.id, e.question, 1.0) for e in entries)


def _answer(
    kb: KnowledgeBase,
    entry: FaqEntry,
    question: str,
    score: float,
    log_id: int | None,
    notices: tuple[str, ...],
    related: tuple[Choice, ...] = (),
) -> Answer:
    return Answer(
        question=question,
        answer=entry.answer,
        source=kb.source_label(entry) or "",
        entry_id=entry.id,
        score=score,
        log_id=log_id,
        notices=notices,
        related=related,
    )
