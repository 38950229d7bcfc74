"""Builders of arXiv HTML pages (https://arxiv.org/html/<id>v<n>) in the structure LaTeXML and
arXiv serve: head with arXiv's stylesheets and scripts, the arXiv header, the table of contents,
`div.ltx_page_main` > `div.ltx_page_content` > `article.ltx_document`, the bibliography and
arXiv's footers.

page = latexml_page(
    title="Sparse Routing",
    authors=[("Ann Lee", ["Univ A"]), ("Bo Li", ["Univ A", "Lab B"])],
    abstract="We route tokens.",
    sections=[{"title": "Introduction", "paragraphs": ["Text with $x^{2}$ and {cite:1}."],
               "subsections": [...], "figures": [{"kind": "figure", "caption": "..."}],
               "named_paragraphs": [("Setup.", ["..."])]}],
    appendix=[{"title": "Proofs", "paragraphs": ["..."]}],
    bibliography=["A. Author. A paper. 2020."],
)

Paragraph strings take a small markup: `$tex$` inline math, `$$tex$$` a numbered display
equation, `{fn:text}` a footnote, `{cite:3}` a citation of entry 3, `{err:\\foo}` a LaTeXML
error span, `{b:text}` / `{i:text}` bold and italic. Everything else is escaped text.
Author styles: "separate" (one ltx_creator per author), "markers" (all names with superscript
labels in one ltx_personname, the labelled affiliations after a <br>), "markers_contact" (the
labelled affiliations in the ltx_role_affiliation note) and "lines" (NeurIPS style: one
ltx_personname with name, affiliation and e-mail lines, authors separated by "&").
"""

from __future__ import annotations

import html
import random
import re
from dataclasses import dataclass, field
from typing import Any

_MARKUP = re.compile(
    r"\$\$(?P<display>.+?)\$\$|\$(?P<math>.+?)\$|\{(?P<kind>fn|cite|err|b|i):(?P<arg>(?:[^{}]|\{[^{}]*\})*)\}"
)
_APPENDIX_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def latexml_page(
    *,
    title: str,
    authors: list[tuple[str, list[str]]],
    abstract: str | list[str],
    sections: list[dict[str, Any]],
    appendix: list[dict[str, Any]] | None = None,
    bibliography: list[str] | None = None,
    arxiv_id: str = "2405.01234",
    version: int = 1,
    author_style: str = "separate",
    addresses: bool = False,
    category: str = "cs.LG",
    date: str = "06 May 2024",
    missing_packages: tuple[str, ...] = ("xr-hyper",),
    report_buttons: bool = False,
) -> str:
    """A whole arXiv HTML page. `addresses` renders second affiliations as ltx_role_address;
    `report_buttons` adds the "Report issue" buttons arXiv's script puts after each paragraph
    (present in pages saved from a browser)."""
    writer = _Writer(report_buttons=report_buttons)
    body_sections, numbered, unnumbered = [], 0, 0
    for spec in sections:
        if spec.get("numbered", True):
            numbered += 1
            body_sections.append(writer.section(spec, f"S{numbered}", str(numbered), 1))
        else:  # \section*{...}: LaTeXML's anchor for it is "Sx1"
            unnumbered += 1
            body_sections.append(writer.section(spec, f"Sx{unnumbered}", "", 1))
    appendices = [
        writer.section(s, f"A{n}", _APPENDIX_LETTERS[n - 1], 1, appendix=True)
        for n, s in enumerate(appendix or [], 1)
    ]
    article = "\n".join(
        [
            '<article class="ltx_document ltx_authors_1line">',
            f'<h1 class="ltx_title ltx_title_document">{_esc(title)}</h1>',
            _authors(authors, author_style, addresses),
            writer.abstract(abstract if isinstance(abstract, list) else [abstract]),
            *body_sections,
            _bibliography(bibliography or []),
            *appendices,
            "</article>",
        ]
    )
    paper = f"{arxiv_id}v{version}"
    return "\n".join(
        [
            _head(title, paper, date),
            "<body>",
            _report_dialog(),
            _header(paper),
            _toc(title, writer.toc),
            '<div class="ltx_page_main">',
            _infobox(paper, category, date),
            '<div class="ltx_page_content">',
            _package_alerts(missing_packages),
            article,
            "</div>",
            "</div>",
            _footers(paper),
            "</body></html>",
        ]
    )


def arxiv_error_page(arxiv_id: str = "2405.01234") -> str:
    """What arXiv answers, with status 200 from some mirrors, when a paper has no HTML."""
    return "\n".join(
        [
            _head(f"No HTML for '{arxiv_id}'", arxiv_id, "06 May 2024"),
            "<body>",
            _header(arxiv_id),
            '<main class="html-error">',
            f"<h1>No HTML for '{_esc(arxiv_id)}'</h1>",
            "<p>HTML is not available for the source. This could be due to the source files not "
            "being HTML, LaTeX, or a conversion failure.</p>",
            "</main>",
            _footers(arxiv_id),
            "</body></html>",
        ]
    )


def big_latexml_page(target_bytes: int = 500_000, *, seed: int = 7) -> str:
    """A deterministic paper page of at least `target_bytes`, with math, citations,
    footnotes, figures, tables, subsections, a bibliography and an appendix."""
    rng = random.Random(seed)
    sections: list[dict[str, Any]] = []
    page = ""
    while len(page.encode()) < target_bytes:
        sections.append(_generated_section(rng, len(sections) + 1))
        if len(sections) % 4 == 0 or len(page) > target_bytes * 0.8:
            page = latexml_page(
                title="Routing Sparse Experts Without Load Losses",
                authors=[(f"Author {n}", [f"Institute {n % 3}"]) for n in range(1, 9)],
                abstract=_sentences(rng, 6),
                sections=sections,
                appendix=[_generated_section(rng, 0)],
                bibliography=[
                    f"A. Writer{n}. On topic {n}. In Venue, 20{n % 25:02d}." for n in range(60)
                ],
            )
    return page


@dataclass
class _Writer:
    """Renders sections and keeps the document-wide counters LaTeXML numbers things by."""

    report_buttons: bool = False
    footnotes: int = 0
    figures: int = 0
    tables: int = 0
    equations: int = 0
    toc: list[tuple[str, str, str, int]] = field(default_factory=list)

    def section(
        self, spec: dict[str, Any], anchor: str, number: str, level: int, *, appendix: bool = False
    ) -> str:
        numbered = spec.get("numbered", True)
        kind = ("section", "subsection", "subsubsection")[level - 1]
        if appendix and level == 1:
            kind = "appendix"
        css_kind = "appendix" if kind == "appendix" else kind
        tag_text = f"Appendix {number}" if kind == "appendix" else number
        tag = (
            f'<span class="ltx_tag ltx_tag_{css_kind}">{_esc(tag_text)} </span>' if numbered else ""
        )
        heading = f"h{level + 1}"
        self.toc.append((anchor, number if numbered else "", spec["title"], level))
        parts = [
            f'<section id="{anchor}" class="ltx_{css_kind}">',
            f'<{heading} class="ltx_title ltx_title_{css_kind}">{tag}{self.inline(spec["title"], anchor)}</{heading}>',
        ]
        parts += [
            self.para(text, f"{anchor}.p{n}")
            for n, text in enumerate(spec.get("paragraphs", []), 1)
        ]
        for n, (title, paragraphs) in enumerate(spec.get("named_paragraphs", []), 1):
            parts.append(self.named_paragraph(title, paragraphs, f"{anchor}.Px{n}"))
        parts += [self.figure(figure, anchor) for figure in spec.get("figures", [])]
        for n, sub in enumerate(spec.get("subsections", []), 1):
            sub_anchor = f"{anchor}.{'SS' if level == 1 else 'SSS'}{n}"
            parts.append(
                self.section(sub, sub_anchor, f"{number}.{n}", level + 1, appendix=appendix)
            )
        parts.append("</section>")
        return "\n".join(parts)

    def abstract(self, paragraphs: list[str]) -> str:
        body = "\n".join(
            f'<p id="id{n}.id1" class="ltx_p">{self.inline(text, f"id{n}")}</p>'
            for n, text in enumerate(paragraphs, 1)
        )
        return (
            '<div id="abstract" class="ltx_abstract">\n'
            '<h6 class="ltx_title ltx_title_abstract">Abstract</h6>\n'
            f"{body}\n</div>"
        )

    def para(self, text: str, anchor: str) -> str:
        pieces = re.split(r"\$\$(.+?)\$\$", text)
        inner = []
        for index, piece in enumerate(pieces):
            if index % 2:
                inner.append(self.equation(piece, anchor))
            elif piece.strip():
                inner.append(
                    f'<p id="{anchor}.{index + 1}" class="ltx_p">{self.inline(piece.strip(), anchor)}</p>'
                )
        button = _REPORT_BUTTON if self.report_buttons else ""
        return f'<div id="{anchor}" class="ltx_para">\n' + "\n".join(inner) + f"\n</div>{button}"

    def named_paragraph(self, title: str, paragraphs: list[str], anchor: str) -> str:
        paras = "\n".join(self.para(text, f"{anchor}.p{n}") for n, text in enumerate(paragraphs, 1))
        return (
            f'<section id="{anchor}" class="ltx_paragraph">\n'
            f'<h4 class="ltx_title ltx_title_paragraph">{_esc(title)}</h4>\n{paras}\n</section>'
        )

    def equation(self, tex: str, anchor: str) -> str:
        self.equations += 1
        n = self.equations
        return (
            f'<table id="{anchor}.E{n}" class="ltx_equation ltx_eqn_table">\n'
            f'<tbody><tr class="ltx_equation ltx_eqn_row ltx_align_baseline">\n'
            '<td class="ltx_eqn_cell ltx_eqn_center_padleft"></td>\n'
            f'<td class="ltx_eqn_cell ltx_align_center">{_math(tex, f"{anchor}.E{n}.m1", "block")}</td>\n'
            '<td class="ltx_eqn_cell ltx_eqn_center_padright"></td>\n'
            '<td rowspan="1" class="ltx_eqn_cell ltx_eqn_eqno ltx_align_middle ltx_align_right">'
            f'<span class="ltx_tag ltx_tag_equation ltx_align_right">({n})</span></td></tr></tbody>\n'
            "</table>"
        )

    def figure(self, spec: dict[str, Any], section_anchor: str) -> str:
        if spec.get("kind", "figure") == "table":
            self.tables += 1
            anchor = f"{section_anchor}.T{self.tables}"
            caption = self.caption("table", f"Table {self.tables}", spec["caption"], anchor)
            rows = spec.get("rows", [["Model", "Accuracy"], ["Baseline", "71.3"], ["Ours", "74.9"]])
            return (
                f'<figure id="{anchor}" class="ltx_table">\n{caption}\n'
                f"{_tabular(rows, anchor)}\n</figure>"
            )
        self.figures += 1
        anchor = f"{section_anchor}.F{self.figures}"
        caption = self.caption("figure", f"Figure {self.figures}", spec["caption"], anchor)
        return (
            f'<figure id="{anchor}" class="ltx_figure">'
            f'<img src="x{self.figures}.png" id="{anchor}.g1" class="ltx_graphics ltx_centering '
            f'ltx_img_landscape" width="598" height="300" alt="Refer to caption">\n'
            f"{caption}\n</figure>"
        )

    def caption(self, kind: str, label: str, text: str, anchor: str) -> str:
        return (
            f'<figcaption class="ltx_caption ltx_centering"><span class="ltx_tag ltx_tag_{kind}">'
            f"{label}: </span>{self.inline(text, anchor)}</figcaption>"
        )

    def inline(self, text: str, anchor: str) -> str:
        out, at, maths = [], 0, 0
        for match in _MARKUP.finditer(text):
            out.append(_esc(text[at : match.start()]))
            at = match.end()
            if match["math"] is not None:
                maths += 1
                out.append(_math(match["math"], f"{anchor}.m{maths}", "inline"))
            elif match["kind"] == "fn":
                out.append(self.footnote(match["arg"], anchor))
            elif match["kind"] == "cite":
                number = match["arg"]
                out.append(
                    f'<cite class="ltx_cite ltx_citemacro_cite">[<a href="#bib.bib{number}" '
                    f'title="" class="ltx_ref">{number}</a>]</cite>'
                )
            elif match["kind"] == "err":
                out.append(f'<span class="ltx_ERROR undefined">{_esc(match["arg"])}</span>')
            else:
                font = "bold" if match["kind"] == "b" else "italic"
                out.append(
                    f'<span class="ltx_text ltx_font_{font}">{self.inline(match["arg"], anchor)}</span>'
                )
        out.append(_esc(text[at:]))
        return "".join(out)

    def footnote(self, text: str, anchor: str) -> str:
        self.footnotes += 1
        n = self.footnotes
        return (
            f'<span id="footnote{n}" class="ltx_note ltx_role_footnote"><sup class="ltx_note_mark">'
            f'{n}</sup><span class="ltx_note_outer"><span class="ltx_note_content"><sup '
            f'class="ltx_note_mark">{n}</sup><span class="ltx_tag ltx_tag_note">{n}</span>'
            f"{self.inline(text, f'{anchor}.fn{n}')}</span></span></span>"
        )


def _math(tex: str, anchor: str, display: str) -> str:
    """A <math> element as LaTeXML writes it: alttext, presentation MathML and the TeX source."""
    tokens = []
    for char in re.sub(r"\\[A-Za-z]+|[{}^_\\\s]", "", tex):
        element = "mi" if char.isalpha() else "mn" if char.isdigit() else "mo"
        tokens.append(f"<{element}>{_esc(char)}</{element}>")
    return (
        f'<math id="{anchor}" class="ltx_Math" alttext="{_esc(tex)}" display="{display}">'
        f'<semantics><mrow>{"".join(tokens)}</mrow><annotation encoding="application/x-tex">'
        f"{_esc(tex)}</annotation></semantics></math>"
    )


def _tabular(rows: list[list[str]], anchor: str) -> str:
    head, *body = rows
    header = "".join(
        f'<th class="ltx_td ltx_align_left ltx_th ltx_th_column ltx_border_tt">{_esc(cell)}</th>'
        for cell in head
    )
    lines = [
        f'<table id="{anchor}.1" class="ltx_tabular ltx_centering ltx_guessed_headers ltx_align_middle">',
        f'<thead class="ltx_thead"><tr class="ltx_tr">{header}</tr></thead>',
        '<tbody class="ltx_tbody">',
    ]
    for row in body:
        cells = "".join(f'<td class="ltx_td ltx_align_left">{_esc(cell)}</td>' for cell in row)
        lines.append(f'<tr class="ltx_tr">{cells}</tr>')
    lines.append("</tbody></table>")
    return "\n".join(lines)


def _authors(authors: list[tuple[str, list[str]]], style: str, addresses: bool) -> str:
    if style == "separate":
        body = '\n<span class="ltx_author_before">  </span>'.join(
            _creator(name, affiliations, addresses) for name, affiliations in authors
        )
    elif style in ("markers", "markers_contact"):
        body = _marker_creator(authors, in_contact=style == "markers_contact")
    elif style == "lines":
        body = _lines_creator(authors)
    else:
        raise ValueError(f"unknown author style {style!r}")
    return f'<div class="ltx_authors">\n{body}\n</div>'


def _creator(name: str, affiliations: list[str], addresses: bool) -> str:
    contacts = []
    for index, affiliation in enumerate(affiliations):
        role, label = (
            ("address", "Address") if addresses and index else ("affiliation", "Affiliation")
        )
        contacts.append(
            f'<span class="ltx_contact ltx_role_{role}"><span class="ltx_contact_name">{label}:&nbsp;'
            f"</span>{_esc(affiliation)}</span>"
        )
    email = _email(name)
    contacts.append(
        '<span class="ltx_contact ltx_role_email"><span class="ltx_contact_name">Email:&nbsp;</span>'
        f'<a href="mailto:{email}">{email}</a></span>'
    )
    return (
        f'<span class="ltx_creator ltx_role_author">\n<span class="ltx_personname">{_esc(name)}</span>'
        '<span class="ltx_author_notes"><span class="ltx_author_notes_content">\n'
        + "\n".join(contacts)
        + "</span></span></span>"
    )


def _labels(authors: list[tuple[str, list[str]]]) -> dict[str, int]:
    labels: dict[str, int] = {}
    for _, affiliations in authors:
        for affiliation in affiliations:
            labels.setdefault(affiliation, len(labels) + 1)
    return labels


def _marker_creator(authors: list[tuple[str, list[str]]], *, in_contact: bool) -> str:
    labels = _labels(authors)
    names = []
    for index, (name, affiliations) in enumerate(authors):
        marks = ",".join(str(labels[a]) for a in affiliations) + ("†" if index == 0 else "")
        sup = f'<sup class="ltx_sup">{marks}</sup>' if marks else ""
        joiner = ", and " if index == len(authors) - 1 and index else ", " if index else ""
        if index == 3:  # long author lists wrap onto a second line
            joiner += '<br class="ltx_break">'
        names.append(f"{joiner}{_esc(name)}{sup}")
    definitions = " ".join(
        f'<sup class="ltx_sup">{n}</sup>{_esc(affiliation)}' for affiliation, n in labels.items()
    )
    emails = ", ".join(_email(name).split("@")[0] for name, _ in authors)
    email_line = f'<span class="ltx_text ltx_font_typewriter">{{{emails}}}@example.org</span>'
    if not in_contact:
        return (
            '<span class="ltx_creator ltx_role_author"><span class="ltx_personname">'
            + "".join(names)
            + f'\n<br class="ltx_break">{definitions}\n<br class="ltx_break">{email_line}</span></span>'
        )
    return (
        '<span class="ltx_creator ltx_role_author"><span class="ltx_personname">'
        + "".join(names)
        + '</span><span class="ltx_author_notes"><span class="ltx_author_notes_content">\n'
        '<span class="ltx_contact ltx_role_affiliation"><span class="ltx_contact_name">Affiliation:'
        f' </span>{definitions} <br class="ltx_break"><sup class="ltx_sup">*</sup>Corresponding '
        f"author: {_esc(authors[0][0])}</span></span></span></span>"
    )


def _lines_creator(authors: list[tuple[str, list[str]]]) -> str:
    blocks = []
    for name, affiliations in authors:
        lines = [_esc(name), *(_esc(a) for a in affiliations)]
        lines.append(f'<span class="ltx_text ltx_font_typewriter">{_email(name)}</span>')
        blocks.append('<br class="ltx_break">'.join(lines))
    personname = '<br class="ltx_break">&amp;'.join(blocks)
    return (
        '<span class="ltx_creator ltx_role_author"><span class="ltx_personname">'
        f"{personname}</span></span>"
    )


def _email(name: str) -> str:
    return re.sub(r"[^a-z]", "", name.lower())[:12] + "@example.org"


def _bibliography(entries: list[str]) -> str:
    items = "\n".join(
        f'<li id="bib.bib{n}" class="ltx_bibitem"><span class="ltx_tag ltx_role_refnum '
        f'ltx_tag_bibitem">[{n}]</span>\n<span class="ltx_bibblock">{_esc(entry)}</span>\n</li>'
        for n, entry in enumerate(entries, 1)
    )
    return (
        '<section id="bib" class="ltx_bibliography">\n'
        '<h2 class="ltx_title ltx_title_bibliography">References</h2>\n'
        f'<ul class="ltx_biblist">\n{items}\n</ul>\n</section>'
    )


def _head(title: str, paper: str, date: str) -> str:
    static = "https://arxiv.org/static/browse/0.3.4"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta content="text/html; charset=utf-8" http-equiv="content-type"/>
<title>{_esc(title)}</title>
<!--Generated on {date} by LaTeXML (version 0.8.8) http://dlmf.nist.gov/LaTeXML/.-->
<meta content="width=device-width, initial-scale=1, shrink-to-fit=no" name="viewport"/>
<link href="https://cdn.jsdelivr.net/npm/bootstrap@5.3.0/dist/css/bootstrap.min.css" rel="stylesheet" type="text/css"/>
<link href="{static}/css/ar5iv.0.7.9.min.css" rel="stylesheet" type="text/css"/>
<link href="{static}/css/ar5iv-fonts.0.7.9.min.css" rel="stylesheet" type="text/css"/>
<link href="{static}/css/latexml_styles.css" rel="stylesheet" type="text/css"/>
<script src="https://cdn.jsdelivr.net/npm/bootstrap@5.3.0/dist/js/bootstrap.bundle.min.js"></script>
<script src="https://cdnjs.cloudflare.com/ajax/libs/html2canvas/1.3.3/html2canvas.min.js"></script>
<script src="{static}/js/addons_new.js"></script>
<script src="{static}/js/feedbackOverlay.js"></script>
<base href="/html/{paper}/"/></head>"""


def _report_dialog() -> str:
    return """<dialog id="modal-form" aria-labelledby="modal-title" closedby="any">
  <form id="modal-form-content" method="dialog" enctype="multipart/form-data">
    <header class="modal-header"><h5 id="modal-title" class="modal-title">Report GitHub Issue</h5>
      <button type="submit" formnovalidate="" class="modal-close" aria-label="Close">×</button></header>
    <div class="modal-body"><label for="form_title">Title:</label>
      <input class="form-control" id="form_title" name="form_title" required="" placeholder="Enter title">
      <p id="selectedTextModalDescription">Content selection saved. Describe the issue below:</p>
      <label for="description">Description:</label>
      <textarea class="form-control" id="description" name="description" maxlength="500"></textarea></div>
    <footer class="modal-footer"><button type="submit" value="github-report" class="modal-submit">Submit in GitHub</button></footer>
  </form>
</dialog>"""


def _header(paper: str) -> str:
    return f"""<header class="arxiv-html-header">
  <div class="html-header-logo"><a href="https://arxiv.org/"><img alt="arXiv logo" class="logo desktop-only" width="100" src="https://arxiv.org/static/base/1.0.1/images/arxiv-logo-primary-light.svg">
    <span class="sr-only">Back to arXiv</span></a></div>
  <nav class="html-header-nav">
    <a class="header-button hover-effect desktop-only" href="https://info.arxiv.org/about/accessible_HTML.html" target="_blank">Why HTML?</a>
    <a class="header-button" title="Report an Issue" href="#"><span class="desktop-only">Report Issue</span></a>
    <a class="header-button" title="Back to abstract page" href="https://arxiv.org/abs/{paper}"><span class="desktop-only">Back to Abstract</span></a>
    <a class="header-button" title="Download PDF" href="https://arxiv.org/pdf/{paper}" target="_blank"><span class="desktop-only">Download PDF</span></a>
    <button type="button" class="header-button color-tog" title="Toggle dark/light mode" aria-label="Toggle color scheme"></button>
  </nav>
</header>"""


def _toc(title: str, entries: list[tuple[str, str, str, int]]) -> str:
    items = []
    for anchor, number, name, level in entries:
        kind = ("section", "subsection", "subsubsection")[level - 1]
        tag = f'<span class="ltx_tag ltx_tag_ref">{_esc(number)} </span>' if number else ""
        items.append(
            f'<li class="ltx_tocentry ltx_tocentry_{kind}"><a href="#{anchor}" title="In '
            f'{_esc(title)}" class="ltx_ref"><span class="ltx_text ltx_ref_title">{tag}'
            f"{_esc(_MARKUP.sub('', name))}</span></a></li>"
        )
    return (
        '<nav class="ltx_page_navbar">\n<nav class="ltx_TOC">\n<ol class="ltx_toclist">\n'
        + "\n".join(items)
        + "\n</ol></nav>\n</nav>"
    )


def _infobox(paper: str, category: str, date: str) -> str:
    return f"""<div id="infobox" class="infobox">
  <a id="license-tr" href="https://info.arxiv.org/help/license/index.html#licenses-available">License: CC BY 4.0</a>
  <div id="watermark-tr">arXiv:{paper} [{category}] {date}</div>
</div>"""


def _package_alerts(packages: tuple[str, ...]) -> str:
    if not packages:
        return ""
    items = "".join(f"<li>failed: {_esc(p)}</li>" for p in packages)
    return f"""<div class="package-alerts ltx_document" role="status" aria-label="Conversion errors have been found">
  <button aria-label="Dismiss alert" onclick="closePopup()"><span aria-hidden="true">×</span></button>
  <p>HTML conversions <a href="https://info.dev.arxiv.org/about/accessibility_html_error_messages.html" target="_blank">sometimes display errors</a> due to content that did not convert correctly from the source. This paper uses the following packages that are not yet supported by the HTML conversion tool.</p>
  <ul arial-label="Unsupported packages used in this paper">{items}</ul>
</div>"""


def _footers(paper: str) -> str:
    return f"""<footer class="arxiv-html-footer">
  <div class="ltx_page_logo">Experimental support, please
    <a href="https://arxiv.org/html/{paper}/__stdout.txt" class="ltx_ref" target="_blank" rel="nofollow">view the build logs</a>
    for errors. Generated by <a href="https://math.nist.gov/~BMiller/LaTeXML/" class="ltx_ref ltx_LaTeXML_logo">L<span>A</span>T<span>E</span>xml</a>.</div>
  <div class="keyboard-glossary"><h2>Instructions for reporting errors</h2>
    <p>We are continuing to improve HTML versions of papers, and your feedback helps enhance accessibility and mobile support.</p>
    <ul><li>Click the "Report Issue" button, located in the page header.</li></ul></div>
</footer><footer class="ds-site-footer">
  <div class="ds-site-footer-ack">We gratefully acknowledge support from our major funders, member institutions, and all contributors.</div>
  <nav class="ds-site-footer-links" aria-label="Site navigation"><a href="https://info.arxiv.org/about">About</a>
    <a href="https://info.arxiv.org/help">Help</a><a href="https://info.arxiv.org/help/license/index.html">Copyright</a></nav>
</footer>"""


_REPORT_BUTTON = (
    '<button class="sr-only button" style="display: none;">Report issue for preceding element'
    "</button>"
)


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


# Prose for the generated benchmark page: plain statements about an imaginary routing method.
# fmt: off
_SUBJECTS = [
    "The router", "Each expert", "The gating network", "Our schedule", "The auxiliary loss",
    "A capacity factor of two", "The token buffer", "The baseline", "Layer-wise dropout",
    "The warm-up phase", "Greedy assignment", "The balanced variant",
]
_VERBS = [
    "reduces", "stabilizes", "doubles", "limits", "spreads", "delays", "hides", "improves",
    "predicts", "smooths", "trades off", "shifts",
]
_OBJECTS = [
    "the variance of expert load", "the number of dropped tokens", "the throughput per device",
    "the validation perplexity", "the communication volume", "the memory held by activations",
    "the gap between training and inference", "the cost of the all-to-all exchange",
    "the sensitivity to the learning rate", "the share of idle experts",
]
_TAILS = [
    "in every configuration we tried", "once the batch exceeds a few thousand tokens",
    "without changing the model size", "at the price of a slower first epoch",
    "which Table 2 makes explicit", "as long as the experts stay on one host",
    "for both the small and the large model", "even when half of the devices are slower",
]
_FORMULAS = [
    r"p_{i}=\frac{e^{z_{i}}}{\sum_{j}e^{z_{j}}}", r"\mathcal{L}_{aux}=\alpha N\sum_{i}f_{i}P_{i}",
    r"C=\lceil kT/E\rceil", r"h_{t}=\sum_{i\in\mathcal{T}}g_{i}(x_{t})E_{i}(x_{t})", r"k=2",
]
# fmt: on


def _sentence(rng: random.Random) -> str:
    sentence = (
        f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)} {rng.choice(_TAILS)}"
    )
    roll = rng.random()
    if roll < 0.3:
        sentence += f", with ${rng.choice(_FORMULAS)}$"
    elif roll < 0.45:
        sentence += f" {{cite:{rng.randint(1, 60)}}}"
    elif roll < 0.5:
        sentence += f"{{fn:{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)}.}}"
    return sentence + "."


def _sentences(rng: random.Random, count: int) -> str:
    return " ".join(_sentence(rng) for _ in range(count))


def _generated_section(rng: random.Random, number: int) -> dict[str, Any]:
    def paragraphs(count: int) -> list[str]:
        texts = [_sentences(rng, rng.randint(4, 8)) for _ in range(count)]
        if rng.random() < 0.4:
            texts[0] += f" $${rng.choice(_FORMULAS)}$$ {_sentence(rng)}"
        return texts

    return {
        "title": f"Study {number}: {rng.choice(_OBJECTS)}",
        "paragraphs": paragraphs(4),
        "figures": [
            {"kind": "figure", "caption": _sentence(rng)},
            {"kind": "table", "caption": _sentence(rng)},
        ],
        "subsections": [
            {"title": rng.choice(_OBJECTS).capitalize(), "paragraphs": paragraphs(3)},
            {
                "title": rng.choice(_OBJECTS).capitalize(),
                "paragraphs": paragraphs(2),
                "named_paragraphs": [("Setup.", paragraphs(1))],
            },
        ],
    }
