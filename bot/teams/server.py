"""Teams over HTTP: `POST /api/messages` behind the SDK's JWT check, `GET /healthz` without it.

Auth is the SDK's own: every request to /api/messages needs a Bot Framework token for TEAMS_APP_ID
(signature, audience, issuer, tenant); otherwise 401. Outbound calls get their tokens from MSAL with
TEAMS_APP_ID / TEAMS_APP_PASSWORD in TEAMS_TENANT_ID (single tenant), and go only to Microsoft's
connector hosts. `TEAMS_ALLOW_ANONYMOUS=1` (local tests against a fake connector) accepts requests
without an Authorization header and sends replies without a token, to any host; a request that does
carry a token is still validated, so a forged one gets 401.

Seam (docs/architecture.md §6): the shared HTTP front mounts `messages_handler` when it lands; until then
`serve_teams` runs this aiohttp application by itself.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web
from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.aiohttp import CloudAdapter, jwt_authorization_decorator, start_agent_process
from microsoft_agents.hosting.core import AgentAuthConfiguration, OutboundHostValidator
from microsoft_agents.hosting.core.authorization import AnonymousTokenProvider, AuthTypes
from microsoft_agents.hosting.core.authorization.connection_manager import ConnectionManager

from bot.settings import Settings
from bot.teams.app import TeamsAgent, build_agent
from bot.teams.core import TeamsCore
from bot.teams.payloads import malformed_activity
from bot.teams.store import ConversationDirectory, DatabaseStorage
from storage.conversations import ConversationStore

if TYPE_CHECKING:
    from bot.bootstrap import Bot

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 256 * 1024  # an activity is a few KB; Teams' own message limit is about 100 KB
ANONYMOUS_WARNING = (
    "TEAMS_ALLOW_ANONYMOUS=1: requests without a token are accepted. For local tests against a fake "
    "connector only; never in production."
)


class TeamsSetupError(RuntimeError):
    """The Teams adapter cannot start; the message (Japanese) names what to fix, never a secret."""


def auth_configuration(settings: Settings) -> AgentAuthConfiguration:
    """The SDK's configuration for validating inbound tokens (and, with a password, getting outbound ones)."""
    if not settings.teams_app_id:
        raise TeamsSetupError("TEAMS_APP_ID が設定されていません（Azure のボット登録のアプリ ID）。")
    anonymous = settings.teams_allow_anonymous
    if not anonymous and not (settings.teams_app_password and settings.teams_tenant_id):
        raise TeamsSetupError(
            "TEAMS_APP_PASSWORD と TEAMS_TENANT_ID を設定してください（シングルテナントのボット登録の"
            "クライアント シークレットとテナント ID）。"
        )
    return AgentAuthConfiguration(
        auth_type=AuthTypes.client_secret,
        client_id=settings.teams_app_id,
        tenant_id=settings.teams_tenant_id,
        client_secret=settings.teams_app_password,
        anonymous_allowed=anonymous,
        connection_name="SERVICE_CONNECTION",
    )


def connection_manager(settings: Settings, config: AgentAuthConfiguration) -> Any:
    if settings.teams_allow_anonymous and not settings.teams_app_password:
        return ConnectionManager(
            provider_factory=lambda _config: AnonymousTokenProvider(),
            connections_configurations={"SERVICE_CONNECTION": config},
        )
    return MsalConnectionManager(connections_configurations={"SERVICE_CONNECTION": config})


def host_validator(settings: Settings) -> OutboundHostValidator:
    """Replies go only to Microsoft's connector hosts, unless anonymous (a fake connector on loopback)."""
    if settings.teams_allow_anonymous:
        return OutboundHostValidator(enabled=False)
    return OutboundHostValidator(enabled=True)


def build_teams_agent(bot: Bot) -> TeamsAgent:
    """The agent for `bot` (the core, from `bootstrap()`). Reads settings; connects to nothing until a request comes."""
    settings: Settings = bot.settings
    config = auth_configuration(settings)
    if settings.teams_allow_anonymous:
        logger.warning(ANONYMOUS_WARNING)
    connections = connection_manager(settings, config)
    adapter = CloudAdapter(connection_manager=connections, host_validator=host_validator(settings))
    directory = ConversationDirectory(DatabaseStorage(ConversationStore(bot.sessions, bot.clock)))
    agent = build_agent(
        TeamsCore.build(bot),
        directory,
        adapter,
        app_id=settings.teams_app_id or "",
        connection_manager=connections,
    )
    agent.auth_config = config
    return agent


def messages_handler(agent: TeamsAgent) -> Callable[[web.Request], Any]:
    """`POST /api/messages`: the SDK checks the token, then the agent handles the activity."""

    @jwt_authorization_decorator
    async def on_messages(request: web.Request) -> web.StreamResponse:
        try:
            reason = malformed_activity(await request.json())
        except ValueError:  # not JSON, or a number JSON cannot hold
            reason = "not JSON"
        if reason is not None:
            logger.info("malformed activity refused: %s", reason)
            return web.json_response({"error": "malformed activity"}, status=400)
        response = await start_agent_process(request, agent.app, agent.adapter)
        return response if response is not None else web.Response(status=202)

    return on_messages


def build_web_app(agent: TeamsAgent, health_check: Callable[[], bool] | None = None) -> web.Application:
    # The SDK's JWT check keeps its claims under a plain string key on each request; aiohttp would warn per request.
    warnings.filterwarnings("ignore", category=web.NotAppKeyWarning, module=r"microsoft_agents\.")
    web_app = web.Application(client_max_size=MAX_BODY_BYTES)
    with warnings.catch_warnings():  # the SDK's JWT check reads this plain string key
        warnings.simplefilter("ignore", web.NotAppKeyWarning)
        web_app["agent_configuration"] = agent.auth_config
    web_app.router.add_post("/api/messages", messages_handler(agent))

    async def healthz(_request: web.Request) -> web.Response:
        healthy = True if health_check is None else await asyncio.to_thread(health_check)
        return web.json_response({"ok": healthy}, status=200 if healthy else 503)

    web_app.router.add_get("/healthz", healthz)
    return web_app


def serve_teams(web_app: web.Application, host: str, port: int) -> None:
    """Serve until SIGINT/SIGTERM (aiohttp drains in-flight requests on shutdown)."""
    logger.info("Teams endpoint on http://%s:%d/api/messages", host, port)
    web.run_app(web_app, host=host, port=port, print=None, access_log=logger, shutdown_timeout=10.0)


@dataclass
class RunningServer:
    """A server on a free port in its own thread and event loop (tests, and `dxbot run` beside Slack)."""

    url: str
    loop: asyncio.AbstractEventLoop
    thread: threading.Thread
    runner: web.AppRunner

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(timeout=15)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=15)


def start_in_thread(web_app: web.Application, host: str = "127.0.0.1", port: int = 0) -> RunningServer:
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(web_app, access_log=None)
    ready = threading.Event()
    bound: list[int] = []

    def run() -> None:
        asyncio.set_event_loop(loop)

        async def start() -> None:
            await runner.setup()
            site = web.TCPSite(runner, host, port)
            await site.start()
            server = getattr(site, "_server", None)
            sockets = getattr(server, "sockets", None) or []
            bound.append(sockets[0].getsockname()[1] if sockets else port)
            ready.set()

        loop.run_until_complete(start())
        loop.run_forever()
        loop.close()

    thread = threading.Thread(target=run, name="dxbot-teams-http", daemon=True)
    thread.start()
    if not ready.wait(timeout=30):
        raise RuntimeError("Teams HTTP server did not start")
    return RunningServer(f"http://{host}:{bound[0]}", loop, thread, runner)
