"""Render every page with Jinja2 from the linked corpus.

Templates come from the corpus's `themes/<theme>/templates/`, falling back to the
built-in default theme; everything an author wrote reaches them either as text
(autoescaped) or as HTML built by docmarkup/mdtext, which escape or sanitise it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping

import jinja2
from jinja2.filters import do_truncate
from markupsafe import Markup

from builder.core import urls
from builder.html import document as docmarkup, markdown as mdtext
from builder.run import executor as parallel
from builder.read.settings import Settings
from builder.core.diagnostics import Diagnostic, has_errors
from builder.core.models import AnchoredDoc, AnnotationId, DocId, DocMeta, Entity, EntityId, Linked, PassageRef, SitePath
from builder.html.theme import (
    ContainedLoader, Theme, compile_all, on_pages, rendering_problem, static_files, template_problems, theme_for,
)

if TYPE_CHECKING:
    from builder.site.staging import Staging


KIND_LABEL = {"person": "People", "organization": "Organisations", "place": "Places"}
LISTINGS = frozenset({"quotes.html", "timeline.html"})   # pages that list the whole corpus: the slowest to render


_DICT_ATTRIBUTES = frozenset(dir(dict))


class Environment(jinja2.Environment):
    """jinja2's Environment, with `row.key` on a page context's dicts made cheap.

    `x.y` tries getattr first and the item second; on a plain dict getattr can only
    find dict's own attributes, so for any other name it fails, and raising and
    catching that AttributeError for every field of every row is most of a
    listing's cost. Looking the item up directly gives the same result.
    """

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        try:  # jinja2.Environment.getattr, inline: super() would add a call to every lookup
            return getattr(obj, attribute)
        except AttributeError:
            pass
        try:
            return obj[attribute]
        except (TypeError, LookupError, AttributeError):
            return self.undefined(obj=obj, name=attribute)


def environment(theme: Theme) -> jinja2.Environment:
    env = Environment(
        loader=ContainedLoader(theme),
        autoescape=True, trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        auto_reload=False,   # a build reads each template once; serve makes a new environment when a theme file changes
    )
    env.filters["markdown"] = lambda text: Markup(mdtext.render(text))
    env.filters["markdown_inline"] = lambda text: Markup(mdtext.render_inline(text))
    env.filters["initials"] = docmarkup.initials
    # Listings, made in Python (docmarkup): the same bytes as the template loops they replaced.
    env.filters["passage"] = lambda p, show_doc=True, show_speaker=False: Markup(
        docmarkup.passage_html(p, show_doc, show_speaker))
    env.filters["passages"] = lambda ps, show_doc=True, show_speaker=False: Markup(
        docmarkup.passages_html(ps, show_doc, show_speaker))
    env.filters["mention_groups"] = lambda groups: Markup(docmarkup.mentions_html(groups))
    env.filters["register_items"] = lambda items, speaker: Markup(docmarkup.register_html(items, speaker))
    env.filters["timeline_entries"] = lambda entries: Markup(docmarkup.timeline_html(entries))
    env.filters["published"] = lambda meta: Markup(docmarkup.published_html(meta))
    env.filters["index_rows"] = lambda rows: Markup(docmarkup.index_rows_html(rows))
    env.filters["legend_items"] = lambda legend: Markup(docmarkup.legend_html(legend))
    env.filters["note_items"] = lambda notes: Markup(docmarkup.notes_html(notes, lambda text: do_truncate(env, text, 70)))
    env.filters["related_items"] = lambda related: Markup(docmarkup.related_html(related))
    return env


class Pages:
    """Page contexts from the linked corpus; one method per page type."""

    def __init__(self, linked: Linked, settings: Settings) -> None:
        self.linked = linked
        self.settings = settings
        self.entities: dict[EntityId, Entity] = {e.id: e for e in linked.entities}
        self.docs: dict[DocId, AnchoredDoc] = {d.meta.id: d for d in linked.docs}
        self.titles = {d.meta.id: d.meta.title for d in linked.docs}
        self.ctx = docmarkup.Context(linked, self.entities, self.titles)
        self.title = settings.title or linked.corpus.title or "Untitled corpus"
        self.hues = docmarkup.hue_table(list(linked.quotes_by))  # every speaker, without rescanning spans
        self._passage_fields: dict[tuple[DocId, AnnotationId], dict[str, Any]] = {}
        self._facts: dict[DocId, tuple[DocMeta, str, SitePath, str]] = {}

    def common(self, page: SitePath, kind: str) -> dict[str, Any]:
        root = urls.root_prefix(page)
        return {
            "site_title": self.title,
            "root": root,
            "page": page,
            "page_kind": kind,
            "lang": self.settings.language,
            "canonical": (self.settings.base_url + page) if self.settings.base_url else "",
            "nav": [
                ("index.html", "Documents"), ("entities.html", "People & places"),
                ("timeline.html", "Timeline"), ("quotes.html", "Quotes"), ("search.html", "Search"),
            ],
        }

    def href(self, target: SitePath, page: SitePath, fragment: str = "") -> str:
        return urls.relative(target, page, fragment)

    def passage(self, ref: PassageRef, page: SitePath) -> dict[str, Any]:
        """A passage as listings show it, linked from `page`: a new dict each time (free to change)."""
        return {"href": urls.relative(urls.doc_page(ref.doc), page, ref.id), **self._passage(ref)}

    def _passage(self, ref: PassageRef) -> dict[str, Any]:
        """A passage's fields other than its href: the same from every folder (an entity page
        and the quotes register show the same quote), so made once."""
        key = (ref.doc, ref.id)
        p = self._passage_fields.get(key)
        if p is not None:
            return p
        meta, text, _, published_label = self._doc_facts(ref.doc)
        span = self.linked.passages[ref]
        before, words, after = docmarkup.snippet(text, span.start, span.end)
        ann = span.annotation
        speaker = self.entities.get(ann.speaker) if ann.speaker else None
        p = self._passage_fields[key] = {
            "doc": meta, "doc_title": meta.title,
            "before": before, "text": words, "after": after, "span": span,
            "speaker": speaker, "via": self.entities.get(ann.via) if ann.via else None,
            # the same, looked up once here rather than at every use in a template
            "is_quote": ann.kind == "quote", "speaker_id": speaker.id if speaker else "",
            "speaker_name": speaker.name if speaker else "",
            "speaker_initials": docmarkup.initials(speaker.name) if speaker else "",
            "published_label": published_label,
        }
        return p

    def _doc_facts(self, doc_id: DocId) -> tuple[DocMeta, str, SitePath, str]:
        """(meta, reading text, page, publication label) of a document, for its passages."""
        facts = self._facts.get(doc_id)
        if facts is None:
            doc = self.docs[doc_id]
            meta = doc.meta
            facts = self._facts[doc_id] = (meta, doc.doc.text, urls.doc_page(doc_id),
                                           meta.published.label if meta.published else "")
        return facts

    # --- pages ---

    def index(self) -> tuple[SitePath, str, dict[str, Any]]:
        page = SitePath("index.html")
        counts = {kind: 0 for kind in ("quote", "date", "mention", "link", "note")}
        rows = []
        for d in self.linked.docs:
            kinds = {kind: 0 for kind in counts}
            for s in d.spans:
                kind = s.annotation.kind
                kinds[kind] += 1
                counts[kind] += 1
            rows.append({"meta": d.meta, "href": self.href(urls.doc_page(d.meta.id), page), "counts": kinds})
        return page, "index.html", {
            **self.common(page, "index"), "intro": self.linked.corpus.intro_md, "rows": rows,
            "counts": {"documents": len(self.linked.docs), "entities": len(self.linked.entities), **counts},
            "conflicts": sum(1 for s in self.linked.statements if s.conflict),
        }

    def document(self, doc: AnchoredDoc) -> tuple[SitePath, str, dict[str, Any]]:
        page = urls.doc_page(doc.meta.id)
        notes: list[dict[str, Any]] = []         # the notes, then the quotes that carry a note
        quote_notes: list[dict[str, Any]] = []
        for s in doc.spans:
            kind = s.annotation.kind
            if kind == "note" or (kind == "quote" and s.annotation.note):
                (notes if kind == "note" else quote_notes).append(
                    {"id": s.id, "body": s.annotation.note, "text": docmarkup.quote_of(doc, s)})
        legend = [
            {"entity": ent, "count": n, "hue": self.hues.get(e, 0), "href": self.href(urls.entity_page(e), page),
             "id": e, "name": ent.name, "initials": docmarkup.initials(ent.name)}
            for e, n in docmarkup.speakers_in(doc) if (ent := self.entities.get(e)) is not None
        ]
        related = [
            {"title": self.titles.get(r.doc, r.doc), "href": self.href(urls.doc_page(r.doc), page), "reason": r.reason,
             "meta": self.docs[r.doc].meta}
            for r in self.linked.related.get(doc.meta.id, ()) if r.doc in self.docs
        ]
        changes = defaultdict(int)
        for e in doc.doc.edits:
            changes[e.rule] += 1
        return page, "document.html", {
            **self.common(page, "document"), "doc": doc.meta, "format": doc.doc.raw.format,
            "reading": Markup(docmarkup.reading_html(doc, self.ctx, page)),
            "source_view": Markup(docmarkup.source_view_html(doc)),
            "changes": dict(changes), "notes": notes + quote_notes, "legend": legend, "related": related,
            "lang_doc": doc.meta.language or self.settings.language,
        }

    def entity(self, ent: Entity) -> tuple[SitePath, str, dict[str, Any]]:
        page = urls.entity_page(ent.id)
        quotes = [self.passage(r, page) for r in self.linked.quotes_by.get(ent.id, ())]
        by_doc: dict[DocId, list[dict[str, Any]]] = defaultdict(list)
        for r in self.linked.mentions_of.get(ent.id, ()):
            by_doc[r.doc].append(self.passage(r, page))
        mentions = [{"meta": self.docs[d].meta, "href": self.href(urls.doc_page(d), page), "items": items}
                    for d, items in by_doc.items()]
        return page, "entity.html", {
            **self.common(page, "entity"), "entity": ent, "kind_label": KIND_LABEL[ent.kind],
            "quotes": quotes, "mentions": mentions, "hue": self.hues.get(ent.id),
            "mention_count": len(self.linked.mentions_of.get(ent.id, ())),
        }

    def entities_index(self) -> tuple[SitePath, str, dict[str, Any]]:
        page = SitePath("entities.html")
        groups = []
        for kind, label in KIND_LABEL.items():
            items = [
                {"entity": e, "href": self.href(urls.entity_page(e.id), page),
                 "mentions": len(self.linked.mentions_of.get(e.id, ())),
                 "quotes": len(self.linked.quotes_by.get(e.id, ())),
                 "docs": len({r.doc for r in self.linked.mentions_of.get(e.id, ())})}
                for e in sorted((e for e in self.linked.entities if e.kind == kind), key=lambda e: e.name.lower())
            ]
            if items:
                groups.append({"label": label, "kind": kind, "items": items})
        return page, "entities.html", {**self.common(page, "entities"), "groups": groups}

    def timeline(self) -> tuple[SitePath, str, dict[str, Any]]:
        page = SitePath("timeline.html")
        years: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for e in self.linked.timeline:
            year = f"{e.date.lower.year}" if e.date.start else "Undated start"
            datetime, edtf, date_label = docmarkup.date_view(e.date)
            doc_href = self.href(urls.doc_page(e.doc), page)
            href = f"{doc_href}#{e.ref}" if e.ref else doc_href   # as urls.relative adds a fragment
            years[year].append({
                "entry": e, "date": e.date, "label": e.label, "doc_title": self.titles.get(e.doc, e.doc),
                "doc_href": doc_href, "href": href,
                # self.passage(ref, page), whose href is this entry's
                "passage": {"href": href, **self._passage(PassageRef(e.doc, e.ref))} if e.ref else None,
                "kind": e.kind, "datetime": datetime, "edtf": edtf, "date_label": date_label,
            })
        return page, "timeline.html", {**self.common(page, "timeline"), "years": list(years.items())}

    def quotes(self) -> tuple[SitePath, str, dict[str, Any]]:
        page = SitePath("quotes.html")
        by_speaker = []
        speakers = sorted(self.linked.quotes_by, key=lambda e: self.entities[e].name.lower() if e in self.entities else e)
        for sp in speakers:
            items = []
            for ref in self.linked.quotes_by[sp]:
                p = self.passage(ref, page)
                st_i = self.ctx.statement_of.get((ref.doc, ref.id))
                st = self.linked.statements[st_i] if st_i is not None else None
                p["statement"] = st_i
                p["conflict"] = bool(st and st.conflict)
                p["travelled"] = bool(st and st.travelled)
                p["others"] = [self.passage(o, page) for o in (st.passages if st else ()) if o != ref]
                items.append(p)
            by_speaker.append({"entity": self.entities.get(sp), "id": sp, "items": items, "hue": self.hues.get(sp, 0),
                               "href": self.href(urls.entity_page(sp), page)})
        statements = []
        for i, st in enumerate(self.linked.statements):
            statements.append({"index": i, "conflict": st.conflict, "travelled": st.travelled,
                               "speakers": [self.entities[s] for s in st.speakers if s in self.entities],
                               "passages": [self.passage(p, page) for p in st.passages]})
        return page, "quotes.html", {
            **self.common(page, "quotes"), "by_speaker": by_speaker,
            "conflicts": [s for s in statements if s["conflict"]],
            "travelled": [s for s in statements if s["travelled"] and not s["conflict"]],
        }

    def search(self) -> tuple[SitePath, str, dict[str, Any]]:
        page = SitePath("search.html")
        return page, "search.html", self.common(page, "search")

    def not_found(self) -> tuple[SitePath, str, dict[str, Any]]:
        page = SitePath("404.html")
        return page, "404.html", self.common(page, "404")

    def all(self) -> Iterable[tuple[SitePath, str, dict[str, Any]]]:
        """Every page's (path, template, context), in page_makers' order (the one list of pages)."""
        for make in page_makers(self).values():
            yield make()


def speakers_css(hues: Mapping[EntityId, int]) -> str:
    rules = [f'[data-speaker="{sp}"]{{--hue:{h}}}' for sp, h in sorted(hues.items())]
    return "/* Speaker hues, generated from the corpus. */\n" + "\n".join(rules) + "\n"


def render(linked: Linked, settings: Settings, corpus_dir: Path, staging: Staging | None = None
           ) -> tuple[dict[SitePath, bytes], tuple[Diagnostic, ...]]:
    """Every page and static file, and the theme's problems. With `staging`, each worker writes
    the pages it rendered there as soon as they are done, and only the other files are
    returned: the pages are on disk (staging.site() reads them back). Creating files costs
    the parent's time otherwise, after the last page, when everything waits for it; and
    sending the pages back costs both processes memory."""
    theme, found = theme_for(corpus_dir, settings)
    env = environment(theme)
    files, found_static = static_files(theme)
    found += found_static + template_problems(theme) + compile_all(env, theme)   # compiled once, before workers fork
    if has_errors(found):
        return {}, found
    pages = Pages(linked, settings)
    files[SitePath("static/speakers.css")] = speakers_css(pages.hues).encode("utf-8")
    files[SitePath("static/pygments.css")] = (mdtext.pygments_css() + "\n").encode("utf-8")
    makers = page_makers(pages)

    def write(done: list[Rendered]) -> list[Rendered]:   # in the worker
        assert staging is not None
        staging.write({path: data for path, data, _ in done if data is not None})
        return [(path, None, problem) for path, _, problem in done]

    made: list[Rendered] = parallel.map_ordered(lambda path: render_page(env, makers[path]), list(makers),
                                                heavy=lambda path: path in LISTINGS,
                                                after=write if staging is not None else None)
    found += on_pages((path, problem) for path, _, problem in made if problem is not None)
    if staging is not None:
        staging.written(path for path, _, problem in made if problem is None)
    else:
        files.update((path, data) for path, data, _ in made if data is not None)
    return files, found


PageMaker = Callable[[], tuple[SitePath, str, dict[str, Any]]]


def page_makers(pages: Pages) -> dict[SitePath, PageMaker]:
    """Every page of the site, by path and in order, each made only when called.

    The one list of pages: `render()`, `Pages.all()` and incremental builds
    (`glossator serve`, which renders a subset) all read it.
    """
    makers: dict[SitePath, PageMaker] = {SitePath("index.html"): pages.index}
    for d in pages.linked.docs:
        makers[urls.doc_page(d.meta.id)] = lambda d=d: pages.document(d)
    makers[SitePath("entities.html")] = pages.entities_index
    for e in pages.linked.entities:
        makers[urls.entity_page(e.id)] = lambda e=e: pages.entity(e)
    makers[SitePath("timeline.html")] = pages.timeline
    makers[SitePath("quotes.html")] = pages.quotes
    makers[SitePath("search.html")] = pages.search
    makers[SitePath("404.html")] = pages.not_found
    return makers


Rendered = tuple[SitePath, "bytes | None", "Diagnostic | None"]


def render_page(env: jinja2.Environment, make: PageMaker) -> Rendered:
    """One page, exactly as `render()` renders it: (path, bytes, None), or (path, None, the
    problem) when the theme's template fails on it."""
    path, template, context = make()
    try:
        return path, env.get_template(template).render(context).encode("utf-8"), None
    except Exception as exc:   # a theme's template can raise anything; ours never do
        problem = rendering_problem(exc, env.loader.theme)
        if problem is None:
            raise
        return path, None, problem
