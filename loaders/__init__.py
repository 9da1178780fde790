"""The database: tables, schema set-up, the dialect-aware merge and derived tables."""
