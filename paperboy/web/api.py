"""The JSON API under /api/ (being written)."""

from fastapi import APIRouter

router = APIRouter()
