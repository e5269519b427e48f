"""Files at paths the user names (``export -o``): a pipe, a device or a link is written
where it leads, never replaced by a regular file (``claimtrack/named_file.py``)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.helpers import Cli

CLAIMTRACK = [sys.executable, "-m", "claimtrack"]


def _read_fifo_in_background(fifo: Path) -> tuple[threading.Thread, list[bytes]]:
    got: list[bytes] = []

    def read() -> None:
        with open(fifo, "rb") as reader:
            got.append(reader.read())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    return reader, got


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv", "markdown", "sqlite"])
def test_export_into_a_fifo_writes_to_the_reader_and_keeps_the_fifo(
    cli: Cli, tmp_path: Path, fmt: str
) -> None:
    cli.add("Belgrade welcomed tens of thousands of Russians")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader, got = _read_fifo_in_background(fifo)
    cli("export", "-f", fmt, "-o", str(fifo))
    reader.join(timeout=30)
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert got and got[0]
    if fmt == "sqlite":
        assert got[0].startswith(b"SQLite format 3\x00")
    else:
        assert b"Belgrade welcomed" in got[0]
    assert not list(tmp_path.glob(".pipe.*"))


def test_export_through_a_symlink_writes_its_target_and_keeps_the_link(
    cli: Cli, tmp_path: Path
) -> None:
    cli.add("Belgrade welcomed tens of thousands of Russians")
    target = tmp_path / "exports" / "claims.json"
    target.parent.mkdir()
    target.write_text("old", encoding="utf-8")
    link = tmp_path / "latest.json"
    link.symlink_to(Path("exports") / "claims.json")
    cli("export", "-o", str(link))
    assert link.is_symlink()
    assert os.readlink(link) == os.path.join("exports", "claims.json")
    assert json.loads(target.read_text(encoding="utf-8"))["claims"][0]["text"].startswith(
        "Belgrade"
    )


def test_export_through_a_dangling_symlink_creates_its_target(cli: Cli, tmp_path: Path) -> None:
    cli.add("Belgrade welcomed tens of thousands of Russians")
    link = tmp_path / "latest.json"
    link.symlink_to(tmp_path / "made.json")
    cli("export", "-o", str(link))
    assert link.is_symlink()
    assert "Belgrade" in (tmp_path / "made.json").read_text(encoding="utf-8")


def test_export_into_a_folder_or_a_link_loop_is_refused(cli: Cli, tmp_path: Path) -> None:
    cli.add("Belgrade welcomed tens of thousands of Russians")
    folder = tmp_path / "folder"
    folder.mkdir()
    refused = cli("export", "-o", str(folder), code=1)
    assert "it is a folder" in refused.stderr
    loop = tmp_path / "loop"
    loop.symlink_to(tmp_path / "loop2")
    (tmp_path / "loop2").symlink_to(loop)
    refused = cli("export", "-o", str(loop), code=1)
    assert "symbolic links" in refused.stderr
    assert loop.is_symlink() and (tmp_path / "loop2").is_symlink()


def test_a_link_to_an_open_file_of_the_process_is_written_in_place(
    db_path: Path, tmp_path: Path
) -> None:
    """Like ``-o /dev/stdout`` with stdout sent to a file: the file the shell opened
    is written (same inode), not replaced by a new one beside it."""
    subprocess.run([*CLAIMTRACK, "--db", str(db_path), "add", "A claim", "-q"], check=True)
    stdout_link = tmp_path / "stdout"
    stdout_link.symlink_to("/proc/self/fd/1")
    out = tmp_path / "out.json"
    out.write_bytes(b"")
    inode = out.stat().st_ino
    with open(out, "wb") as handle:
        done = subprocess.run(
            [*CLAIMTRACK, "--db", str(db_path), "export", "-o", str(stdout_link)],
            stdout=handle,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            check=False,
        )
    assert done.returncode == 0, done.stderr
    assert out.stat().st_ino == inode
    assert json.loads(out.read_bytes())["claims"][0]["text"] == "A claim"
    assert stdout_link.is_symlink()


def test_a_link_to_the_process_stdout_pipe_is_written_in_place(
    db_path: Path, tmp_path: Path
) -> None:
    subprocess.run([*CLAIMTRACK, "--db", str(db_path), "add", "A claim", "-q"], check=True)
    stdout_link = tmp_path / "stdout"
    stdout_link.symlink_to("/proc/self/fd/1")
    done = subprocess.run(
        [*CLAIMTRACK, "--db", str(db_path), "export", "-f", "jsonl", "-o", str(stdout_link)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["text"] == "A claim"
