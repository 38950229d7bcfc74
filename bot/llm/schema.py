"""JSON answers checked by yomikai itself: fences and prose stripped, then validated against the
small JSON Schema subset yomikai's prompts use, whatever the server claims to enforce.

Supported: `type` (object, array, string, integer, number, boolean, null), `properties`,
`required`, `additionalProperties: false`, `items`, `enum`.
"""

from __future__ import annotations

import json
import re
from typing import Any

_FENCE = re.compile(r"^```[\w-]*\s*\n?(.*?)\n?```$", re.S)
_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "null": (type(None),),
}
# The phrase that introduces a schema sent in the prompt; tests/fakes/openai.py reads it back.
SCHEMA_PROMPT = (
    'Answer with one JSON object only, for the schema named "{name}": no prose before or after '
    "it, no code fences. The object must follow this JSON Schema exactly:\n{schema}"
)


def schema_instruction(name: str, schema: dict[str, Any]) -> str:
    """The instruction that carries the schema in the prompt, for servers that refuse it."""
    return SCHEMA_PROMPT.format(name=name, schema=json.dumps(schema, ensure_ascii=False))


def read_object(text: str, schema: dict[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
    """The JSON object in `text` and None, or None and what is wrong with it (one line)."""
    try:
        data = json.loads(_unwrapped(text))
    except json.JSONDecodeError as exc:
        return None, f"the LLM answered invalid JSON ({exc.msg} at line {exc.lineno})"
    if not isinstance(data, dict):
        return None, "the LLM answered JSON that is not an object"
    problem = schema_problem(data, schema)
    if problem:
        return None, f"the LLM's JSON does not follow the schema: {problem}"
    return data, None


def schema_problem(value: Any, schema: dict[str, Any], path: str = "$") -> str | None:
    """The first way `value` breaks `schema`, or None when it conforms."""
    expected = schema.get("type")
    if expected is not None and not _has_type(value, expected):
        return f"{path} should be {expected}, not {_type_name(value)}"
    if "enum" in schema and value not in schema["enum"]:
        return f"{path} should be one of {json.dumps(schema['enum'], ensure_ascii=False)}"
    if isinstance(value, dict):
        return _object_problem(value, schema, path)
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(value):
            problem = schema_problem(item, schema["items"], f"{path}[{index}]")
            if problem:
                return problem
    return None


def _object_problem(value: dict[str, Any], schema: dict[str, Any], path: str) -> str | None:
    properties: dict[str, Any] = schema.get("properties", {})
    missing = [name for name in schema.get("required", ()) if name not in value]
    if missing:
        return f"{path} lacks {', '.join(missing)}"
    if schema.get("additionalProperties") is False:
        extra = [name for name in value if name not in properties]
        if extra:
            return f"{path} has unexpected {', '.join(extra)}"
    for name, item in value.items():
        if name in properties:
            problem = schema_problem(item, properties[name], f"{path}.{name}")
            if problem:
                return problem
    return None


def _has_type(value: Any, expected: str | list[str]) -> bool:
    names = [expected] if isinstance(expected, str) else expected
    for name in names:
        if name in ("integer", "number") and isinstance(value, bool):
            continue
        if name == "integer" and isinstance(value, float) and value.is_integer():
            return True
        if isinstance(value, _TYPES.get(name, ())):
            return True
    return False


def _type_name(value: Any) -> str:
    for name, types in _TYPES.items():
        if isinstance(value, types) and not (name != "boolean" and isinstance(value, bool)):
            return name
    return type(value).__name__


def _unwrapped(text: str) -> str:
    """`text` without a ``` fence around it, or the outermost {...} of an answer with prose."""
    stripped = text.strip()
    fenced = _FENCE.match(stripped)
    if fenced:
        return fenced.group(1).strip()
    if stripped.startswith("{"):
        return stripped
    start, end = stripped.find("{"), stripped.rfind("}")
    return stripped[start : end + 1] if 0 <= start < end else stripped
