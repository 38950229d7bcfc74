"""Parse a paper's PDF into a Document with pypdfium2: one Section per page, split into paragraphs.

PDFium gives the text lines of a page as rectangles in reading order; lines are joined into
paragraphs and a paragraph ends at a wider vertical gap, an indented next line, or a short line
that ends a sentence. Words hyphenated across lines are joined again.
"""

from __future__ import annotations

import itertools
import re
import statistics
import threading
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from bot.models import Author
from bot.papers.fulltext.document import Document, Section, UnusableDocument

MAX_PAGES = 60
# A scanned paper still carries arXiv's stamp ("arXiv:2405.01234v1 [cs.LG] 1 May 2024") on
# its first page, so "any text at all" is not the test; real pages hold thousands of characters.
MIN_CHARS_PER_PAGE = 40

_LOCK = threading.Lock()
_PASSWORD_ERRORS = {pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY}
# PDFium marks a hyphen it believes breaks a word at the line end with \x02 (or U+FFFE).
_BREAK_HYPHENS = ("\x02", "\ufffe", "\xad")
_LIGATURES = str.maketrans(
    {"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"}
)
_SENTENCE_END = re.compile(r"[.!?:;][\"'”’)\]]*$")
_PAGE_NUMBER = re.compile(r"\d{1,4}|[ivxlc]{1,6}")


@dataclass(frozen=True)
class _Line:
    text: str
    left: float
    bottom: float
    right: float
    top: float

    @property
    def height(self) -> float:
        return self.top - self.bottom


def parse_pdf(
    data: bytes,
    url: str,
    *,
    title: str = "",
    authors: tuple[Author, ...] = (),
    abstract: str = "",
) -> Document:
    """The text of the first MAX_PAGES pages of `data`, one Section per page ("page=3").

    A PDF holds no reliable title, authors or abstract, so the caller passes arXiv's.
    Raises UnusableDocument for an encrypted, unreadable or text-less (scanned) PDF.

    PDFium is not thread-safe: a module lock lets only one call run at a time, so callers
    may use asyncio.to_thread, but parallel calls just queue (run them one at a time).
    """
    with _LOCK:
        pages = _page_texts(data)
    if sum(len(text) for page in pages for text in page) < MIN_CHARS_PER_PAGE * len(pages):
        raise UnusableDocument("no text in the PDF (scanned?)")
    sections = tuple(
        Section(anchor=f"page={n}", number="", title=f"Page {n}", level=1, paragraphs=paragraphs)
        for n, paragraphs in enumerate(pages, start=1)
        if paragraphs
    )
    return Document("pdf", url, title, authors, abstract, sections)


def _page_texts(data: bytes) -> list[tuple[str, ...]]:
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        if error.err_code in _PASSWORD_ERRORS:
            raise UnusableDocument("encrypted PDF") from error
        raise UnusableDocument("not a readable PDF") from error
    try:
        return [_page_paragraphs(pdf, index) for index in range(min(len(pdf), MAX_PAGES))]
    except pdfium.PdfiumError as error:
        raise UnusableDocument("not a readable PDF") from error
    finally:
        pdf.close()


def _page_paragraphs(pdf: pdfium.PdfDocument, index: int) -> tuple[str, ...]:
    page = pdf[index]
    try:
        textpage = page.get_textpage()
        try:
            lines = _lines(textpage)
        finally:
            textpage.close()
    finally:
        page.close()
    return tuple(_paragraphs(lines))


def _lines(textpage: pdfium.PdfTextPage) -> list[_Line]:
    """The page's text lines: PDFium's rectangles, those side by side on one line merged."""
    boxes: list[list[float]] = []
    for i in range(textpage.count_rects()):
        left, bottom, right, top = textpage.get_rect(i)
        if boxes and _same_line(boxes[-1], left, bottom, top):
            last = boxes[-1]
            last[1], last[2], last[3] = min(last[1], bottom), max(last[2], right), max(last[3], top)
        else:
            boxes.append([left, bottom, right, top])
    lines = []
    for left, bottom, right, top in boxes:
        # A hair inside the box, so glyphs of a neighbouring line that touch it stay out.
        inset = min(0.5, (top - bottom) * 0.05)
        text = textpage.get_text_bounded(left, bottom + inset, right, top - inset)
        text = " ".join(text.translate(_LIGATURES).split())
        if text:
            lines.append(_Line(text, left, bottom, right, top))
    return lines


def _same_line(box: list[float], left: float, bottom: float, top: float) -> bool:
    middle, previous_middle = (bottom + top) / 2, (box[1] + box[3]) / 2
    return left >= box[0] and abs(middle - previous_middle) < (box[3] - box[1]) / 2


def _paragraphs(lines: list[_Line]) -> list[str]:
    if not lines:
        return []
    pitches = [a.bottom - b.bottom for a, b in itertools.pairwise(lines)]
    pitch = statistics.median([p for p in pitches if p > 0] or [lines[0].height])
    full_width = sorted(line.right - line.left for line in lines)[int(len(lines) * 0.9)]
    paragraphs: list[list[str]] = [[lines[0].text]]
    for previous, line in itertools.pairwise(lines):
        if _breaks(previous, line, pitch, full_width):
            paragraphs.append([])
        paragraphs[-1].append(line.text)
    texts = (_join(group) for group in paragraphs)
    return [text for text in texts if text and not _PAGE_NUMBER.fullmatch(text)]


def _breaks(previous: _Line, line: _Line, pitch: float, full_width: float) -> bool:
    """Whether `line` starts a new paragraph after `previous`."""
    step = previous.bottom - line.bottom
    if step > 1.5 * pitch:
        return True
    # Going up means the next column or a float: only the sentence test applies there.
    same_column = step > 0 and abs(line.left - previous.left) < full_width / 2
    if same_column and line.left - previous.left > 0.8 * line.height:
        return True
    short = previous.right - previous.left < 0.8 * full_width
    return short and bool(_SENTENCE_END.search(previous.text))


def _join(lines: list[str]) -> str:
    text = lines[0]
    for line in lines[1:]:
        text = _join_two(text, line)
    for mark in _BREAK_HYPHENS:
        text = text.replace(mark, "")
    return text.strip()


def _join_two(text: str, line: str) -> str:
    head = line[:1]
    if text.endswith((*_BREAK_HYPHENS, "-")) and len(text) > 1 and text[-2].isalpha():
        # A word broken across lines loses its hyphen; "Transformer-" + "XL" keeps it.
        return text[:-1] + (line if head.islower() else "-" + line)
    return f"{text} {line}"
