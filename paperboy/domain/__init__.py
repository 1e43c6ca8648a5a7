"""Pure domain: models, ids, calendar and ranking rules. Imports only the standard library."""
