"""Outputs never land on a folder, a device, a pipe or a socket; inputs are read bounded."""

from __future__ import annotations

import os
import re
import socket
import threading

import pytest

from binder.core.errors import AlreadyExists, BadInput
from binder.core.storage.files import atomic_write_bytes, check_output_path, read_input_file


@pytest.fixture
def fifo(tmp_path):
    path = tmp_path / "pipe"
    os.mkfifo(path)
    return path


@pytest.fixture
def unix_socket(tmp_path):
    path = tmp_path / "sock"
    with socket.socket(socket.AF_UNIX) as s:
        s.bind(str(path))
        yield path


def test_a_new_or_existing_regular_file_is_a_fine_output(tmp_path):
    assert check_output_path(tmp_path / "report.pdf") == tmp_path / "report.pdf"
    (tmp_path / "old.pdf").write_bytes(b"old")
    assert check_output_path(str(tmp_path / "old.pdf")) == tmp_path / "old.pdf"


@pytest.mark.parametrize("case, expected", [
    ("folder", "is a folder, not a file"),
    ("missing folder", "does not exist; create it first"),
    ("device", "/dev/null is a device, not a regular file"),
    ("fifo", r"is a named pipe \(FIFO\), not a regular file"),
    ("socket", "is a socket, not a regular file"),
    ("link to a device", "is a device, not a regular file"),
    ("empty", "no file name given"),
])
def test_outputs_that_are_not_files_are_refused_in_one_line(tmp_path, fifo, unix_socket, case,
                                                           expected):
    link = tmp_path / "innocent.pdf"
    link.symlink_to("/dev/null")
    target = {"folder": tmp_path, "missing folder": tmp_path / "nope" / "r.pdf",
              "device": "/dev/null", "fifo": fifo, "socket": unix_socket,
              "link to a device": link, "empty": " "}[case]
    with pytest.raises(BadInput, match=expected) as caught:
        check_output_path(target)
    assert "\n" not in str(caught.value)


def test_atomic_writes_refuse_a_device_instead_of_renaming_over_it(tmp_path, fifo):
    for target in ("/dev/null", fifo):
        with pytest.raises(BadInput):
            atomic_write_bytes(target, b"data")
    assert os.path.exists("/dev/null") and not os.path.isfile("/dev/null")
    assert [p.name for p in tmp_path.iterdir()] == ["pipe"]  # no temporary file left behind


def test_inputs_are_read_whole_up_to_the_limit(tmp_path):
    path = tmp_path / "plan.toml"
    path.write_bytes(b"x" * 100)
    assert read_input_file(path, what="plan file", limit=100) == b"x" * 100
    with pytest.raises(BadInput, match="larger than 0 KiB, too large for a plan file"):
        read_input_file(path, what="plan file", limit=99)


def test_a_huge_sparse_input_is_refused_without_reading_it_all(tmp_path):
    path = tmp_path / "huge.toml"
    with open(path, "wb") as fh:
        fh.truncate(50 << 30)  # 50 GiB of holes
    with pytest.raises(BadInput, match="larger than 1 MiB"):
        read_input_file(path, what="plan file", limit=1 << 20)


@pytest.mark.parametrize("case, expected", [
    ("missing", "no plan file at"),
    ("folder", "is a folder, not a plan file"),
    ("zero device", "/dev/zero is a device, not a plan file"),
    ("fifo", r"is a named pipe \(FIFO\), not a plan file"),
    ("empty", "no plan file given"),
])
def test_inputs_that_are_not_files_are_refused_at_once(tmp_path, fifo, case, expected):
    source = {"missing": tmp_path / "nope.toml", "folder": tmp_path, "zero device": "/dev/zero",
              "fifo": fifo, "empty": ""}[case]
    outcome: list[BaseException] = []

    def read() -> None:
        try:
            read_input_file(source, what="plan file", limit=1 << 20)
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            outcome.append(exc)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout=30)
    assert not reader.is_alive(), "reading blocked (a FIFO with no writer must be refused)"
    assert isinstance(outcome[0], BadInput) and re.search(expected, str(outcome[0]))


def test_atomic_write_bytes_replaces_whole_file(tmp_path):
    target = tmp_path / "out.json"
    atomic_write_bytes(target, b"first")
    atomic_write_bytes(target, b"second")
    assert target.read_bytes() == b"second"
    assert {p.name for p in tmp_path.iterdir()} == {"out.json"}  # no temporary file left
    with pytest.raises(AlreadyExists):
        atomic_write_bytes(target, b"third", overwrite=False)
    with pytest.raises(BadInput, match="does not exist"):
        atomic_write_bytes(tmp_path / "missing" / "x", b"x")
    with pytest.raises(BadInput, match="is a folder"):
        atomic_write_bytes(tmp_path, b"onto a folder")
