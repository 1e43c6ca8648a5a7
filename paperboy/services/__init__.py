"""Use cases: ingest, daily lists, papers. They see the edges only through `ports`."""
