"""LLM usage: what the LLM calls of a month cost, for organizers (/usage) and the instance
(`yomikai usage`). No discord.py here."""
