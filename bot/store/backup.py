"""`yomikai db backup`: a consistent copy of the database, taken while the bot runs.

The copy uses SQLite's online backup API from a read-only connection, PAGES_PER_STEP pages per
step. It holds one read transaction across all the steps: yomikai's database is in WAL mode, so
that transaction blocks no writer (the bot keeps committing to the WAL during the copy) and the
copy is the single snapshot taken when it started. Without it, every write by the bot between
two steps would restart the copy from the first page, and a steady writer could keep it from
ever finishing.

The copy is written to a temporary file next to the target, switched to the rollback journal
(one self-contained file, no -wal or -shm to carry around), checked with
`PRAGMA integrity_check`, and only then given the target's name. An existing target is never
overwritten.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import tempfile
from pathlib import Path

PAGES_PER_STEP = 256


class BackupError(Exception):
    """The backup cannot be taken; the message is one line for the user."""


def _refuse_target(target: Path) -> None:
    if target.is_dir():
        raise BackupError(
            f"{target} is a directory; name the backup file, e.g. {target}/yomikai.db"
        )
    if target.exists() or target.is_symlink():
        raise BackupError(f"{target} already exists; a backup never overwrites, choose a new path")
    if not target.parent.is_dir():
        raise BackupError(f"cannot write {target}: directory {target.parent} does not exist")


def _copy(db_path: Path, temporary: Path, pages: int) -> int:
    uri = f"{db_path.resolve().as_uri()}?mode=ro"
    source = sqlite3.connect(uri, uri=True, timeout=30, isolation_level=None)
    try:
        source.execute("PRAGMA busy_timeout = 30000")
        # One snapshot for the whole copy: in WAL mode this read transaction blocks no writer.
        source.execute("BEGIN")
        source.execute("SELECT count(*) FROM sqlite_master").fetchone()
        copy = sqlite3.connect(temporary, isolation_level=None)
        try:
            source.backup(copy, pages=pages)
            source.execute("COMMIT")
            copy.execute("PRAGMA journal_mode = DELETE")
            problems = [row[0] for row in copy.execute("PRAGMA integrity_check")]
            if problems != ["ok"]:
                raise BackupError(f"the copy failed the integrity check: {problems[0]}")
            return int(copy.execute("PRAGMA page_count").fetchone()[0])
        finally:
            copy.close()
    finally:
        source.close()


def _publish(temporary: Path, target: Path) -> None:
    """Give the finished copy the target's name, atomically and without overwriting."""
    try:
        os.link(temporary, target)
    except FileExistsError:
        raise BackupError(
            f"{target} already exists; a backup never overwrites, choose a new path"
        ) from None
    except OSError:
        # A file system without hard links: the target was checked just before.
        os.replace(temporary, target)
        return
    temporary.unlink()


def _backup(db_path: Path, target: Path, pages: int) -> int:
    if not db_path.is_file():
        raise BackupError(f"no database at {db_path} (check YOMIKAI_DB)")
    _refuse_target(target)
    try:
        handle, name = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=".partial", dir=target.parent
        )
    except OSError as exc:
        raise BackupError(f"cannot write {target}: {exc.strerror}") from None
    os.close(handle)
    temporary = Path(name)
    try:
        copied = _copy(db_path, temporary, pages)
        _publish(temporary, target)
    except sqlite3.Error as exc:
        raise BackupError(f"cannot back up {db_path}: {exc}") from None
    except OSError as exc:
        raise BackupError(f"cannot write {target}: {exc.strerror or exc}") from None
    finally:
        for end in ("", "-journal", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                Path(f"{temporary}{end}").unlink()
    return copied


async def backup(db_path: Path, target: Path, *, pages: int = PAGES_PER_STEP) -> int:
    """Copy the database at db_path to target (a new file); return the pages copied."""
    return await asyncio.to_thread(_backup, Path(db_path), Path(target), pages)
