"""What parsers yield, and the file reading they share, so one bad record never stops a whole import."""

from __future__ import annotations

import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import TypeAlias

from bot.models import Paper

MAX_FILE_BYTES = 64 * 1024 * 1024  # far beyond any dump; guards against pointing the bot at a disk image
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")  # what `surrogateescape` makes of a byte that is not UTF-8


@dataclass(frozen=True, slots=True)
class IngestProblem:
    """A record (or file) that could not become a paper; `where` locates it ("line 7", "summary 3", "file")."""

    source: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.source}: {self.where}: {self.message}"


ParseResult: TypeAlias = Paper | IngestProblem


def read_text(path: Path) -> str | IngestProblem:
    """Read a UTF-8 text file, or say in one line why it cannot be imported (missing, binary).

    A byte that is not UTF-8 is kept escaped rather than refusing the file: the parser skips only the record
    holding it (see `bad_byte`), so one damaged byte never loses the good records around it.
    """
    source = str(path)
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            return IngestProblem(source, "file", "is a directory, not a file")
        if not stat.S_ISREG(info.st_mode):  # a FIFO or device could block or never end
            return IngestProblem(source, "file", "not a regular file")
        if info.st_size > MAX_FILE_BYTES:
            return IngestProblem(source, "file", f"file is larger than {MAX_FILE_BYTES // 2**20} MiB")
        data = path.read_bytes()
    except FileNotFoundError:
        return IngestProblem(source, "file", "file not found")
    except OSError as exc:
        return IngestProblem(source, "file", f"cannot read file: {exc.strerror or exc}")
    if b"\x00" in data:
        return IngestProblem(source, "file", "binary file (contains NUL bytes), expected UTF-8 text")
    return data.decode("utf-8-sig", errors="surrogateescape")


def bad_byte(text: str, start: int = 0, end: int | None = None) -> str | None:
    """Say where text[start:end] (from `read_text`) holds its first byte that is not UTF-8, or None if it holds none."""
    found = _ESCAPED_BYTE.search(text, start, len(text) if end is None else end)
    if found is None:
        return None
    byte = ord(found.group()) - 0xDC00
    line = text.count("\n", 0, found.start()) + 1
    column = found.start() - text.rfind("\n", 0, found.start())
    return f"not UTF-8 text (undecodable byte 0x{byte:02x} at line {line}, column {column}); record skipped"
