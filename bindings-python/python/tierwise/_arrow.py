"""Arrow tables in and out of ``Engine.apply_many``.

The extension reads an events table record batch by record batch, each
column from NumPy views of its Arrow buffers (not copied, unless sliced or
of a type read through a cast: large or dictionary-encoded strings), and
hands the decisions back as NumPy arrays that become the buffers of a
``pyarrow.Table`` (not copied either). This module only describes buffers;
what a column means, and every check on it, is in the extension
(``bindings-python/src/arrow.rs``).
"""

from __future__ import annotations

import sys
from typing import Any, Optional

import numpy as np

_EMPTY = np.zeros(0, dtype=np.uint8)


def is_table(obj: Any) -> bool:
    """Whether ``obj`` is a ``pyarrow.Table`` or ``RecordBatch``, or exports
    an Arrow stream (a pandas 2.2+ or polars DataFrame, say). Without
    importing pyarrow: if it is not loaded, ``obj`` is no pyarrow object."""
    pa = sys.modules.get("pyarrow")
    if pa is not None and isinstance(obj, (pa.Table, pa.RecordBatch)):
        return True
    return hasattr(type(obj), "__arrow_c_stream__")


def _bytes(buffer: Any) -> Any:
    return _EMPTY if buffer is None else np.frombuffer(buffer, dtype=np.uint8)


def _validity(array: Any) -> Optional[Any]:
    return _bytes(array.buffers()[0]) if array.null_count else None


def _describe(array: Any) -> tuple[Any, ...]:
    """One column as the extension reads it: a kind, then views of its
    buffers (a sliced array is copied first, to start where they do), or
    ``("unsupported", what)`` for a type no event field has."""
    import pyarrow as pa

    try:
        return _described(array)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as e:
        # A cast that cannot be made (dictionary codes beyond 32 bits, skill
        # levels beyond 64): the column is refused, naming why.
        return ("unsupported", f"{array.type} ({e})")


def _described(array: Any) -> tuple[Any, ...]:
    import pyarrow as pa

    t = array.type
    if array.offset:
        array = pa.concat_arrays([array])
    if pa.types.is_null(t):
        return ("nulls",)
    if pa.types.is_timestamp(t):
        if t.tz is None:
            return ("naive", str(t))
        return ("instants", t.unit, _bytes(array.buffers()[1]), _validity(array))
    if pa.types.is_large_string(t) or getattr(pa.types, "is_string_view", lambda _: False)(t):
        array = array.cast(pa.string())
        t = array.type
    if pa.types.is_string(t):
        buffers = array.buffers()
        return ("texts", _bytes(buffers[1]), _bytes(buffers[2]), _validity(array))
    if pa.types.is_dictionary(t) and (pa.types.is_string(t.value_type) or pa.types.is_large_string(t.value_type)):
        codes = array.indices.cast(pa.int32())
        names = array.dictionary.cast(pa.string()).to_pylist()
        return ("categories", _bytes(codes.buffers()[1]), names, _validity(array))
    if pa.types.is_boolean(t):
        return ("booleans", _bytes(array.buffers()[1]), _validity(array))
    if pa.types.is_map(t) and pa.types.is_integer(t.item_type):
        # The offsets as they are, into the whole children (not the
        # flattened ones, which start at the first offset).
        entries = array.values
        return (
            "levels",
            _bytes(array.buffers()[1]),
            _describe(entries.field(0)),
            _describe(entries.field(1).cast(pa.int64())),
            _validity(array),
        )
    if pa.types.is_integer(t):
        return ("integers", _bytes(array.cast(pa.int64()).buffers()[1]), _validity(array))
    return ("unsupported", str(t))


def event_batches(table: Any) -> list[tuple[int, list[tuple[str, tuple[Any, ...]]]]]:
    """An events table's record batches, each as its rows and its columns
    (name, description): the batches are read as they are, not combined. An
    unnamed pandas index, kept as a column (``__index_level_0__``...), is
    not an event field, and left out."""
    import pyarrow as pa

    if isinstance(table, pa.RecordBatch):
        batches = [table]
    else:
        if not isinstance(table, pa.Table):
            # A DataFrame or any other Arrow stream (pyarrow 15 and later).
            table = pa.RecordBatchReader.from_stream(table).read_all()
        # A table without rows has no batch: one without rows, so that its
        # columns are checked all the same.
        batches = table.to_batches() or [pa.RecordBatch.from_pylist([], schema=table.schema)]
    return [
        (
            batch.num_rows,
            [
                (name, _describe(column))
                for name, column in zip(batch.schema.names, batch.columns)
                if not name.startswith("__index_level_")
            ],
        )
        for batch in batches
    ]


def _array(rows: int, column: tuple[Any, ...]) -> Any:
    """The Arrow array of a column of decisions as the extension built it."""
    import pyarrow as pa

    kind = column[0]
    if kind == "struct":
        _, validity, fields = column
        children = [_array(rows, field) for field in fields.values()]
        struct = pa.struct([pa.field(name, child.type) for name, child in zip(fields, children)])
        return pa.Array.from_buffers(struct, rows, [_buffer(validity)], children=children)
    if kind == "list":
        _, offsets, validity, child_rows, values = column
        child = _array(child_rows, values)
        return pa.Array.from_buffers(pa.list_(child.type), rows, [_buffer(validity), pa.py_buffer(offsets)], children=[child])
    if kind == "pairs":
        _, values = column
        return pa.FixedSizeListArray.from_arrays(pa.array(values), 2)
    if kind == "names":
        _, codes, names = column
        return pa.DictionaryArray.from_arrays(pa.array(codes), pa.array(names, pa.string()))
    if kind == "texts":
        _, offsets, data, validity = column
        return pa.Array.from_buffers(pa.string(), rows, [_buffer(validity), pa.py_buffer(offsets), pa.py_buffer(data)])
    _, values, validity = column
    if kind == "flags":
        # A byte per row, 0 or 1: Arrow packs them a bit each.
        bits = np.packbits(values.view(np.bool_), bitorder="little")
        return pa.Array.from_buffers(pa.bool_(), rows, [_buffer(validity), pa.py_buffer(bits)])
    types = {"instants": pa.timestamp("us", tz="UTC"), "floats": pa.float64(), "counts": pa.uint32(), "levels": pa.uint8()}
    return pa.Array.from_buffers(types[kind], rows, [_buffer(validity), pa.py_buffer(values)])


def _buffer(validity: Optional[Any]) -> Any:
    import pyarrow as pa

    return None if validity is None else pa.py_buffer(validity)


def decision_table(rows: int, columns: dict[str, tuple[Any, ...]]) -> Any:
    """The decisions as a ``pyarrow.Table``, from the extension's columns."""
    import pyarrow as pa

    return pa.table({name: _array(rows, column) for name, column in columns.items()})
