"""@record makes the same records as dataclass(frozen=True, slots=True), only faster."""

from __future__ import annotations

import dataclasses
import inspect
import pickle

import pytest

from builder.core import edtf, models
from builder.core.records import record

RECORDS = [c for m in (models, edtf) for c in vars(m).values()
           if isinstance(c, type) and dataclasses.is_dataclass(c) and c.__module__ == m.__name__]


@record
class Sample:
    a: int
    b: str = "x"
    c: tuple[int, ...] = ()


@dataclasses.dataclass(frozen=True, slots=True)
class Reference:
    a: int
    b: str = "x"
    c: tuple[int, ...] = ()


def test_a_record_behaves_as_the_frozen_slotted_dataclass() -> None:
    assert [p.name for p in inspect.signature(Sample).parameters.values()] == ["a", "b", "c"]
    for args, kwargs in [((1,), {}), ((1, "y"), {}), ((1,), {"c": (2,)}), ((), {"a": 3, "b": "z", "c": ()})]:
        s, r = Sample(*args, **kwargs), Reference(*args, **kwargs)
        assert dataclasses.astuple(s) == dataclasses.astuple(r)
        assert repr(s).replace("Sample", "Reference") == repr(r)
    s = Sample(1)
    assert s == Sample(1, "x", ()) and hash(s) == hash(Sample(1)) and s != Sample(2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.a = 2  # type: ignore[misc]
    assert not hasattr(s, "__dict__")
    assert dataclasses.replace(s, b="q") == Sample(1, "q")
    assert pickle.loads(pickle.dumps(s)) == s
    with pytest.raises(TypeError):
        Sample()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Sample(1, "x", (), 4)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Sample(1, d=2)  # type: ignore[call-arg]


def test_every_model_record_is_frozen_slotted_and_takes_its_fields_by_name_and_position() -> None:
    assert len(RECORDS) > 20
    for cls in RECORDS:
        fields = dataclasses.fields(cls)
        params = list(inspect.signature(cls).parameters.values())
        assert [p.name for p in params] == [f.name for f in fields], cls
        assert [p.default for p in params] == [inspect.Parameter.empty if f.default is dataclasses.MISSING
                                               else f.default for f in fields], cls
        assert cls.__dataclass_params__.frozen and "__slots__" in vars(cls), cls  # type: ignore[attr-defined]
        values = [object() for _ in fields]
        by_position, by_name = cls(*values), cls(**{f.name: v for f, v in zip(fields, values)})
        assert [getattr(by_position, f.name) for f in fields] == values == [getattr(by_name, f.name) for f in fields]
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(by_position, fields[0].name, None)
