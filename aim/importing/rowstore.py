"""Validated rows held for the passes of an import (reference checks, then writing): in memory up to
a batch, beyond that in a temporary file, so an import's memory does not grow with its file."""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Callable, Iterator
from typing import IO, Generic, TypeVar

from pydantic import BaseModel

R = TypeVar("R", bound=BaseModel)

#: Rows kept in memory before the store spills them to disk, and rows per spilled batch.
BATCH = 10_000


class RowStore(Generic[R]):
    """(row number, validated row) pairs in the order they were added; iterable any number of times.

    Spilled rows are stored as their field values (pickle of plain tuples is several times smaller
    and faster than of models) and rebuilt without validating again: they were valid when added.
    """

    def __init__(self, model: type[R], batch: int | None = None) -> None:
        self.model, self.batch = model, batch or BATCH
        self._fields = tuple(model.model_fields)
        self._memory: list[tuple[int, R]] = []
        self._file: IO[bytes] | None = None
        self._spilled = 0

    def __len__(self) -> int:
        return self._spilled + len(self._memory)

    def append(self, number: int, row: R) -> None:
        self._memory.append((number, row))
        if len(self._memory) >= self.batch:
            self._spill()

    def extend(self, other: RowStore[R]) -> None:
        for number, row in other:
            self.append(number, row)

    def first(self) -> tuple[int, R] | None:
        return next(iter(self), None)

    def _spill(self) -> None:
        if self._file is None:
            self._file = tempfile.TemporaryFile(prefix="aim-import-")
        fields = self._fields
        packed = [(n, tuple(row.__dict__[f] for f in fields)) for n, row in self._memory]
        self._file.seek(0, 2)
        pickle.dump(packed, self._file, protocol=pickle.HIGHEST_PROTOCOL)
        self._spilled += len(packed)
        self._memory = []

    def _rebuild(self) -> Callable[[tuple], R]:
        """What pydantic's model_construct does for a full row, without its per-call checks (a
        third of an import's time went there): the row's field dict and pydantic's bookkeeping."""
        model, fields, new, assign = self.model, self._fields, self.model.__new__, object.__setattr__
        fields_set = set(fields)

        def rebuild(values: tuple) -> R:
            row = new(model)
            assign(row, "__dict__", dict(zip(fields, values, strict=True)))
            assign(row, "__pydantic_fields_set__", fields_set)
            assign(row, "__pydantic_extra__", None)
            assign(row, "__pydantic_private__", None)
            return row

        return rebuild

    def __iter__(self) -> Iterator[tuple[int, R]]:
        if self._file is not None:
            rebuild = self._rebuild()
            self._file.seek(0)
            position, remaining = 0, self._spilled
            while remaining:
                self._file.seek(position)
                packed = pickle.load(self._file)
                position = self._file.tell()  # an append between batches moves the file's cursor
                remaining -= len(packed)
                for number, values in packed:
                    yield number, rebuild(values)
        yield from list(self._memory)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self._memory, self._spilled = [], 0
