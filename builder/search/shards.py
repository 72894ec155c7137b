"""One document's share of the search index, made where the document is prepared.

Counting a document's words (splitting, stemming, tallying each field of each item) is
most of the index's work, and it needs nothing but the document and the entities' names:
it is a per-document step, done by the workers that prepare the documents (forked
processes, or Dask workers), kept with them in the memo and the build cache. What comes
back is compact: the document's result card and text (what the text files show) and its
term counts as one string of terms and two arrays of numbers, not a dict per field. The
index (files.IndexBuilder) merges the shards in document order, numbering terms as it
meets them, which is the order a single process counting every document would give: the
same bytes either way.
"""

from __future__ import annotations

import pickle
from array import array
from typing import Iterable, Mapping, Sequence

from builder.core.models import AnchoredDoc, EntityId
from builder.core.records import record
from builder.search.catalogue import BOOSTS, DocCard, DocRecord, QuoteCard, doc_record
from builder.search.lunr_index import count
from builder.search.words import Analyzer

FIELDS = tuple(BOOSTS)
_UNSIGNED = "I" if array("I").itemsize == 4 else "L"   # 32-bit unsigned, as numpy reads them back


@record
class Counts:
    """Term counts of a document's items, compact. `vectors`: for each (item, field) that
    holds a term, in item then field order, four numbers: the item (0 is the document, then
    its quotes), the field (a position in BOOSTS), the field's length in terms, and how many
    distinct terms follow; `terms`: those terms, in order of first appearance within each
    vector, joined by newlines (a term never holds one); `counts`: each term's count."""

    vectors: bytes
    terms: str
    counts: bytes

    @staticmethod
    def of(tfs: Iterable[tuple[int, int, dict[str, int], int]]) -> Counts:
        vectors, terms, counts = array(_UNSIGNED), [], array(_UNSIGNED)
        for item, field, tf, length in tfs:
            vectors.extend((item, field, length, len(tf)))
            terms.extend(tf)
            counts.extend(tf.values())
        return Counts(vectors.tobytes(), "\n".join(terms), counts.tobytes())

    def term_list(self) -> list[str]:
        return self.terms.split("\n") if self.terms else []


@record
class Shard:
    """What the index needs of one document: its card, text and quotes for the text files, its
    number of items, the boosts of those not weighed 1, and its term counts."""

    card: DocCard
    text: str
    quotes: tuple[QuoteCard, ...]
    n_items: int
    boosts: tuple[tuple[int, float], ...]
    counts: Counts


@record
class Packed:
    """A Shard as the build holds it between the documents' preparing and the index's merging:
    its text (the document's reading text, the same string its summary holds) and
    the rest as one bytes: three objects, not the forty of its cards, so it is held in fewer
    bytes and is cheap to send. A build sends the shards through a pipe to the process that
    merges the index (builder.run.indexing); a live server's index process is forked from the
    one holding every document, where reading an object writes its reference count, and
    fewer objects read copy fewer of the pages it shares (at 10,000 documents, that child's
    private memory 956 -> 890 MB, measured when builds merged the index that way too)."""

    text: str
    data: bytes

    def unpack(self) -> Shard:
        card, quotes, n_items, boosts, vectors, terms, counts = pickle.loads(self.data)  # noqa: S301 - made by pack()
        # str(): a build that writes its site holds the text on disk until here (builder.run.sealed)
        return Shard(DocCard(*card), str(self.text), tuple(QuoteCard(*q) for q in quotes), n_items, boosts,
                     Counts(vectors, terms, counts))


def pack(shard: Shard) -> Packed:
    c = shard.card
    return Packed(shard.text, pickle.dumps(
        ((c.title, c.source, c.date, c.datetime, c.href), tuple((q.fragment, q.speaker, q.start, q.end) for q in shard.quotes),
         shard.n_items, shard.boosts, shard.counts.vectors, shard.counts.terms, shard.counts.counts), protocol=5))


def shard(doc: AnchoredDoc, name_of: Mapping[EntityId, str], analyzer: Analyzer) -> Shard:
    """`analyzer`: word → term, shared by the documents one process counts (stemming a word
    once, not once a document)."""
    return of_record(doc_record(doc, name_of), analyzer)


def of_record(record: DocRecord, analyzer: Analyzer) -> Shard:
    counted = count(record.items, FIELDS, analyzer)
    return Shard(record.card, record.text, record.quotes, len(record.items),
                 tuple((k, item.boost) for k, item in enumerate(record.items) if item.boost != 1.0),
                 Counts.of(counted.tfs))


def shards(docs: Sequence[AnchoredDoc], name_of: Mapping[EntityId, str], analyzer: Analyzer | None = None) -> list[Shard]:
    analyzer = Analyzer() if analyzer is None else analyzer
    return [shard(doc, name_of, analyzer) for doc in docs]
