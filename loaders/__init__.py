"""The database: tables and schema set-up, one file's load by its strategy, the dialects, the rules that derive tasks and double bookings, history."""
