"""The query path reads quotable units from memory-mapped columns (``units.npz``) one at a time: the same
records as ``units.json``, a question decodes only the units it reads, and a damaged or missing column
file is refused with the command that fixes it, changing nothing."""

from __future__ import annotations

import numpy as np
import pytest

from scarbot import precompute
from scarbot.embeddings import HashEmbedder
from scarbot.errors import IndexMismatchError
from scarbot.ingest import ingest
from scarbot.store import load_snapshot, snapshot_dir


def run(settings, **kw):
    return ingest(settings, embedder=HashEmbedder(64), progress=False, **kw)


def test_units_from_columns_are_the_records_of_units_json_and_give_the_same_tables(settings):
    from scarbot.answer.base import CorpusView
    from scarbot.retrieval import Index

    run(settings)
    eager, lazy = load_snapshot(settings), load_snapshot(settings, lazy_units=True)
    assert isinstance(lazy.units, precompute.LazyUnits) and isinstance(eager.units, list)
    eager_index, lazy_index = Index(eager), Index(lazy)
    assert list(lazy_index.units) == eager_index.units and len(lazy_index.units) == len(eager_index.units) > 100
    assert lazy_index.units[-1] == eager_index.units[-1] and lazy_index.units[3:6] == eager_index.units[3:6]
    fresh = load_snapshot(settings, lazy_units=True).units
    one = fresh[5]
    everything = list(fresh)  # one pass over the columns; a unit already read stays the same record
    assert everything[5] is one and everything == eager_index.units
    assert lazy_index.units_by_chunk == eager_index.units_by_chunk
    assert [lazy_index.unit_heads[i] for i in range(50)] == [eager_index.unit_heads[i] for i in range(50)]
    a, b = CorpusView(lazy_index), CorpusView(Index(load_snapshot(settings), derived={}))  # b: derived from units
    assert precompute.corpus_tables(a) == precompute.corpus_tables(b)
    assert a.section_units == b.section_units and a.units_by_source == b.units_by_source
    assert a.head_index == b.head_index and a.labelled == b.labelled and a.ties == b.ties
    from dataclasses import fields

    from scarbot.answer.base import PriceFact

    made = [PriceFact(*[getattr(p, f.name) for f in fields(PriceFact)]) for p in a.prices]
    assert made == list(a.prices) and [hash(p) for p in made] == [hash(p) for p in a.prices] and a.prices[0].given


def test_a_question_decodes_only_the_units_it_reads(settings):
    from scarbot.assistant import Assistant

    run(settings)
    bot = Assistant(settings, embedder=HashEmbedder(64)).load()
    units = bot.index.units
    assert isinstance(units, precompute.LazyUnits)
    before = sum(u is not None for u in units._cache)
    bot.ask("What is subcision?")
    read = sum(u is not None for u in units._cache)
    assert before < len(units) // 2 and read < len(units) // 2, (before, read, len(units))


def test_columns_that_do_not_hold_their_units_whole_are_refused():
    units = [{"chunk_id": "c0", "section": "S", "text": "One.", "label": "", "kind": "sentence", "order": 0,
              "depth": 0}]
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / precompute.UNITS_FILE
        precompute.write_unit_columns(path, units, {"c0": 0})
        arrays = precompute.load_npz(path)
        assert precompute.LazyUnits(arrays, ["c0"])[0].text == "One."
        with pytest.raises(ValueError, match="names chunks"):
            precompute.LazyUnits(arrays, [])
        short = {**arrays, "text_off": np.asarray([0], np.int64)}
        with pytest.raises(ValueError, match="text column"):
            precompute.LazyUnits(short, ["c0"])
        with pytest.raises(IndexError):
            precompute.LazyUnits(arrays, ["c0"])[1]


@pytest.mark.parametrize("damage", ["missing", "flipped-byte"])
def test_a_damaged_or_missing_column_file_names_the_fix_changes_nothing_and_ingest_heals(settings, damage):
    from scarbot.assistant import Assistant

    run(settings)
    root = snapshot_dir(settings)
    path = root / precompute.UNITS_FILE
    if damage == "missing":
        path.unlink()
    else:
        raw = bytearray(path.read_bytes())
        raw[len(raw) // 2] ^= 0xFF
        path.write_bytes(bytes(raw))
    files = {p.name: p.read_bytes() for p in root.iterdir()}
    with pytest.raises(IndexMismatchError, match=r"units\.npz.*scarbot ingest --rebuild"):
        Assistant(settings, embedder=HashEmbedder(64)).load()
    assert {p.name: p.read_bytes() for p in root.iterdir()} == files  # refused, nothing rewritten
    assert run(settings).wrote_snapshot  # a plain ingest sees the damage and rewrites the snapshot
    assert "$400 - $530" in Assistant(settings, embedder=HashEmbedder(64)).ask(
        "How much does microneedling cost in Australia?").text
