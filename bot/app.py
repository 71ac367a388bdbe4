"""One place builds everything: knowledge, storage, the command router; the Slack adapter and scheduler build on it."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.commands import CommandRouter, command_label
from bot.failures import check_configured_files
from bot.privacy import redact_personal_data
from bot.progress import ProgressService, setup_progress
from bot.replies import Answer, ChatContext, Choices, Message, NoAnswer, OpenReportForm, Refusal, Reply
from bot.settings import Settings
from knowledge.engine import FaqEngine, MatchResult
from knowledge.kb import KnowledgeBase, load_kb
from storage.db import create_db_engine, create_session_factory
from storage.repositories import QuestionLogRepository
from storage.schema import prepare_schema

logger = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Services:
    settings: Settings
    kb: KnowledgeBase
    faq: FaqEngine
    db: Engine
    sessions: sessionmaker[Session]
    question_log: QuestionLogRepository
    router: CommandRouter
    clock: Clock = utc_now
    lost_question_logs: int = field(default=0)
    progress: ProgressService | None = None
    _lost_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def handle(self, ctx: ChatContext, text: str) -> Reply:
        """Every adapter's entry point: one line of chat in, one platform-neutral reply out.

        Logs one line per request: platform, command, outcome and latency; never the text (it may hold
        personal data, and INFO logs are kept and shared).
        """
        started = time.perf_counter()
        status = "error"
        parsed = self.router.parse(text)
        try:
            reply = self.router.run(ctx, parsed)
            status = reply_status(reply)
            return reply
        finally:
            logger.info(
                "request platform=%s command=%s status=%s latency_ms=%.1f",
                ctx.platform,
                command_label(parsed.command),
                status,
                (time.perf_counter() - started) * 1000,
            )

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
                self.lost_question_logs += 1
                lost = self.lost_question_logs
            # No traceback: the statement's parameters are hidden, but one line per lost write is enough.
            logger.warning("question log write failed (%s); lost so far: %d", type(error).__name__, lost)
            return None


def reply_status(reply: Reply) -> str:
    """The outcome of a request, for the request log."""
    match reply:
        case Answer():
            return "answered"
        case Choices():
            return "ambiguous"
        case NoAnswer():
            return "no_answer"
        case Refusal():
            return "refused"
        case OpenReportForm():
            return "form"
        case Message():
            return "ok"
    return type(reply).__name__.lower()


def prepare_database(engine: Engine, auto_migrate: bool = True) -> None:
    """Every start migrates a fresh or older database, SQLite or PostgreSQL, under a lock (storage/schema.py);
    with DXBOT_AUTO_MIGRATE=0 it only checks, and `dxbot db upgrade` migrates."""
    prepare_schema(engine, auto_migrate=auto_migrate)


def create_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    kb: KnowledgeBase | None = None,
    migrate: bool = True,
    faq: FaqEngine | None = None,
) -> Services:
    """Build the services from settings. Nothing connects to Slack here."""
    started = time.perf_counter()
    check_configured_files(settings.directory_path)
    kb = kb if kb is not None else load_kb(settings.kb_path)
    # An engine already built for `kb` may be shared (it is read-only): tests start many bots.
    faq = faq if faq is not None else FaqEngine(kb)
    db = create_db_engine(settings.database_url)
    if migrate:
        prepare_database(db, auto_migrate=settings.auto_migrate)
    sessions = create_session_factory(db)
    router = CommandRouter()
    services = Services(
        settings=settings,
        kb=kb,
        faq=faq,
        db=db,
        sessions=sessions,
        question_log=QuestionLogRepository(sessions),
        router=router,
        clock=clock or utc_now,
    )
    services.progress = setup_progress(settings, kb, sessions, clock=lambda: services.clock())
    register_handlers(router, services)
    logger.info(
        "dxbot ready: %d FAQ entries, plan %s, built in %.2fs",
        len(kb.entries),
        kb.plan.version if kb.plan else "-",
        time.perf_counter() - started,
    )
    return services


def register_handlers(router: CommandRouter, services: Services) -> None:
    from bot.handlers import faq, help, progress

    help.register(router, services)
    faq.register(router, services)
    progress.register(router, services)
