"""`dxbot serve --platform teams` and Teams beside Slack in `dxbot run`: building, serving, the jobs' notifier."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from bot.settings import Settings
from bot.teams.digest import TeamsDeliveryNotifier, is_teams_channel
from bot.teams.notifier import TeamsNotifier
from bot.teams.server import TeamsAgent, build_teams_agent, build_web_app

if TYPE_CHECKING:
    from bot.bootstrap import Bot

logger = logging.getLogger(__name__)


def jobs_notifier(agent: TeamsAgent) -> TeamsDeliveryNotifier:
    return TeamsDeliveryNotifier(TeamsNotifier(agent.adapter, agent.directory), agent.core.teams_object_id)


def digest_goes_to_teams(settings: Settings) -> bool:
    """The digest channel is a Teams channel id, or Teams is the only platform configured."""
    return is_teams_channel(settings.digest_channel) or (settings.teams_configured and not settings.slack_configured)


def web_app_for(bot: Bot) -> tuple[TeamsAgent, Any]:
    from storage.db import database_reachable

    agent = build_teams_agent(bot)
    return agent, build_web_app(agent, health_check=lambda: database_reachable(bot.db))
