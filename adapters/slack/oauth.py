"""'Add to Slack': bolt's OAuth flow, with installations and OAuth states kept in the bot's own database.

Each workspace that installs the app gets its own bot token. Digests look the token up by team id when they post,
so an uninstall (bolt deletes the rows on `app_uninstalled` / `tokens_revoked`) takes effect at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import SlackSettings
from bot.errors import ConfigError, NotInstalledError

log = logging.getLogger(__name__)

STATE_EXPIRATION_S = 600  # how long an "Add to Slack" link stays valid


async def open_installations(settings: SlackSettings, connect: Callable[[], AsyncEngine]) -> SlackInstallations | None:
    """The installations in the bot's database when OAuth is configured; None for one workspace with one bot token.

    `connect` opens the bot's database (the composition root knows which), with writes announced at BEGIN: the stores
    read then write in one transaction, which must not lose a lock race on SQLite.
    """
    return await SlackInstallations.open(settings, connect) if _credentials(settings) else None


class SlackInstallations:
    """The workspaces that installed the app, and the OAuth states of installs in progress, in one database."""

    def __init__(self, settings: SlackSettings, engine: AsyncEngine) -> None:
        credentials = _credentials(settings)
        if credentials is None:
            raise ConfigError("slack.client_id and slack.client_secret are needed for 'Add to Slack'")
        client_id, client_secret = credentials
        self._engine = engine
        self.store = AsyncSQLAlchemyInstallationStore(client_id=client_id, engine=engine, logger=log)
        self.states = AsyncSQLAlchemyOAuthStateStore(expiration_seconds=STATE_EXPIRATION_S, engine=engine, logger=log)
        self.settings = AsyncOAuthSettings(
            client_id=client_id,
            client_secret=client_secret,
            scopes=list(settings.scopes),
            install_path=settings.install_path,
            redirect_uri_path=settings.redirect_uri_path,
            installation_store=self.store,
            installation_store_bot_only=True,  # paperbot asks for bot scopes only
            state_store=self.states,
            state_expiration_seconds=STATE_EXPIRATION_S,
            logger=log,
        )

    @classmethod
    async def open(cls, settings: SlackSettings, connect: Callable[[], AsyncEngine]) -> SlackInstallations:
        """Connect to the bot's database and create the installation and state tables if they are missing.

        The tables belong to slack_sdk's stores, not to the store's Alembic migrations, so they are made here.
        """
        engine = connect()
        try:
            installations = cls(settings, engine)
            await installations.store.create_tables()
            await installations.states.create_tables()
        except BaseException:
            await engine.dispose()
            raise
        return installations

    def oauth_flow(self, api_url: str) -> AsyncOAuthFlow:
        """bolt's install page and redirect handler, talking to the Web API at `api_url`.

        Its client never logs at DEBUG: slack_sdk logs response bodies there, and oauth.v2.access answers with tokens.
        """
        quiet = logging.getLogger(f"{__name__}.flow")
        quiet.setLevel(logging.INFO)
        return AsyncOAuthFlow(client=AsyncWebClient(base_url=api_url, logger=quiet), logger=log, settings=self.settings)

    async def bot_token(self, team_id: str) -> str:
        """The bot token the workspace granted at install; looked up per digest, so an uninstall stops posts at once."""
        bot = await self.store.async_find_bot(enterprise_id=None, team_id=team_id)
        if bot is None or not bot.bot_token:
            raise NotInstalledError(
                f"paperbot is not installed in Slack workspace {team_id} (uninstalled or token revoked): "
                "install it again with 'Add to Slack'"
            )
        return bot.bot_token

    async def close(self) -> None:
        """Release the database connections (the adapter calls this when it stops)."""
        await self._engine.dispose()


def _credentials(settings: SlackSettings) -> tuple[str, str] | None:
    """The client id and secret, None when neither is set; one without the other is a mistake worth one clear line."""
    secret = settings.client_secret.get_secret_value() if settings.client_secret else ""
    if not settings.client_id and not secret:
        return None
    if not settings.client_id:
        raise ConfigError("slack.client_id (SLACK_CLIENT_ID) is not set: OAuth needs it with the client secret")
    if not secret:
        raise ConfigError("slack.client_secret (SLACK_CLIENT_SECRET) is not set: OAuth needs it with the client id")
    return settings.client_id, secret
