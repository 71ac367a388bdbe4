"""Teams auth end to end with real tokens, anonymous requests off (production's configuration): a JWT signed
with our own RSA key is accepted and answered; tokens that are almost right (another key under the same key
id, another audience, expired, an issuer this bot does not accept) get 401.

The SDK checks the token itself (microsoft_agents.hosting.core.authorization.jwt.JwtTokenValidator): it picks
the JWKS address from the token's issuer, in a table of Microsoft's hosts
(`_entra_issuers.BOTFRAMEWORK_JWKS_URIS`: Bot Framework → https://login.botframework.com/v1/.well-known/keys),
fetches the keys with PyJWT's PyJWKClient over HTTP, verifies the RS256 signature and then the audience. The
hosts are hard-coded, so the test points that table's entries, the Bot Framework issuer's (and two issuers the
bot must refuse), at a fake JWKS endpoint on loopback: the narrowest seam there is. Everything else (the fetch over real HTTP, the signature,
expiry and audience checks, the activity's handling and the reply to the fake connector) is the SDK's own.

Outbound, production gets its token from Entra (MSAL) and sends only to Microsoft's connector hosts. Neither
is reachable here, so the bot's two outbound seams in bot/teams/server.py are replaced: `connection_manager`
by one whose token provider hands out a fixed token (the one Entra would issue), and `host_validator` by a
disabled one, as in anonymous mode (the SDK's validator accepts https only and never a loopback address, so
no configuration of it lets the fake connector through).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from tests.e2e.teams.conftest import APP_ID, TeamsBot
from tests.loopback import Answer, LoopbackServer, Request

OUTBOUND_TOKEN = "outbound-token-from-entra"

BOT_FRAMEWORK_ISSUER = "https://api.botframework.com"
# Issuers the validator would fetch keys for (from our fake JWKS, in the test) but must not accept for this bot:
# US Government's Bot Framework (another cloud) and an issuer that is not Microsoft's at all.
GOV_BOT_FRAMEWORK_ISSUER = "https://api.botframework.us"
FOREIGN_ISSUER = "https://issuer.example.com"
KEY_ID = "dxbot-test-key"


class FakeJwks:
    """Serves `{"keys": [...]}` on loopback, as login.botframework.com does, and counts the fetches."""

    def __init__(self, public_jwks: list[dict[str, Any]]) -> None:
        self.keys = public_jwks
        self.fetches = 0
        self.server = LoopbackServer(self._respond, name="fake-jwks").start()
        self.url = f"{self.server.base_url}/v1/.well-known/keys"

    def _respond(self, _request: Request) -> Answer:
        self.fetches += 1
        return Answer(200, json.dumps({"keys": self.keys}).encode())

    def stop(self) -> None:
        self.server.stop()


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_jwk(key: rsa.RSAPrivateKey, kid: str = KEY_ID) -> dict[str, Any]:
    jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    return {**jwk, "kid": kid, "use": "sig", "alg": "RS256"}


@pytest.fixture(scope="module")
def signing_key() -> rsa.RSAPrivateKey:
    return new_key()


@pytest.fixture
def fake_jwks(signing_key: rsa.RSAPrivateKey, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeJwks]:
    from microsoft_agents.hosting.core.authorization.jwt import jwt_token_validator

    fake = FakeJwks([public_jwk(signing_key)])
    # The one table the SDK reads the Bot Framework's key address from (the validator module's own binding).
    for issuer in (BOT_FRAMEWORK_ISSUER, GOV_BOT_FRAMEWORK_ISSUER, FOREIGN_ISSUER):
        monkeypatch.setitem(jwt_token_validator.BOTFRAMEWORK_JWKS_URIS, issuer, fake.url)
    yield fake
    fake.stop()


@pytest.fixture
def production_bot(start_teams_bot, sqlite_url: str, fake_jwks: FakeJwks, monkeypatch: pytest.MonkeyPatch) -> TeamsBot:  # type: ignore[no-untyped-def]
    from microsoft_agents.hosting.core import OutboundHostValidator
    from microsoft_agents.hosting.core.authorization import AnonymousTokenProvider
    from microsoft_agents.hosting.core.authorization.connection_manager import ConnectionManager

    import bot.teams.server as server

    class EntraStandIn(AnonymousTokenProvider):
        async def get_access_token(self, resource_url: str, scopes: list[str], force_refresh: bool = False) -> str:
            return OUTBOUND_TOKEN

    def connections(_settings: Any, config: Any) -> ConnectionManager:
        return ConnectionManager(provider_factory=lambda _c: EntraStandIn(), connections_configurations={"SERVICE_CONNECTION": config})

    monkeypatch.setattr(server, "connection_manager", connections)
    monkeypatch.setattr(
        server, "host_validator",
        lambda _settings: OutboundHostValidator(enabled=False),
    )  # fmt: skip
    return start_teams_bot(sqlite_url, anonymous=False, teams_app_password="test-secret-not-used")  # type: ignore[no-any-return]


def token(key: rsa.RSAPrivateKey, service_url: str, **changes: Any) -> str:
    now = int(time.time())
    claims = {"iss": BOT_FRAMEWORK_ISSUER, "aud": APP_ID, "serviceurl": service_url, "nbf": now - 60, "exp": now + 3600}
    claims.update(changes)
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": KEY_ID})


def post_with(bot: TeamsBot, bearer: str) -> int:
    activity = bot.teams.activity("message_personal", text="DX推進リーダーは何人？")
    return bot.teams.post(activity, {"Authorization": f"Bearer {bearer}"} if bearer else {}).status


def test_a_valid_bot_framework_token_is_accepted_and_answered(
    production_bot: TeamsBot, fake_jwks: FakeJwks, signing_key: rsa.RSAPrivateKey
) -> None:
    assert post_with(production_bot, "") == 401  # no token at all: refused (anonymous is off)
    status = post_with(production_bot, token(signing_key, production_bot.fake.service_url))
    assert status in (200, 202)
    (reply,) = production_bot.fake.wait_for(1)
    assert reply.cards and "10名程度" in json.dumps(reply.cards, ensure_ascii=False)  # answered, in the personal chat
    assert reply.authorization == f"Bearer {OUTBOUND_TOKEN}"  # the reply carries the bot's own outbound token
    assert fake_jwks.fetches >= 1  # the key came from the (fake) JWKS endpoint, over HTTP


@pytest.mark.parametrize(
    "case",
    ["another key under the same id", "another audience", "expired", "another cloud's issuer", "a foreign issuer"],
)
def test_an_almost_valid_token_is_refused(
    production_bot: TeamsBot, fake_jwks: FakeJwks, signing_key: rsa.RSAPrivateKey, case: str
) -> None:
    service_url = production_bot.fake.service_url
    bearer = {
        "another key under the same id": lambda: token(new_key(), service_url),
        "another audience": lambda: token(signing_key, service_url, aud="99999999-2222-4333-8444-555555555555"),
        "expired": lambda: token(signing_key, service_url, nbf=int(time.time()) - 7200, exp=int(time.time()) - 3600),
        # signed with our key, for our app id: only the issuer is wrong (the SDK checks it when VALIDATE_ISSUER is on)
        "another cloud's issuer": lambda: token(signing_key, service_url, iss=GOV_BOT_FRAMEWORK_ISSUER),
        "a foreign issuer": lambda: token(signing_key, service_url, iss=FOREIGN_ISSUER),
    }[case]()
    assert post_with(production_bot, bearer) == 401
    assert production_bot.fake.calls == []
    assert fake_jwks.fetches >= 1  # checked against our keys (PyJWT checks expiry after the signature)
