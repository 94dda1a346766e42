"""Settings from the environment (``SIDESTREAM_*``), one typed object, no globals.

Numeric modelling defaults live in knowledge parameter files with sources, not here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "dev-only-insecure-secret-change-me"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SIDESTREAM_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = f"sqlite:///{Path('var') / 'sidestream.sqlite'}"
    secret_key: str = DEV_SECRET
    default_language: Literal["en", "nb"] = "nb"
    tile_url: str | None = None  # optional online basemap; the default map is offline
    login_max_failures: int = 5
    login_window_seconds: int = 900
    # Web sessions: the cookie is signed with ``secret_key``; ``Secure`` may be turned
    # off only for plain-http development on localhost.
    session_cookie_name: str = "sidestream_session"
    session_cookie_secure: bool = True
    session_max_age_seconds: int = 14 * 24 * 3600
    max_upload_bytes: int = 20 * 1024 * 1024

    @model_validator(mode="after")
    def _no_default_secret_in_production(self) -> Settings:
        if self.environment == "production" and self.secret_key == DEV_SECRET:
            raise ValueError("set SIDESTREAM_SECRET_KEY: the default secret is refused in production")
        return self


def get_settings() -> Settings:
    return Settings()
