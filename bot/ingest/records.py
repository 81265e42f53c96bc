"""What parsers yield, and the file reading they share, so one bad record never stops a whole import."""

from __future__ import annotations

import stat
from dataclasses import dataclass
from pathlib import Path
from typing import TypeAlias

from bot.models import Paper

MAX_FILE_BYTES = 64 * 1024 * 1024  # far beyond any dump; guards against pointing the bot at a disk image


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
    """Read a UTF-8 text file, or say in one line why it cannot be imported (missing, binary, not UTF-8)."""
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
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return IngestProblem(source, "file", f"not UTF-8 text (undecodable byte at offset {exc.start})")
