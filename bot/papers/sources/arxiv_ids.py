"""Recognise arXiv identifiers in the forms people paste: bare ids, arXiv: prefixes, URLs."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_MONTH = r"(?:0[1-9]|1[0-2])"
# Four-digit sequence numbers until 2014, five from 2015 on.
_NEW_STYLE = rf"(?:0[7-9]|1[0-4]){_MONTH}\.\d{{4}}|(?:1[5-9]|[2-9]\d){_MONTH}\.\d{{5}}"
# Before April 2007: archive[.SUBJECT]/YYMMNNN. The subject class is not part of the canonical id.
_OLD_STYLE = (
    r"(?P<archive>[a-z]+(?:-[a-z]+)?)(?:\.[A-Za-z]+(?:-[A-Za-z]+)?)?"
    rf"/(?P<number>\d{{2}}{_MONTH}\d{{3}})"
)
_ID = re.compile(rf"(?:(?P<new>{_NEW_STYLE})|{_OLD_STYLE})(?:v\d+)?")
_VERSION = re.compile(r"(?P<base>.+?)(?P<version>v\d+)?")

_ARXIV_HOSTS = frozenset({"arxiv.org", "www.arxiv.org", "export.arxiv.org"})
_HF_HOSTS = frozenset({"huggingface.co", "www.huggingface.co", "hf.co"})


def split_version(text: str) -> tuple[str, str | None]:
    """Split '2109.04454v2' into ('2109.04454', 'v2'); the version is None when absent."""
    match = _VERSION.fullmatch(text)
    if not match:
        return text, None
    return match.group("base"), match.group("version")


def parse_arxiv_ref(ref: str) -> str:
    """Return the arXiv id, without version, that `ref` names; raise ValueError otherwise.

    Accepts '2109.04454', '2109.04454v2', 'arXiv:2109.04454', 'hep-th/9901001v1',
    arxiv.org /abs/ and /pdf/ URLs (also export.arxiv.org) and huggingface.co/papers/ URLs.
    Old-style ids come back in canonical form, without subject class: 'math.GT/0309136' gives
    'math/0309136'.
    """
    text = ref.strip()
    match = _ID.fullmatch(_id_part(text))
    if not match:
        shown = text if len(text) <= 80 else text[:77] + "..."
        raise ValueError(f"'{shown}' is not an arXiv id or URL")
    if match.group("new"):
        return match.group("new")
    return f"{match.group('archive')}/{match.group('number')}"


def _id_part(text: str) -> str:
    if text[:6].lower() == "arxiv:":
        return text[6:].strip()
    if "://" not in text and not text.lower().startswith(tuple(_ARXIV_HOSTS | _HF_HOSTS)):
        return text
    url = urlsplit(text if "://" in text else f"https://{text}")
    host = (url.hostname or "").lower()
    path = url.path.rstrip("/")
    prefixes = ("/abs/", "/pdf/") if host in _ARXIV_HOSTS else ()
    if host in _HF_HOSTS:
        prefixes = ("/papers/",)
    for prefix in prefixes:
        if path.startswith(prefix):
            return path.removeprefix(prefix).removesuffix(".pdf")
    return ""
