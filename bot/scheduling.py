"""The scheduler inside `dxbot run`, and the pieces `dxbot digest` shares with it.

The BackgroundScheduler is built and started only by `start_scheduler` (called from `dxbot run`), never at
import; `stop_scheduler` shuts it down. Without DXBOT_DIGEST_CHANNEL (or without Slack) the digest jobs
are skipped, and the log says so at start.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from jobs.delivery import DigestJob, catch_up, send_reminders
from jobs.notify import Notifier, RetryPolicy
from jobs.retention import purge_question_log
from jobs.schedule import JobDeps, register_jobs
from storage.retention import RetentionRepository

if TYPE_CHECKING:
    from bot.bootstrap import Bot
    from bot.settings import Settings

logger = logging.getLogger(__name__)


def slack_notifier(settings: Settings) -> Notifier[Any]:
    from bot.slack.notifier import SlackNotifier

    return SlackNotifier.from_settings(settings.slack_bot_token, settings.slack_api_url)


def digest_job(bot: Bot, notifier: Notifier[Any], retry: RetryPolicy | None = None) -> DigestJob | None:
    """The digest job for DXBOT_DIGEST_CHANNEL, posted by `notifier` (the channel's platform)."""
    channel = bot.settings.digest_channel
    if not channel:
        return None
    return DigestJob(
        repos=bot.digest_repos(), notifier=notifier, ledger=bot.ledger, channel=channel, tz=bot.tz, retry=retry
    )


def start_scheduler(bot: Bot, notifier: Notifier[Any] | None) -> Any | None:
    """Start the weekly digest and reminder jobs in a BackgroundScheduler; None when nothing to schedule."""
    from apscheduler.schedulers.background import BackgroundScheduler

    tz = bot.tz
    if notifier is None:
        logger.info("no chat platform is configured: weekly digest and reminders are disabled")
        return None
    job = digest_job(bot, notifier)
    if job is None:
        logger.warning("DXBOT_DIGEST_CHANNEL is not set: the weekly digest is disabled (reminder DMs still run)")
    deps = JobDeps(
        tz=tz,
        clock=bot.clock,
        run_digest=(lambda now: catch_up(now, job)) if job is not None else None,
        run_reminders=lambda now: send_reminders(now, repos=bot.digest_repos(), notifier=notifier, ledger=bot.ledger, tz=tz),
        run_retention=lambda now: purge_question_log(
            now, repo=RetentionRepository(bot.sessions), days=bot.settings.question_log_days
        ),
        # Catch-ups wait for the database when it was down at start, then run (and the start-up work with them).
        database_started=bot.database_started,
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
