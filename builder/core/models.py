"""The records passed between stages, and the string types that keep ids apart.

Every record is a frozen dataclass (builder.core.records.record) holding tuples, so a stage
can only hand on new values, never change the ones it was given.
"""

from __future__ import annotations

from typing import Iterable, Iterator, Literal, Mapping, NamedTuple, NewType, Protocol, Sequence

from builder.core.edtf import Edtf
from builder.core.records import record, weak_record

DocId = NewType("DocId", str)          # a document's slug: names docs/<id>.html
EntityId = NewType("EntityId", str)    # an entity's slug: names entities/<id>.html
AnnotationId = NewType("AnnotationId", str)
SourcePath = NewType("SourcePath", str)  # corpus-relative POSIX path, as shown in diagnostics
SitePath = NewType("SitePath", str)      # output path relative to the site root: "docs/a.html"

BlockKind = Literal["p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre"]
EntityKind = Literal["person", "organization", "place"]
AnnotationKind = Literal["quote", "date", "mention", "not-mention", "link", "note"]


@record
class Where:
    """A position in an author's file."""

    path: SourcePath
    line: int = 1
    column: int = 1


# --- read corpus -------------------------------------------------------------


@record
class Mark:
    """Inline formatting the source gives its text (Markdown emphasis, code, links): drawn on
    the page, never an annotation. Offsets are into the text of the block (or, in a CleanDoc,
    into the reading text)."""

    start: int
    end: int
    kind: Literal["em", "strong", "code", "link"]
    href: str = ""       # link: an http(s) or mailto URL


@record
class Block:
    """One paragraph-like unit of a source file, with the line it starts on."""

    kind: BlockKind
    text: str
    line: int
    marks: tuple[Mark, ...] = ()


@record
class DocMeta:
    id: DocId
    file: SourcePath
    title: str
    where: Where                       # the INDEX.md row
    source: str = ""
    published: Edtf | None = None
    url: str = ""
    language: str = ""
    author: str = ""
    extra: tuple[tuple[str, str], ...] = ()   # other columns, in table order


@record
class RawDoc:
    meta: DocMeta
    format: Literal["txt", "md", "html"]
    blocks: tuple[Block, ...]


@record
class Corpus:
    """What INDEX.md says of the corpus as a whole (its documents are the prepared ones)."""

    title: str
    intro_md: str
    index_path: SourcePath


# --- annotations --------------------------------------------------------------


@record
class Selector:
    """A W3C text quote selector, plus an occurrence number for repeated passages."""

    text: str
    prefix: str = ""
    suffix: str = ""
    occurrence: int | None = None


@record
class Target:
    """Where a link or a `same-as` points, parsed once, when its sidecar is read
    (builder.core.targets): `doc:<id>`, `doc:<id>#<annotation id>`, `entity:<id>`, or a URL."""

    kind: Literal["doc", "entity", "url"]
    id: str                # the document's or entity's id, or the URL
    fragment: str = ""     # doc: the annotation's id, if it names one

    def __str__(self) -> str:
        """As the author wrote it."""
        if self.kind == "url":
            return self.id
        return f"{self.kind}:{self.id}" + (f"#{self.fragment}" if self.fragment else "")


@record
class Annotation:
    kind: AnnotationKind
    selector: Selector
    where: Where
    id: AnnotationId | None = None       # explicit id, or None to derive one
    speaker: EntityId | None = None      # quote
    via: EntityId | None = None          # quote
    same_as: Target | None = None        # quote: doc:<id>#<annotation id>
    note: str = ""                       # quote, note: Markdown
    date: Edtf | None = None             # date
    event: str = ""                      # date
    entity: EntityId | None = None       # mention
    to: Target | None = None             # link


@record
class DropRule:
    pattern: str
    regex: bool
    where: Where


@record
class ReplaceRule:
    old: str
    new: str
    where: Where


@record
class CleanSpec:
    drop: tuple[DropRule, ...] = ()
    replace: tuple[ReplaceRule, ...] = ()


@record
class Sidecar:
    doc: DocId
    path: SourcePath
    clean: CleanSpec = CleanSpec()
    annotations: tuple[Annotation, ...] = ()


@record
class Entity:
    id: EntityId
    kind: EntityKind
    name: str
    where: Where
    aliases: tuple[str, ...] = ()
    description: str = ""
    wikidata: str = ""
    phrase_where: tuple[tuple[str, Where], ...] = ()   # where the name and each alias are written
    sort_as: str = ""    # "Kabulov, Zamir": how the name sorts; before the comma, its short form

    @property
    def sort_key(self) -> tuple[str, str]:
        """People by family name (the last word of the name unless `sort-as` says otherwise), the rest by name."""
        return self.sort_key_name.casefold(), self.id

    @property
    def sort_key_name(self) -> str:
        """The name as it sorts, "Family, Given" for a person."""
        if self.sort_as:
            return self.sort_as
        if self.kind == "person" and " " in self.name.strip():
            *given, family = self.name.split()
            return f"{family}, {' '.join(given)}"
        return self.name

    @property
    def short_name(self) -> str:
        """The name as the reading text shows it beside a quote: a person's family name."""
        if self.sort_as:
            return self.sort_as.split(",")[0].strip() or self.name
        if self.kind == "person" and " " in self.name.strip():
            return self.name.split()[-1]
        return self.name

    def where_of(self, phrase: str) -> Where:
        return next((w for p, w in self.phrase_where if p == phrase), self.where)


@record
class HypothesisAnnotation:
    """One annotation of a Hypothesis export, as much of it as `glossator import` reads
    (builder.read.hypothesis, builder.prepare.hypothesis)."""

    id: str
    uri: str
    where: Where
    exact: str = ""
    prefix: str = ""
    suffix: str = ""
    start: int | None = None        # TextPositionSelector, in the annotated page's text
    text: str = ""                  # the annotation's body (Markdown)
    tags: tuple[str, ...] = ()
    tags_where: Where | None = None
    reply: bool = False


# --- clean --------------------------------------------------------------------


@record
class Edit:
    """What one cleaning rule did to one source block."""

    rule: str          # "replace", "ftfy", "doubled", "drop", "repeated-run"
    block: int         # index into RawDoc.blocks
    detail: str        # human-readable: what and why


@record
class Paragraph:
    kind: BlockKind
    text: str
    start: int         # offset of the paragraph in the reading text
    block: int         # index of the source block it came from


@record
class CleanDoc:
    raw: RawDoc
    text: str                           # the reading text: paragraphs joined by "\n\n"
    paragraphs: tuple[Paragraph, ...]
    edits: tuple[Edit, ...]
    cleaned_blocks: tuple[str | None, ...]   # per raw block: its reading text, or None if removed
    marks: tuple[Mark, ...] = ()             # the source's inline formatting, on paragraphs cleaning left as written

    @property
    def meta(self) -> DocMeta:
        return self.raw.meta


# --- anchor -------------------------------------------------------------------


@record
class Span:
    """An annotation placed on the reading text: [start, end) character offsets."""

    start: int
    end: int
    id: AnnotationId
    annotation: Annotation
    auto: bool = False                  # an alias hit, not written in a sidecar

    @property
    def kind(self) -> AnnotationKind:
        return self.annotation.kind


# A SealedDoc (builder.run.sealed) that can read its document again holds the one it opened
# weakly: while what reads it (a page being made) holds it, and no longer.
@weak_record
class AnchoredDoc:
    doc: CleanDoc
    spans: tuple[Span, ...]             # sorted by (start, -end)
    sidecar: SourcePath | None = None

    @property
    def meta(self) -> DocMeta:
        return self.doc.meta

    def opened(self) -> AnchoredDoc:
        """The document with all of it at hand: itself. A SealedDoc (builder.run.sealed), which
        stands for one, decodes it here; what reads more than one field of a document holds
        what this returns while it reads, and lets go of it after."""
        return self


class Passage(NamedTuple):
    """One annotation as linking, a page's key and a listing read it: where it is and what it
    says of whom, without its note or selector (builder.prepare.summary), made as it is read."""

    id: AnnotationId
    kind: AnnotationKind
    start: int
    end: int
    speaker: EntityId | None
    via: EntityId | None
    entity: EntityId | None
    to: Target | None
    same_as: Target | None
    date: Edtf | None
    event: str
    words: str              # a quote's words as its sidecar gives them (its selector's text); "" else
    path: SourcePath        # where the annotation is written (its Where, as plain values)
    line: int
    column: int


class PassageRows(Protocol):
    """A document's passages, in order, as its summary holds them (builder.core.passages)."""

    def __iter__(self) -> Iterator[Passage]: ...
    def __len__(self) -> int: ...
    def __getitem__(self, i: int) -> Passage: ...
    def ids(self, kind: str | None = None) -> list[AnnotationId]: ...
    def by_id(self, id_: str) -> Passage | None: ...        # the first with this id
    def of_kind(self, kind: str) -> list[Passage]: ...
    def names_of(self, field: str, kind: str | None = None) -> list[str | None]: ...
    def counts(self) -> dict[str, int]: ...                 # by kind, of the kinds present
    def targeting(self) -> list[Passage]: ...               # those with a link or same-as target


@record
class Summary:
    """What linking, the pages' keys and listings read of a prepared document: its metadata,
    its reading text (for the passages' context) and its annotations, in the order of its
    spans (builder.prepare.summary)."""

    meta: DocMeta
    text: str       # a build that writes its site keeps it on disk: a stand-in read as a str (builder.run.sealed)
    paragraphs: tuple[int, ...]     # where each paragraph starts in the text
    passages: PassageRows


def annotation_count(summaries: Iterable[Summary]) -> int:
    """How many annotations the documents hold (what a build's summary line, the live
    server's update and the W3C collection's total count)."""
    return sum(len(s.passages) for s in summaries)


# --- link ---------------------------------------------------------------------


@record
class PassageRef:
    """A pointer to an annotation in a document: what cross-page links target."""

    doc: DocId
    id: AnnotationId


@record
class Statement:
    """Passages that report the same words: one statement, maybe several speakers."""

    passages: tuple[PassageRef, ...]
    speakers: tuple[EntityId, ...]

    @property
    def conflict(self) -> bool:
        return len(self.speakers) > 1

    @property
    def travelled(self) -> bool:
        return len({p.doc for p in self.passages}) > 1


@record
class TimelineEntry:
    date: Edtf
    label: str
    doc: DocId
    ref: AnnotationId | None            # None: the document's publication date
    kind: Literal["event", "published"]


@record
class Related:
    doc: DocId
    reason: str


@record
class Linked:
    """The whole corpus, cross-referenced: every table render needs, computed once."""

    corpus: Corpus
    docs: tuple[AnchoredDoc, ...]
    summaries: tuple[Summary, ...]                          # each document's, as `docs` (what keys and counts read)
    entities: tuple[Entity, ...]
    passages: Mapping[PassageRef, Passage]                  # every annotation, by (doc, id)
    statements: tuple[Statement, ...]
    statement_of: Mapping[PassageRef, int]                  # quote -> index into statements
    related: Mapping[DocId, tuple[Related, ...]]
    timeline: tuple[TimelineEntry, ...]
    mentions_of: Mapping[EntityId, tuple[PassageRef, ...]]  # mentions, in corpus order
    quotes_by: Mapping[EntityId, tuple[PassageRef, ...]]    # quotes by a speaker, in corpus order


class Documents(Protocol):
    """What reads only the documents and entities (the search index): a Linked corpus, or
    one that is prepared but not yet linked (so the index can start before linking ends)."""

    @property
    def docs(self) -> Sequence[AnchoredDoc]: ...

    @property
    def entities(self) -> Sequence[Entity]: ...
