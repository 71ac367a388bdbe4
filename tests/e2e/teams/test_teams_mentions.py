"""`登録 @person` in Teams: the mention's entity becomes the core's identity (the person's Azure AD object id).

Teams' mention entity names a person by their Teams id (`29:…`); the object id staff are registered by
comes from the entity when it carries one, else from the Bot Connector's conversation member (the fake
connector answers `GET /v3/conversations/{id}/members/{memberId}`). No Graph call either way.
"""

from __future__ import annotations

from typing import Any

from tests.e2e.fake_connector import ConnectorCall
from tests.e2e.teams.conftest import ADMIN_AAD, CHANNEL, TeamsBot

SATO_TEAMS_ID = "29:1Sato-Ichiro-TeamsUserId"
SATO_AAD = "6f1c2a3b-0000-4000-8000-00000000aa77"


def mention(text: str, teams_id: str, name: str, **extra: Any) -> dict[str, Any]:
    return {"type": "mention", "text": text, "mentioned": {"id": teams_id, "name": name, **extra}}


def send(bot: TeamsBot, text: str, entities: list[dict[str, Any]], *, user: str = ADMIN_AAD,
         name: str = "message_personal") -> ConnectorCall:
    activity = bot.teams.activity(name, text=text)
    activity["from"] = {**activity["from"], "aadObjectId": user}
    activity["entities"] = [*activity.get("entities", []), *entities]
    before = len(bot.fake.calls)
    result = bot.teams.post(activity)
    assert result.status in (200, 202), result
    return bot.fake.wait_for(1, where=lambda c: bot.fake.calls.index(c) >= before)[0]


def test_an_admin_registers_a_mentioned_person_who_can_then_report(teams_bot: TeamsBot) -> None:
    teams_bot.fake.members[SATO_TEAMS_ID] = {"id": SATO_TEAMS_ID, "name": "佐藤 一郎", "aadObjectId": SATO_AAD.upper()}
    bot_mention = mention("<at>dxbot</at>", "28:11111111-2222-4333-8444-555555555555", "dxbot")
    reply = send(
        teams_bot,
        "<at>dxbot</at> 登録 <at>佐藤 一郎</at> 市民生活課 リーダー",
        [bot_mention, mention("<at>佐藤 一郎</at>", SATO_TEAMS_ID, "佐藤 一郎")],
        name="message_channel_mention",
    )
    assert "登録しました" in reply.text and "佐藤 一郎" in reply.text, reply.text
    assert teams_bot.fake.member_lookups == [(CHANNEL, SATO_TEAMS_ID)]  # the thread's channel, the 29: id
    staff = teams_bot.services.progress.staff.get_by_teams_id(SATO_AAD)
    assert staff is not None and staff.department == "市民生活課" and staff.teams_id == SATO_AAD
    # Registered by object id: Sato's own messages (from.aadObjectId) are now a leader's.
    assert "記録しました" in teams_bot.teams.say("報告 1-02 実施中 40%", user=SATO_AAD).text


def test_an_entity_that_carries_the_object_id_needs_no_lookup(teams_bot: TeamsBot) -> None:
    entity = mention("<at>佐藤 一郎</at>", SATO_TEAMS_ID, "佐藤 一郎", aadObjectId=SATO_AAD)
    reply = send(teams_bot, "登録 <at>佐藤 一郎</at> 市民生活課 メンバー", [entity])
    assert "登録しました" in reply.text, reply.text
    assert teams_bot.fake.member_lookups == []
    assert teams_bot.services.progress.staff.get_by_teams_id(SATO_AAD) is not None


def test_a_mention_nobody_can_resolve_registers_nobody(teams_bot: TeamsBot) -> None:
    before = teams_bot.services.progress.staff.all()
    reply = send(teams_bot, "登録 <at>佐藤 一郎</at> 市民生活課 メンバー", [mention("<at>佐藤 一郎</at>", SATO_TEAMS_ID, "佐藤 一郎")])
    assert "登録しました" not in reply.text and "登録" in reply.text, reply.text
    assert [member for _, member in teams_bot.fake.member_lookups] == [SATO_TEAMS_ID]  # asked, not found
    assert teams_bot.services.progress.staff.all() == before
    assert teams_bot.services.progress.staff.get_by_teams_id(SATO_AAD) is None


def test_a_mention_in_a_question_is_not_a_link_in_the_answer(teams_bot: TeamsBot) -> None:
    reply = send(teams_bot, "<at>佐藤 一郎</at> DX推進リーダーは何人？", [mention("<at>佐藤 一郎</at>", SATO_TEAMS_ID, "佐藤 一郎")])
    assert "<at>" not in reply.text and not any(e.get("type") == "mention" for e in reply.body.get("entities") or [])
