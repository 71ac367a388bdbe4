"""The scheduler inside `dxbot run`, and the pieces `dxbot digest` shares with it.

The BackgroundScheduler is built and started only by `start_scheduler` (called from `dxbot run`), never at
import; `stop_scheduler` shuts it down. Without DXBOT_DIGEST_CHANNEL (or without Slack) the digest jobs
are skipped, and the log says so at start.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from jobs.delivery import DigestJob, catch_up, send_reminders
from jobs.digest import DigestRepos
from jobs.notify import Notifier, RetryPolicy
from jobs.retention import purge_question_log
from jobs.schedule import JobDeps, register_jobs
from storage.ledger import DeliveryLedger
from storage.retention import RetentionRepository

if TYPE_CHECKING:
    from bot.app import Services

logger = logging.getLogger(__name__)


def digest_repos(services: Services) -> DigestRepos:
    progress = services.progress
    if progress is None:  # create_app always builds it
        raise RuntimeError("progress service not configured")
    return DigestRepos(
        initiatives=progress.initiatives,
        staff=progress.staff,
        reports=progress.reports,
        questions=services.question_log,
        kb=services.kb,
    )


def slack_notifier(services: Services) -> Notifier:
    from bot.slack.notifier import SlackNotifier

    return SlackNotifier.from_settings(services.settings.slack_bot_token, services.settings.slack_api_url)


def digest_job(services: Services, notifier: Notifier, retry: RetryPolicy | None = None) -> DigestJob | None:
    channel = services.settings.digest_channel
    if not channel:
        return None
    return DigestJob(
        repos=digest_repos(services),
        notifier=notifier,
        ledger=DeliveryLedger(services.sessions),
        channel=channel,
        tz=ZoneInfo(services.settings.tz),
        retry=retry,
    )


def start_scheduler(services: Services, notifier: Notifier | None) -> Any | None:
    """Start the weekly digest and reminder jobs in a BackgroundScheduler; None when nothing to schedule."""
    from apscheduler.schedulers.background import BackgroundScheduler

    tz = ZoneInfo(services.settings.tz)
    if notifier is None:
        logger.info("Slack is not configured: weekly digest and reminders are disabled")
        return None
    job = digest_job(services, notifier)
    if job is None:
        logger.warning("DXBOT_DIGEST_CHANNEL is not set: the weekly digest is disabled (reminder DMs still run)")
    repos = digest_repos(services)
    ledger = DeliveryLedger(services.sessions)
    deps = JobDeps(
        tz=tz,
        clock=services.clock,
        run_digest=(lambda now: catch_up(now, job)) if job is not None else None,
        run_reminders=lambda now: send_reminders(now, repos=repos, notifier=notifier, ledger=ledger, tz=tz),
        run_retention=lambda now: purge_question_log(
            now, repo=RetentionRepository(services.sessions), days=services.settings.question_log_days
        ),
    )
    scheduler = BackgroundScheduler(timezone=tz)
    ids = register_jobs(scheduler, deps)
    scheduler.start()
    logger.info("scheduler started (%s): %s", tz.key, ", ".join(ids))
    return scheduler


def stop_scheduler(scheduler: Any | None) -> None:
    if scheduler is not None:
        scheduler.shutdown(wait=False)
        logger.info("scheduler stopped")
