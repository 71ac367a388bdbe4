"""Chat-facing side of dxbot: commands, replies, adapters (console, Slack) and the CLI."""
