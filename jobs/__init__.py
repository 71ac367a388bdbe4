"""Scheduled work (digest, reminders) as plain functions, plus scheduler wiring."""
