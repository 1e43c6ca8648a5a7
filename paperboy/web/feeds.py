"""RSS 2.0 and Atom feeds of daily lists (being written)."""

from fastapi import APIRouter

router = APIRouter()
