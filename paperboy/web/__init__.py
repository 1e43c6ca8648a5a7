"""The web face: HTML pages, the JSON API and feeds, all thin over the services."""
