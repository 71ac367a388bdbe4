"""Curated knowledge base of the action plan and the Japanese FAQ matching engine."""
