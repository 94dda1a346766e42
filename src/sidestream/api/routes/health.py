"""Liveness: the cheapest endpoint, also the benchmark baseline."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from sidestream import __version__

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str
    version: str


@router.get("/health", response_model=Health, summary="Is the service up?")
async def health() -> Health:
    return Health(status="ok", version=__version__)
