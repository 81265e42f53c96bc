"""Store contract, reading lists: scoped to (platform, workspace, user)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.errors import PaperNotFoundError
from bot.models import Save
from storage.sql_store import SqlStore
from tests.storage.conftest import T0, paper


def _save(paper_id: str, workspace: str = "T1", user: str = "U1", minutes: int = 0) -> Save:
    return Save("slack", workspace, user, paper_id, T0 + timedelta(minutes=minutes))


async def test_saves_are_listed_newest_first_with_their_papers(store: SqlStore) -> None:
    await store.papers.add_papers([paper(1, "One"), paper(2, "Two")])
    await store.reading_lists.save_paper(_save("p001", minutes=5))
    await store.reading_lists.save_paper(_save("p002", minutes=1))

    listed = await store.reading_lists.saved_papers("slack", "T1", "U1")

    assert [(s.paper_id, p.headline) for s, p in listed] == [("p001", "One"), ("p002", "Two")]
    assert listed[0][0] == _save("p001", minutes=5)


async def test_saving_twice_and_unsaving_report_whether_anything_changed(store: SqlStore) -> None:
    await store.papers.add_papers([paper(1)])

    assert await store.reading_lists.save_paper(_save("p001")) is True
    assert await store.reading_lists.save_paper(_save("p001", minutes=1)) is False
    assert await store.reading_lists.unsave_paper("slack", "T1", "U1", "p001") is True
    assert await store.reading_lists.unsave_paper("slack", "T1", "U1", "p001") is False
    assert await store.reading_lists.saved_papers("slack", "T1", "U1") == []


async def test_the_same_user_id_in_two_workspaces_has_two_lists(store: SqlStore) -> None:
    await store.papers.add_papers([paper(1), paper(2)])
    await store.reading_lists.save_paper(_save("p001", workspace="T1"))
    await store.reading_lists.save_paper(_save("p002", workspace="T2"))

    assert [s.paper_id for s, _ in await store.reading_lists.saved_papers("slack", "T1", "U1")] == ["p001"]
    assert [s.paper_id for s, _ in await store.reading_lists.saved_papers("slack", "T2", "U1")] == ["p002"]
    assert await store.reading_lists.saved_papers("discord", "T1", "U1") == []
    assert await store.reading_lists.unsave_paper("slack", "T2", "U1", "p001") is False
    assert [s.paper_id for s, _ in await store.reading_lists.saved_papers("slack", "T1", "U1")] == ["p001"]


async def test_saving_an_unknown_paper_says_so(store: SqlStore) -> None:
    with pytest.raises(PaperNotFoundError, match="p404"):
        await store.reading_lists.save_paper(_save("p404"))
