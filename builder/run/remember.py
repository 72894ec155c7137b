"""A memo that remembers between builds: the build cache (`.glossator-cache/`).

`Remembered` is the memo of a full build with a cache (builder.run.memo says what a memo is):
every step is computed as in `Fresh`, except the per-document step, whose results are kept
in the store (builder.run.store) under the digest of their inputs (builder.run.digest) and
read back instead of computed when those inputs come again. It also names each result it
hands out by the digest of what made it, so that what reads the result (a page, the search
index) can be named in turn without hashing it whole; `key(...)` gives those names.

The per-document step's results are also listed in one entry, the step's ledger
(builder.run.ledger), which a rebuild reads instead of each result's entry. The pages, the
exports and the search index use the cache through builder.run.kept. A build with a cache
makes the same bytes as one without (tests/test_cache.py).
"""

from __future__ import annotations

import hashlib
import pickle
from functools import partial
from typing import Any, Callable, Hashable, Sequence, TypeVar

from builder.core.models import AnchoredDoc, DocMeta, Entity, Summary
from builder.read.settings import Settings
from builder.run import ledger as ledger_rows, sealed, transfer
from builder.run.digest import code, digest, plain
from builder.run.memo import Fill, Fresh
from builder.run.store import Store
from builder.run.unchanged import FileNames
from builder.search.shards import Packed

T = TypeVar("T")
# Records named by what they hold, not by the result they are part of or the file they were read
# from: settings, an entity, a row of INDEX.md; a document's search shard, which the search index
# alone reads (an edit that leaves a shard as it was, a note or a date, leaves the index as it was);
# a document's summary, which linking alone reads (a note edited leaves what linking made as it was).
BY_VALUE = (Settings, Entity, DocMeta, Packed, Summary)


class Remembered(Fresh):
    """A full build's memo that reads and fills the build cache."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.code = code()
        self.named: dict[int, str] = {}        # id(result) → the digest it is known by
        self._alive: list[object] = []         # the named results, kept so that no id is reused
        self.hits = 0
        self.misses = 0
        self.seen = FileNames(store, self.code)

    # --- names

    def name(self, value: object, as_: str) -> None:
        self.named[id(value)] = as_
        self._alive.append(value)

    def name_of(self, value: object) -> str | None:
        """The name `value` is known by, if it has one."""
        return self.named.get(id(value))

    def key(self, *parts: object) -> str:
        """The digest of `parts` with every named result written as its name, and this code."""
        return digest((self.code, parts), self.named)

    def _name_result(self, value: object, key: str, names: Sequence[str | None] = ()) -> None:
        """Name a result, the parts of a tuple result, and the records a part holds (the
        entities of entities.yaml, the rows of INDEX.md), which pages read one by one.
        `names`: the names of parts named by their value, known already (a ledger's row)."""
        if _nameable(value):
            self.name(value, _by_value(value) if type(value) in BY_VALUE else key)
        if type(value) is tuple:
            for n, part in enumerate(value):
                if _nameable(part):
                    known = names[n] if n < len(names) else None
                    self.name(part, known or (_by_value(part) if type(part) in BY_VALUE else f"{key}/{n}"))
                    if type(part) is tuple:
                        for record in part:
                            if type(record) in BY_VALUE:   # by itself, not by the file it is in
                                self.name(record, _by_value(record))

    def finished(self) -> None:
        self.seen.keep()

    # --- the memo

    def get(self, step: Hashable, inputs: object, compute: Callable[[], T], lasting: bool = False) -> T:
        """compute(), or for a `lasting` step the result the store holds for these inputs (kept
        there when it holds none)."""
        key = self.key(step, inputs)
        loaded = _load(self.store.get(key)) if lasting else None
        if loaded is not None:
            value = loaded[0]
            self.store.used([key])
        else:
            value = compute()
            if lasting:
                try:
                    self.store.put(key, _packed(value, transfer.encode(value)))
                    self.store.used([key])
                except OSError:   # a cache that cannot take it: computed again next time
                    pass
        self._name_result(value, key)
        return value

    def map(self, step: str, names: Sequence[Hashable], inputs: Sequence[object],
            compute: Callable[[Sequence[int], Any], list[Any]],
            name_of: Callable[[Any], Hashable | None] = lambda _: None, fill: Fill | None = None) -> list[Any]:
        """Each result whose inputs' digest the store holds taken from there: from the step's
        ledger (builder.run.ledger: its heavy parts read when something reads them), else from
        its own entry; the others computed, and stored by the process that computed them. A
        result is named by the digest of its own value (_packed), so that one made again the
        same (a sidecar's comment edited) names it as before. `name_of(result)` says which name
        a result is for (None: do not store it). `fill`: the input of each result to compute,
        made whole (memo.Fill), and its digest taken again: a result is stored under the digest
        of what it was computed from, even if a file not read changed after its stat."""
        keys = [self.key(step, name, x) for name, x in zip(names, inputs)]
        ledger_key = self.key("ledger", step)
        ledger = _ledger(self.store.get(ledger_key))
        out: list[Any] = [None] * len(keys)
        rows: list[ledger_rows.Row | None] = [None] * len(keys)
        todo = []
        for i, k in enumerate(keys):
            row = ledger.get(k)
            if row is not None and self.store.listed(k):   # its entry read (or found gone) only if opened: _Part
                out[i], rows[i] = _Part(self.store, k, partial(self._remake, compute, fill, i)), row
                continue
            loaded = _load(self.store.get(k))
            if loaded is None:
                todo.append(i)
            else:
                out[i], rows[i] = loaded[0], ledger_rows.row(loaded[0], transfer.encode(loaded[0]), loaded[1], _names_by_value)
        self.hits += len(keys) - len(todo)
        self.misses += len(todo)
        for i in todo if fill is not None else ():
            keys[i] = self.key(step, names[i], fill(i))
        if todo:
            wanted = {names[i]: keys[i] for i in todo}
            for i, (value, row) in zip(todo, compute(todo, partial(_store_each, self.store, wanted, name_of))):
                out[i], rows[i] = value, row
        kept = {k: row for k, row in zip(keys, rows) if row is not None}
        if kept != ledger:
            try:
                self.store.put(ledger_key, _packed_bytes(ledger_rows.pack(kept)))
            except OSError:   # a cache that cannot take it: the next build reads the entries one by one
                kept = {}
        self.store.used([*kept, *((ledger_key,) if kept else ())])
        for i, (value, row) in enumerate(zip(out, rows)):
            if row is None:   # not stored: a document that could not be read
                self._name_result(value, self.key("unstored", value))
                continue
            if type(value) is _Part:
                value = out[i] = self._from_row(value, row)
            else:
                self._name_row(value, *ledger_rows.names_of(row))
        return out

    def _from_row(self, part: _Part, row: ledger_rows.Row) -> Any:  # noqa: ANN401
        value, names = ledger_rows.value_of(row, part, part.key)
        self._name_row(value, *names)
        return value

    def _name_row(self, value: Any, made: str, names: tuple[str | None, ...],  # noqa: ANN401
                  metas: tuple[tuple[int, str | None], ...]) -> None:
        """Name a result as its row says (_name_result, without hashing a part named by its value again)."""
        self._name_result(value, made, names)
        for i, name in metas:
            meta = value[i].meta
            # The metadata of a prepared document, which pages read by itself (a listing, a
            # related document): named by its value, as INDEX.md's row is. Its annotations are
            # not named one by one: a page names a passage by its document's name and its id.
            # (Named once: a document made in this build holds INDEX.md's row, named already.)
            if name is not None and id(meta) not in self.named:
                self.name(meta, name)

    @staticmethod
    def _remake(compute: Callable[[Sequence[int], Any], list[Any]], fill: Fill | None, i: int) -> Any:  # noqa: ANN401
        """Result i made again (its entry gone or damaged after its row was read), where it is asked for."""
        if fill is not None:
            fill(i)
        return compute([i], None)[0]


class _Part:
    """How a result taken from the ledger reads its heavy parts: from its entry, or made again."""

    def __init__(self, store: Store, key: str, remake: Callable[[], Any]) -> None:
        self.store, self.key, self.remake = store, key, remake

    def __call__(self, i: int) -> Any:  # noqa: ANN401
        loaded = _load_part(self.store.get(self.key), i)
        part = loaded[0] if loaded is not None else self.remake()[i]
        return part.opened() if type(part) is sealed.SealedDoc else part


def _names_by_value(part: object, encoded: Any) -> str | None:  # noqa: ANN401 - transfer's encoding of `part`
    """A part's name if it is named by its value (_by_value, from its encoding made already)."""
    return _by_value(part, encoded) if type(part) in BY_VALUE else None


def _ledger(data: bytes | None) -> dict[str, ledger_rows.Row]:
    payload = _checked(data)
    if payload is None:
        return {}
    try:
        return ledger_rows.unpack(payload)
    except Exception:  # noqa: BLE001 - a damaged ledger is no ledger, never an error
        return {}


def _by_value(record: object, encoded: Any = None) -> str:  # noqa: ANN401 - transfer's encoding
    """The name of a record named by what it holds (BY_VALUE): digest.plain of the record as
    builder.run.transfer writes it, for a record it writes (a document's metadata: four times
    faster than digest(), which a build asked twice for each row of INDEX.md), else digest().
    `encoded`: transfer.encode(record), when it is made already."""
    if type(record) not in transfer.CLASSES:
        return digest(record)
    return plain(transfer.encode(record) if encoded is None else encoded)


def _nameable(value: object) -> bool:
    """Only an object made for this result may be named by it: not a str, a number or an
    empty tuple, which Python shares between unrelated values."""
    if isinstance(value, (str, bytes, int, float, bool, type(None))):
        return False
    return not (isinstance(value, (tuple, frozenset)) and not value)


def _load(data: bytes | None) -> tuple[Any, str] | None:
    """A kept result and the digest of its value (_packed), or None when there is none or
    it cannot be read back."""
    payload = _checked(data)
    if payload is None:
        return None
    try:
        body, kept_sealed = pickle.loads(payload)   # noqa: S301 - listed in the signed manifest
        value = transfer.decode(body)
        if kept_sealed:
            value = tuple(sealed.unseal(kept_sealed[i]) if i in kept_sealed else part for i, part in enumerate(value))
        return value, data[64:128].decode()   # type: ignore[index]
    except Exception:  # noqa: BLE001 - a damaged entry is a miss, never an error
        return None


def _load_part(data: bytes | None, i: int) -> tuple[Any] | None:
    """Part i of a kept tuple result (as _load reads it), the others left encoded: a rebuild
    that merges the search index again reads every document's shard, and nothing else of it."""
    payload = _checked(data)
    if payload is None:
        return None
    try:
        body, kept_sealed = pickle.loads(payload)   # noqa: S301 - listed in the signed manifest
        return (sealed.unseal(kept_sealed[i]) if i in kept_sealed else transfer.decode(body[i]),)
    except Exception:  # noqa: BLE001 - a damaged entry is a miss, never an error
        return None


def read_part(store: Store, at: ledger_rows.InEntry) -> Any | None:  # noqa: ANN401
    """The part of a kept result `at` says (a shard the search index's job reads itself), or
    None when its entry is gone or damaged (the job then leaves the index to the build)."""
    loaded = _load_part(store.get(at.key), at.i)
    return None if loaded is None else loaded[0]


def _checked(data: bytes | None) -> memoryview | None:
    """An entry's payload (see _packed), or None when there is none or its digest is not its own."""
    if data is None or data[128:129] != b"\n":
        return None
    payload = memoryview(data)[129:]
    return payload if hashlib.sha256(payload).hexdigest().encode() == data[:64] else None


def _packed_bytes(payload: bytes, name: str = "0" * 64) -> bytes:
    """`payload` as an entry (see _packed): its digest, a name, a newline, the payload."""
    return (hashlib.sha256(payload).hexdigest() + name).encode() + b"\n" + payload


def _store_each(store: Store, keys: dict[Hashable, str], name_of: Callable[[Any], Hashable | None],
                results: list[Any]) -> list[tuple[Any, ledger_rows.Row | None]]:
    """In the process that computed them (the executor's `keep`): each result stored under its
    inputs' digest, headed by the digest of its value (its name); its ledger row, which holds that
    name, travels back with it (None for a result not stored: one whose name cannot be told, a
    document that could not be read)."""
    out: list[tuple[Any, ledger_rows.Row | None]] = []
    for value in results:
        key = keys.get(name_of(value))
        if key is None:
            out.append((value, None))
            continue
        encoded = transfer.encode(value)   # once, for its entry and its row
        data = _packed(value, encoded)
        store.put(key, data)
        out.append((value, ledger_rows.row(value, encoded, data[64:128].decode(), _names_by_value)))
    return out


def _packed(value: object, encoded: Any) -> bytes:  # noqa: ANN401 - transfer's encoding
    """A result as the store keeps it (read back by _load): the digest of its bytes (checked
    when it is read), the digest of its value (its name: digest.plain, not the digest of these
    bytes, which depend on which equal strings happen to be one object), then its bytes. A
    prepared document among a tuple's parts is kept sealed (builder.run.sealed): read back,
    it is decoded when something reads it. `encoded`: transfer.encode(value)."""
    name = plain([encoded])
    kept_sealed = {i: sealed.seal(part, encoded[i]) for i, part in enumerate(value) if type(part) is AnchoredDoc} \
        if type(value) is tuple else {}
    body = tuple(None if i in kept_sealed else part for i, part in enumerate(encoded)) if kept_sealed else encoded
    return _packed_bytes(pickle.dumps((body, kept_sealed), protocol=5), name)
