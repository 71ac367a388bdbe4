"""The composition root: everything the bot is made of, built in one step (cosmicpython's bootstrap.py).

`bootstrap(settings)` builds the knowledge store, the database and its repositories, the services, the
command router with its handlers, and what the scheduled jobs need. Defaults are built here, inside the
function; tests pass overrides (a clock, a knowledge base, an engine already built for it). Handlers get
the one or two services they use as arguments and never import this module; adapters (console, Slack,
Teams) and the CLI are built from the `Bot` it returns. Nothing connects to a chat platform here.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.chat import ChatCore
from bot.clock import Clock, utc_now
from bot.commands import CommandRouter
from bot.dialogue import Dialogue, PendingChoices
from bot.directory import DirectoryError, import_directory
from bot.errors import is_storage_outage
from bot.failures import check_configured_files
from bot.feedback import FeedbackService
from bot.handlers import faq as question_commands
from bot.handlers import help as help_command
from bot.handlers import progress as progress_commands
from bot.intake import ACCEPTING_THREADS, LEASE, WORKERS, Intake
from bot.knowledge_store import Knowledge, KnowledgeStore
from bot.progress.matching import SudachiReader
from bot.progress.service import ProgressService
from bot.questions import QuestionService
from bot.replies import ChatContext, Reply
from bot.settings import Settings
from knowledge.engine import FaqEngine
from knowledge.kb import KnowledgeBase, load_kb
from storage.db import create_db_engine
from storage.feedback import FeedbackRepository
from storage.inbox import Inbox, create_inbox_engine
from storage.ledger import DeliveryLedger
from storage.progress import InitiativeRepository, ReportRepository, StaffRepository
from storage.readiness import DatabaseReadiness, GatedSessionmaker
from storage.repositories import QuestionLogRepository
from storage.schema import prepare_schema

if TYPE_CHECKING:
    from jobs.digest import DigestRepos

logger = logging.getLogger(__name__)


@dataclass
class Bot:
    """The built bot: what the adapters, the scheduler and the CLI use."""

    settings: Settings
    clock: Clock
    knowledge: KnowledgeStore
    db: Engine
    sessions: sessionmaker[Session]
    question_log: QuestionLogRepository
    feedback: FeedbackService
    ledger: DeliveryLedger
    progress: ProgressService
    questions: QuestionService
    router: CommandRouter
    chat: ChatCore
    intake: Intake
    readiness: DatabaseReadiness | None = None  # None: built without the start-up gate

    def database_started(self) -> bool:
        """The start-up work that needs the database is done; retried here when it is not (for `/healthz`)."""
        return self.readiness is None or self.readiness.ensure()

    @property
    def kb(self) -> KnowledgeBase:
        return self.knowledge.current.kb

    @property
    def engine(self) -> FaqEngine:
        return self.knowledge.current.engine

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.settings.tz)

    def handle(self, ctx: ChatContext, text: str) -> Reply:
        return self.chat.handle(ctx, text)

    def digest_repos(self) -> DigestRepos:
        # Imported here: only the scheduled jobs need it, and with jpholiday it is 30-40 ms of a start's imports.
        from jobs.digest import DigestRepos

        progress = self.progress
        return DigestRepos(
            initiatives=progress.initiatives,
            staff=progress.staff,
            reports=progress.reports,
            questions=self.question_log,
            kb=self.kb,
            feedback=self.feedback.repository,
        )

    def close(self) -> None:
        self.intake.drain(0)
        self.intake.inbox.engine.dispose()
        self.db.dispose()


def bootstrap(
    settings: Settings,
    *,
    clock: Clock | None = None,
    kb: KnowledgeBase | None = None,
    engine: FaqEngine | None = None,
    migrate: bool = True,
    reader: Callable[[str], str] | None = None,
) -> Bot:
    """Build the bot from `settings`. `kb` and `engine` replace the configured knowledge base (an engine
    already built for `kb` may be shared: it is read-only, and tests start many bots)."""
    started = time.perf_counter()
    check_configured_files(settings.directory_path)
    clock = clock or utc_now

    def load() -> Knowledge:
        fresh = load_kb(settings.kb_path)
        return Knowledge(fresh, FaqEngine(fresh, cache_dir=settings.index_cache_dir))

    first = None
    if kb is not None:
        first = Knowledge(kb, engine if engine is not None else FaqEngine(kb, cache_dir=settings.index_cache_dir))
    knowledge = KnowledgeStore(load, first)

    # Every intake worker may hold a connection while it works; the spare ones are for the scheduler's jobs
    # and start-up (a worker must never be told "database unreachable" because the pool ran dry).
    sqlite_writer = threading.Lock()  # used only on SQLite: its writers, of both engines, take turns
    db = create_db_engine(settings.database_url, pool_size=WORKERS + 4, max_overflow=4, sqlite_writer=sqlite_writer)
    progress_ref: list[ProgressService] = []

    def prepare_database() -> None:
        """What start needs from the database; run again, by itself, when it was down at start."""
        if migrate:
            # Every start migrates a fresh or older database under a lock; DXBOT_AUTO_MIGRATE=0 only checks.
            prepare_schema(db, auto_migrate=settings.auto_migrate)
        progress_ref[0].seed_initiatives()
        if settings.directory_path is not None:
            _import_directory(settings, progress_ref[0].staff, clock)

    readiness = DatabaseReadiness(prepare_database, is_storage_outage)
    sessions = GatedSessionmaker(db, readiness, expire_on_commit=False)
    question_log = QuestionLogRepository(sessions)

    progress = ProgressService(
        initiatives=InitiativeRepository(sessions),
        staff=StaffRepository(sessions),
        reports=ReportRepository(sessions),
        knowledge=lambda: knowledge.current.kb,
        clock=clock,
        tz=ZoneInfo(settings.tz),
        reader=reader if reader is not None else SudachiReader(),
    )
    progress_ref.append(progress)
    # A database that is down at start does not stop the bot (SPEC: First run and operations).
    readiness.start()
    knowledge.on_reload(lambda _fresh: progress.seed_initiatives())

    questions = QuestionService(knowledge, question_log, clock)
    feedback = FeedbackService(FeedbackRepository(sessions), clock)
    router = CommandRouter()
    register_handlers(router, knowledge=knowledge, questions=questions, progress=progress)
    bot = Bot(
        settings=settings,
        clock=clock,
        knowledge=knowledge,
        db=db,
        sessions=sessions,
        question_log=question_log,
        feedback=feedback,
        ledger=DeliveryLedger(sessions),
        progress=progress,
        questions=questions,
        router=router,
        chat=ChatCore(router, Dialogue(PendingChoices(clock), questions, feedback)),
        # The inbox's own pool: every accepting thread and every worker at once, so an insert before an ack
        # never queues behind work (its waits are bounded by the inbox's short timeout).
        intake=Intake(
            Inbox(
                create_inbox_engine(
                    settings.database_url, pool_size=WORKERS, max_overflow=ACCEPTING_THREADS, sqlite_writer=sqlite_writer
                ),
                lease=LEASE,
            ),
            utc_now,  # leases are about real time between processes, whatever clock the bot's dates follow
        ),
        readiness=readiness,
    )
    current = knowledge.current.kb
    logger.info(
        "dxbot ready: %d FAQ entries, plan %s, built in %.2fs",
        len(current.entries),
        current.plan.version if current.plan else "-",
        time.perf_counter() - started,
    )
    return bot


def register_handlers(
    router: CommandRouter, *, knowledge: KnowledgeStore, questions: QuestionService, progress: ProgressService
) -> None:
    help_command.register(router, knowledge)
    question_commands.register(router, questions)
    progress_commands.register(router, progress)


def _import_directory(settings: Settings, staff: StaffRepository, clock: Clock) -> None:
    """DXBOT_DIRECTORY at start. A file with problems is logged and skipped: a bad edit must not keep the
    bot from answering."""
    assert settings.directory_path is not None
    try:
        import_directory(settings.directory_path, staff, clock())
    except DirectoryError as error:
        for problem in error.problems:
            logger.error("staff directory not imported: %s", problem)
