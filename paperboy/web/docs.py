"""The interactive API docs, served entirely from the package so they work offline.

FastAPI's default `/docs` and `/redoc` load their scripts from a CDN; a self-hosted paperboy
with no network would show a blank page. Swagger UI's files are vendored under
`static/swagger/` (Apache-2.0, see its LICENSE and NOTICE there).
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

router = APIRouter(include_in_schema=False)

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>API docs</title>
<link rel="stylesheet" href="/static/swagger/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/static/swagger/swagger-ui-bundle.js"></script>
<script src="/static/swagger/init.js"></script>
</body>
</html>
"""


@router.get("/docs", response_class=HTMLResponse)
async def api_docs() -> HTMLResponse:
    """Swagger UI over `/openapi.json`, with every asset from this site."""
    return HTMLResponse(PAGE)
