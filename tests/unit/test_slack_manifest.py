"""manifest.yaml and the app agree: the slash command, the events listened to, interactivity, App Home."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.slack.app import SLASH_COMMAND

MANIFEST = Path(__file__).resolve().parents[2] / "manifest.yaml"


def test_manifest_declares_what_the_app_listens_to() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    features, settings = manifest["features"], manifest["settings"]
    [command] = features["slash_commands"]
    assert command["command"] == SLASH_COMMAND
    assert command["should_escape"] is True  # `/dx 登録 @user` needs mentions as <@U…|name>
    assert set(settings["event_subscriptions"]["bot_events"]) == {
        "app_mention",
        "message.im",
        "app_home_opened",
    }
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["socket_mode_enabled"] is True
    assert features["app_home"]["home_tab_enabled"] and features["app_home"]["messages_tab_enabled"]
    assert features["app_home"]["messages_tab_read_only_enabled"] is False
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"commands", "app_mentions:read", "im:history", "chat:write"} <= scopes
    # Reading a conversation is for one thing only: after a crash, finding whether the bot's own reply got there
    # (bot/slack/intake.py). Its events stay @mentions and DMs, so it is never sent a channel's messages.
    assert {"channels:history", "groups:history"} <= scopes
    assert not {s for s in scopes if s.startswith("admin")}
    assert len(manifest["display_information"]["name"]) <= 35
