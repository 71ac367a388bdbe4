"""Teams over HTTP: `POST /api/messages` behind the SDK's JWT check, `GET /healthz` without it.

Auth is the SDK's own: every request to /api/messages needs a Bot Framework token for TEAMS_APP_ID
(signature, audience, issuer, tenant); otherwise 401. Outbound calls get their tokens from MSAL with
TEAMS_APP_ID / TEAMS_APP_PASSWORD in TEAMS_TENANT_ID (single tenant), and go only to Microsoft's
connector hosts. `TEAMS_ALLOW_ANONYMOUS=1` (local tests against a fake connector) accepts requests
without an Authorization header and sends replies without a token, to any host; a request that does
carry a token is still validated, so a forged one gets 401.

The route is mounted on the shared HTTP front (bot/web/server.py `Front`, docs/architecture.md §6), which
gives it the header and body deadlines, the size and connection limits, `GET /healthz` and the graceful
drain. A request with no `Authorization` header is refused from its headers alone (401, body unread) unless
anonymous requests are allowed; a token is checked by the SDK, after the front has read the body.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable
from dataclasses import replace
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
from bot.web.server import Front, FrontLimits, Mount, RunningFront, json_response, serve, start_in_thread
from storage.conversations import ConversationStore

if TYPE_CHECKING:
    from bot.bootstrap import Bot

logger = logging.getLogger(__name__)

MESSAGES_PATH = "/api/messages"
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
        # The SDK checks the issuer only when asked (off by default for its older deployments): without it, a
        # token signed with keys the SDK fetched for its issuer and naming our app id passes whatever the issuer.
        # On, the issuer must be the Bot Framework's, one of Microsoft's first-party tenants, or our own tenant.
        validate_issuer=True,
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


class TeamsRoute:
    """`POST /api/messages` on the front."""

    def __init__(self, agent: TeamsAgent) -> None:
        self.agent = agent
        self.anonymous = bool(agent.auth_config.ANONYMOUS_ALLOWED)

    def mount(self, front: Front) -> None:
        # The SDK's JWT check reads its configuration from the application under this plain string key.
        warnings.filterwarnings("ignore", category=web.NotAppKeyWarning, module=r"microsoft_agents\.")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", web.NotAppKeyWarning)
            front.app["agent_configuration"] = self.agent.auth_config
        front.mount(Mount("Teams", "POST", MESSAGES_PATH, messages_handler(self.agent), precheck=self.precheck))

    def precheck(self, request: web.Request) -> web.Response | None:
        """401 from the headers alone when there is no token and none may be missing (the body is not read)."""
        if self.anonymous or request.headers.get("Authorization"):
            return None
        return json_response(401, {"error": "Authorization header not found"}, close=True)


def teams_front(agent: TeamsAgent, health_check: Callable[[], bool] | None = None, limits: FrontLimits | None = None) -> Front:
    """A front serving Teams (and `/healthz`); activities are small, so bodies stay within MAX_BODY_BYTES."""
    limits = limits or FrontLimits()
    front = Front(health_check, replace(limits, max_body_bytes=min(limits.max_body_bytes, MAX_BODY_BYTES)))
    TeamsRoute(agent).mount(front)
    return front


def serve_teams(front: Front, host: str, port: int) -> bool:
    """Serve until SIGTERM/SIGINT, then drain (bot/web/server.py `serve`); True when the drain finished."""
    return serve(front, host, port)


def start_teams_in_thread(front: Front, host: str = "127.0.0.1", port: int = 0) -> RunningFront:
    """Serving in a background thread (tests, and `dxbot run` beside Slack): `.url`, `.stop()`."""
    return start_in_thread(front, host, port)
