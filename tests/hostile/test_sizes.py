"""Big inputs build in bounded time and memory (measured in a fresh interpreter with
resource.getrusage), or are refused before they are read.

The bounds are generous on purpose, for slow CI machines; the figures on a laptop are
a fraction of them (50 MB: ~25 s and ~0.8 GiB; 10,000 annotations: ~10 s and ~0.1 GiB).
"""

from __future__ import annotations

import random
import re
from pathlib import Path

from .corpus import Corpus, build, build_measured, leftovers, person, snapshot

ENTITIES = {"people": {"zamir-kabulov": person("Zamir Kabulov", aliases=["Kabulov"])},
            "places": {"doha": person("Doha")}}
WORDS = ("the envoy said talks would resume and ministers agreed with a plan in the city on that day "
         "after a report in the news about relations trade security and the embassy").split()


def write_big_text(path: Path, size: int) -> int:
    """About `size` bytes of distinct paragraphs (no two alike, so cleaning keeps them all),
    with a name every 40 lines to make mentions. Returns the number of paragraphs."""
    rng = random.Random(5)
    n = 0
    written = 0
    with path.open("w", encoding="utf-8") as f:
        while written < size:
            words = " ".join(rng.choice(WORDS) for _ in range(28))
            name = " Zamir Kabulov spoke in Doha." if n % 40 == 0 else ""
            line = f"Paragraph {n}: {words}.{name}\n"
            f.write(line)
            written += len(line)
            n += 1
    return n


def test_a_50_mb_document_builds_in_bounded_time_and_memory(tmp_path):
    root = tmp_path / "corpus"
    c = Corpus(entities=ENTITIES).doc("big", "big.txt", None, "A very long document", published="2024-05-28")
    c.sidecars["big"] = {
        "quotes": [{"text": "Paragraph 7:", "speaker": "zamir-kabulov"}],
        "dates": [{"text": "Paragraph 11:", "date": "2024-05-28", "event": "A day"}],
        "notes": [{"text": "Paragraph 13:", "note": "A note."}],
    }
    c.write(root)
    paragraphs = write_big_text(root / "seeds" / "big.txt", 50 * 1024 * 1024)
    out = tmp_path / "site"
    run = build_measured(root, out, timeout=600)
    assert run.code == 0, run.err[-3000:]
    assert run.seconds < 60, f"50 MB took {run.seconds:.1f} s"
    assert run.peak_mib < 1536, f"50 MB took {run.peak_mib:.0f} MiB at peak"
    page = (out / "docs" / "big.html").read_bytes()
    assert page.count(b"<p>") >= paragraphs
    assert leftovers(out) == []


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path):
    root = tmp_path / "corpus"
    c = Corpus(entities=ENTITIES).doc("big", "big.txt", "")
    c.write(root)
    with (root / "seeds" / "big.txt").open("wb") as f:
        f.truncate(65 * 1024 * 1024)   # sparse: costs no disk, and reading it would cost memory
    out = tmp_path / "site"
    good = Corpus(entities=ENTITIES).doc("a", "a.txt", "Zamir Kabulov spoke.\n").write(tmp_path / "good")
    assert build(good, out).code == 0
    before = snapshot(out)
    run = build_measured(root, out, timeout=120)
    assert run.code == 1
    assert re.search(r"^seeds/big\.txt:1:1: error: .*larger than", run.err, re.M), run.err
    assert run.peak_mib < 300 and run.seconds < 20
    assert snapshot(out) == before


def test_ten_thousand_annotations_on_one_document(tmp_path):
    n = 2500
    lines = [f"Speaker {i} said that item{i:05d} matters on day{i:05d}, noted fact{i:05d} and ref{i:05d} here."
             for i in range(n)]
    c = Corpus(entities=ENTITIES).doc("a", "a.txt", "\n".join(lines) + "\n", "Dense", published="2024-05-28")
    c.sidecars["a"] = {
        "quotes": [{"text": f"item{i:05d} matters", "speaker": "zamir-kabulov"} for i in range(n)],
        "dates": [{"text": f"day{i:05d}", "date": "2024-05-28"} for i in range(n)],
        "notes": [{"text": f"fact{i:05d}", "note": f"Note *{i}*."} for i in range(n)],
        "mentions": [{"text": f"ref{i:05d}", "entity": "doha"} for i in range(n)],
    }
    root = c.write(tmp_path / "corpus")
    out = tmp_path / "site"
    run = build_measured(root, out, timeout=600)
    assert run.code == 0, run.err[-3000:]
    assert run.seconds < 60, f"10,000 annotations took {run.seconds:.1f} s"
    assert run.peak_mib < 1024, f"10,000 annotations took {run.peak_mib:.0f} MiB at peak"
    page = (out / "docs" / "a.html").read_text()
    article = page[page.index("<article"):page.index("</article>")]
    ids = set(re.findall(r' id="([qdnm]-[^"]+)"', article))
    assert len(ids) == 4 * n
    parts = [out / "entities" / "zamir-kabulov.html", *sorted((out / "entities" / "zamir-kabulov").glob("*.html"))]
    assert len(parts) == 5, "2,500 quotes: five parts of 500"
    assert sum(p.read_text().count('class="passage') for p in parts) >= n


def test_a_file_read_to_its_size_or_to_the_bound_whatever_fstat_said(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    """read_bytes reads the size fstat gives and a byte more; a file that grew since (here: fstat
    made to say less) is read on, but never past the bound."""
    from builder.read import files

    bound = 1000
    at_bound, over = tmp_path / "a.txt", tmp_path / "b.txt"
    at_bound.write_bytes(b"x" * bound)
    over.write_bytes(b"y" * (bound + 1))
    assert files.read_bytes(at_bound, max_bytes=bound) == (b"x" * bound, None)
    assert "larger than" in files.read_bytes(over, max_bytes=bound)[1][0]
    real_fstat = files.os.fstat

    class Shrunk:
        def __init__(self, info: object) -> None:
            self.st_mode, self.st_size = info.st_mode, 10   # type: ignore[attr-defined]

    monkeypatch.setattr(files.os, "fstat", lambda fd: Shrunk(real_fstat(fd)))
    assert files.read_bytes(at_bound, max_bytes=bound) == (b"x" * bound, None)
    assert "larger than" in files.read_bytes(over, max_bytes=bound)[1][0]
