"""`dxbot serve --platform teams` and Teams beside Slack in `dxbot run`: building, serving, the jobs' notifier."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.settings import Settings
from bot.teams.digest import TeamsDeliveryNotifier, is_teams_channel
from bot.teams.notifier import TeamsNotifier
from bot.teams.server import TeamsAgent, build_teams_agent, teams_front
from bot.web.server import Front, FrontLimits

if TYPE_CHECKING:
    from bot.bootstrap import Bot

logger = logging.getLogger(__name__)


def jobs_notifier(agent: TeamsAgent) -> TeamsDeliveryNotifier:
    return TeamsDeliveryNotifier(TeamsNotifier(agent.adapter, agent.directory), agent.core.teams_object_id)


def digest_goes_to_teams(settings: Settings) -> bool:
    """The digest channel is a Teams channel id, or Teams is the only platform configured."""
    return is_teams_channel(settings.digest_channel) or (settings.teams_configured and not settings.slack_configured)


def front_for(bot: Bot, limits: FrontLimits | None = None) -> tuple[TeamsAgent, Front]:
    """The agent and the front serving it; `/healthz` is 503 until the start-up work ran, or while the
    database is away (checked on its own one-connection pool, as Slack's)."""
    from storage.db import create_db_engine, database_reachable

    agent = build_teams_agent(bot)
    health_db = create_db_engine(
        bot.settings.database_url, pool_size=1, max_overflow=0, pool_timeout=1, busy_timeout=1, connect_timeout=2
    )
    front = teams_front(agent, lambda: bot.database_started() and database_reachable(health_db), limits)

    def release_health_pool(_seconds: float) -> bool:
        health_db.dispose()
        return True

    front.on_drain(release_health_pool)
    return agent, front
