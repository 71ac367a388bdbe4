"""Free text that is not a command: a question for the FAQ engine (bot/questions.py)."""

from __future__ import annotations

from bot.commands import CommandRouter
from bot.questions import QuestionService


def register(router: CommandRouter, questions: QuestionService) -> None:
    router.set_question_handler(questions.ask)
