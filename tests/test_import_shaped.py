"""An export's records already in the database's shape are taken as they are
(``importing.shaped``): only where the full checks would give the same record, the same
stored line, and no error or warning."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from claimtrack.confidential import WITHHELD
from claimtrack.errors import ClaimtrackError
from claimtrack.importing import importer, read, shaped
from claimtrack.importing.incoming import (
    Incoming,
    claim_record,
    event_record,
    link_record,
)
from tests.helpers import Cli

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import synth

STAMP = "2024-06-05T10:11:12.123456Z"
CLAIM: dict[str, Any] = {
    "author": "reporter",
    "created": STAMP,
    "id": "c1abcdefgh",
    "notes": [{"at": STAMP, "author": "reporter", "text": "Called the ministry."}],
    "quantities": [{"text": "a dozen", "value": 12, "low": None, "high": None}],
    "quote": "At least a dozen",
    "rating": None,
    "status": "checking",
    "story": "serbia-russians",
    "tags": ["serbia", "visas"],
    "text": "At least a dozen Russians lost their permits",
    "updated": STAMP,
}
LINK: dict[str, Any] = {
    "author": "reporter",
    "claim": "c1abcdefgh",
    "created": STAMP,
    "date": "2024-06-05",
    "id": "l1abcdefgh",
    "note": None,
    "position": 0,
    "quote": "a dozen",
    "relation": "said-by",
    "source": "s1abcdefgh",
    "url": "https://news.example/a",
}
EVENT: dict[str, Any] = {
    "action": "status",
    "actor": "reporter",
    "after": {"status": "checking"},
    "at": STAMP,
    "before": {"status": "unverified"},
    "change": "e1abcdefgh",
    "id": "e1abcdefgh",
    "kind": "claim",
    "target": "c1abcdefgh",
}
SHAPES: dict[str, tuple[dict[str, Any], Callable[[Any], Any]]] = {
    "claims": (CLAIM, claim_record),
    "links": (LINK, link_record),
    "events": (EVENT, event_record),
}

# Values that the full checks change, refuse, or keep: beside each field's own.
ODD: list[Any] = [
    None,
    "",
    " ",
    "x",
    " padded ",
    "trailing\t",
    "\x1fseparator",
    "UPPER",
    "Mixed-Case_ID",
    "a,b",
    "two words",
    "caf\u00e9",
    "cafe\u0301",  # not NFC
    "\u2028line",
    "lone \ud800 surrogate",
    WITHHELD,
    "x" * 201,
    "2024-06-05",
    "2024-6-5",
    "2024-02-30",
    "2024-06-05T10:11:12Z",
    "2024-06-05 10:11:12",
    "\uff12\uff10\uff12\uff14-06-05",  # full-width digits
    "said-by",
    "Said-By",
    "verified",
    "Verified",
    0,
    -1,
    True,
    1.5,
    10**18,
    10**18 + 1,
    [],
    ["serbia"],
    ["serbia", "serbia"],
    ["Serbia"],
    ["a b"],
    [1],
    [{"text": "n", "value": True}],
    [{"text": "n", "value": 10**19}],
    [{"at": STAMP, "author": "a", "text": "t", "extra": 1}],
    [{"at": STAMP, "author": " a", "text": "t"}],
    [{"at": "2024-06-05", "author": "a", "text": "t"}],
    ["a note as text"],
    {},
    {"status": WITHHELD},
    {"url": "https://x.example"},
]


def full(kind: str, record: dict[str, Any]) -> bytes | str:
    """The line the full checks store for ``record``, or their error."""
    make = SHAPES[kind][1]
    incoming = Incoming()
    try:
        made = make(record)
        incoming.add(kind, made, "x")
    except ClaimtrackError as exc:
        return exc.message
    except TypeError as exc:  # text JSON cannot hold (a lone surrogate), either way
        return repr(exc)
    return getattr(incoming, kind)[made["id"]]  # type: ignore[no-any-return]


def as_is(kind: str, record: dict[str, Any]) -> bytes | str:
    incoming = Incoming()
    try:
        incoming.add_packed(kind, record, "x")
    except TypeError as exc:
        return repr(exc)
    return getattr(incoming, kind)[record["id"]]  # type: ignore[no-any-return]


@pytest.mark.parametrize("kind", sorted(SHAPES))
def test_a_record_in_shape_is_recognised(kind: str) -> None:
    record = SHAPES[kind][0]
    assert shaped.SHAPED[kind](dict(record))
    assert shaped.RUNS.get(kind, lambda records: True)([dict(record)])
    assert full(kind, dict(record)) == as_is(kind, dict(record))


@settings(max_examples=600, deadline=None)
@given(
    kind=st.sampled_from(sorted(SHAPES)),
    changes=st.lists(
        st.tuples(st.integers(0, 30), st.one_of(st.sampled_from(ODD), st.text(max_size=8))),
        max_size=3,
    ),
    dropped=st.integers(0, 40),
    added=st.booleans(),
)
def test_a_record_taken_as_it_is_is_what_the_full_checks_store(
    kind: str, changes: list[tuple[int, Any]], dropped: int, added: bool
) -> None:
    record = dict(SHAPES[kind][0])
    keys = sorted(record)
    for where, value in changes:
        record[keys[where % len(keys)]] = value
    if dropped < len(keys):
        del record[keys[dropped]]
    if added:
        record["review"] = None
    whole = shaped.RUNS.get(kind, lambda records: False)
    if shaped.SHAPED[kind](record) or whole([record]):
        assert full(kind, dict(record)) == as_is(kind, record)
    if kind in shaped.RUNS:  # the test of a run is the test of each of its records
        assert whole([record]) == shaped.SHAPED[kind](record)
        assert whole([record, SHAPES[kind][0]]) == shaped.SHAPED[kind](record)


@pytest.mark.parametrize(
    ("kind", "key", "value"),
    [
        ("claims", "id", "C1ABCDEFGH"),  # lower-cased by the checks
        ("claims", "text", "padded "),
        ("claims", "text", "cafe\u0301"),
        ("claims", "tags", ["serbia", "Serbia"]),
        ("claims", "notes", None),
        ("claims", "story", "two words"),  # refused
        ("links", "url", WITHHELD),  # unknown, not the placeholder
        ("links", "position", True),  # refused
        ("links", "date", "June 2024"),
        ("events", "after", {"name": WITHHELD}),
        ("events", "before", {"role": WITHHELD}),
        ("events", "actor", ""),
        ("events", "change", None),
        ("events", "id", "E1ABCDEFGH"),
        ("events", "id", "e1abcdefgh\n"),
        ("events", "kind", 1),
        ("links", "id", "L1ABCDEFGH"),
        ("events", "before", []),  # refused
    ],
)
def test_a_record_out_of_shape_takes_the_full_checks(kind: str, key: str, value: Any) -> None:
    record = dict(SHAPES[kind][0])
    record[key] = value
    assert not shaped.SHAPED[kind](record)
    if kind in shaped.RUNS:
        assert not shaped.RUNS[kind]([SHAPES[kind][0], record])


def test_an_export_is_taken_without_building_its_records_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The claims, links and events of ``export``'s output skip the full checks; the
    import reads the same records as when every one takes them."""
    base = tmp_path / "base.json"
    synth.write(base, 40, seed=3)
    out = tmp_path / "export.json"
    Cli(base)("export", "-o", str(out))
    raw = out.read_bytes()
    built: list[str] = []
    add = Incoming.add

    def counted(self: Incoming, kind: str, record: Any, where: str) -> None:
        built.append(kind)  # made by the full checks (a source always is)
        add(self, kind, record, where)

    monkeypatch.setattr(Incoming, "add", counted)
    taken = importer.read_from(io.BytesIO(raw), "json", "x")
    fewer = len(built)
    built.clear()
    monkeypatch.setattr(read, "SHAPED", {})
    monkeypatch.setattr(read, "RUNS", {})
    checked = importer.read_from(io.BytesIO(raw), "json", "x")
    every = len(checked.claims) + len(checked.links) + len(checked.events)
    assert len(built) == every + len(checked.sources)
    assert (taken.claims, taken.links, taken.events) == (
        checked.claims,
        checked.links,
        checked.events,
    )
    # the sources, and the few claims whose text synth ends with a space (stripped)
    assert fewer - len(checked.sources) <= len(checked.claims) / 10
