"""Search benchmark: index build time, bytes before the first result, and browser timings.

Writes a synthetic corpus (seeds/INDEX.md, seeds/*.txt, annotations/entities.yaml,
annotations/<id>.yaml), builds it with builder.pipeline.build, then measures:

- index build: `search.build_index(linked)` alone, median of --runs runs;
- sizes: every search file, raw and gzip; what search.html downloads before its
  first result (page, CSS, scripts, the first index file);
- in headless Chromium (Debian's /usr/bin/chromium), from file:// and http://:
  page load → first result, page load → all index parts loaded, and the time of
  each further keystroke (input event → results painted).

    python benchmarks/search_bench.py --docs 1000 --docs 5000 --runs 5

Documents: ~700 words drawn Zipf-like from a ranked vocabulary (the example
corpus's words by frequency, then derived forms and generated names, ~30,000
types, as a news corpus of this size has), 25 quotes each, 300 entities whose
names occur in the text.
"""

from __future__ import annotations

import argparse
import gzip
import random
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from builder import config  # noqa: E402
from builder.pipeline import build, check  # noqa: E402
from builder.stages import search  # noqa: E402

SYLLABLES = "ka ba ro mi tu ve sha lin dor an ek ul zar pe to ni ga ha mu sel vi ra ko de".split()
SOURCES = ["Daily Courier", "RT", "Anadolu Agency", "TASS", "Reuters", "Kabul Now", "Tolo News",
           "The Moscow Times", "Al Jazeera", "Dawn", "Xinhua", "Interfax", "BBC", "AFP"]


def vocabulary(size: int = 30000) -> list[str]:
    """Words ranked by frequency: the example corpus first, then a tail of derived and made-up words."""
    counts: Counter[str] = Counter()
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        counts.update(re.findall(r"[A-Za-z]+(?:['’][a-z]+)?", path.read_text("utf-8")))
    ranked = [w for w, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    seen = set(ranked)
    rng = random.Random(7)
    base = [w for w in ranked if w.isalpha() and len(w) > 3]
    suffixes = ["s", "ed", "ing", "er", "ers", "ly", "ation", "ment", "ness", "ist", "ism", "al"]
    while len(ranked) < size:
        if rng.random() < 0.5:
            w = rng.choice(base).lower() + rng.choice(suffixes)
        else:
            w = "".join(rng.choices(SYLLABLES, k=rng.randint(2, 4)))
            w = w.capitalize() if rng.random() < 0.3 else w
        if w not in seen:
            seen.add(w)
            ranked.append(w)
    return ranked


def entities(rng: random.Random, n: int = 300) -> list[tuple[str, str, str]]:
    """(kind, id, name), names unique and not alias-ambiguous."""
    out, seen = [], set()
    kinds = ["people"] * 5 + ["organizations"] * 3 + ["places"] * 2
    while len(out) < n:
        kind = kinds[len(out) % len(kinds)]
        parts = ["".join(rng.choices(SYLLABLES, k=rng.randint(2, 3))).capitalize() for _ in range(2)]
        name = " ".join(parts) if kind == "people" else (parts[0] + (" Council" if kind == "organizations" else ""))
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        if slug not in seen:
            seen.add(slug)
            out.append((kind, slug, name))
    return out


def sentence(rng: random.Random, vocab: list[str], cum: list[float], n: int) -> list[str]:
    return rng.choices(vocab, cum_weights=cum, k=n)


def write_corpus(out: Path, docs: int, seed: int = 1) -> Path:
    rng = random.Random(seed)
    vocab = vocabulary()
    cum, total = [], 0.0
    for rank in range(len(vocab)):
        total += 1.0 / (rank + 2.7)
        cum.append(total)
    ents = entities(rng)
    people = [e for e in ents if e[0] == "people"]
    (out / "seeds").mkdir(parents=True)
    (out / "annotations").mkdir()
    groups: dict[str, dict[str, dict[str, str]]] = {"people": {}, "organizations": {}, "places": {}}
    for kind, slug, name in ents:
        groups[kind][slug] = {"name": name, "description": f"A generated {kind}."}
    (out / "annotations" / "entities.yaml").write_text(yaml.safe_dump(groups, sort_keys=True), "utf-8")
    rows = ["# Synthetic corpus", "", f"{docs} generated documents.", "",
            "| id | file | title | source | published |", "| --- | --- | --- | --- | --- |"]
    for d in range(docs):
        doc_id = f"doc-{d:05d}"
        paragraphs, sentences, words = [], [], 0
        while words < 700:
            para = []
            for _ in range(rng.randint(2, 5)):
                s = sentence(rng, vocab, cum, rng.randint(8, 28))
                if rng.random() < 0.6:
                    s[rng.randrange(len(s))] = rng.choice(ents)[2]
                text = " ".join(s)
                text = text[0].upper() + text[1:] + "."
                para.append(text)
                sentences.append(text)
                words += len(s)
            paragraphs.append(" ".join(para))
        body = "\n\n".join(paragraphs)
        (out / "seeds" / f"{doc_id}.txt").write_text(body + "\n", "utf-8")
        title = " ".join(sentence(rng, vocab[:3000], cum[:3000], rng.randint(5, 11)))
        rows.append(f"| {doc_id} | {doc_id}.txt | {title[0].upper() + title[1:]} | {rng.choice(SOURCES)} "
                    f"| {2015 + d % 10}-{1 + d % 12:02d}-{1 + d % 28:02d} |")
        picked = [s for s in dict.fromkeys(rng.sample(sentences, min(25, len(sentences)))) if body.count(s) == 1]
        quotes = [{"text": s, "speaker": rng.choice(people)[1]} for s in picked]
        (out / "annotations" / f"{doc_id}.yaml").write_text(yaml.safe_dump({"quotes": quotes}, sort_keys=False), "utf-8")
    (out / "seeds" / "INDEX.md").write_text("\n".join(rows) + "\n", "utf-8")
    return out
