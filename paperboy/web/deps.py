"""FastAPI dependencies: the one `Deps` value the app was built with, for any route."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from paperboy.app import Deps


async def get_deps(request: Request) -> Deps:
    """The composition root's `Deps`, stored on the app by `create_app`."""
    # async on purpose: FastAPI runs a plain `def` dependency in the thread pool, one extra
    # thread hop on every request for what is an attribute read.
    deps: Deps = request.app.state.deps
    return deps


DepsDep = Annotated[Deps, Depends(get_deps)]
