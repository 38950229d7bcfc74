"""Prompt texts from the `prompts` package, a `$name` renderer and a version hash."""

from __future__ import annotations

import functools
import hashlib
import json
from importlib import resources
from string import Template

PACKAGE = "prompts"
# Escapes that keep the JSON equal but leave no "<" or ">" to forge a delimiter with.
_UNFORGEABLE = str.maketrans({"<": "\\u003c", ">": "\\u003e"})


@functools.cache
def load(name: str) -> str:
    """The text of `prompts/<name>`, e.g. load("summary.system.md")."""
    return resources.files(PACKAGE).joinpath(name).read_text(encoding="utf-8")


def render(name: str, **values: str) -> str:
    """The prompt with every `$key` replaced; a missing value raises KeyError."""
    return Template(load(name)).substitute(values)


def data_block(value: object) -> str:
    """`value` as JSON to put between `<tag>` delimiters: untrusted text cannot close them."""
    return json.dumps(value, ensure_ascii=False).translate(_UNFORGEABLE)


def fingerprint(*parts: str) -> str:
    """A short, stable hash of the given texts, order-sensitive."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()[:12]


def prompt_version(*names: str, extra: tuple[str, ...] = ()) -> str:
    """Hash of the named prompt files plus `extra` texts (e.g. a schema) that shape output."""
    return fingerprint(*names, *(load(name) for name in names), *extra)
