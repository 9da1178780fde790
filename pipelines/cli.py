"""The `bookingest` command line: argument parsing, the run summary, exit statuses."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Sequence
from typing import Any, TextIO

from pipelines.discover import FileOptions, UsageError, discover, parse_as_of
from pipelines.results import FileResult
from schemas.vocab import FileStatus

EXIT_OK, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return int(args.run(args))
    except UsageError as err:
        print(f"bookingest: {err}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("bookingest: interrupted; files already reported as loaded stay loaded", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bookingest", description="Load booking exports into one database.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    ingest = sub.add_parser("ingest", help="load export files and folders", description="Load export files and folders.")
    ingest.add_argument("paths", nargs="+", metavar="PATH", help="export files, or folders to walk")
    _db_option(ingest)
    ingest.add_argument("--source", help="force a layout instead of detecting it (airbnb, booking_com, cleaning_schedule)")
    ingest.add_argument("--property", help="the property of exports that name none (Booking.com: one per account)")
    ingest.add_argument("--as-of", help="the moment the export describes (default: the file's modification time)")
    ingest.add_argument("--json", action="store_true", help="print the summary as JSON on stdout")
    mode = ingest.add_mutually_exclusive_group()
    mode.add_argument("--prefect", dest="prefect", action="store_const", const="yes", help="run as a Prefect flow run")
    mode.add_argument("--no-prefect", dest="prefect", action="store_const", const="no", help="run in this process only")
    ingest.set_defaults(run=_ingest)

    serve = sub.add_parser("serve", help="watch an inbox folder on a schedule as a Prefect deployment")
    serve.add_argument("inbox", metavar="FOLDER")
    _db_option(serve)
    serve.add_argument("--cron", default="0 * * * *", help="when to ingest the inbox (default: hourly)")
    serve.set_defaults(run=_serve)
    return parser


def _db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", metavar="URL", help="database URL (default: $BOOKINGEST_DATABASE_URL or sqlite:///bookingest.db)")


def _ingest(args: argparse.Namespace) -> int:
    from pipelines.settings import Settings

    settings = Settings.load()
    url = args.db or settings.database_url
    options = FileOptions(
        source=args.source,
        property=args.property,
        as_of=parse_as_of(args.as_of, "--as-of") if args.as_of else None,
    )
    from pipelines.ingest import check_source

    check_source(options.source)
    files = discover(args.paths, options)
    for _, file_options in files:
        check_source(file_options.source)
    if not files:
        raise UsageError("no files found in " + ", ".join(args.paths))

    mode = args.prefect or settings.prefect
    use_prefect = mode == "yes" or (mode == "auto" and settings.prefect_api_url is not None)
    from loaders.errors import DatabaseUnavailable

    try:
        if use_prefect:
            from pipelines.flows import ingest_flow

            results = ingest_flow(args.paths, url, options)
        else:
            from pipelines.ingest import ingest_paths, open_database

            engine = open_database(url)
            with _Progress(len(files), enabled=not args.json or sys.stderr.isatty()) as progress:
                results = ingest_paths(engine, files, on_file=progress.advance)
    except DatabaseUnavailable as err:
        raise UsageError(str(err)) from None

    if args.json:
        json.dump({"database": _safe_url(url), "files": [r.to_json() for r in results]}, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print_summary(results, sys.stdout)
    failed = any(r.status == "rejected" or r.rejected for r in results)
    return EXIT_REJECTED if failed else EXIT_OK


def _serve(args: argparse.Namespace) -> int:
    from pipelines.flows import ingest_flow
    from pipelines.settings import Settings

    url = args.db or Settings.load().database_url
    ingest_flow.serve(
        name="bookingest-inbox",
        cron=args.cron,
        parameters={"paths": [args.inbox], "database_url": url},
    )
    return EXIT_OK


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url


class _Progress:
    """A progress bar on stderr for runs of several files, when a person is watching."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.enabled = enabled and total > 1 and sys.stderr.isatty()
        self.total = total
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> _Progress:
        if self.enabled:
            from rich.progress import Progress

            self._progress = Progress(transient=True)
            self._progress.start()
            self._task = self._progress.add_task("ingesting", total=self.total)
        return self

    def advance(self, result: object) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, advance=1, description=f"ingesting {getattr(result, 'path', '')}")

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()


_COLUMNS = ("file", "source", "status", "rows", "inserted", "updated", "unchanged", "rejected")


def print_summary(results: Sequence[FileResult], out: TextIO) -> None:
    """A plain-text table, one line per file, then the reasons and the first rejected rows."""
    rows = [
        [r.path, r.source or "-", r.status.value, *(str(getattr(r, c)) for c in _COLUMNS[3:])] for r in results
    ]
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(_COLUMNS)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.rjust(w) if i >= 3 else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip()

    out.write(line(_COLUMNS) + "\n" + line(["-" * w for w in widths]) + "\n")
    for row in rows:
        out.write(line(row) + "\n")
    by_status = Counter(r.status.value for r in results)
    out.write(
        f"\n{len(results)} file(s): "
        + ", ".join(f"{n} {s}" for s, n in sorted(by_status.items()))
        + f"; {sum(r.inserted for r in results)} inserted, {sum(r.updated for r in results)} updated, "
        f"{sum(r.unchanged for r in results)} unchanged, {sum(r.rejected for r in results)} row(s) rejected\n"
    )
    for r in results:
        if r.status is FileStatus.REJECTED and r.reason:
            out.write(f"\n{r.path}: rejected: {r.reason}\n")
        elif r.problems:
            out.write(f"\n{r.path}: {r.rejected} row(s) rejected; each reason is in the rejected_rows table:\n")
            out.writelines(f"  {p}\n" for p in r.problems)
            if r.problems_total > len(r.problems):
                out.write(f"  ... and {r.problems_total - len(r.problems)} more\n")


if __name__ == "__main__":
    sys.exit(main())
