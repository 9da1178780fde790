"""The cleaning schedule as cleaners get it: one task a line, grouped by day and property, as a
printable HTML page or a CSV a spreadsheet opens (the calendar is in reports/ics.py)."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
from collections.abc import Iterable
from html import escape
from itertools import groupby

from reports.bookings import ScheduleLine
from reports.cells import as_text_cell
from schemas.vocab import TaskStatus

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# Property blocks of one day: (property, its tasks).
Block = tuple[str, list[ScheduleLine]]


def one_per_task(lines: Iterable[ScheduleLine]) -> list[ScheduleLine]:
    """One line per task: the schedule query gives a task one line per guest arriving on its day
    (two when the arrivals are double booked); their names are joined here."""
    out: dict[int, ScheduleLine] = {}
    for line in lines:
        first = out.get(line.task_id)
        if first is None:
            out[line.task_id] = line
        elif line.guest_arriving and line.guest_arriving != first.guest_arriving:
            both = " & ".join(filter(None, (first.guest_arriving, line.guest_arriving)))
            out[line.task_id] = dataclasses.replace(first, guest_arriving=both)
    return list(out.values())


def by_day(lines: Iterable[ScheduleLine]) -> list[tuple[dt.date, list[Block]]]:
    """The tasks by day, then by property; on each day, the properties with a same-day turnover
    (an open one) come first, as they must be cleaned between a check-out and a check-in."""
    tasks = sorted(one_per_task(lines), key=lambda t: (t.date, t.property, t.task_id))
    days = []
    for day, of_day in groupby(tasks, key=lambda t: t.date):
        blocks = [(name, list(of_property)) for name, of_property in groupby(of_day, key=lambda t: t.property)]
        blocks.sort(key=lambda block: not is_turnover(block[1]))  # stable: by name within each kind
        days.append((day, blocks))
    return days


def is_turnover(tasks: Iterable[ScheduleLine]) -> bool:
    """A cleaning (still to do or done) between a guest leaving and another arriving the same day."""
    return any(t.same_day_turnover and t.status != TaskStatus.CANCELLED for t in tasks)


def day_title(day: dt.date) -> str:
    return f"{WEEKDAYS[day.weekday()]} {day.isoformat()}"


def next_arrival(task: ScheduleLine) -> str:
    """Who arrives next, in words."""
    if task.next_check_in is None:
        return "no arrival booked yet"
    if task.next_check_in == task.date:
        return f"same day, {task.guest_arriving or 'no name'}"
    return f"{task.next_check_in.isoformat()} ({(task.next_check_in - task.date).days} day(s) later)"


CSV_HEADER = (
    "date", "weekday", "property", "same_day_turnover", "guest_leaving", "check_out",
    "guest_arriving", "next_check_in", "task", "kind", "status", "locked", "booking",
)  # fmt: skip


def schedule_csv(lines: Iterable[ScheduleLine]) -> str:
    """One row per task, in the order of the page (turnovers first each day). Text from the
    bookings is written so that a spreadsheet never runs it as a formula."""
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")  # RFC 4180, as spreadsheets expect
    writer.writerow(CSV_HEADER)
    for day, blocks in by_day(lines):
        for _name, tasks in blocks:
            for t in tasks:
                cells = [
                    day.isoformat(), WEEKDAYS[day.weekday()], t.property, "yes" if t.same_day_turnover else "no",
                    t.guest_leaving, t.check_out.isoformat(), t.guest_arriving,
                    t.next_check_in.isoformat() if t.next_check_in else None,
                    t.task_id, t.kind, t.status, "yes" if t.locked else "no", f"{t.source} {t.code}",
                ]  # fmt: skip
                writer.writerow(["" if c is None else as_text_cell(c) for c in cells])
    return buf.getvalue()


# Inline, with print rules: the page is one file that prints one day's blocks together, and the
# turnover marking survives a black-and-white printer (a thick border and the words, not colour alone).
STYLE = """
:root { color-scheme: light; }
body { font: 15px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 1.5rem auto;
       max-width: 52rem; padding: 0 1rem; color: #111; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
.period { color: #444; margin: 0 0 1.5rem; }
.day { margin: 0 0 1.25rem; break-inside: avoid-page; }
.day > h2 { font-size: 1.15rem; border-bottom: 2px solid #111; padding-bottom: .2rem; margin: 0 0 .5rem; }
.block { border: 1px solid #999; border-left: 6px solid #999; border-radius: 4px; padding: .5rem .75rem;
         margin: 0 0 .5rem; break-inside: avoid; }
.block.turnover { border-left: 10px solid #b00020; background: #fff1f1; }
.block h3 { font-size: 1.05rem; margin: 0 0 .35rem; }
.badge { display: inline-block; font-size: .8rem; font-weight: 700; letter-spacing: .04em; color: #fff;
         background: #b00020; border-radius: 3px; padding: .05rem .4rem; margin-left: .5rem; }
.task { list-style: none; margin: 0; padding: 0; }
.task li { padding: .25rem 0; border-top: 1px dotted #bbb; }
.task li:first-child { border-top: 0; }
.box { display: inline-block; width: .9em; height: .9em; border: 1.5px solid #111; margin-right: .4rem;
       vertical-align: -.1em; }
.box.done::after { content: "\\2713"; display: block; line-height: .8em; font-weight: 700; }
.cancelled { text-decoration: line-through; color: #777; }
.meta { color: #555; font-size: .85rem; }
.none { font-style: italic; }
@media print {
  body { margin: 0; max-width: none; font-size: 11pt; }
  .block.turnover { background: none; }
  .badge { color: #000; background: none; border: 1.5px solid #000; }
  * { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
}
"""


def schedule_html(
    lines: Iterable[ScheduleLine], start: dt.date, end: dt.date, property_name: str | None, generated: dt.datetime
) -> str:
    """One self-contained printable page: a section per day, a block per property (same-day
    turnovers first and marked), a tick box per task. All text from the database is escaped."""
    days = by_day(lines)
    count = sum(len(tasks) for _day, blocks in days for _name, tasks in blocks)
    where = f" · {escape(property_name)}" if property_name else ""
    body = [
        "<h1>Cleaning schedule</h1>",
        f'<p class="period">{start.isoformat()} to {end.isoformat()}{where} · {count} cleaning(s) · '
        f"made {generated:%Y-%m-%d %H:%M} UTC</p>",
    ]
    if not days:
        body.append('<p class="none">No cleaning is due in this period.</p>')
    for day, blocks in days:
        body.append(f'<section class="day"><h2>{day_title(day)}</h2>')
        body.extend(_block(name, tasks) for name, tasks in blocks)
        body.append("</section>")
    title = f"Cleaning schedule {start.isoformat()} to {end.isoformat()}"
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


def _block(name: str, tasks: list[ScheduleLine]) -> str:
    turnover = is_turnover(tasks)
    badge = '<span class="badge">SAME-DAY TURNOVER</span>' if turnover else ""
    items = "".join(_task(t) for t in tasks)
    return f'<article class="block{" turnover" if turnover else ""}"><h3>{escape(name)}{badge}</h3><ul class="task">{items}</ul></article>'


def _task(t: ScheduleLine) -> str:
    state = t.status + (", locked" if t.locked else "")
    text = (
        f"<b>Out:</b> {escape(t.guest_leaving or 'no name')} · <b>next in:</b> {escape(next_arrival(t))}"
        f'<br><span class="meta">task {t.task_id} · {escape(state)} · {escape(t.source)} {escape(t.code)}</span>'
    )
    attributes = ' class="cancelled"' if t.status == TaskStatus.CANCELLED else ""
    box = "box done" if t.status == TaskStatus.DONE else "box"  # ticked: someone marked it done
    return f'<li{attributes}><span class="{box}"></span>{text}</li>'
