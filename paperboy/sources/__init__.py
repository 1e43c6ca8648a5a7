"""Sources: each turns one outside format into domain records, reporting what it could not use."""
