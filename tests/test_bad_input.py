"""Bad input for the one-article commands (translate, summarize, split): clear messages,
the documented exit codes (0 with a warning for text we can still read, 2 for what is not
an article or cannot be written), never a traceback. Folder runs: tests/test_batch.py."""

from __future__ import annotations

import errno
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from translate.cli import app

ARTICLE = (
    "Regjeringen legger fram statsbudsjettet i dag.\n\n"
    "Nye tall\n\n"
    "– Vi har gjort store endringer i Tromsø og Ålesund, sier finansministeren. Hun viser til 12 nye tiltak.\n\n"
    "(©NTB)\n"
)


@pytest.fixture(scope="module")
def ct2_dir(tmp_path_factory) -> Path:
    """The tiny model's CTranslate2 conversion, shared by this module (sentences are not cached)."""
    return tmp_path_factory.mktemp("bad-input-ct2")


@pytest.fixture
def model_args(tiny_marian_dir, ct2_dir) -> list[str]:
    return ["--model", str(tiny_marian_dir), "--beam-size", "1", "--cache-dir", str(ct2_dir), "--no-cache"]


def run_cli(*args: str, input: bytes | str | None = None):
    return CliRunner().invoke(app, [str(a) for a in args], input=input)


def command_args(command: str, path, model_args: list[str]) -> list[str]:
    if command == "translate":
        return ["translate", str(path), *model_args]
    if command == "summarize":
        return ["summarize", str(path), "--summarizer", "extractive", *model_args]
    return ["split", str(path)]


def assert_clean_error(result, code: int, *fragments: str) -> None:
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


COMMANDS = ["translate", "summarize", "split"]


# --------------------------------------------------------------------------- not an article: exit 2


@pytest.mark.parametrize("command", COMMANDS)
def test_a_folder(command, tmp_path, model_args):
    assert_clean_error(run_cli(*command_args(command, tmp_path, model_args)), 2, "is a folder", "nb2en batch")


@pytest.mark.parametrize("command", COMMANDS)
def test_a_missing_file(command, tmp_path, model_args):
    assert_clean_error(run_cli(*command_args(command, tmp_path / "nope.txt", model_args)), 2, "No such file")


@pytest.mark.parametrize("command", COMMANDS)
def test_a_binary_file(command, tmp_path, model_args):
    path = tmp_path / "photo.txt"
    path.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + bytes(range(256)))
    assert_clean_error(run_cli(*command_args(command, path, model_args)), 2, "binary")


def test_control_characters_without_nul(tmp_path, model_args):
    path = tmp_path / "noise.txt"
    path.write_bytes(bytes(range(1, 32)) * 20)
    assert_clean_error(run_cli("translate", path, *model_args), 2, "does not look like text")


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("error", [PermissionError(errno.EACCES, "Permission denied"), OSError(errno.EIO, "Input/output error")])
def test_an_unreadable_file(command, error, tmp_path, model_args, monkeypatch):
    path = tmp_path / "locked.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    real_read_bytes = Path.read_bytes

    def read_bytes(self):  # tests run as root, where chmod 000 does not stop a read
        if self.name == "locked.txt":
            raise error
        return real_read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    expected = "Permission denied" if isinstance(error, PermissionError) else "Input/output error"
    assert_clean_error(run_cli(*command_args(command, path, model_args)), 2, expected)


def test_an_unknown_or_wrong_encoding(tmp_path, model_args):
    path = tmp_path / "a.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    assert_clean_error(run_cli("translate", path, "--encoding", "no-such-codec", *model_args), 2, "--encoding")
    assert_clean_error(run_cli("translate", path, "--encoding", "ascii", *model_args), 2, "cannot be decoded as ascii")


def test_binary_on_stdin(model_args):
    assert_clean_error(run_cli("translate", "-", *model_args, input=b"\x00\x01\x02\x03"), 2, "binary")


# --------------------------------------------------------------------------- readable text: exit 0


@pytest.mark.parametrize("content", [b"", b"\n\n  \n", b"\xef\xbb\xbf", b"\r\n\r\n"])
def test_an_empty_article(content, tmp_path, model_args):
    path = tmp_path / "empty.txt"
    path.write_bytes(content)
    result = run_cli("translate", path, *model_args, "-f", "json")
    assert result.exit_code == 0, result.output
    assert "is empty" in result.stderr
    data = json.loads(result.stdout)
    assert data["blocks"] == [] and data["cache"] == {"hits": 0, "misses": 0}
    text = run_cli("translate", path, *model_args)
    assert text.exit_code == 0 and text.stdout.strip() == ""
    summary = run_cli("summarize", path, "--summarizer", "extractive", *model_args)
    assert summary.exit_code == 0 and summary.stdout.strip() == "" and "is empty" in summary.stderr
    assert run_cli("split", path).exit_code == 0


def test_empty_stdin(model_args):
    result = run_cli("translate", "-", *model_args, input=b"")
    assert result.exit_code == 0 and "is empty" in result.stderr


@pytest.mark.parametrize("legacy", ["cp1252", "latin-1"])
def test_a_legacy_encoded_file_is_decoded_with_a_warning(legacy, tmp_path, model_args):
    path = tmp_path / "legacy.txt"
    text = ARTICLE if legacy == "cp1252" else ARTICLE.replace("–", "-")  # latin-1 has no en dash
    path.write_bytes(text.encode(legacy))
    result = run_cli("translate", path, *model_args, "-f", "json")
    assert result.exit_code == 0, result.output
    assert "not UTF-8" in result.stderr and "--encoding" in result.stderr
    data = json.loads(result.stdout)
    assert data["source"]["encoding"] == "cp1252"
    quote = data["blocks"][2]
    assert quote["kind"] == "quote" and "Tromsø og Ålesund" in quote["source"] and quote["source"] == text.split("\n\n")[2]
    # Naming the encoding removes the guess and the warning.
    named = run_cli("translate", path, *model_args, "-f", "json", "--encoding", legacy)
    assert named.exit_code == 0 and "not UTF-8" not in named.stderr
    assert json.loads(named.stdout)["source"]["encoding"] == legacy
    summary = run_cli("summarize", path, "--summarizer", "extractive", *model_args)
    assert summary.exit_code == 0 and "not UTF-8" in summary.stderr


VARIANTS = {
    "bom": b"\xef\xbb\xbf" + ARTICLE.encode("utf-8"),
    "crlf": ARTICLE.replace("\n", "\r\n").encode("utf-8"),
    "cr": ARTICLE.replace("\n", "\r").encode("utf-8"),
    "bom-crlf": b"\xef\xbb\xbf" + ARTICLE.replace("\n", "\r\n").encode("utf-8"),
    "utf-16": ARTICLE.replace("\n", "\r\n").encode("utf-16"),
    "trailing-spaces": ARTICLE.replace("\n\n", "\n   \n").encode("utf-8"),
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_bom_and_line_endings_split_like_the_plain_file(variant, tmp_path):
    plain, other = tmp_path / "plain.txt", tmp_path / f"{variant}.txt"
    plain.write_text(ARTICLE, encoding="utf-8")
    other.write_bytes(VARIANTS[variant])
    expected, got = run_cli("split", plain), run_cli("split", other)
    assert got.exit_code == 0, got.output
    assert got.stdout == expected.stdout
    assert "\ufeff" not in got.stdout and "\r" not in got.stdout
    assert got.stderr == ""  # nothing to warn about


def test_bom_crlf_translates_like_the_plain_file(tmp_path, model_args):
    plain, other = tmp_path / "plain.txt", tmp_path / "windows.txt"
    plain.write_text(ARTICLE, encoding="utf-8")
    other.write_bytes(VARIANTS["bom-crlf"])
    a = json.loads(run_cli("translate", plain, *model_args, "-f", "json").stdout)
    b = json.loads(run_cli("translate", other, *model_args, "-f", "json").stdout)
    assert [(x["kind"], x["source"], x["target"]) for x in a["blocks"]] == [
        (x["kind"], x["source"], x["target"]) for x in b["blocks"]
    ]
    assert a["source"]["sha256"] != b["source"]["sha256"]  # the hash is of the bytes as read


# --------------------------------------------------------------------------- outputs that cannot be written


@pytest.mark.parametrize("command", ["translate", "summarize"])
def test_output_folder_is_a_file(command, tmp_path, model_args):
    article, blocker = tmp_path / "a.txt", tmp_path / "not-a-folder"
    article.write_text(ARTICLE, encoding="utf-8")
    blocker.write_text("x", encoding="utf-8")
    result = run_cli(*command_args(command, article, model_args), "-o", blocker / "out.txt")
    assert_clean_error(result, 2, "Cannot write", "Choose a writable")
    assert blocker.read_text(encoding="utf-8") == "x"


def test_output_path_is_a_folder(tmp_path, model_args):
    article, folder = tmp_path / "a.txt", tmp_path / "out"
    article.write_text(ARTICLE, encoding="utf-8")
    folder.mkdir()
    result = run_cli("translate", article, *model_args, "-o", folder)
    assert_clean_error(result, 2, "Cannot write")
    assert list(folder.iterdir()) == []
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_output_write_that_fails_midway_leaves_no_litter(tmp_path, model_args, monkeypatch):
    import os

    article, out = tmp_path / "a.txt", tmp_path / "out" / "a.en.txt"
    article.write_text(ARTICLE, encoding="utf-8")

    def full_disk(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    result = run_cli("translate", article, *model_args, "-o", out)
    assert_clean_error(result, 2, "No space left on device")
    assert list(out.parent.iterdir()) == []
