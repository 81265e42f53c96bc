"""The SQL store: repositories for each role the core depends on, over one database, same code on SQLite and PostgreSQL.

Every repository method is one transaction and speaks only domain types; the composition root hands each consumer the
repositories (roles) it uses, never the whole store.
"""

from __future__ import annotations

from bot.errors import StoreError
from storage.answered import SqlAnsweredLinks
from storage.channels import SqlChannels
from storage.database import Database
from storage.embeddings import SqlEmbeddings
from storage.engine import STORE_FAILURES, open_engine, store_error
from storage.enrichment import SqlEnrichment
from storage.feedback import SqlVotes
from storage.hidden import SqlHiddenPapers
from storage.leases import SqlLeases
from storage.migrate import current_on, head_revision, upgrade_engine
from storage.outbox import SqlOutbox
from storage.paper_index import PaperIndex
from storage.papers import SqlPapers
from storage.reading_lists import SqlReadingLists
from storage.sources import SqlSourceRecords
from storage.summaries import SqlSummaries


class SqlStore:
    """Every repository over one database; build it with `await SqlStore.connect(url)`."""

    def __init__(self, db: Database) -> None:
        self.db = db
        index = PaperIndex(db)
        self.papers = SqlPapers(db, index)
        self.enrichment = SqlEnrichment(db, index)
        self.summaries = SqlSummaries(db)
        self.embeddings = SqlEmbeddings(db)
        self.channels = SqlChannels(db)
        self.votes = SqlVotes(db)
        self.hidden = SqlHiddenPapers(db)
        self.answered = SqlAnsweredLinks(db)
        self.reading_lists = SqlReadingLists(db)
        self.outbox = SqlOutbox(db)
        self.leases = SqlLeases(db)
        self.sources = SqlSourceRecords(db)

    @classmethod
    async def connect(cls, url: str, *, migrate: bool = True, create_sqlite: bool = False) -> SqlStore:
        """Open the store at `url`.

        `migrate` upgrades it to the newest schema (`paperbot db upgrade`, `paperbot run --migrate`); otherwise the
        schema must be there already, so a command never migrates a store under running workers. `create_sqlite`
        creates the schema of a SQLite store used for the first time, so the embedded default just works.
        """
        engine = open_engine(url)
        try:
            current = await current_on(engine)
            if migrate or (create_sqlite and current is None and engine.dialect.name == "sqlite"):
                await upgrade_engine(engine)
            elif current != head_revision():
                raise StoreError(
                    f"the store's schema is at revision {current or 'none (an empty database)'}, this paperbot needs "
                    f"{head_revision()}: run `paperbot db upgrade`"
                )
            return cls(Database(engine, url))
        except STORE_FAILURES as exc:
            await engine.dispose()
            raise store_error(exc, url) from exc
        except BaseException:
            await engine.dispose()
            raise

    async def close(self) -> None:
        await self.db.close()
