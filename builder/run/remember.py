"""A memo that remembers between builds: the build cache (`.glossator-cache/`).

`Remembered` is the memo of a full build with a cache (builder.run.memo says what a memo is):
every step is computed as in `Fresh`, except the per-document step, whose results are kept
in the store (builder.run.store) under the digest of their inputs (builder.run.digest) and
read back instead of computed when those inputs come again. It also names each result it
hands out by the digest of what made it, so that what reads the result (a page, the search
index) can be named in turn without hashing it whole; `key(...)` gives those names.

The pages use it through `Remembered.page`: a page whose inputs' digest is in the store is
linked into the new site instead of rendered; one that is not is rendered and kept.
A build with a cache makes the same bytes as one without (tests/test_cache.py).
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any, Callable, Hashable, Iterable, Sequence, TypeVar

from builder.core import pieces
from builder.core.models import DocMeta, Entity
from builder.read.settings import Settings
from builder.run import transfer
from builder.run.executor import Forked, InProcess
from builder.run.digest import code, digest, plain
from builder.run.memo import Fill, Fresh
from builder.run.store import Store
from builder.run.unchanged import FileNames
from builder.search.shards import Packed

T = TypeVar("T")
# Records named by what they hold, not by the result they are part of or the file they were read
# from: settings, an entity, a row of INDEX.md; a document's search shard, which the search index
# alone reads (an edit that leaves a shard as it was, a note or a date, leaves the index as it was).
BY_VALUE = (Settings, Entity, DocMeta, Packed)


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

    def _name_result(self, value: object, key: str) -> None:
        """Name a result, the parts of a tuple result, and the records a part holds (the
        entities of entities.yaml, the rows of INDEX.md), which pages read one by one."""
        if _nameable(value):
            self.name(value, _by_value(value) if type(value) in BY_VALUE else key)
        if type(value) is tuple:
            for n, part in enumerate(value):
                if _nameable(part):
                    self.name(part, _by_value(part) if type(part) in BY_VALUE else f"{key}/{n}")
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
                    self.store.put(key, _packed(value))
                    self.store.used([key])
                except OSError:   # a cache that cannot take it: computed again next time
                    pass
        self._name_result(value, key)
        return value

    def map(self, step: str, names: Sequence[Hashable], inputs: Sequence[object],
            compute: Callable[[Sequence[int], Any], list[Any]],
            name_of: Callable[[Any], Hashable | None] = lambda _: None, fill: Fill | None = None) -> list[Any]:
        """Each result read from the store when its inputs' digest is there; the others computed,
        and stored by the process that computed them. A result is named by the digest of its
        own value (_packed), so that one made again the same (a sidecar's comment edited) names it as before.
        `name_of(result)` says which name a result is for (None: do not store it). `fill`: the
        input of each result to compute, made whole (memo.Fill), and its digest taken again:
        a result is stored under the digest of what it was computed from, even if a file not
        read changed after its stat."""
        keys = [self.key(step, name, x) for name, x in zip(names, inputs)]
        out: list[Any] = [None] * len(keys)
        made: list[str] = [""] * len(keys)
        todo = []
        for i, k in enumerate(keys):
            loaded = _load(self.store.get(k))
            if loaded is None:
                todo.append(i)
            else:
                out[i], made[i] = loaded
        self.hits += len(keys) - len(todo)
        self.misses += len(todo)
        for i in todo if fill is not None else ():
            keys[i] = self.key(step, names[i], fill(i))
        if todo:
            wanted = {names[i]: keys[i] for i in todo}
            for i, (value, result_digest) in zip(todo, compute(todo, partial(_store_each, self.store, wanted, name_of))):
                out[i], made[i] = value, result_digest
        self.store.used(k for k, d in zip(keys, made) if d)
        for value, name in zip(out, made):
            name = name or self.key("unstored", value)
            self._name_result(value, name)
            for part in value if type(value) is tuple else ():
                meta = getattr(part, "meta", None)
                # The metadata of a prepared document, which pages read by itself (a listing, a
                # related document): named by its value, as INDEX.md's row is. Its annotations are
                # not named one by one: a page names a passage by its document's name and its id.
                # (Named once: a document made in this build holds INDEX.md's row, named already.)
                if type(meta) in BY_VALUE and id(meta) not in self.named:
                    self.name(meta, _by_value(meta))
        return out


def _by_value(record: object) -> str:
    """The name of a record named by what it holds (BY_VALUE): digest.plain of the record as
    builder.run.transfer writes it, for a record it writes (a document's metadata: four times
    faster than digest(), which a build asked twice for each row of INDEX.md), else digest()."""
    return plain(transfer.encode(record)) if type(record) in transfer.CLASSES else digest(record)


def _nameable(value: object) -> bool:
    """Only an object made for this result may be named by it: not a str, a number or an
    empty tuple, which Python shares between unrelated values."""
    if isinstance(value, (str, bytes, int, float, bool, type(None))):
        return False
    return not (isinstance(value, (tuple, frozenset)) and not value)


def _load(data: bytes | None) -> tuple[Any, str] | None:
    """A kept result and the digest of its value (_packed), or None when there is none or
    it cannot be read back."""
    if data is None:
        return None
    try:
        head, payload = data[:129], data[129:]
        if head[128:] != b"\n" or hashlib.sha256(payload).hexdigest().encode() != head[:64]:
            return None
        return transfer.decode_all(pickle.loads(payload))[0], head[64:128].decode()   # noqa: S301 - listed in the signed manifest
    except Exception:  # noqa: BLE001 - a damaged entry is a miss, never an error
        return None


def _store_each(store: Store, keys: dict[Hashable, str], name_of: Callable[[Any], Hashable | None],
                results: list[Any]) -> list[tuple[Any, str]]:
    """In the process that computed them (the executor's `keep`): each result stored under its
    inputs' digest, headed by the digest of its value (its name), which travels back with it ("" for a
    result not stored: one whose name cannot be told, a document that could not be read)."""
    out = []
    for value in results:
        key = keys.get(name_of(value))
        if key is None:
            out.append((value, ""))
            continue
        data = _packed(value)
        store.put(key, data)
        out.append((value, data[64:128].decode()))
    return out


def _packed(value: object) -> bytes:
    """A result as the store keeps it (read back by _load): the digest of its bytes (checked
    when it is read), the digest of its value (its name: digest.plain, not the digest of these
    bytes, which depend on which equal strings happen to be one object), then its bytes."""
    encoded = transfer.encode_all([value])
    payload = pickle.dumps(encoded, protocol=5)
    return (hashlib.sha256(payload).hexdigest() + plain(encoded)).encode() + b"\n" + payload


# --- pages, exports and the search index, from the cache or kept there


@dataclass(frozen=True)
class Written:
    """In place of a file's bytes: the file is in the staging folder already, and these are
    the cache entries it came from (the parent lists them as used); `made`: this build made
    it (and kept it, or found the same bytes kept already), rather than linking the result of
    an earlier build without making it."""

    keys: tuple[str, ...]
    made: bool = False


@dataclass(frozen=True)
class Kept:
    """The cache as one build's pages, exports and search index use it, in whichever of the
    build's processes makes them (forked workers share the memo's names)."""

    memo: Remembered
    root: str            # the staging folder
    linked: str          # the digest of everything linking and the exports read
    search_key: str
    folders: set[str] = field(default_factory=set)   # of the staging folder, made (by this process)

    @staticmethod
    def early(memo: Fresh, staging: Any, executor: Any) -> Kept | None:  # noqa: ANN401
        """None unless the memo is a cache and the site is staged on this machine (a Dask
        worker has neither the names nor the folder). Made before the documents are prepared,
        without the names of what they make: a process forked then has the cache, and is sent
        those names later (keyed())."""
        if not isinstance(memo, Remembered) or staging is None or not isinstance(executor, (InProcess, Forked)):
            return None
        staging.open()
        return Kept(memo, str(staging.where()), "", "")

    def keyed(self, prepared: Any) -> Kept:  # noqa: ANN401
        """With the names of what the prepared documents make: the linked corpus, and the search
        index, which reads nothing but the documents' shards (each named by what it holds)."""
        memo = self.memo
        # The corpus's documents are the prepared documents' raw ones (pipeline.prepare): named by them.
        linked = memo.key("linked", prepared.settings, replace(prepared.corpus, docs=()), prepared.docs,
                          prepared.entities, prepared.incomplete)
        return replace(self, linked=linked, search_key=memo.key("search", prepared.shards))

    def _place(self, key: str, rel: str, just_put: bool = False) -> bool:
        target = os.path.join(self.root, rel)
        folder = os.path.dirname(target)
        if folder not in self.folders:
            os.makedirs(folder, exist_ok=True)
            self.folders.add(folder)
        return self.memo.store.link(key, target, just_put)

    def _keep(self, key: str, rel: str, data: pieces.Content) -> None:
        try:
            self.memo.store.put(key, data)
            placed = self._place(key, rel, just_put=True)
        except OSError:
            placed = False
        if not placed:    # the cache cannot take it: write it where it goes (a new file, not one linked to the cache)
            target = os.path.join(self.root, rel)
            if os.path.lexists(target):
                os.unlink(target)
            with open(target, "wb") as f:
                pieces.write(f, data)

    def page(self, make: Callable[..., list[Any]], inputs: Callable[[Any], tuple[object, ...]],
             parts: set[str], item: str) -> list[Any]:
        """make(item) (a page, or a part of the exports), or its files from the cache. A part
        is made from chunks (pieces.Chunk), each read from the cache when its inputs are the
        same: an edit makes again the chunks it touched, not the whole file."""
        if item in parts:
            chunks = Chunks(self.memo)
            return self._files(self.memo.key("export", item, self.linked),
                               lambda: ((path, data) for path, data, _ in make(item, chunks)), chunks.used)
        key = self.memo.key("page", item, inputs(item))
        if self._place(key, item):
            return [(item, Written((key,)), None)]
        made = make(item)
        (path, data, problem), = made
        if problem is not None or data is None:
            return made
        self._keep(key, path, data)
        return [(path, Written((key,), made=True), None)]

    def _files(self, key: str, make: Callable[[], Iterable[tuple[str, pieces.Content]]],
               uses: list[str] | None = None) -> list[Any]:
        """Files made together (a part of the exports, the search index): linked from the cache
        into the staging folder when all of them are there (their list is kept under `key`),
        else made and kept, one at a time as make() hands them out: none is held once it is
        written. A file made as bytes is kept under the digest of its bytes, so that one made
        again the same (most of the search index's files after an edit) is linked to the copy
        an earlier build kept, not written and removed again. `uses`: filled by make() with
        the cache entries it read or kept (its chunks), listed with the files, so that a build
        that links the files keeps those entries for the next one that makes them."""
        listed = self.memo.store.get(key)
        try:
            found = json.loads(listed) if listed is not None else None
        except ValueError:
            found = None
        if isinstance(found, dict) and isinstance(found.get("files"), dict) and isinstance(found.get("uses"), list):
            files: dict[str, str] = found["files"]
            if all(self._place(k, p) for p, k in files.items()):
                return [(p, Written((k, key, *found["uses"])), None) for p, k in files.items()]
        files = {}
        for p, data in make():
            if isinstance(data, bytes):
                k = files[p] = _content_key(data)
                if self._place(k, p):
                    continue
            else:
                k = files[p] = self.memo.key(key, p)
            self._keep(k, p, data)
        used = sorted(set(uses or ()))
        self.memo.store.put(key, json.dumps({"files": files, "uses": used}).encode())
        return [(p, Written((k, key, *used), made=True), None) for p, k in files.items()]

    def search(self, make: Callable[[], Iterable[tuple[str, bytes]]]) -> list[Any]:
        """The search index's files (make() hands them out one at a time), from the cache or
        kept there: (path, Written, None) each, as a page map's results."""
        return self._files(self.search_key, make)


class Chunks:
    """A part of the exports' chunks (pieces.Chunk), from the cache or made and kept there, in
    the process that makes the part; `used` lists the entries they came from."""

    def __init__(self, memo: Remembered) -> None:
        self.memo = memo
        self.used: list[str] = []

    def __call__(self, what: str, inputs: Callable[[], tuple[object, ...]], make: Callable[[], bytes]) -> bytes:
        key = self.memo.key("chunk", what, inputs())
        self.used.append(key)
        data = self.memo.store.get(key)
        if data is None:
            data = make()
            try:
                self.memo.store.put(key, data)
            except OSError:   # a cache that cannot take it: made again next time
                self.used.pop()
        return data


def _content_key(data: bytes) -> str:
    """The name of a file kept by its bytes (apart from every digest of inputs)."""
    h = hashlib.sha256(b"file\0")
    h.update(data)
    return h.hexdigest()


def used(made: Sequence[tuple[Any, Any, Any]]) -> list[str]:
    """The cache entries the files of a page map came from."""
    return [k for _, data, _ in made if isinstance(data, Written) for k in data.keys]


def linked_pages(made: Sequence[tuple[Any, Any, Any]]) -> int:
    """How many of a page map's pages (HTML) were linked from an earlier build's copy."""
    return sum(1 for path, data, _ in made if path.endswith(".html") and isinstance(data, Written) and not data.made)
