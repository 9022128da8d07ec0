"""Decide how to read one extract file: its format, its text encoding and, for delimited text, its delimiter.

The decision is made per FILE, never per system: any system may deliver CSV, JSON, Parquet or Excel.

- Format: what the content shows where it is decisive, the extension (`EXTENSION_KINDS`) where it is not. A
  Parquet (`PAR1`) or xlsx (zip, `PK`) signature always wins; text is JSON lines when it starts with an object,
  a JSON array when it starts with `[` and an object, delimited text otherwise (so `.json`, `.jsonl`, `.csv`,
  `.txt` and unknown names all end up right); a binary extension on binary content without its signature is
  trusted, so the damaged file is reported by its own reader; `.tsv`/`.tab`/`.psv` name their delimiter.
- Encoding (text files): a byte-order mark (UTF-8, UTF-16 LE/BE), else UTF-8 if the whole file is valid UTF-8,
  else the system's declared legacy encoding, else charset-normalizer's best guess, with Windows-1252 whenever
  it is among the equally good guesses (short Western text is as "coherent" in Windows-1250 as in -1252, and
  would come out as `Peńa` instead of `Peña`) or the guess is unsure. A candidate is taken only if it decodes
  the whole file. A file that is mostly valid UTF-8 but not wholly (a line pasted from another encoding) is
  rejected with its first bad line rather than read in a guessed encoding.
- Delimiter: sniffed by clevercsv among comma, semicolon, tab and pipe (with the quote character).
"""

from __future__ import annotations

import codecs
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import clevercsv
from charset_normalizer import from_bytes

from connectors.errors import ExtractFileError
from connectors.excel import choose_sheet

EXTENSION_KINDS = {
    ".csv": "csv", ".tsv": "csv", ".txt": "csv", ".psv": "csv", ".tab": "csv",
    ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json",
    ".parquet": "parquet", ".pq": "parquet",
    ".xlsx": "xlsx", ".xlsm": "xlsx",
}
# Names of files still being transferred, as the tools that write them name them: browsers (Firefox `.part`,
# Chrome `.crdownload`, Safari `.download`), WinSCP `.filepart`, `hdfs dfs -put` `._COPYING_`, editors and scripts
# (`.tmp`, `.temp`, `.partial`, `.inprogress`). Such a file is never an extract, whatever its age.
IN_PROGRESS_SUFFIXES = {".part", ".partial", ".crdownload", ".download", ".filepart", "._copying_", ".tmp", ".temp",
                        ".inprogress"}
# Files beside the extracts that are not data: checksums, markers, partial transfers, notes.
SIDECAR_SUFFIXES = {".md5", ".sha1", ".sha256", ".sha512", ".crc", ".ok", ".done", ".lock", ".md", ".log",
                    *IN_PROGRESS_SUFFIXES}
BINARY_KINDS = {"parquet", "xlsx"}
OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls (and other pre-2007 Office files)
DELIMITERS = [",", ";", "\t", "|"]
EXTENSION_DELIMITERS = {".tsv": "\t", ".tab": "\t", ".psv": "|"}
FALLBACK_ENCODING = "cp1252"
BOMS = [(codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")]
HEAD_BYTES = 1 << 16
GUESS_BYTES = 1 << 20  # charset-normalizer reads a sample; the chosen encoding is then checked on the whole file
SNIFF_LINES = 200
# charset-normalizer's "chaos" (share of implausible characters) above which a guess is no guess.
MAX_GUESS_CHAOS = 0.1


@dataclass(frozen=True)
class FileFormat:
    """How one file is read. `encoding` is what is recorded (`utf-8-sig` = UTF-8 with a BOM)."""

    kind: str  # csv | jsonl | json | parquet | xlsx | empty
    encoding: str | None = None
    delimiter: str | None = None
    quotechar: str = '"'
    escapechar: str | None = None
    sheet: str | None = None  # Excel: the sheet read

    @property
    def codec(self) -> str | None:
        """The Python codec that decodes the file (a UTF-16 BOM gives the byte order and is consumed)."""
        if self.encoding in ("utf-16-le", "utf-16-be"):
            return "utf-16"
        return self.encoding

    @property
    def ascii_compatible(self) -> bool:
        """Quote, delimiter and newline are the same single bytes as in ASCII (not so in UTF-16/32)."""
        return self.codec is not None and not self.codec.startswith(("utf-16", "utf-32"))


def is_extract_file(path: Path) -> bool:
    """A data file: any name except sidecars (checksums, transfer markers, partial downloads, notes) and the lock
    file Excel keeps beside a workbook it has open (`~$name.xlsx`)."""
    return path.suffix.lower() not in SIDECAR_SUFFIXES and not path.name.startswith("~$")


def detect_format(
    path: Path,
    display_name: str,
    legacy_encoding: str | None = None,
    sheet_matches: Callable[[list[str]], bool] | None = None,
) -> FileFormat:
    """How to read `path`. `legacy_encoding` is the system's declared non-UTF-8 encoding (if any);
    `sheet_matches` tells whether an Excel sheet's header is the entity's (to pick one sheet of many)."""
    with open(path, "rb") as handle:
        head = handle.read(HEAD_BYTES)
    if not _strip_bom(head).strip() and len(head) < HEAD_BYTES:
        return FileFormat("empty")  # zero bytes or blank: a system that had nothing to send
    suffix = path.suffix.lower()
    kind = _binary_kind(head, EXTENSION_KINDS.get(suffix), display_name)
    if kind == "xlsx":
        return FileFormat("xlsx", sheet=choose_sheet(path, display_name, sheet_matches))
    if kind == "parquet":
        return FileFormat("parquet")
    encoding = detect_encoding(path, display_name, head, legacy_encoding)
    text = _decode_head(head, FileFormat("csv", encoding).codec)
    kind = _text_kind(text)
    if kind != "csv":
        return FileFormat(kind, encoding)
    delimiter, quotechar, escapechar = sniff_dialect(text, EXTENSION_DELIMITERS.get(suffix))
    return FileFormat("csv", encoding, delimiter, quotechar, escapechar)


# --- format ------------------------------------------------------------------------------------------------


def _strip_bom(head: bytes) -> bytes:
    for bom, _ in BOMS:
        if head.startswith(bom):
            return head[len(bom):].replace(b"\x00", b"")
    return head


def _binary_kind(head: bytes, extension_kind: str | None, display_name: str) -> str | None:
    """parquet or xlsx, else None (text). A signature is decisive; a binary extension on content without its
    signature is a lie when the content is text, and damage (its reader says so) when it is not."""
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"  # an Office Open XML workbook is a zip archive
    if head.startswith(OLE2_SIGNATURE):
        raise ExtractFileError(display_name, "unreadable", "a legacy binary Excel (.xls) workbook: save it as .xlsx or CSV")
    if extension_kind in BINARY_KINDS and b"\x00" in head and not any(head.startswith(bom) for bom, _ in BOMS):
        return extension_kind
    return None


def _decode_head(head: bytes, codec: str) -> str:
    return codecs.getincrementaldecoder(codec)(errors="replace").decode(head).lstrip("\ufeff")


def _text_kind(text: str) -> str:
    """JSON lines, a JSON array, or delimited text, by the first characters (whatever the extension says).
    `[Id],[Name]` (a SQL Server export header) is text: an array must start with an object or be empty."""
    start = text.lstrip()
    if start.startswith("{"):
        return "jsonl"
    if start.startswith("[") and start[1:].lstrip()[:1] in ("{", "]", ""):
        return "json"
    return "csv"


# --- encoding ----------------------------------------------------------------------------------------------


def detect_encoding(path: Path, display_name: str, head: bytes, legacy_encoding: str | None) -> str:
    for bom, name in BOMS:
        if head.startswith(bom):
            return name
    utf8_failure = first_undecodable_line(path, "utf-8")
    if utf8_failure is None:
        return "utf-8"
    if _mostly_utf8(path):
        line, what = utf8_failure
        raise ExtractFileError(
            display_name, "encoding",
            f"UTF-8 text with bytes that are not UTF-8 ({what}): a line pasted from another encoding or a corrupt "
            "file; no single encoding reads it", line,
        )
    tried: list[tuple[str, tuple[int, str]]] = [("utf-8", utf8_failure)]
    for candidate in _candidates(path, legacy_encoding):
        failure = first_undecodable_line(path, candidate)
        if failure is None:
            return candidate
        tried.append((candidate, failure))
    line = tried[-1][1][0]
    detail = "; ".join(f"not {name} (line {where}: {what})" for name, (where, what) in tried)
    raise ExtractFileError(display_name, "encoding", f"no text encoding decodes the file: {detail}", line)


def _candidates(path: Path, legacy_encoding: str | None):
    """The declared encoding, the guessed one, Windows-1252, each once and never UTF-8 again; lazily, so that
    the guess is made only when the declared encoding does not decode the file."""
    seen: set[str] = {"utf-8"}
    for candidate in _candidate_names(path, legacy_encoding):
        name = codecs.lookup(candidate).name
        if name not in seen:
            seen.add(name)
            yield candidate


def _candidate_names(path: Path, legacy_encoding: str | None):
    if legacy_encoding:
        yield legacy_encoding
    guess = _guess_encoding(path)
    if guess:
        yield guess
    yield FALLBACK_ENCODING


def _mostly_utf8(path: Path) -> bool:
    """More valid multi-byte UTF-8 characters than undecodable bytes: UTF-8, damaged. Legacy text seldom
    forms valid UTF-8 sequences (it would take pairs like `Ã©`), so such a file is not read as legacy."""
    with open(path, "rb") as handle:
        text = handle.read(GUESS_BYTES).decode("utf-8", errors="replace")
    undecodable = text.count("\ufffd")
    multibyte = sum(1 for char in text if char > "\x7f") - undecodable
    return multibyte > undecodable


def _guess_encoding(path: Path) -> str | None:
    with open(path, "rb") as handle:
        sample = handle.read(GUESS_BYTES)
    results = from_bytes(sample)
    best = results.best()
    if best is None or best.chaos > MAX_GUESS_CHAOS:
        return None  # unsure: Windows-1252 is tried next
    equally_good = [r for r in results if r.chaos <= best.chaos + 0.01]
    if any(FALLBACK_ENCODING in r.could_be_from_charset for r in equally_good):
        return FALLBACK_ENCODING
    return best.encoding


def first_undecodable_line(path: Path, encoding: str) -> tuple[int, str] | None:
    """(line, what) of the first byte `encoding` cannot decode, or None when the whole file decodes."""
    decoder = codecs.getincrementaldecoder(encoding)()
    line = 1
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            try:
                line += decoder.decode(chunk).count("\n")
            except UnicodeDecodeError as exc:
                good = chunk[: exc.start].decode(encoding, errors="replace")
                return line + good.count("\n"), f"byte 0x{chunk[exc.start]:02x}"
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return line, "the file ends in the middle of a character"
    return None


# --- delimiter ---------------------------------------------------------------------------------------------


def sniff_dialect(text: str, extension_delimiter: str | None) -> tuple[str, str, str | None]:
    """(delimiter, quote character, escape character) of delimited text, from its first lines."""
    lines = io.StringIO(text, newline="").readlines()
    if len(lines) > 1:
        lines = lines[:-1]  # the sample may end in the middle of a line
    sample = "".join(lines[:SNIFF_LINES])
    header = lines[0] if lines else ""
    if extension_delimiter and extension_delimiter in header:
        return extension_delimiter, '"', None
    # clevercsv's parser stops at a NUL ("line contains NULL byte"); one in a value says nothing about the dialect.
    dialect = clevercsv.Detector().detect(sample.replace("\x00", ""), delimiters=DELIMITERS)
    if dialect is None or dialect.delimiter not in DELIMITERS:
        delimiter = max(DELIMITERS, key=header.count)  # one line or no clear dialect: the header decides
        return (delimiter if header.count(delimiter) else ","), '"', None
    quotechar = "'" if dialect.quotechar == "'" else '"'
    return dialect.delimiter, quotechar, dialect.escapechar or None
