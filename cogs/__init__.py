"""The Discord layer: each cog turns interactions into calls on the core in `bot/`."""
