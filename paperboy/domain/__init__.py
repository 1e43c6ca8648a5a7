"""Pure domain: models, identifiers, calendar and ranking rules. Imports only the standard library."""
