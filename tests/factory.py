"""Write small corpora for tests: INDEX.md, documents, entities.yaml and sidecars."""

from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence


def make_corpus(
    root: Path,
    docs: Sequence[Mapping[str, str]],
    texts: Mapping[str, str | bytes],
    entities: str = "",
    sidecars: Mapping[str, str] | None = None,
    title: str = "Test corpus",
    intro: str = "An introduction.",
    settings: str = "",
) -> Path:
    """docs: table rows (id, file, title, and optional columns); texts: file name → content."""
    (root / "seeds").mkdir(parents=True, exist_ok=True)
    (root / "annotations").mkdir(parents=True, exist_ok=True)
    columns: list[str] = []
    for row in docs:
        for key in row:
            if key not in columns:
                columns.append(key)
    lines = [f"# {title}", "", intro, "", "| " + " | ".join(columns) + " |",
             "|" + "|".join("---" for _ in columns) + "|"]
    lines += ["| " + " | ".join(row.get(c, "") for c in columns) + " |" for row in docs]
    (root / "seeds" / "INDEX.md").write_text("\n".join(lines) + "\n", "utf-8")
    for name, content in texts.items():
        path = root / "seeds" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, "utf-8")
    if entities:
        (root / "annotations" / "entities.yaml").write_text(entities, "utf-8")
    for doc_id, text in (sidecars or {}).items():
        (root / "annotations" / f"{doc_id}.yaml").write_text(text, "utf-8")
    if settings:
        (root / "glossator.toml").write_text(settings, "utf-8")
    return root


ENTITIES = """\
people:
  zamir-kabulov:
    name: Zamir Kabulov
    aliases: [Kabulov]
    description: Russian presidential envoy to Afghanistan
  dmitry-zhirnov:
    name: Dmitry Zhirnov
    aliases: [Zhirnov]
organizations:
  tass:
    name: TASS
places:
  kabul:
    name: Kabul
"""

TEXT_A = """\
"Our embassy is guarded by the Taliban," Zamir Kabulov said on Monday.
Kabulov added that Kabul was calm. The envoy spoke to TASS.
"We will see how they govern," he said.
"""

TEXT_B = """\
"Our embassy is guarded by the Taliban," Dmitry Zhirnov said.
Zhirnov said nothing else.
"""


def two_docs(root: Path, sidecar_a: str = "", sidecar_b: str = "", entities: str = ENTITIES) -> Path:
    return make_corpus(
        root,
        [{"id": "a", "file": "a.txt", "title": "Report A", "source": "CDMedia", "published": "2021-08-16~"},
         {"id": "b", "file": "b.txt", "title": "Report B", "source": "RT", "published": "2021-08"}],
        {"a.txt": TEXT_A, "b.txt": TEXT_B},
        entities=entities,
        sidecars={k: v for k, v in (("a", sidecar_a), ("b", sidecar_b)) if v},
    )
