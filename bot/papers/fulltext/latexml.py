"""Parse the LaTeXML HTML arXiv serves at https://arxiv.org/html/<id>v<n> into a Document.

Reads the title, the authors with their affiliations, the abstract and every section, subsection
and appendix with its anchor, printed number, paragraphs and figure or table captions. Math
becomes its TeX `alttext`, footnotes move out of their sentence to the end of their section, and
the bibliography, navigation, arXiv's page chrome and LaTeXML's error spans are dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from selectolax.lexbor import LexborHTMLParser, LexborNode

from bot.models import Author
from bot.papers.fulltext.document import Caption, Document, Section, UnusableDocument

_SECTIONAL = frozenset(
    {
        "ltx_part",
        "ltx_chapter",
        "ltx_section",
        "ltx_appendix",
        "ltx_subsection",
        "ltx_subsubsection",
    }
)
_FOLDED = frozenset({"ltx_paragraph", "ltx_subparagraph"})
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_DROPPED = ", ".join(
    [
        "script", "style", "noscript", "button", "dialog", "form", "nav", "header", "footer",
        ".ltx_bibliography", ".ltx_TOC", ".ltx_page_navbar", ".ltx_page_header",
        ".ltx_page_footer", ".ltx_page_logo", ".package-alerts", "#header", ".infobox",
        ".sr-only", ".ltx_ERROR", ".ltx_rdf", ".ltx_pagination", ".ltx_dates",
    ]
)  # fmt: skip
# Elements whose text must not run into the next element's: "<td>1</td><td>2</td>" is "1 2".
_SPACED = (
    "p, div, li, dt, dd, td, th, table, figcaption, h1, h2, h3, h4, h5, h6, .ltx_p, .ltx_tag, "
    ".ltx_bibblock"
)
_FIGURES = "figure.ltx_figure, figure.ltx_table, figure.ltx_float"
_FOOTNOTE_ROLES = frozenset({"ltx_role_footnote", "ltx_role_footnotetext"})
_NOTE_MARK, _FIGURE_MARK = "\ue000", "\ue001"  # private-use characters standing for a moved item
_MARKED = re.compile(f"([{_NOTE_MARK}{_FIGURE_MARK}])(\\d+)[{_NOTE_MARK}{_FIGURE_MARK}]")
_KIND_WORDS = {"fig": "Figure", "figure": "Figure", "tab": "Table", "table": "Table"}


def parse_latexml(html: bytes | str, url: str) -> Document:
    """The paper in arXiv's LaTeXML page `html`, fetched from the version-pinned `url`.

    Raises UnusableDocument when the page is not a LaTeXML paper (an error page served with
    status 200, no `article.ltx_document`) or holds no section.
    """
    tree = LexborHTMLParser(html)
    article = tree.css_first("article.ltx_document") or tree.css_first(
        "div.ltx_page_content > div.ltx_document:not(.package-alerts)"
    )
    if article is None:
        raise UnusableDocument("not a LaTeXML page")
    authors_block = article.css_first("div.ltx_authors")
    authors = _authors(authors_block) if authors_block is not None else ()
    reader = _Reader()
    reader.prepare(article)
    sections = reader.sections(article)
    if not sections:
        raise UnusableDocument("no sections")
    return Document(
        source="html",
        url=url,
        title=_title(article, tree),
        authors=authors,
        abstract=_abstract(article),
        sections=tuple(sections),
    )


def _text(node: LexborNode) -> str:
    return " ".join(node.text().split())


def _classes(node: LexborNode) -> frozenset[str]:
    return frozenset((node.attributes.get("class") or "").split())


def _outermost(nodes: list[LexborNode]) -> list[LexborNode]:
    """`nodes` without those inside another of them (removing both would touch freed memory)."""
    seen: set[int] = set()
    kept = []
    for node in nodes:
        parent = node.parent
        while parent is not None and parent.mem_id not in seen:
            parent = parent.parent
        if parent is None:
            kept.append(node)
            seen.add(node.mem_id)
    return kept


def _unmarked(text: str) -> str:
    # A footnote hangs on the word before it; a figure stands between blocks.
    text = _MARKED.sub(lambda match: "" if match[1] == _NOTE_MARK else " ", text)
    return " ".join(text.split())


def _title(article: LexborNode, tree: LexborHTMLParser) -> str:
    heading = article.css_first("h1.ltx_title_document")
    if heading is not None:
        return _unmarked(heading.text())
    title = tree.css_first("head > title")
    return _text(title) if title is not None else ""


def _abstract(article: LexborNode) -> str:
    block = article.css_first("div.ltx_abstract")
    if block is None:
        return ""
    paragraphs = [_unmarked(p.text()) for p in block.css("p.ltx_p")]
    if not any(paragraphs):
        for heading in block.css(".ltx_title_abstract"):
            heading.decompose()
        paragraphs = [_unmarked(block.text())]
    return "\n\n".join(p for p in paragraphs if p)


@dataclass
class _Reader:
    """Walks the article once it is cleaned. Footnotes and figures are cut out of the tree
    beforehand and stand as numbered marks in the text, so a paragraph's text tells which
    footnotes and captions belong to its section."""

    footnotes: list[str] = field(default_factory=list)
    figures: list[tuple[Caption, list[int]]] = field(default_factory=list)

    def prepare(self, article: LexborNode) -> None:
        for node in _outermost(article.css(_DROPPED)):
            node.decompose()
        for math in article.css("math"):
            math.replace_with(math.attrs.get("alttext") or math.text())
        for br in article.css("br"):
            br.replace_with(" ")
        for node in article.css(_SPACED):
            node.insert_after(" ")
        for note in _outermost(article.css("span.ltx_note")):
            self._cut_note(note)
        for figure in _outermost(article.css(_FIGURES)):
            self._cut_figure(figure)

    def _cut_note(self, note: LexborNode) -> None:
        content = note.css_first(".ltx_note_content")
        if content is None or not _classes(note) & _FOOTNOTE_ROLES:
            note.decompose()
            return
        mark = note.css_first(".ltx_note_mark")
        number = _text(mark) if mark is not None else ""
        for extra in content.css(".ltx_note_mark, .ltx_tag_note, .ltx_note_type"):
            extra.decompose()
        text = _unmarked(content.text())
        if not text:
            note.decompose()
            return
        self.footnotes.append(f"Footnote {number}: {text}" if number else f"Footnote: {text}")
        note.replace_with(f"{_NOTE_MARK}{len(self.footnotes) - 1}{_NOTE_MARK}")

    def _cut_figure(self, figure: LexborNode) -> None:
        caption = next((child for child in figure.iter() if child.tag == "figcaption"), None)
        if caption is None:
            figure.decompose()
            return
        tag = caption.css_first(".ltx_tag")
        label = _label(_text(tag) if tag is not None else "", _classes(figure))
        if tag is not None:
            tag.decompose()
        raw = caption.text()
        notes = [int(n) for kind, n in _MARKED.findall(raw) if kind == _NOTE_MARK]
        anchor = figure.id or ""
        self.figures.append((Caption(anchor, label, _unmarked(raw)), notes))
        figure.replace_with(f"{_FIGURE_MARK}{len(self.figures) - 1}{_FIGURE_MARK}")

    def sections(self, article: LexborNode) -> list[Section]:
        out: list[Section] = []
        early: list[Caption] = []  # a teaser figure above the first section
        for child in article.iter(include_text=True):
            if child.is_text_node or child.tag != "section":
                if not out and _FIGURE_MARK in child.text():
                    early += _Content(self).read_marks(child.text())
                continue
            classes = _classes(child)
            if classes & _SECTIONAL:
                self._section(child, 1, "ltx_appendix" in classes, out)
        if early and out:
            out[0] = replace(out[0], captions=(*early, *out[0].captions))
        return out

    def _section(self, node: LexborNode, depth: int, appendix: bool, out: list[Section]) -> None:
        content = _Content(self)
        number, title, subsections = "", "", []
        for child in node.iter(include_text=True):
            if child.is_text_node:
                content.loose(child)
                continue
            if not title and child.tag in _HEADINGS:
                number, title = content.heading(child)
                continue
            classes = _classes(child)
            if child.tag == "section" and classes & _SECTIONAL:
                subsections.append((child, classes))
            else:
                content.block(child, classes)
        out.append(
            Section(
                anchor=node.id or "",
                number=number,
                title=title,
                level=min(depth, 3),
                paragraphs=(*content.paragraphs, *content.notes),
                captions=tuple(content.captions),
                appendix=appendix,
            )
        )
        for child, classes in subsections:
            self._section(child, depth + 1, appendix or "ltx_appendix" in classes, out)


@dataclass
class _Content:
    """One section's own paragraphs, footnotes and captions, read block by block."""

    reader: _Reader
    paragraphs: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    captions: list[Caption] = field(default_factory=list)

    def block(self, node: LexborNode, classes: frozenset[str]) -> None:
        if node.is_comment_node or node.tag in _HEADINGS:
            return
        if node.tag == "section" and classes & _FOLDED:
            self._folded(node)
            return
        self._add(node.text())

    def loose(self, node: LexborNode) -> None:
        """Text right inside a section: a figure cut out of it, or words outside a paragraph."""
        self._add(node.text_content or "")

    def heading(self, heading: LexborNode) -> tuple[str, str]:
        tag = heading.css_first(".ltx_tag")
        number = _number(_text(tag)) if tag is not None else ""
        if tag is not None:
            tag.decompose()
        raw = heading.text()
        self.read_marks(raw)
        return number, _unmarked(raw)

    def read_marks(self, raw: str) -> list[Caption]:
        """Collect the footnotes and captions marked in `raw`; returns the captions found."""
        found = []
        for kind, index in _MARKED.findall(raw):
            if kind == _NOTE_MARK:
                self.notes.append(self.reader.footnotes[int(index)])
                continue
            caption, notes = self.reader.figures[int(index)]
            found.append(caption)
            self.notes += [self.reader.footnotes[n] for n in notes]
        self.captions += found
        return found

    def _add(self, raw: str) -> None:
        if _NOTE_MARK in raw or _FIGURE_MARK in raw:
            self.read_marks(raw)
            raw = _unmarked(raw)
        text = " ".join(raw.split())
        if text:
            self.paragraphs.append(text)

    def _folded(self, node: LexborNode) -> None:
        """A \\paragraph{Setup.}: its title leads its first paragraph."""
        start = len(self.paragraphs)
        title = ""
        for child in node.iter(include_text=True):
            if child.is_text_node:
                self.loose(child)
            elif not title and child.tag in _HEADINGS:
                raw = child.text()
                self.read_marks(raw)
                title = _unmarked(raw)
            else:
                self.block(child, _classes(child))
        if not title:
            return
        if len(self.paragraphs) > start:
            self.paragraphs[start] = f"{title} {self.paragraphs[start]}"
        else:
            self.paragraphs.append(title)


def _number(tag: str) -> str:
    """The printed number in a heading's tag: "4.2 " -> "4.2", "Appendix A " -> "A"."""
    words = tag.replace("§", " ").split()
    return words[-1].rstrip(".:") if words else ""


def _label(tag: str, classes: frozenset[str]) -> str:
    """A caption's label: "Figure 3: " -> "Figure 3", "TABLE I:" -> "Table I", "Fig. 4" ->
    "Figure 4"."""
    raw = " ".join(tag.split()).rstrip(" :.")
    if not raw:
        return "Table" if "ltx_table" in classes else "Figure"
    first, _, rest = raw.partition(" ")
    word = _KIND_WORDS.get(first.lower().rstrip("."))
    if word is None:
        word = first.capitalize() if first.isupper() and len(first) > 1 else first
    return f"{word} {rest}".strip()


# Authors. LaTeXML writes the author block in a few shapes; these are read:
#   one ltx_creator per author, its affiliations in ltx_contact notes (ltx_role_affiliation,
#   ltx_role_address);
#   all names in one ltx_personname with superscript labels ("Ann Lee^1,2, Bo Li^2"), the
#   labelled affiliations after a <br> or in the affiliation note ("^1 Univ A ^2 Lab B");
#   NeurIPS style, one ltx_personname of lines "name <br> affiliation <br> e-mail", the authors
#   separated by "&";
#   a comma-separated run of names over the affiliation lines they share.
# E-mail addresses and notes ("Corresponding author", "Equal contribution") are left out.

_AFFILIATION_ROLES = (
    ".ltx_contact.ltx_role_affiliation, .ltx_contact.ltx_role_address, "
    ".ltx_contact.ltx_role_institution"
)
_SKIPPED_IN_AUTHORS = frozenset(
    {"ltx_note", "ltx_contact_name", "ltx_role_email", "ltx_ERROR", "ltx_author_notes"}
)
_LABEL = re.compile(r"\d+|(?<![A-Za-z])[a-z](?![A-Za-z])")
_NAME_SEPARATOR = re.compile(r",|;|&|\band\b")
_EMAIL = re.compile(r"\{[^}]*\}\s*@\S+|\S+@\S+|\(?\s*e-?mail\s*:?\s*\)?", re.IGNORECASE)
_NOT_AFFILIATION = re.compile(
    r"equal contribution|contributed equally|corresponding author|work done|project lead",
    re.IGNORECASE,
)
_MATH_SUPERSCRIPT = re.compile(r"^\s*(?:\{\})?\^\{?([^{}]*)\}?\s*$")

_Token = tuple[str, str]  # ("text", words) or ("sup", a superscript's text)


@dataclass
class _AuthorEntry:
    name: str
    labels: list[str]
    shared: list[str]


def _authors(block: LexborNode) -> tuple[Author, ...]:
    creators = block.css(".ltx_creator.ltx_role_author") or [block]
    definitions: dict[str, str] = {}
    entries: list[_AuthorEntry] = []
    for creator in creators:
        own: list[_AuthorEntry] = []
        for person in creator.css(".ltx_personname"):
            for group in _groups(_lines(person)):
                own += _group_entries(group, definitions)
        contact_lines: list[str] = []
        for contact in creator.css(_AFFILIATION_ROLES):
            contact_lines += _read_lines(_lines(contact), definitions)
        for entry in own:
            entry.shared += contact_lines
        entries += own
    authors: list[Author] = []
    seen: set[str] = set()
    for entry in entries:
        if entry.name in seen:
            continue
        seen.add(entry.name)
        resolved = [a for label in entry.labels for a in _resolve(label, definitions)]
        affiliations = resolved or entry.shared
        authors.append(Author(entry.name, tuple(dict.fromkeys(affiliations))))
    return tuple(authors)


def _lines(node: LexborNode) -> list[list[_Token]]:
    """`node`'s content as lines (split at <br> and block elements) of text and superscripts."""
    lines: list[list[_Token]] = [[]]

    def walk(parent: LexborNode) -> None:
        for child in parent.iter(include_text=True):
            if child.is_text_node:
                lines[-1].append(("text", child.text_content or ""))
                continue
            tag = child.tag
            if tag == "br":
                lines.append([])
                continue
            if _classes(child) & _SKIPPED_IN_AUTHORS:
                continue
            if tag == "sup":
                lines[-1].append(("sup", child.text()))
            elif tag == "math":
                alttext = child.attrs.get("alttext") or child.text()
                superscript = _MATH_SUPERSCRIPT.match(alttext)
                lines[-1].append(("sup", superscript[1]) if superscript else ("text", alttext))
            elif tag in ("div", "p") or "ltx_p" in _classes(child):
                lines.append([])
                walk(child)
                lines.append([])
            else:
                walk(child)

    walk(node)
    return [line for line in lines if any(value.strip() for _, value in line)]


def _groups(lines: list[list[_Token]]) -> list[list[list[_Token]]]:
    """Split a personname's lines into authors at lines starting with "&" (NeurIPS \\And)."""
    groups: list[list[list[_Token]]] = [[]]
    for line in lines:
        kind, value = _first(line)
        if kind == "text" and value.lstrip().startswith("&"):
            at = line.index((kind, value))
            line = [*line[:at], ("text", value.lstrip()[1:]), *line[at + 1 :]]
            groups.append([])
        groups[-1].append(line)
    return [group for group in groups if group]


def _group_entries(group: list[list[_Token]], definitions: dict[str, str]) -> list[_AuthorEntry]:
    first, *rest = group
    labelled = any(kind == "sup" and _LABEL.search(value) for kind, value in first)
    name_lines = [first]
    while labelled and rest and _is_name_line(rest[0]):
        name_lines.append(rest.pop(0))
    shared = _read_lines(rest, definitions)
    entries = [entry for line in name_lines for entry in _names(line)]
    for entry in entries:
        entry.shared = list(shared)
    return entries


def _first(line: list[_Token]) -> _Token:
    return next(((kind, value) for kind, value in line if value.strip()), ("text", ""))


def _is_name_line(line: list[_Token]) -> bool:
    if _first(line)[0] == "sup":
        return False
    return any(kind == "sup" and _LABEL.search(value) for kind, value in line)


def _names(line: list[_Token]) -> list[_AuthorEntry]:
    entries: list[_AuthorEntry] = []
    buffer, labels = "", []

    def flush() -> None:
        nonlocal buffer, labels
        name = " ".join(buffer.split()).strip(" *†‡§¶")
        if name:
            entries.append(_AuthorEntry(name, labels, []))
        buffer, labels = "", []

    for kind, value in line:
        if kind == "sup":
            labels = labels + _LABEL.findall(value)
            continue
        for index, part in enumerate(_NAME_SEPARATOR.split(value)):
            if index:
                flush()
            buffer += part
    flush()
    return entries


def _read_lines(lines: list[list[_Token]], definitions: dict[str, str]) -> list[str]:
    """Affiliation lines: labelled ones ("^1 Univ A ^2 Lab B") go to `definitions`, the
    unlabelled ones are returned; notes and e-mail addresses are dropped."""
    shared = []
    for line in lines:
        kind, value = _first(line)
        if kind == "sup":
            if _LABEL.search(value):
                _define(line, definitions)
            continue
        text = _affiliation(" ".join(value for _, value in line))
        if text:
            shared.append(text)
    return shared


def _define(line: list[_Token], definitions: dict[str, str]) -> None:
    label, words = None, []
    for kind, value in [*line, ("sup", "")]:
        if kind == "text":
            words.append(value)
            continue
        if label is not None:
            text = _affiliation(" ".join(words))
            if text:
                definitions.setdefault(label, text)
        found = _LABEL.findall(value)
        label, words = (found[0] if len(found) == 1 else None), []


def _affiliation(text: str) -> str:
    text = " ".join(_EMAIL.sub(" ", text).split()).strip(" ,;:.")
    # A bracket the split left behind goes; a balanced one is part of the name ("(NII)").
    if text.count("(") != text.count(")"):
        text = text.strip("()")
    if not text or _NOT_AFFILIATION.search(text) or not any(c.isalpha() for c in text):
        return ""
    return text


def _resolve(label: str, definitions: dict[str, str]) -> list[str]:
    """A label's affiliations; "12" means labels 1 and 2 when there is no label 12."""
    if label in definitions:
        return [definitions[label]]
    if label.isdigit() and len(label) > 1 and all(d in definitions for d in label):
        return [definitions[d] for d in label]
    return []
