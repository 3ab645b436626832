"""Liveness for load balancers and the Docker HEALTHCHECK."""

from fastapi import APIRouter

from app.api.responses import Health

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
async def healthz() -> dict:
    """Answers at once, on the event loop: heavy requests run in worker threads."""
    return {"status": "ok"}
