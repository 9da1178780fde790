"""Where the settings come from, as the settings class (pipelines.settings) and the start-up of an
inbox run (pipelines.start, before the settings' imports) both read them."""

PREFIX = "BOOKINGEST_"  # every variable of ours starts so
# Read from the folder bookingest runs in, the one Prefect reads its own `.env` from (so one file
# can hold PREFECT_API_URL for both); a variable set in the environment wins over the file.
ENV_FILE = ".env"
