"""A synthetic corpus for benchmarks: N documents of ~700 words, ~25 annotations each, 300 entities.

Deterministic for a given seed. Words follow a Zipf-like distribution over a
vocabulary seeded from the example corpus, so indexes and matching see a
realistic mix of common and rare words.

    python benchmarks/synth.py OUT_DIR [--docs 1000] [--seed 1]
"""

from __future__ import annotations

import argparse
import random
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIRST = ("Anna Boris Carla Dmitri Elena Farid Galina Hamid Irina Jamal Karim Lena Mikhail Nadia Oleg Pavel "
         "Rashid Sergei Tamara Umar Viktor Yusuf Zara Amir Bella Chen Darya Emil Fatima Gleb").split()
LAST = ("Abramov Baranov Chernov Davydov Egorov Fedorov Gromov Hakimi Ivanov Jafari Karimov Lebedev Morozov "
        "Nazari Orlov Petrov Qasimi Rahimi Sokolov Tarasov Usmani Volkov Wardak Yakovlev Zaitsev").split()
ORG_WORDS = ("Ministry Council Agency Office Bureau Committee Front Union Service Institute Forum Mission").split()
PLACE_WORDS = ("Kandahar Herat Mazar Kunduz Jalalabad Ghazni Balkh Bamyan Tashkent Dushanbe Samarkand Termez "
               "Quetta Peshawar Mashhad Zaranj Khost Paktia Helmand Faryab").split()


def vocabulary() -> list[str]:
    words: dict[str, None] = {}
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        for w in re.findall(r"[A-Za-z]+(?:'[a-z]+)?", path.read_text("utf-8")):
            if len(w) > 1:
                words.setdefault(w.lower(), None)
    base = list(words) or ["word"]
    # Grow to a realistic vocabulary with derived forms.
    suffixes = ["", "s", "ed", "ing", "er", "ly", "ation", "ment", "ness", "ity"]
    grown = [w + s for w in base for s in suffixes]
    return list(dict.fromkeys(grown))


def entities(rng: random.Random, n: int = 300) -> list[tuple[str, str, str, list[str]]]:
    """(group, id, name, aliases)."""
    out: list[tuple[str, str, str, list[str]]] = []
    seen: set[str] = set()
    while len(out) < n:
        kind = rng.choice(["people", "people", "organizations", "places"])
        if kind == "people":
            first, last = rng.choice(FIRST), rng.choice(LAST)
            name, aliases = f"{first} {last}", [last + "ski" if False else f"{first[0]}. {last}"]
        elif kind == "organizations":
            name = f"{rng.choice(PLACE_WORDS)} {rng.choice(ORG_WORDS)} {len(out)}"
            aliases = [f"{''.join(w[0] for w in name.split()[:2])}{len(out)}"]
        else:
            name = f"{rng.choice(PLACE_WORDS)}-{len(out)}"
            aliases = []
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        if slug in seen or name in seen or any(a in seen for a in aliases):
            continue
        seen.update([slug, name, *aliases])
        out.append((kind, slug, name, aliases))
    return out


def write(out: Path, docs: int = 1000, seed: int = 1, words_per_doc: int = 700) -> Path:
    rng = random.Random(seed)
    vocab = vocabulary()
    weights = [1.0 / (i + 1) for i in range(len(vocab))]
    ents = entities(rng)
    people = [e for e in ents if e[0] == "people"]
    (out / "seeds").mkdir(parents=True, exist_ok=True)
    (out / "annotations").mkdir(parents=True, exist_ok=True)
    lines = ["# Synthetic corpus", "", f"{docs} generated documents for benchmarks.", "",
             "| id | file | title | source | published |", "|---|---|---|---|---|"]
    ent_yaml = {"people": [], "organizations": [], "places": []}
    for kind, slug, name, aliases in ents:
        ent_yaml[kind].append(f"  {slug}:\n    name: {name}\n    aliases: [{', '.join(aliases)}]\n"
                              f"    description: A generated {kind[:-1] if kind != 'people' else 'person'}.\n")
    (out / "annotations" / "entities.yaml").write_text(
        "".join(f"{k}:\n" + "".join(v) for k, v in ent_yaml.items()), "utf-8")
    for d in range(docs):
        doc_id = f"doc-{d:05d}"
        words = rng.choices(vocab, weights, k=words_per_doc)
        # Entity names in the text, so alias matching has work to do.
        for _ in range(12):
            e = rng.choice(ents)
            words[rng.randrange(len(words))] = rng.choice([e[2], *e[3]])
        paras, i = [], 0
        while i < len(words):
            n = rng.randint(40, 90)
            sentence_words = words[i:i + n]
            text = " ".join(sentence_words)
            paras.append(text[0].upper() + text[1:] + ".")
            i += n
        body = "\n\n".join(paras)
        (out / "seeds" / f"{doc_id}.txt").write_text(body + "\n", "utf-8")
        year, month, day = 2015 + d % 10, 1 + d % 12, 1 + d % 28
        lines.append(f"| {doc_id} | {doc_id}.txt | Report {d}: {' '.join(rng.choices(vocab[:400], k=6))} "
                     f"| Source {d % 17} | {year}-{month:02d}-{day:02d} |")
        quotes, dates, notes = [], [], []
        used: set[str] = set()
        for k in range(25):
            p = rng.choice(paras).rstrip(".")
            tokens = p.split(" ")
            if len(tokens) < 12:
                continue
            start = rng.randrange(0, len(tokens) - 10)
            passage = " ".join(tokens[start:start + rng.randint(4, 10)])
            first = body.find(passage)
            # once, overlaps counted too ("this this" twice in "this this this"), as anchoring counts
            if passage in used or first < 0 or body.find(passage, first + 1) >= 0 or ":" in passage:
                continue
            used.add(passage)
            if k % 3 == 0:
                quotes.append(f"  - {{text: \"{passage}\", speaker: {rng.choice(people)[1]}}}\n")
            elif k % 3 == 1:
                dates.append(f"  - {{text: \"{passage}\", date: {year}-{month:02d}, event: Event {d}-{k}}}\n")
            else:
                notes.append(f"  - {{text: \"{passage}\", note: A *note* on passage {k}.}}\n")
        (out / "annotations" / f"{doc_id}.yaml").write_text(
            "quotes:\n" + "".join(quotes) + "dates:\n" + "".join(dates) + "notes:\n" + "".join(notes), "utf-8")
    (out / "seeds" / "INDEX.md").write_text("\n".join(lines) + "\n", "utf-8")
    return out


def edit_one_speaker(corpus: Path, n: int) -> None:
    """One sidecar edit, as the cache benchmarks make it: the first quote of the middle document
    credited to another speaker that document quotes (run n's choice). A speaker new to the
    document would also join two speakers never quoted together on their pages."""
    sidecars = sorted((corpus / "annotations").glob("doc-*.yaml"))
    sidecar = sidecars[len(sidecars) // 2]
    text = sidecar.read_text("utf-8")
    first = re.search(r"speaker: ([a-z0-9-]+)\}", text)
    others = sorted(set(re.findall(r"speaker: ([a-z0-9-]+)\}", text)) - {first.group(1) if first else ""})
    if first is None or not others:
        raise SystemExit(f"{sidecar}: no quote to credit to another speaker (a corpus synth.py wrote has some)")
    other = random.Random(n).choice(others)
    sidecar.write_text(text[:first.start(1)] + other + text[first.end(1):], "utf-8")



def edit_one_note(corpus: Path, n: int) -> None:
    """One sidecar edit that leaves the search index as it was: the middle document's first
    editorial note reworded (run n's wording). Its page and the data files change; no
    document's words, quotes or speakers do."""
    sidecars = sorted((corpus / "annotations").glob("doc-*.yaml"))
    sidecar = sidecars[len(sidecars) // 2]
    text = sidecar.read_text("utf-8")
    note = re.search(r"note: ([^}\n]*)\}", text)
    if note is None:
        raise SystemExit(f"{sidecar}: no note to reword (a corpus synth.py wrote has some)")
    sidecar.write_text(text[:note.start(1)] + f"A *note* reworded ({n})." + text[note.end(1):], "utf-8")


EDITS = {"speaker": edit_one_speaker, "note": edit_one_note}   # the cache benchmarks' --edit

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--docs", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    write(args.out, args.docs, args.seed)
    print(f"wrote {args.docs} documents to {args.out}")
