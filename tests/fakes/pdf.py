"""A tiny writer of real PDF files for the full-text tests: text pages, encrypted, image-only.

pdf_document([["First line", "second line"], ["Page two"]])  # Helvetica text, one list per page
encrypted_pdf([["Secret"]], user_password="reader")        # Standard handler V1 R2, RC4 40-bit
image_only_pdf()                                             # drawn shapes and an image, no text
pdf_document(pages)[: n // 2]                                # a truncated, broken file

The files follow ISO 32000: header, numbered objects, an xref table with the byte offset of
each object, a trailer and `startxref`. Text uses the standard Type1 font Helvetica with
WinAnsiEncoding; an empty string in a page's lines leaves a blank line and a line starting
with a tab is indented like the first line of a paragraph.
"""

from __future__ import annotations

import hashlib

FONT_SIZE = 11
LEADING = 14
PAGE_WIDTH, PAGE_HEIGHT = 612, 792
TOP, LEFT, INDENT = 740, 72, 18

# Algorithm 2 of the Standard security handler pads passwords with these 32 bytes.
_PASSWORD_PAD = bytes.fromhex("28bf4e5e4e758a4164004e56fffa01082e2e00b6d0683e802f0ca9fe6453697a")
_PERMISSIONS = -4  # every permission granted; bits 1 and 2 must be 0


def pdf_document(pages: list[list[str]]) -> bytes:
    """A PDF with one page per item of `pages`, each line of text set in 11 pt Helvetica."""
    return _Writer().build([_text_stream(lines) for lines in pages], with_font=True)


def encrypted_pdf(
    pages: list[list[str]] | None = None,
    *,
    user_password: str = "reader",
    owner_password: str = "owner",
) -> bytes:
    """A PDF encrypted with the Standard handler (V1, R2, RC4 40-bit): opening it needs
    `user_password`. Its streams really are encrypted, so the password also decrypts them."""
    pages = pages if pages is not None else [["This page is only for those who know the word."]]
    file_id = hashlib.md5(b"yomikai encrypted fixture").digest()
    security = _StandardSecurity(user_password, owner_password, file_id)
    return _Writer(security).build([_text_stream(lines) for lines in pages], with_font=True)


def image_only_pdf(page_count: int = 2) -> bytes:
    """A PDF whose pages only draw: filled rectangles and an inline 4x4 grey image, no text,
    like a scanned paper without an OCR layer."""
    return _Writer().build([_drawing_stream(n) for n in range(page_count)], with_font=False)


def _text_stream(lines: list[str]) -> bytes:
    parts = [f"BT /F1 {FONT_SIZE} Tf".encode()]
    for index, line in enumerate(lines):
        indent = INDENT if line.startswith("\t") else 0
        text = line.removeprefix("\t")
        if text:
            y = TOP - index * LEADING
            parts.append(f"1 0 0 1 {LEFT + indent} {y} Tm (".encode() + _pdf_string(text) + b") Tj")
    parts.append(b"ET")
    return b"\n".join(parts) + b"\n"


def _drawing_stream(page_index: int) -> bytes:
    grey = 0.2 + 0.1 * (page_index % 5)
    pixels = bytes(range(0, 256, 16))  # 16 grey levels, one byte each
    return (
        (
            f"q {grey:.1f} g 72 420 468 300 re f Q\n"
            "q 0 0 1 RG 4 w 72 80 m 540 380 l S Q\n"
            "q 120 0 0 120 246 120 cm\n"
            "BI /W 4 /H 4 /CS /G /BPC 8 ID\n"
        ).encode()
        + pixels
        + b"\nEI Q\n"
    )


def _pdf_string(text: str) -> bytes:
    raw = text.encode("cp1252", errors="replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


class _Writer:
    """Lays out catalog, page tree, font, pages and their content streams, then the xref."""

    def __init__(self, security: _StandardSecurity | None = None) -> None:
        self.security = security
        self.objects: list[bytes] = []

    def build(self, streams: list[bytes], *, with_font: bool) -> bytes:
        catalog, pages_ref = self._reserve(), self._reserve()
        font = self._add(
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
        )
        resources = f"/Resources << /Font << /F1 {font} 0 R >> >>" if with_font else ""
        kids = []
        for stream in streams:
            content = self._add_stream(stream)
            kids.append(
                self._add(
                    f"<< /Type /Page /Parent {pages_ref} 0 R /MediaBox [0 0 {PAGE_WIDTH} "
                    f"{PAGE_HEIGHT}] {resources} /Contents {content} 0 R >>".encode()
                )
            )
        kid_refs = " ".join(f"{kid} 0 R" for kid in kids)
        self._set(pages_ref, f"<< /Type /Pages /Kids [{kid_refs}] /Count {len(kids)} >>".encode())
        self._set(catalog, f"<< /Type /Catalog /Pages {pages_ref} 0 R >>".encode())
        trailer = f"/Root {catalog} 0 R"
        if self.security is not None:
            encrypt = self._add(self.security.dictionary())
            file_id = self.security.file_id.hex()
            trailer += f" /Encrypt {encrypt} 0 R /ID [<{file_id}> <{file_id}>]"
        return self._serialize(trailer)

    def _reserve(self) -> int:
        self.objects.append(b"")
        return len(self.objects)

    def _set(self, number: int, body: bytes) -> None:
        self.objects[number - 1] = body

    def _add(self, body: bytes) -> int:
        number = self._reserve()
        self._set(number, body)
        return number

    def _add_stream(self, data: bytes) -> int:
        number = self._reserve()
        if self.security is not None:
            data = self.security.encrypt(number, data)
        self._set(number, b"<< /Length %d >>\nstream\n" % len(data) + data + b"\nendstream")
        return number

    def _serialize(self, trailer: str) -> bytes:
        out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        offsets = []
        for number, body in enumerate(self.objects, start=1):
            offsets.append(len(out))
            out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
        xref_at = len(out)
        out += b"xref\n0 %d\n" % (len(self.objects) + 1)
        out += b"0000000000 65535 f \n"
        for offset in offsets:
            out += b"%010d 00000 n \n" % offset
        size = len(self.objects) + 1
        out += f"trailer\n<< /Size {size} {trailer} >>\nstartxref\n{xref_at}\n%%EOF\n".encode()
        return bytes(out)


class _StandardSecurity:
    """The Standard security handler, revision 2: algorithms 2, 3 and 4 of ISO 32000-1 §7.6.3."""

    def __init__(self, user_password: str, owner_password: str, file_id: bytes) -> None:
        self.file_id = file_id
        user, owner = _padded(user_password), _padded(owner_password)
        self.owner_entry = _rc4(hashlib.md5(owner).digest()[:5], user)
        permissions = _PERMISSIONS.to_bytes(4, "little", signed=True)
        self.key = hashlib.md5(user + self.owner_entry + permissions + file_id).digest()[:5]
        self.user_entry = _rc4(self.key, _PASSWORD_PAD)

    def dictionary(self) -> bytes:
        return (
            f"<< /Filter /Standard /V 1 /R 2 /O <{self.owner_entry.hex()}> "
            f"/U <{self.user_entry.hex()}> /P {_PERMISSIONS} >>"
        ).encode()

    def encrypt(self, number: int, data: bytes) -> bytes:
        object_key = hashlib.md5(self.key + number.to_bytes(3, "little") + b"\0\0").digest()
        return _rc4(object_key[:10], data)


def _padded(password: str) -> bytes:
    return (password.encode("latin-1") + _PASSWORD_PAD)[:32]


def _rc4(key: bytes, data: bytes) -> bytes:
    state = list(range(256))
    j = 0
    for i in range(256):
        j = (j + state[i] + key[i % len(key)]) % 256
        state[i], state[j] = state[j], state[i]
    out = bytearray()
    i = j = 0
    for byte in data:
        i = (i + 1) % 256
        j = (j + state[i]) % 256
        state[i], state[j] = state[j], state[i]
        out.append(byte ^ state[(state[i] + state[j]) % 256])
    return bytes(out)
