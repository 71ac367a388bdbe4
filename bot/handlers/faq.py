"""Questions to the FAQ engine: answer, 「もしかして」 choices, or an honest no-answer. Every one is logged."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.privacy import redact_personal_data
from bot.replies import Answer, ChatContext, Choice, Choices, Command, NoAnswer, Reply, para, refusal
from knowledge.engine import AMBIGUOUS, ANSWERED

if TYPE_CHECKING:
    from bot.app import Services

logger = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 500


def ask(services: Services, ctx: ChatContext, question: str) -> Reply:
    question = question.strip()
    if not question:
        return refusal(para("質問を入力してください。例: ", Command("DX推進リーダーは何人？"), "　コマンド一覧は ", Command("ヘルプ")))
    if len(question) > MAX_QUESTION_CHARS:
        return refusal(f"質問が長すぎます（{len(question)}文字）。{MAX_QUESTION_CHARS}文字以内で、要点を短く書いてください。")
    result = services.faq.match(question, top=3)
    # The engine may see what was typed (nothing of it is kept); the log and the echoed question may not.
    redaction = redact_personal_data(question)
    question, notices = redaction.text, redaction.notices
    log_id = services.log_question(ctx, question, result)
    if result.status == ANSWERED and result.entry is not None:
        return Answer(
            question=question,
            answer=result.entry.answer,
            source=services.kb.source_label(result.entry) or "",
            entry_id=result.entry.id,
            score=result.score,
            log_id=log_id,
            notices=notices,
        )
    if result.status == AMBIGUOUS:
        choices = tuple(Choice(c.entry_id, c.question, c.score) for c in result.candidates)
        return Choices(question=question, choices=choices, log_id=log_id, notices=notices)
    return NoAnswer(
        question=question,
        contact=services.kb.contact,
        scope="アクションプラン" if services.kb.plan is not None else None,
        log_id=log_id,
        notices=notices,
    )


def answer_entry(services: Services, ctx: ChatContext, entry_id: str) -> Reply:
    """The answer of one entry, chosen from 「もしかして」 choices."""
    entry = services.faq.get(entry_id)
    if entry is None:
        return refusal("その項目は見つかりませんでした。もう一度質問してください。")
    return Answer(
        question=entry.question,
        answer=entry.answer,
        source=services.kb.source_label(entry) or "",
        entry_id=entry.id,
        score=1.0,
    )


def register(router, services: Services) -> None:  # type: ignore[no-untyped-def]
    router.set_question_handler(lambda ctx, text: ask(services, ctx, text))
