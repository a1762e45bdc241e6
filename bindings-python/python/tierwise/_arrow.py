"""Arrow tables in and out of ``Engine.apply_many``.

The extension reads an events table column by column from NumPy views of
its Arrow buffers (no copy), and hands the decisions back as NumPy arrays
that become the buffers of a ``pyarrow.Table`` (no copy either). This module
only describes buffers; what a column means, and every check on it, is in
the extension (``bindings-python/src/arrow.rs``).
"""

from __future__ import annotations

import sys
from typing import Any, Optional

import numpy as np

# The decisions' names, in the order of the codes in the `decision` column.
DECISIONS = (
    "offer",
    "offer_expired",
    "offer_withdrawn",
    "requeued",
    "escalated",
    "relaxed",
    "sla_alert",
    "wake_at",
)

_EMPTY = np.zeros(0, dtype=np.uint8)


def is_table(obj: Any) -> bool:
    """Whether ``obj`` is a ``pyarrow.Table`` or ``RecordBatch`` (without
    importing pyarrow: if it is not loaded, ``obj`` is neither)."""
    pa = sys.modules.get("pyarrow")
    return pa is not None and isinstance(obj, (pa.Table, pa.RecordBatch))


def _bytes(buffer: Any) -> Any:
    return _EMPTY if buffer is None else np.frombuffer(buffer, dtype=np.uint8)


def _validity(array: Any) -> Optional[Any]:
    return _bytes(array.buffers()[0]) if array.null_count else None


def _describe(array: Any) -> tuple[Any, ...]:
    """One column (an array starting at its first buffer's start) as the
    extension reads it: a kind, then views of its buffers."""
    import pyarrow as pa

    t = array.type
    if array.offset:
        array = pa.concat_arrays([array])
    if pa.types.is_null(t):
        return ("nulls",)
    if pa.types.is_timestamp(t):
        if t.tz is None:
            return ("unsupported", f"{t}, without a time zone (naive instants are refused)")
        return ("instants", t.unit, _bytes(array.buffers()[1]), _validity(array))
    if pa.types.is_large_string(t) or getattr(pa.types, "is_string_view", lambda _: False)(t):
        array = array.cast(pa.string())
        t = array.type
    if pa.types.is_string(t):
        buffers = array.buffers()
        return ("texts", _bytes(buffers[1]), _bytes(buffers[2]), _validity(array))
    if pa.types.is_dictionary(t) and (pa.types.is_string(t.value_type) or pa.types.is_large_string(t.value_type)):
        keys = array.indices.cast(pa.int32())
        names = array.dictionary.cast(pa.string()).to_pylist()
        return ("categories", _bytes(keys.buffers()[1]), names, _validity(array))
    if pa.types.is_boolean(t):
        return ("booleans", _bytes(array.buffers()[1]), _validity(array))
    if pa.types.is_map(t) and pa.types.is_integer(t.item_type):
        offsets = array.offsets.to_numpy()
        if len(offsets) and offsets[0]:
            offsets = offsets - offsets[0]
        keys = _describe(array.keys)
        items = array.items.cast(pa.int64())
        return (
            "levels",
            np.ascontiguousarray(offsets, dtype=np.int32).view(np.uint8),
            keys,
            _bytes(items.buffers()[1]),
            _validity(items),
            _validity(array),
        )
    return ("unsupported", str(t))


def event_columns(table: Any) -> tuple[int, dict[str, tuple[Any, ...]]]:
    """The rows of an events table and its columns, described."""
    import pyarrow as pa

    if isinstance(table, pa.RecordBatch):
        table = pa.Table.from_batches([table])
    columns = {}
    for name, column in zip(table.column_names, table.columns):
        columns[name] = _describe(column.combine_chunks())
    return table.num_rows, columns


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
    types = {
        "instants": pa.timestamp("us", tz="UTC"),
        "floats": pa.float64(),
        "counts": pa.uint32(),
        "levels": pa.uint8(),
    }
    if kind == "texts":
        _, offsets, data, validity = column
        return pa.Array.from_buffers(pa.string(), rows, [_buffer(validity), pa.py_buffer(offsets), pa.py_buffer(data)])
    _, values, validity = column
    if kind == "flags":
        # A byte per row, 0 or 1: Arrow packs them a bit each.
        bits = np.packbits(values.view(np.bool_), bitorder="little")
        return pa.Array.from_buffers(pa.bool_(), rows, [_buffer(validity), pa.py_buffer(bits)])
    return pa.Array.from_buffers(types[kind], rows, [_buffer(validity), pa.py_buffer(values)])


def _buffer(validity: Optional[Any]) -> Any:
    import pyarrow as pa

    return None if validity is None else pa.py_buffer(validity)


def decision_table(rows: int, columns: dict[str, tuple[Any, ...]]) -> Any:
    """The decisions as a ``pyarrow.Table``, from the extension's columns."""
    import pyarrow as pa

    return pa.table({name: _array(rows, column) for name, column in columns.items()})
