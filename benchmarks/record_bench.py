"""What making a record costs: @record (builder/core/records.py) against dataclass(frozen=True, slots=True).

For a few model classes, a twin made by dataclasses with the same fields and defaults
is timed beside the real one, rounds interleaved; the fastest round of each is printed
(the least disturbed by other processes).

    python benchmarks/record_bench.py [--rounds 7] [--number 50000]
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from builder.core.models import Annotation, PassageRef, Selector, Span, Where  # noqa: E402


def twin(cls: type) -> type:
    """The same fields and defaults, made by dataclasses itself."""
    fields = [(f.name, object) if f.default is dataclasses.MISSING else (f.name, object, dataclasses.field(default=f.default))
              for f in dataclasses.fields(cls)]
    return dataclasses.make_dataclass(f"Dataclass{cls.__name__}", fields, frozen=True, slots=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--number", type=int, default=50_000)
    args = ap.parse_args()
    selector, where = Selector("abc"), Where("p", 1, 1)   # type: ignore[arg-type]
    cases = {Span: (1, 2, "x", None), Annotation: ("quote", selector, where), Selector: ("abc", "p", "s", None),
             Where: ("p", 1, 2), PassageRef: ("d", "q")}
    best: dict[type, list[float]] = {cls: [float("inf"), float("inf")] for cls in cases}
    for _ in range(args.rounds):
        for cls, values in cases.items():
            for side, make in enumerate((twin(cls), cls)):
                seconds = timeit.timeit(lambda: make(*values), number=args.number)
                best[cls][side] = min(best[cls][side], seconds / args.number * 1e9)
    print(f"ns to make one record, fastest of {args.rounds} rounds of {args.number}")
    for cls, (made_by_dataclasses, made_by_record) in best.items():
        print(f"  {cls.__name__:<12} dataclass {made_by_dataclasses:6.0f}   @record {made_by_record:6.0f}")


if __name__ == "__main__":
    main()
