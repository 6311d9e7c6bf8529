"""Factory for uvicorn worker processes: each builds its app (and engine) from the environment."""

from __future__ import annotations

from fastapi import FastAPI

from quarterhour.entrypoints.app import create_app


def app_from_env() -> FastAPI:
    return create_app()
