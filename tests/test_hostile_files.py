"""Issue 20: hostile and broken files. Every reader bounded, linear, and wrong only about its own file.

Each case is built in a temp folder (``hostile_samples``). Peak memory is the child
process's own ``ru_maxrss`` (``os.wait4``), under ``MEMORY_BOUND``; before the fix a 3 MB
.docx holding a 3 GB part took 6.2 GB. Linearity is a ratio of two timings (1 MB and 8 MB
of each format), never a wall-clock limit.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import tempfile
import time
import zipfile
from io import BytesIO
from pathlib import Path

import pytest

import hostile_samples as hs
from translate.errors import InputError, UsageError
from translate import limits
from translate.formats import read_document, write_document

REPO_ROOT = Path(__file__).resolve().parent.parent
# A child that reads (and writes) one hostile file stays under this (Python, lxml and the
# CLI take ~60-100 MB; a hostile file is refused before it adds more than a few MB).
MEMORY_BOUND = 400 * 1024 * 1024
# What a batch over the hostile files may hold beyond the same batch over its good files
# (the 512 MiB document bomb is refused at document-mb, 32 MiB).
HOSTILE_BATCH_MARGIN = 200 * 1024 * 1024
GOOD_TEXT = "Regjeringen la fram budsjettet i dag.\n\nFinansministeren sier at det blir 12 nye tiltak i Tromsø.\n"


def _env() -> dict:
    path = os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONPATH": path, "OMP_NUM_THREADS": "1"}
    env.pop(limits.ENV_VAR, None)
    return env


# The child is started by this small launcher and measured by it: on Linux a child's
# ru_maxrss starts at its parent's resident size at fork (kept across exec), so a child
# forked straight from pytest (torch loaded, ~500 MB) would report pytest's size.
_LAUNCHER = (
    "import os, subprocess, sys\n"
    "child = subprocess.Popen(sys.argv[2:])\n"
    "_, status, usage = os.wait4(child.pid, 0)\n"
    "child.returncode = os.waitstatus_to_exitcode(status)\n"
    "open(sys.argv[1], 'w').write(str(usage.ru_maxrss * 1024))\n"
    "sys.exit(child.returncode if child.returncode >= 0 else 128 - child.returncode)\n"
)


def run_measured(*args, timeout: float = 600, command: list[str] | None = None) -> tuple[int, str, str, int]:
    """Run ``python -m translate ARGS`` (or ``command``); its exit code, stdout, stderr and
    peak resident bytes (the child's own ``ru_maxrss``).

    ``timeout`` only keeps a blocking regression (a FIFO opened) from hanging the suite.
    """
    command = command or [sys.executable, "-m", "translate", *map(str, args)]
    with tempfile.TemporaryDirectory() as folder:
        peak_file = Path(folder) / "peak"
        try:
            done = subprocess.run(
                [sys.executable, "-c", _LAUNCHER, str(peak_file), *command],
                capture_output=True,
                env=_env(),
                cwd=REPO_ROOT,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            pytest.fail(f"{' '.join(command)} did not finish (blocked?)")
        peak = int(peak_file.read_text())
    return done.returncode, done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace"), peak


def refused(result, *words: str) -> str:
    """Exit 2 with a short message (no traceback) that contains every one of ``words``."""
    code, _, stderr, peak = result
    assert code == 2, stderr
    assert "Traceback" not in stderr and "unexpected error" not in stderr, stderr
    assert len(stderr.strip().splitlines()) <= 2, stderr
    for word in words:
        assert word in stderr, (word, stderr)
    assert peak < MEMORY_BOUND, peak
    return stderr


# ------------------------------------------------------------------------------ zip bombs


def test_a_bomb_in_document_xml_is_refused_before_it_is_inflated(tmp_path):
    path = tmp_path / "bomb.docx"
    path.write_bytes(hs.bomb_docx("word/document.xml", 1024, head=b'<?xml version="1.0"?><w:document>'))
    assert path.stat().st_size < 2 * hs.MIB
    message = refused(run_measured("split", path), "bomb.docx", "word/document.xml", "document-mb", "--input-limit")
    assert "32" in message


def test_a_bomb_whose_header_lies_is_stopped_at_the_declared_size(tmp_path):
    """The other kind: the headers say 8 MiB, the stream inflates to 1 GiB."""
    path = tmp_path / "liar.docx"
    path.write_bytes(hs.bomb_docx("word/document.xml", 1024, head=b'<?xml version="1.0"?><w:document>', lie_mib=8))
    refused(run_measured("split", path), "liar.docx", "word/document.xml")


def test_many_parts_and_high_ratios_are_refused_by_name():
    many = hs.make_docx({"word/document.xml": hs.GOOD_DOCUMENT, **{f"word/media/i{n}.png": b"x" for n in range(50)}})
    with pytest.raises(InputError, match="zip-parts"):
        read_document(many, "many.docx", limits=limits.resolve(["zip-parts=20"]))
    ratio = hs.bomb_docx("word/document.xml", 20, head=b'<?xml version="1.0"?><w:document>')
    with pytest.raises(InputError, match="zip-ratio"):
        read_document(ratio, "ratio.docx")
    with pytest.raises(InputError, match="zip-total-mb"):
        read_document(ratio, "ratio.docx", limits=limits.resolve(["zip-ratio=100000", "zip-total-mb=10"]))


def test_a_bomb_in_a_media_part_is_copied_through_compressed(tmp_path):
    """A 3 GB image part costs its ~3 MB compressed size: never inflated, copied as it is."""
    source = tmp_path / "media-bomb.docx"
    source.write_bytes(hs.bomb_docx("word/media/image1.png", 3072))
    target = tmp_path / "media-bomb.en.docx"
    script = (
        "import sys; from pathlib import Path; from translate.formats import read_document, write_document; "
        "d = read_document(Path(sys.argv[1]).read_bytes(), sys.argv[1]); Path(sys.argv[2]).write_bytes(write_document(d)); "
        "print(len(d.article.blocks))"
    )
    code, out, err, peak = run_measured(command=[sys.executable, "-c", script, str(source), str(target)])
    assert code == 0 and out.strip() == "2", err
    assert peak < MEMORY_BOUND, peak
    with zipfile.ZipFile(source) as before, zipfile.ZipFile(target) as after:
        original, copied = before.getinfo("word/media/image1.png"), after.getinfo("word/media/image1.png")
        assert (copied.CRC, copied.file_size, copied.compress_size) == (original.CRC, original.file_size, original.compress_size)
        assert after.read("_rels/.rels") == before.read("_rels/.rels")
        assert b"<w:t" in after.read("word/document.xml")


def test_a_raw_copied_part_reads_back_byte_identical(tmp_path):
    image = bytes(range(256)) * 4000
    data = hs.make_docx({"word/document.xml": hs.GOOD_DOCUMENT, "word/media/image1.png": image})
    out = write_document(read_document(data, "a.docx"))
    with zipfile.ZipFile(BytesIO(out)) as archive:
        assert archive.testzip() is None
        assert archive.read("word/media/image1.png") == image


# ------------------------------------------------------------------------------ typed reader errors


@pytest.mark.parametrize(
    "name, build, words",
    [
        ("zipcrypto.docx", hs.zipcrypto_docx, ["password-protected", "encrypted"]),
        ("deflate64.docx", hs.deflate64_docx, ["Deflate64", "re-save"]),
        ("office-encrypted.docx", hs.office_encrypted_docx, ["encrypted (password-protected) Office document"]),
        ("elf.html", lambda: hs.ELF, ["binary", "not HTML"]),
        ("truncated.docx", lambda: hs.make_docx({"word/document.xml": hs.GOOD_DOCUMENT})[:300], ["damaged"]),
    ],
)
def test_a_reader_names_what_is_wrong_with_its_file(tmp_path, name, build, words):
    path = tmp_path / name
    path.write_bytes(build())
    message = refused(run_measured("split", path), name, *words)
    assert "legacy Word .doc" not in message


def test_a_docx_read_as_html_is_a_usage_error(tmp_path):
    path = tmp_path / "a.docx"
    path.write_bytes(hs.make_docx({"word/document.xml": hs.GOOD_DOCUMENT}))
    refused(run_measured("split", path, "--from", "html"), "zip file", "not HTML")


def test_any_parser_complaint_is_the_files_input_error(monkeypatch):
    """A reader that lets a ValueError (or RuntimeError...) out still fails only its file."""
    from translate.formats import html

    def broken(data, label):
        raise RuntimeError("File is encrypted, password required for extraction")

    monkeypatch.setattr(html, "read", broken)
    with pytest.raises(InputError, match="cannot be read as html"):
        read_document(b"<p>Hei</p>", "x.html")


# ------------------------------------------------------------------------------ nesting


def test_html_nested_past_the_depth_limit_is_refused_and_can_be_raised(tmp_path):
    path = tmp_path / "deep.html"
    path.write_bytes(hs.deep_html(300))
    refused(run_measured("split", path), "deep.html", "depth", "256", "--input-limit depth=")
    code, out, err, _ = run_measured("split", path, "--input-limit", "depth=400")
    assert code == 0, err
    assert "Dypt inne står det en setning." in out and "Til slutt." in out


def test_html_nested_deeper_than_libxml2_allows_is_refused_not_cut():
    with pytest.raises(InputError, match="depth"):
        read_document(hs.deep_html(3000), "deeper.html", limits=limits.resolve(["depth=1000"]))


def test_deep_markdown_lists_and_quotes_are_read_whole():
    lists = read_document(hs.deep_markdown_list(12), "lists.md")
    assert [b.source for b in lists.article.blocks] == [f"Nivå {i} av listen." for i in range(12)]
    quotes = read_document(hs.deep_markdown_quote(25), "quotes.md")
    assert [b.source for b in quotes.article.blocks] == [f"Sitat på nivå {i}." for i in range(1, 26)]
    with pytest.raises(InputError, match="depth"):
        read_document(hs.deep_markdown_quote(300), "deeper.md")


def test_nitf_nested_past_the_limit_is_refused_by_name():
    deep = b"<nitf><body><body.content>" + b"<bq>" * 300 + b"<p>Hei</p>" + b"</bq>" * 300 + b"</body.content></body></nitf>"
    with pytest.raises(InputError, match="depth"):
        read_document(deep, "deep.xml")


# ------------------------------------------------------------------------------ encodings


def test_utf8_html_with_a_few_bad_bytes_keeps_its_utf8(tmp_path):
    path = tmp_path / "mixed.html"
    path.write_bytes(hs.mixed_utf8_html())
    code, out, err, _ = run_measured("split", path)
    assert code == 0, err
    assert "Bærum og Tromsø fikk snø." in out and "Smør og ål." in out
    assert "2 byte(s)" in err and "Windows-1252" in err


def test_a_charset_that_contradicts_valid_utf8_loses_with_a_warning():
    html = '<html><head><meta charset="iso-8859-1"></head><body><p>Bærum</p></body></html>'.encode("utf-8")
    document = read_document(html, "label.html")
    assert document.article.blocks[0].source == "Bærum"
    assert any("valid UTF-8" in w for w in document.source.warnings)
    latin = read_document(html.decode("utf-8").encode("latin-1"), "latin.html")
    assert latin.article.blocks[0].source == "Bærum" and latin.source.warnings == []
    bom = read_document(b"\xef\xbb\xbf" + html, "bom.html")
    assert bom.article.blocks[0].source == "Bærum" and bom.source.warnings == []


def test_nitf_declared_latin1_but_utf8_is_read_as_utf8(tmp_path):
    path = tmp_path / "wire.xml"
    path.write_bytes(hs.utf8_nitf_declared_latin1())
    code, out, err, _ = run_measured("split", path)
    assert code == 0, err
    assert "Det snødde i Bærum i natt." in out and "BÃ" not in out
    assert "valid UTF-8" in err
    document = read_document(path.read_bytes(), str(path))
    written = write_document(document)
    assert written.startswith(b'<?xml version="1.0" encoding="ISO-8859-1"?>')
    assert "Bærum".encode("iso-8859-1") in written  # the declaration is true of the output


# ------------------------------------------------------------------------------ only regular files


@pytest.fixture
def article(tmp_path) -> Path:
    path = tmp_path / "artikkel.txt"
    path.write_text(GOOD_TEXT, encoding="utf-8")
    return path


def _device_node(path: Path) -> Path:
    try:
        os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # what /dev/null is
    except PermissionError:
        pytest.skip("mknod needs root")
    return path


def test_a_fifo_as_glossary_is_refused_without_blocking(tmp_path, article):
    fifo = tmp_path / "glossary.tsv"
    os.mkfifo(fifo)
    refused(run_measured("translate", article, "--glossary", fifo, timeout=120), "glossary.tsv", "named pipe")


def test_a_fifo_or_device_as_input_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "in.txt"
    os.mkfifo(fifo)
    refused(run_measured("split", fifo, timeout=120), "named pipe", "regular file")
    device = _device_node(tmp_path / "zero.txt")
    refused(run_measured("split", device, timeout=120), "character device")


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_output_onto_a_fifo_or_device_is_refused_and_left_alone(tmp_path, article, kind):
    target = tmp_path / "out.txt"
    if kind == "fifo":
        os.mkfifo(target)
    else:
        _device_node(target)
    before = os.stat(target)
    refused(run_measured("translate", article, "-o", target, timeout=120), "out.txt", "not a regular file")
    after = os.stat(target)
    assert stat.S_IFMT(after.st_mode) == stat.S_IFMT(before.st_mode) and after.st_ino == before.st_ino
    from translate.errors import OutputError
    from translate.io import write_atomic

    with pytest.raises(OutputError, match="not a regular file"):
        write_atomic(target, "English")
    assert os.stat(target).st_ino == before.st_ino


def test_a_batch_report_or_journal_that_is_a_fifo_is_refused_without_blocking(tmp_path, tiny_marian_dir):
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    out.mkdir()
    (src / "a.txt").write_text(GOOD_TEXT, encoding="utf-8")
    os.mkfifo(out / "nb2en-report.jsonl")
    result = run_measured("batch", src, out, "--model", tiny_marian_dir, "--quiet", timeout=300)
    code, _, err, _ = result
    assert code == 2 and "nb2en-report.jsonl" in err and "not a regular file" in err, err
    assert stat.S_ISFIFO(os.stat(out / "nb2en-report.jsonl").st_mode)


# ------------------------------------------------------------------------------ limits API


def test_limits_come_from_defaults_env_and_options(monkeypatch):
    assert limits.InputLimits().document_mb == 32
    monkeypatch.setenv(limits.ENV_VAR, "document-mb=100, zip-parts=50")
    resolved = limits.resolve(["zip-parts=60"])
    assert (resolved.document_mb, resolved.zip_parts) == (100, 60)
    for bad in (["nonsense=1"], ["document-mb"], ["depth=0"], ["depth=5000"], ["zip-parts=x"]):
        with pytest.raises(UsageError, match="--input-limit"):
            limits.resolve(bad)


def test_a_bad_input_limit_option_is_exit_2(tmp_path, article):
    code, _, err, _ = run_measured("split", article, "--input-limit", "size=3")
    assert code == 2 and "NAME=VALUE" in err and "document-mb" in err


def test_document_mb_caps_markup_files(tmp_path):
    path = tmp_path / "big.html"
    path.write_bytes(hs.sized("html", 3 * hs.MIB))
    refused(run_measured("split", path, "--input-limit", "document-mb=1"), "big.html", "document-mb")


def test_a_cache_folder_that_cannot_be_created_names_the_cause(tmp_path, article, tiny_marian_dir):
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    code, _, message, _ = run_measured("translate", article, "--model", tiny_marian_dir, "--cache-dir", blocker / "cache")
    assert code == 1 and "Traceback" not in message  # a cache problem is exit 1, as every cache error
    assert "cannot be created" in message and "Not a directory" in message and "cache clear" not in message


# ------------------------------------------------------------------------------ linear time


@pytest.mark.parametrize("fmt", ["txt", "html", "md", "nitf", "docx"])
def test_read_and_write_are_linear_in_document_size(fmt):
    """8 MB takes about 8 times as long as 1 MB to read and write back: the ratio, not the time.

    A quadratic step (``getpath`` per block made a flat page 43 s at 2 MB, over 300 s at
    4 MB) gives ~64; 20 leaves room for a busy machine.
    """

    def seconds(size: int) -> float:
        data = hs.sized(fmt, size)
        label = "x.xml" if fmt == "nitf" else f"x.{fmt}"
        started = time.process_time()
        write_document(read_document(data, label))
        return time.process_time() - started

    small = min(seconds(hs.MIB) for _ in range(2))
    large = seconds(8 * hs.MIB)
    assert large / small < 20, (fmt, small, large)


# ------------------------------------------------------------------------------ batch over all of them


def test_batch_over_hostile_and_good_files(tmp_path, tiny_marian_dir):
    """Good files written; each bad one a failed row naming its reason; exit 1; a rerun does nothing new."""
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    (src / "god.txt").write_text(GOOD_TEXT, encoding="utf-8")
    (src / "god.html").write_text("<html><body><p>Regjeringen la fram budsjettet.</p></body></html>", encoding="utf-8")
    (src / "god.docx").write_bytes(hs.make_docx({"word/document.xml": hs.GOOD_DOCUMENT}))
    (src / "blandet.html").write_bytes(hs.mixed_utf8_html())
    (src / "wire.xml").write_bytes(hs.utf8_nitf_declared_latin1())
    (src / "media-bomb.docx").write_bytes(hs.bomb_docx("word/media/image1.png", 1024))
    bad = {
        "bomb.docx": (hs.bomb_docx("word/document.xml", 512, head=b'<?xml version="1.0"?><w:document>'), "document-mb"),
        "zipcrypto.docx": (hs.zipcrypto_docx(), "password-protected"),
        "deflate64.docx": (hs.deflate64_docx(), "Deflate64"),
        "kryptert.docx": (hs.office_encrypted_docx(), "encrypted (password-protected) Office"),
        "elf.html": (hs.ELF, "binary"),
        "dyp.html": (hs.deep_html(300), "depth"),
        "dyp.md": (hs.deep_markdown_quote(300), "depth"),
    }
    for name, (data, _) in bad.items():
        (src / name).write_bytes(data)
    out.mkdir()
    os.mkfifo(out / "fifo-ut.en.txt")  # an output path that is a FIFO
    (src / "fifo-ut.txt").write_text(GOOD_TEXT, encoding="utf-8")
    args = ("batch", src, out, "--model", tiny_marian_dir, "--beam-size", "1", "--quiet")

    # The batch process itself holds the model, the backend and the language identifier
    # (~500 MB before any file): the hostile files may add little to what the good ones cost.
    good_src, good_out = tmp_path / "good-in", tmp_path / "good-out"
    good_src.mkdir()
    for name in ("god.txt", "god.html", "god.docx"):
        (good_src / name).write_bytes((src / name).read_bytes())
    code, _, err, good_peak = run_measured("batch", good_src, good_out, "--model", tiny_marian_dir, "--beam-size", "1", "--quiet")
    assert code == 0, err

    code, _, err, peak = run_measured(*args)
    assert code == 1, err
    assert "Traceback" not in err and "unexpected error" not in err
    assert peak < good_peak + HOSTILE_BATCH_MARGIN, (peak, good_peak)
    rows = {row["path"]: row for row in map(json.loads, (out / "nb2en-report.jsonl").read_text().splitlines())}
    for name in ("god.txt", "god.html", "god.docx", "blandet.html", "wire.xml", "media-bomb.docx"):
        assert rows[name]["status"] == "ok", rows[name]
    assert (out / "god.en.txt").exists() and (out / "god.en.docx").exists() and (out / "media-bomb.en.docx").exists()
    for name, (_, reason) in bad.items():
        assert rows[name]["status"] == "failed", rows[name]
        assert reason in rows[name]["error"], rows[name]
    assert rows["fifo-ut.txt"]["status"] == "failed" and "not a regular file" in rows["fifo-ut.txt"]["error"]
    assert stat.S_ISFIFO(os.stat(out / "fifo-ut.en.txt").st_mode)

    def outputs() -> dict:
        return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.iterdir() if ".en." in p.name}

    written = outputs()

    code, _, err, _ = run_measured(*args)
    assert code == 1, err
    again = {row["path"]: row for row in map(json.loads, (out / "nb2en-report.jsonl").read_text().splitlines())}
    assert {name for name, row in again.items() if row["status"] == "skipped"} == {
        name for name, row in rows.items() if row["status"] == "ok"
    }
    assert {name for name, row in again.items() if row["status"] == "failed"} == {
        name for name, row in rows.items() if row["status"] == "failed"
    }
    assert outputs() == written  # nothing rewritten, nothing new
