"""The HTTP front: one hardened server for every platform's route (bot/web/server.py)."""
