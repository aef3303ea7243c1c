"""The tests' stream lists against the tap's own: no stream drops out of a proof unseen.

``helpers.SEARCH_STREAMS`` drives the live-mutation proofs (tests/test_reliability_live.py:
records present before and after a sync under mutation are all emitted). A search stream
missing from it would silently go unproven, so every stream the tap reads from a ``*-search``
endpoint must be listed there or in ``NOT_PAGED`` below, with the reason.
"""

from __future__ import annotations

from helpers import CONTRACT_KEYS, OPT_IN_KEYS, SEARCH_STREAMS

from tap_brightpearl.kinds import SearchStream
from tap_brightpearl.tap import STREAM_TYPES

#: Search streams whose records do not come from the search's pages: the search only lists
#: every product id once per run (``ProductIdSweep``), and GETs by those ids give the records.
NOT_PAGED = {"product_prices", "product_availability"}

SEARCHED = {stream.name for stream in STREAM_TYPES if issubclass(stream, SearchStream)}


def test_every_search_stream_is_in_the_mutation_proofs():
    missing = SEARCHED - NOT_PAGED - set(SEARCH_STREAMS)
    assert not missing, f"add to tests/contract_keys.py SEARCH_STREAMS (or NOT_PAGED): {missing}"


def test_search_streams_lists_only_search_streams():
    assert len(SEARCH_STREAMS) == len(set(SEARCH_STREAMS))
    assert set(SEARCH_STREAMS) <= SEARCHED - NOT_PAGED


def test_not_paged_streams_are_search_streams_still():
    assert NOT_PAGED <= SEARCHED, "a stream left NOT_PAGED: drop it from the list"


def test_the_contract_keys_are_the_taps_streams_and_keys():
    """``CONTRACT_KEYS`` drives the completeness and no-duplicate checks of every full sync.

    ``deleted_records`` is the one stream outside it: its records are the deletions the tap
    found, not rows a sandbox holds. Opt-in streams (``OPT_IN_KEYS``: not selected by default)
    are listed apart.
    """
    declared = {s.name: tuple(s.primary_keys or ()) for s in STREAM_TYPES}
    assert declared.pop("deleted_records")
    assert declared == {**CONTRACT_KEYS, **OPT_IN_KEYS}
    assert not set(CONTRACT_KEYS) & set(OPT_IN_KEYS)
