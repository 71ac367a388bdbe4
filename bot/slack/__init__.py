"""The Slack adapter (Bolt): parse a payload, call the core, render the reply as Block Kit.

`app.build_slack_app(bot)` builds the Bolt App (nothing connects at import); `http` serves it over
HTTP (`dxbot serve`), `socket` over Socket Mode (`dxbot run` with SLACK_APP_TOKEN).
"""
