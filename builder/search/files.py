"""The search index's files: a small head, and the rest fetched a query at a time.

Nothing downloaded before a query grows with the number of documents. What a query
loads (all under search/, all loaded as <script>, so search works from file://):

- search/index.js, the head: the fields, the counts, and the first term of each
  vocabulary block (a few bytes a block; ~5,000 distinct terms a block);
- search/words/<k>.js, a vocabulary block: its terms, front-coded, each with a
  document-frequency class (completions are ranked by it) and the fields it occurs in
  (fielded completion), and the postings file of each term. A query loads the blocks
  of its words (and, for completion and typos, of their prefixes);
- search/postings/<n>.js: the postings of a run of consecutive terms, each term's
  items and weights per field (see postings.lists). A term with more postings than a
  file holds is cut into tiers by weight: its best items first, then four times as
  many, and so on, so the first results of a common word come after one small file;
- search/texts/<n>.js: what a result shows, by item number (stores.py).

Every file is `(window.glossatorSearch ||= []).push([kind, number, JSON.parse('…')])`:
a script, so it loads from file://; JSON.parse, because V8 parses JSON faster than
an object literal. The head names the build (a hash of every other file), which the
browser appends to each file's address (`?v=…`), so that a cache never pairs a file
with the head of another build. Output is deterministic: same corpus, same bytes.

The index is fed one document at a time, counted already where it was prepared
(`IndexBuilder.add_shard`, shards.py; `add` counts a record here), and hands back the
text files it completes; `finish` weighs the postings and writes the rest.
"""

from __future__ import annotations

import bisect
import hashlib
import json
from typing import Iterable, Iterator

from builder.core.models import Documents, SitePath
from builder.search.catalogue import BOOSTS, DocRecord
from builder.search.postings import Part, Postings, Weighed, lists, numpy
from builder.search.shards import Packed, Shard, of_record, shards
from builder.search.stores import SLOTS, STORE_BYTES, StorePacker
from builder.search.words import Analyzer

FILE_BYTES = 24_000        # of postings JSON a file (~10 KB gzip)
TIER_ENTRIES = 2_000       # a term with more (item, field) entries than this is cut into tiers by weight
TIER_ITEMS = 1_000         # items in a cut term's first tier; each next tier holds 4 × as many, at most TIER_MAX
TIER_MAX = 16_000
BLOCK_BYTES = 16_000       # of front-coded vocabulary a block (~6 KB gzip)
SCALE = 1000               # weights are integer thousandths
_compact = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


class IndexBuilder:
    """The index, fed a document at a time. (Sizes are parameters for tests, which want many small files.)"""

    def __init__(self, analyzer: Analyzer | None = None, file_bytes: int = FILE_BYTES, store_bytes: int = STORE_BYTES,
                 block_bytes: int = BLOCK_BYTES, tier_entries: int = TIER_ENTRIES, tier_items: int = TIER_ITEMS) -> None:
        self.file_bytes, self.block_bytes = file_bytes, block_bytes
        self.tier_entries, self.tier_items = tier_entries, tier_items
        self.packer = StorePacker(store_bytes, SLOTS)
        self.postings = Postings(BOOSTS)
        self.analyzer = analyzer if analyzer is not None else Analyzer()
        self.build = hashlib.sha256()

    def add_shard(self, shard: Shard) -> dict[SitePath, bytes]:
        """Index one document, counted; the text files it completed."""
        first, done = self.packer.add(shard)
        self.postings.add(shard.counts, first, shard.n_items, shard.boosts)
        return self._files("s", "texts", done)

    def add(self, record: DocRecord) -> dict[SitePath, bytes]:
        """Count one document here, and index it."""
        return self.add_shard(of_record(record, self.analyzer))

    def finish(self) -> dict[SitePath, bytes]:
        """The last text file, the postings, the vocabulary blocks and the head."""
        return dict(self.finishing())

    def finishing(self) -> Iterator[tuple[SitePath, bytes]]:
        """finish()'s files one at a time, as each is made: the head last (it names them all)."""
        yield from self._files("s", "texts", self.packer.finish()).items()
        weighed = self.postings.weighed()
        runs, masks = [], numpy().zeros(len(weighed.vocab), numpy().uint8)
        for n, text in _postings_files(weighed, self, runs, masks):
            yield from self._files("p", "postings", [(n, text)]).items()
        blocks = _blocks(weighed, masks, runs, self.block_bytes)
        yield from self._files("w", "words", [(k, text) for k, (_, _, text) in enumerate(blocks)]).items()
        df = weighed.df
        head = {
            "fields": list(BOOSTS), "scale": SCALE, "slots": SLOTS, "items": self.postings.n_items,
            "terms": len(weighed.vocab), "build": self.build.hexdigest()[:16],
            "blocks": front_code([(first_term, 0) for first_term, _, _ in blocks]),
            "at": _gaps([at for _, at, _ in blocks]),
            "warm": int(df.argmax()) if len(df) else -1,
        }
        yield SitePath("search/index.js"), script("head", 0, _compact(head))

    def _files(self, kind: str, folder: str, made: Iterable[tuple[int, str]]) -> dict[SitePath, bytes]:
        out = {}
        for n, text in made:
            body = script(kind, n, text)
            name = SitePath(f"search/{folder}/{n}.js")
            self.build.update(name.encode() + b"\0" + body)
            out[name] = body
        return out


def build_index(documents: Documents, analyzer: Analyzer | None = None, **sizes: int) -> dict[SitePath, bytes]:
    """Every search file, by site path, the documents counted here. `analyzer`: word → term,
    kept by a live server across builds so that a rebuild skips the stemming."""
    analyzer = analyzer if analyzer is not None else Analyzer()
    if len(analyzer) > 2_000_000:
        analyzer.clear()
    return merge(shards(documents.docs, {e.id: e.name for e in documents.entities}, analyzer), **sizes)


def merge(counted: Iterable[Shard | Packed], **sizes: int) -> dict[SitePath, bytes]:
    """Every search file, by site path, from each document's shard (or packed shard), in document order."""
    return dict(sorted(merging(counted, **sizes)))


def merging(counted: Iterable[Shard | Packed], **sizes: int) -> Iterator[tuple[SitePath, bytes]]:
    """merge()'s files one at a time, as each is made, for a writer that holds none of them
    (at 100,000 documents they weigh gigabytes). The same files, the head last."""
    builder = IndexBuilder(**sizes)
    for shard in counted:
        yield from builder.add_shard(shard if isinstance(shard, Shard) else shard.unpack()).items()
    yield from builder.finishing()


def _postings_files(weighed: Weighed, sizes: IndexBuilder, runs: list[list[int]], masks: object) -> Iterable[tuple[int, str]]:
    """The postings files (number, JSON), in term order. Appends to `runs` [first term, file, tiers]
    for each file (or cut term), and sets each term's field bits in `masks`."""
    np = numpy()
    df = weighed.df
    held: list[str] = []
    first = size = 0
    n = 0

    def close() -> Iterable[tuple[int, str]]:
        nonlocal n, held, size
        if held:
            runs.append([first, n, 1])
            yield n, '{"f":%d,"p":[%s]}' % (first, ",".join(held))
            n += 1
            held, size = [], 0

    for part in weighed.parts():
        _field_bits(part, masks)
        cut = df[part.first:part.end] > sizes.tier_entries
        whole = ~cut[part.term - part.first]
        texts = iter(lists(part.term[whole], part.field[whole], part.item[whole], part.weight[whole]))
        bounds = np.searchsorted(part.term, np.flatnonzero(cut) + part.first) if cut.any() else []
        for t, is_cut in zip(range(part.first, part.end), cut.tolist()):
            if is_cut:
                yield from close()
                a = int(bounds[0]) if len(bounds) else 0
                bounds = bounds[1:]
                b = a + int(df[t])
                tiers = _tiers(part.field[a:b], part.item[a:b], part.weight[a:b], sizes.tier_items)
                runs.append([t, n, len(tiers)])
                for k, text in enumerate(tiers):
                    yield n, '{"f":%d,"t":%d,"p":[%s]}' % (t, k, text)
                    n += 1
                first = t + 1
                continue
            text = next(texts)
            if held and size + len(text) > sizes.file_bytes:
                yield from close()
            if not held:
                first = t
            held.append(text)
            size += len(text) + 1
    yield from close()


def _tiers(field: object, item: object, weight: object, first_tier: int) -> list[str]:
    """One term's postings cut by item, best first (by the sum of its field weights, then item number):
    `first_tier` items, then four times as many, … (at most TIER_MAX a tier)."""
    np = numpy()
    items, inverse = np.unique(item, return_inverse=True)
    total = np.bincount(inverse, weights=weight)
    rank = np.empty(len(items), np.int64)
    rank[np.lexsort((items, -total))] = np.arange(len(items))
    bounds, size = [0], first_tier
    while bounds[-1] < len(items):
        bounds.append(bounds[-1] + size)
        size = min(size * 4, TIER_MAX)
    tier = np.searchsorted(np.array(bounds[1:]), rank, "right")[inverse]
    out = []
    for k in range(len(bounds) - 1):
        mine = tier == k
        out.append(lists(np.zeros(int(mine.sum()), np.int64), field[mine], item[mine], weight[mine])[0])
    return out


def _field_bits(part: Part, masks: object) -> None:
    np = numpy()
    if not len(part.term):
        return
    new = np.ones(len(part.term), bool)
    new[1:] = (part.term[1:] != part.term[:-1]) | (part.field[1:] != part.field[:-1])
    np.bitwise_or.at(masks, part.term[new], (1 << part.field[new].astype(np.uint8)).astype(np.uint8))


def _blocks(weighed: Weighed, masks: object, runs: list[list[int]], block_bytes: int) -> list[tuple[str, int, str]]:
    """The vocabulary cut into blocks of about `block_bytes`: (first term, its position, JSON).
    A block's size counts its terms and the postings files they start (which grow in number
    with the corpus: a bigger corpus has more, smaller blocks, not bigger ones)."""
    vocab, df = weighed.vocab, weighed.df.tolist()
    mask_list = masks.tolist()  # type: ignore[attr-defined]
    starts = [r[0] for r in runs]
    cost = [len(term) + 3 for term in vocab]
    for r in runs:
        cost[r[0]] += len(_compact(r)) + 1
    out: list[tuple[str, int, str]] = []
    first, size = 0, 0
    for t in range(len(vocab) + 1):
        if t == len(vocab) or (size and size + cost[t] > block_bytes):
            if t > first:
                lines = front_code([(vocab[k], (df[k].bit_length(), mask_list[k])) for k in range(first, t)])
                a = max(bisect.bisect_right(starts, first) - 1, 0)
                b = bisect.bisect_left(starts, t)
                out.append((vocab[first], first, _compact({"f": first, "t": lines, "p": runs[a:b]})))
            first, size = t, 0
        if t < len(vocab):
            size += cost[t]
    return out


def front_code(terms: list[tuple[str, object]]) -> str:
    """One line per term, in JavaScript order: [shared prefix length][marks][rest], each number
    as chr(48 + n). Marks: none (0), or (df class, field bits): a frequency class and a field set."""
    lines, prev = [], ""
    for term, marks in terms:
        shared = 0
        if prev.isascii() or all(ord(c) < 0x10000 for c in prev + term):   # JS slices UTF-16 units
            limit = min(len(prev), len(term), 200)
            while shared < limit and prev[shared] == term[shared]:
                shared += 1
        tag = "" if marks == 0 else chr(48 + min(marks[0], 60)) + chr(48 + marks[1])  # type: ignore[index]
        lines.append(chr(48 + shared) + tag + term[shared:])
        prev = term
    return "\n".join(lines)


def _gaps(numbers: list[int]) -> list[int]:
    return [b - a for a, b in zip([0, *numbers], numbers)]


def script(kind: str, n: int, data_json: str) -> bytes:
    """A script handing `data_json` to search.js, as a single-quoted JS string for JSON.parse."""
    literal = data_json.replace("\\", "\\\\").replace("'", "\\'").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return f"(window.glossatorSearch=window.glossatorSearch||[]).push([\"{kind}\",{n},JSON.parse('{literal}')]);\n".encode()
