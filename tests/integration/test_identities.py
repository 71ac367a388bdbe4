"""Identities come from the adapters: a Slack user ID or a Teams object id reaches the core as a UserRef, and
the staff directory maps people to either (or both); mentions in 登録 arrive already resolved."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.directory import DirectoryError, load_directory
from bot.replies import ChatContext, Mention, Message, Refusal, UserRef
from tests.rendering import text_of

AAD_YAMADA = "6F1C3C1E-0B7A-4C55-9A57-3E2F0D1B9A10"  # as Teams may send it; stored in lower case
AAD_TANAKA = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
AAD_ADMIN = "11111111-2222-4333-8444-555555555555"

DIRECTORY = f"""\
departments: [政策企画課, 市民生活課, 税務課]
users:
  - {{id: ULEAD, teams_id: {AAD_YAMADA}, name: 山田 花子, department: 市民生活課, role: leader}}
  - {{teams_id: {AAD_TANAKA}, name: 田中 三郎, department: 税務課, role: leader}}
  - {{teams_id: {AAD_ADMIN}, name: 事務 花子, department: 政策企画課, role: admin}}
"""


def teams(aad: str, **fields) -> ChatContext:  # type: ignore[no-untyped-def]
    return ChatContext(user=UserRef("teams", aad), conversation="19:chat", platform="teams", **fields)


def slack(user_id: str, **fields) -> ChatContext:  # type: ignore[no-untyped-def]
    return ChatContext(user=UserRef("slack", user_id), conversation="C1", platform="slack", **fields)


@pytest.fixture
def bot(make_services, db_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    path = tmp_path / "directory.yaml"
    path.write_text(DIRECTORY, encoding="utf-8")
    return make_services(db_url, directory_path=path)


def test_the_directory_takes_teams_ids_and_slack_ids(tmp_path: Path) -> None:
    path = tmp_path / "d.yaml"
    path.write_text(DIRECTORY, encoding="utf-8")
    users = {u.name: u for u in load_directory(path).users}
    assert (users["山田 花子"].user_id, users["山田 花子"].teams_id) == ("ULEAD", AAD_YAMADA.lower())
    assert (users["田中 三郎"].user_id, users["田中 三郎"].teams_id) == (f"teams:{AAD_TANAKA}", AAD_TANAKA)


@pytest.mark.parametrize(
    ("user", "says"),
    [
        ("{name: 名無し, department: 税務課}", "id（Slack のユーザー ID）か teams_id"),
        ("{teams_id: not-a-guid, name: 誤り, department: 税務課}", "teams_id 'not-a-guid' は使えません"),
        (f"{{teams_id: {AAD_TANAKA.upper()}, name: 二重, department: 税務課}}", f"teams_id '{AAD_TANAKA.upper()}' が重複"),
    ],
)
def test_directory_problems_with_teams_ids(tmp_path: Path, user: str, says: str) -> None:
    path = tmp_path / "d.yaml"
    path.write_text(DIRECTORY + f"  - {user}\n", encoding="utf-8")
    with pytest.raises(DirectoryError) as caught:
        load_directory(path)
    assert any(says in str(p) for p in caught.value.problems), caught.value.problems


def test_the_same_person_reports_from_teams_and_slack(bot) -> None:  # type: ignore[no-untyped-def]
    from_teams = bot.handle(teams(AAD_YAMADA.lower(), request_id="teams:activity:1"), "報告 書かない窓口 実施中 40%")
    assert isinstance(from_teams, Message) and "報告を記録しました" in text_of(from_teams)
    from_slack = bot.handle(slack("ULEAD"), "報告 書かない窓口 実施中 60%")
    assert "前回: 実施中 40%" in text_of(from_slack)  # one person, one department history
    reports = bot.progress.reports.history("1-02")
    assert [(r.reporter_id, r.percent, r.source) for r in reports] == [("ULEAD", 40, "teams"), ("ULEAD", 60, "slack")]
    undone = bot.handle(teams(AAD_YAMADA), "取消")  # the object id in another case is the same person
    assert "取り消しました" in text_of(undone) and "60%" in text_of(undone)


def test_teams_only_staff_report_and_strangers_are_refused(bot) -> None:  # type: ignore[no-untyped-def]
    reply = bot.handle(teams(AAD_TANAKA), "報告 電子決裁 検討中")
    assert "報告を記録しました" in text_of(reply) and "税務課" in text_of(reply)
    stranger = bot.handle(teams("99999999-9999-4999-8999-999999999999"), "報告 電子決裁 検討中")
    assert isinstance(stranger, Refusal) and "職員登録が必要" in text_of(stranger)
    # A Slack user ID that happens to equal a Teams-only key is not that person.
    assert isinstance(bot.handle(slack(f"teams:{AAD_TANAKA}"), "報告 電子決裁 検討中"), Refusal)


def test_a_mention_resolved_by_the_adapter_registers_that_person(bot) -> None:  # type: ignore[no-untyped-def]
    new = "22222222-3333-4444-8555-666666666666"
    mention = Mention("<at>佐藤 四郎</at>", UserRef("teams", new), "佐藤 四郎")  # a Teams adapter's way
    reply = bot.handle(teams(AAD_ADMIN, mentions=(mention,)), "登録 <at>佐藤 四郎</at> 税務課 メンバー")
    assert isinstance(reply, Message) and "登録しました: 佐藤 四郎（Teams）— 税務課" in text_of(reply)
    staff = bot.progress.staff.get_by_teams_id(new)
    assert staff is not None and staff.user_id == f"teams:{new}" and staff.department == "税務課"
    # The same mention again updates that person, it does not add another.
    again = bot.handle(teams(AAD_ADMIN, mentions=(mention,)), "登録 <at>佐藤 四郎</at> 税務課 リーダー")
    assert "登録を更新しました" in text_of(again)
    assert len([s for s in bot.progress.staff.all() if s.teams_id == new]) == 1


def test_mention_syntax_without_a_resolved_mention_is_only_text(bot) -> None:  # type: ignore[no-untyped-def]
    # Typed literally (Slack sends it as &lt;@U…&gt;), it names nobody: the core does not read the syntax.
    reply = bot.handle(teams(AAD_ADMIN), "登録 <@U0NEW> 税務課 メンバー")
    assert isinstance(reply, Refusal) and "ユーザー「<@U0NEW>」を読み取れません" in text_of(reply)
    assert bot.progress.staff.get("U0NEW") is None


def test_a_teams_id_from_the_directory_survives_a_chat_registration_and_a_reload(bot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    before = bot.progress.staff.get("ULEAD")
    assert before is not None and before.teams_id == AAD_YAMADA.lower()
    bot.handle(teams(AAD_ADMIN), "登録 ULEAD 市民生活課 リーダー 山田 花子")  # typed id: the Slack/directory id
    after = bot.progress.staff.get("ULEAD")
    assert after is not None and after.teams_id == AAD_YAMADA.lower()
