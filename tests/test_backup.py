"""`yomikai db backup`: a consistent copy taken while ballots keep being written."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import sqlite3
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.config import ENV_NAMES
from bot.models import Paper
from bot.store.backup import BackupError, backup
from bot.store.database import migrations, schema_version
from bot.store.store import Store
from bot.votes.book import VoteBook
from tests.test_cli import one_line_error, yomikai

GUILD, MONTH = 77, "2021-09"
LATEST = migrations()[-1][0]
# Enough papers (about 12 MB) that the copy takes many steps while the writer goes on.
FILLER = [Paper(f"2109.{i:05d}", f"Paper {i}", "An abstract. " * 150) for i in range(2000)]


def count_votes(db: Path) -> int:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return conn.execute("SELECT count(*) FROM votes").fetchone()[0]


def check_copy(copy: Path) -> int:
    """The copy is whole and at the latest schema; returns its number of ballots."""
    with contextlib.closing(sqlite3.connect(f"{copy.as_uri()}?mode=ro", uri=True)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one file
        assert conn.execute("SELECT count(*) FROM papers").fetchone()[0] == len(FILLER)
        return conn.execute("SELECT count(*) FROM votes").fetchone()[0]


@contextlib.asynccontextmanager
async def voting(db: Path) -> AsyncIterator[list[int]]:
    """Members vote one after another on db until the block ends; yields the ballots done."""
    store = await Store.open(db)
    await store.save_papers(FILLER, authoritative=True)
    book = VoteBook(store)
    await book.open(GUILD, MONTH)
    done: list[int] = []
    stop, under_way = asyncio.Event(), asyncio.Event()

    async def vote() -> None:
        member = 0
        while not stop.is_set():
            member += 1
            assert await book.cast(GUILD, MONTH, member, f"m{member}", FILLER[member % 10].arxiv_id)
            done.append(member)
            if member == 20:
                under_way.set()

    writer = asyncio.create_task(vote())
    try:
        await under_way.wait()
        yield done
    finally:
        stop.set()
        await writer
        await store.close()


async def test_a_backup_during_writes_is_a_consistent_snapshot(tmp_path: Path) -> None:
    db, copy = tmp_path / "yomikai.db", tmp_path / "backup.db"
    async with voting(db) as done:
        before = count_votes(db)
        pages = await backup(db, copy, pages=16)
        after = count_votes(db)
        await asyncio.sleep(0.05)
    assert after > before, "the writer was held up by the backup"
    assert before <= check_copy(copy) <= after
    assert pages == copy.stat().st_size // 4096
    assert count_votes(db) == len(done)
    assert sorted(os.listdir(tmp_path)) == ["backup.db", "yomikai.db"]  # no temporary left

    restored = tmp_path / "restored" / "yomikai.db"
    restored.parent.mkdir()
    shutil.copy(copy, restored)
    store = await Store.open(restored)
    try:
        assert await schema_version(store.conn) == LATEST
        assert await VoteBook(store).ballot(GUILD, MONTH, 1) == FILLER[1].arxiv_id
    finally:
        await store.close()


async def test_the_command_backs_up_a_database_another_process_writes(tmp_path: Path) -> None:
    db, copy = tmp_path / "yomikai.db", tmp_path / "backup.db"
    env = {k: v for k, v in os.environ.items() if k not in ENV_NAMES and k != "YOMIKAI_CONFIG"}
    async with voting(db):
        before = count_votes(db)
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "db", "backup", str(copy),
            env=env | {"YOMIKAI_DB": str(db)},
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await asyncio.wait_for(proc.communicate(), 60)
        after = count_votes(db)
    assert proc.returncode == 0, err.decode()
    assert out.decode().startswith(f"backup written to {copy} (")
    assert before <= check_copy(copy) <= after


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "yomikai.db"
    assert yomikai({"YOMIKAI_DB": str(path)}, "db", "migrate").returncode == 0
    return path


def test_a_backup_says_where_it_went(db: Path, tmp_path: Path) -> None:
    target = tmp_path / "b.db"
    result = yomikai({"YOMIKAI_DB": str(db)}, "db", "backup", str(target))
    assert result.returncode == 0, result.stderr
    pages = target.stat().st_size // 4096
    assert result.stdout == f"backup written to {target} ({pages} pages)\n"
    with contextlib.closing(sqlite3.connect(target)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST


def test_an_existing_target_is_never_overwritten(db: Path, tmp_path: Path) -> None:
    target = tmp_path / "b.db"
    target.write_bytes(b"keep me")
    line = one_line_error(yomikai({"YOMIKAI_DB": str(db)}, "db", "backup", str(target)))
    assert line == f"yomikai: {target} already exists; a backup never overwrites, choose a new path"
    assert target.read_bytes() == b"keep me"
    line = one_line_error(yomikai({"YOMIKAI_DB": str(db)}, "db", "backup", str(db)))
    assert "already exists" in line


def test_a_missing_database_is_one_line_and_is_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "yomikai.db"
    result = yomikai({"YOMIKAI_DB": str(missing)}, "db", "backup", str(tmp_path / "b.db"))
    assert one_line_error(result) == f"yomikai: no database at {missing} (check YOMIKAI_DB)"
    assert not missing.parent.exists()
    assert not (tmp_path / "b.db").exists()


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("no-such-dir/b.db", "cannot write {t}: directory {p} does not exist"),
        (".", "{t} is a directory; name the backup file, e.g. {t}/yomikai.db"),
    ],
)
def test_an_unwritable_target_is_one_line(
    db: Path, tmp_path: Path, target: str, expected: str
) -> None:
    path = tmp_path / target
    line = one_line_error(yomikai({"YOMIKAI_DB": str(db)}, "db", "backup", str(path)))
    assert line == "yomikai: " + expected.format(t=path, p=path.parent)


def test_a_file_that_is_not_a_database_is_one_line(tmp_path: Path) -> None:
    bogus = tmp_path / "yomikai.db"
    bogus.write_bytes(b"not sqlite" * 100)
    result = yomikai({"YOMIKAI_DB": str(bogus)}, "db", "backup", str(tmp_path / "b.db"))
    assert one_line_error(result).startswith(f"yomikai: cannot back up {bogus}:")
    assert sorted(os.listdir(tmp_path)) == ["yomikai.db"]  # the temporary file is gone


async def test_a_copy_that_fails_the_integrity_check_is_an_error(tmp_path: Path) -> None:
    db, copy = tmp_path / "broken.db", tmp_path / "b.db"
    with contextlib.closing(sqlite3.connect(db, isolation_level=None)) as conn:
        conn.execute("CREATE TABLE t (a, b)")
        conn.execute("CREATE INDEX ti ON t (a)")
        conn.executemany("INSERT INTO t VALUES (?, ?)", [(i, -i) for i in range(100)])
        conn.execute("PRAGMA writable_schema = ON")  # the index no longer matches its rows
        conn.execute("UPDATE sqlite_master SET sql = 'CREATE INDEX ti ON t (b)' WHERE name = 'ti'")
    with pytest.raises(BackupError, match=r"^the copy failed the integrity check: row 2 missing"):
        await backup(db, copy)
    assert sorted(os.listdir(tmp_path)) == ["broken.db"]
