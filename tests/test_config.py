from pathlib import Path

import pytest

from bot.config import ENV_NAMES, ConfigError, load_settings


def test_defaults_need_no_environment() -> None:
    settings = load_settings({})
    assert settings.discord_api == "https://discord.com/api/v10"
    assert settings.db == Path("data/yomikai.db")
    assert settings.hf_api == "https://huggingface.co/api"
    assert settings.arxiv_api == "https://export.arxiv.org/api/query"
    assert settings.language == "ja"
    assert not settings.llm_enabled


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("YOMIKAI_LANGUAGE", "fr"),
        ("YOMIKAI_HF_API", "huggingface.co/api"),
        ("OPENAI_BASE_URL", "localhost:8000"),
        ("YOMIKAI_LLM_CONCURRENCY", "0"),
        ("YOMIKAI_HTTP_TIMEOUT", "soon"),
    ],
)
def test_a_bad_value_names_its_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=rf"^{name}: "):
        load_settings({name: value})


def test_toml_file_is_read_and_the_environment_wins(tmp_path: Path) -> None:
    config = tmp_path / "yomikai.toml"
    config.write_text('language = "en"\ndb = "/srv/yomikai.db"\nllm_model = "local"\n')
    settings = load_settings({"YOMIKAI_CONFIG": str(config), "YOMIKAI_LLM_MODEL": "gpt-x"})
    assert settings.language == "en"
    assert settings.db == Path("/srv/yomikai.db")
    assert settings.llm_model == "gpt-x"


def test_unreadable_toml_is_a_config_error(tmp_path: Path) -> None:
    config = tmp_path / "broken.toml"
    config.write_text("language = ")
    with pytest.raises(ConfigError, match=r"^YOMIKAI_CONFIG: "):
        load_settings({"YOMIKAI_CONFIG": str(config)})


def test_secrets_stay_out_of_the_repr() -> None:
    settings = load_settings({"DISCORD_TOKEN": "tok-SECRET", "OPENAI_API_KEY": "sk-SECRET"})
    assert settings.llm_enabled
    assert "SECRET" not in repr(settings)


def test_every_variable_is_documented_in_the_readme() -> None:
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    missing = [name for name in (*ENV_NAMES, "YOMIKAI_CONFIG") if f"`{name}`" not in readme]
    assert missing == []
