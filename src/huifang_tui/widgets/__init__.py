"""Reusable widgets; a widget never queries the database."""
