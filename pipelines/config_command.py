"""`bookingest config`: every effective setting, where it came from, secrets masked."""

from __future__ import annotations

import argparse
import json
import re
import sys
from typing import Any

from pydantic import SecretStr

from pipelines.output import print_table
from pipelines.shown import shown

MASK = "***"  # as SQLAlchemy masks a password
# A variable named like this holds a secret whatever its value looks like.
SECRET_NAME = re.compile(r"(_key|_token)$|password|secret", re.IGNORECASE)
# A URL's query parameter named like one (libpq's `?password=`, an `api_key=`).
SECRET_PARAMETER = re.compile(r"([?&][^=&#]*(?:_key|_token|password|secret)=)[^&#]*", re.IGNORECASE)


def add_parser(sub: Any) -> None:
    """Register `config` on the CLI's subparsers."""
    conf = sub.add_parser(
        "config",
        help="the effective settings, where each came from, secrets masked",
        description="Print every setting bookingest reads (environment, .env in the current folder, defaults).",
    )
    conf.add_argument("--json", action="store_true", help="print JSON on stdout")
    conf.set_defaults(run=show)


def masked(name: str, value: Any) -> Any:
    """A setting's value as it may be shown: secrets masked (a secret variable's value whole, a
    URL's password and secret query parameters), everything else as it is."""
    if value is None:
        return None
    if isinstance(value, SecretStr) or SECRET_NAME.search(name):
        return MASK
    if isinstance(value, str) and "://" in value:
        return masked_url(value)
    return value


def masked_url(url: str) -> str:
    """A URL with its password, and any secret query parameter (`?password=`), masked."""
    from sqlalchemy.engine import make_url

    try:
        shown = make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL SQLAlchemy reads: hide whatever sits between "//user:" and "@"
        shown = re.sub(r"(//[^/@:]*:)[^/@]*@", rf"\g<1>{MASK}@", url)
    return SECRET_PARAMETER.sub(rf"\g<1>{MASK}", shown)


def show(args: argparse.Namespace) -> int:
    from pipelines.settings import Settings, env_file, origins, unknown_variables, variable

    settings = Settings.load()
    origin = origins()
    rows = [
        {
            "variable": variable(field),
            "value": masked(variable(field), getattr(settings, field)),
            "source": origin.get(field, "default"),
        }
        for field in Settings.model_fields
    ]
    path, unknown = env_file(), unknown_variables()
    if args.json:
        document = {
            "env_file": str(path),
            "env_file_found": path.is_file(),
            "settings": rows,
            "unknown": [{"variable": name, "source": where} for name, where in unknown],
        }
        # default=str: a value of another type than JSON's (a folder's Path) is shown as text.
        sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n")
        return 0
    table = [(r["variable"], "" if r["value"] is None else str(r["value"]), r["source"]) for r in rows]
    print_table(("variable", "value", "from"), table, sys.stdout)
    print(shown(f"\n.env: {path}" + ("" if path.is_file() else " (none there)")))
    for name, where in unknown:
        place = "the environment" if where == "environment" else path
        print(shown(f"not a bookingest setting, ignored: {name} (in {place}); check its spelling in .env.example"))
    return 0
