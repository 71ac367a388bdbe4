"""Curation: from what staff asked and did not get, to knowledge-base changes (review sheet, apply)."""
