"""Teams end to end: Teams-shaped activities over real HTTP to the Agents SDK app; replies at a fake connector."""

from __future__ import annotations

from tests.e2e.teams.conftest import LEADER_AAD, TeamsBot, card_actions, card_texts


def test_personal_question_is_answered_with_its_source_and_feedback_buttons(teams_bot: TeamsBot) -> None:
    reply = teams_bot.teams.say("DX推進リーダーは何人？")
    assert reply.method == "reply" and reply.conversation_id.startswith("a:1Personal")
    card = reply.cards[0]
    texts = card_texts(card)
    assert any("出典:" in t for t in texts), texts
    assert [a["title"] for a in card_actions(card)] == ["役に立った", "違った"]
    assert LEADER_AAD
