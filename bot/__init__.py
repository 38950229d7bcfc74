"""yomikai: the application core. Nothing here imports discord.py except bot.discord_app."""

__version__ = "0.1.0"
