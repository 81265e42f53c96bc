"""Labelled queries for the shared ShortScience pages: each describes one paper in other words than it uses.

Written by hand for `bench.retrieval` and the search tests, as (query, paper id); no corpus text is stored here.
"""

from __future__ import annotations

# Stand-ins for the two queries of issue 19 (their papers are not in the shared corpus): a paper on an agent that
# chooses its own intermediate goals and pays itself for reaching them (exploration where rewards are rare), and one
# on text classifiers small enough for a phone (making networks smaller).
SUBGOALS = ("agent that sets itself sub-targets and rewards itself for reaching them", "ss-b78348df358e")
ON_DEVICE = ("tiny text classifiers that fit on a phone without storing a vocabulary", "ss-3b6fc8b2e34f")
