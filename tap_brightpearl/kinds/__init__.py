"""The stream kinds that carry the whole catalogue; each stream module declares on them.

- :class:`ReferenceStream`: one plain GET of a small collection; full table.
- :class:`SearchStream`: rows of a ``*-search`` endpoint; full table, or incremental in date
  windows with a checkpoint after each.
- :class:`DetailStream`: a search finds the ids, GET-by-ID-set fetches the objects.
- :class:`ChildStream`: records taken from a parent's fetched batch.
"""

from tap_brightpearl.kinds.children import ChildStream
from tap_brightpearl.kinds.detail import DetailStream
from tap_brightpearl.kinds.idset import IdSetFetcher, format_idset
from tap_brightpearl.kinds.reference import ReferenceStream
from tap_brightpearl.kinds.search import SearchStream
from tap_brightpearl.kinds.windows import Window, WindowPlanner

__all__ = [
    "ChildStream",
    "DetailStream",
    "IdSetFetcher",
    "ReferenceStream",
    "SearchStream",
    "Window",
    "WindowPlanner",
    "format_idset",
]
