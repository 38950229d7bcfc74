"""Every LLM prompt yomikai sends, one file each; read through bot.llm.prompts."""
