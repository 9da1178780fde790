"""The cleaning schedule as an iCalendar file a phone calendar subscribes to: one all-day event per
cleaning, identified by its booking and kind so that a re-export updates events, never duplicates them."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable

from icalendar import Calendar, Event

from reports.bookings import ScheduleLine
from reports.cleaning import next_arrival, one_per_task
from schemas.vocab import TaskStatus

# Fixed for ever: a UID is uuid5(this, "source/code/kind"), so the same booking's cleaning has
# the same UID in every export and from every database, whatever the task's row id.
UID_NAMESPACE = uuid.UUID("5d0f7a52-3b7e-4c2e-9a61-0c1e1b7a9f10")
REFRESH = dt.timedelta(hours=1)  # how often a subscribed calendar should fetch it again (X-PUBLISHED-TTL too)


def event_uid(source: str, code: str, kind: str) -> str:
    """The event's UID: stable per booking and task kind."""
    return f"{uuid.uuid5(UID_NAMESPACE, f'{source}/{code}/{kind}')}@bookingest"


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC)  # the database stores UTC without a zone


def summary(task: ScheduleLine) -> str:
    """'Turnover: Harbour Loft' (a guest arrives the same day) or 'Cleaning: Harbour Loft'."""
    what = "Turnover" if task.same_day_turnover else "Cleaning"
    state = f" ({task.status})" if task.status != TaskStatus.OPEN else ""
    return f"{what}: {task.property}{state}"


def description(task: ScheduleLine) -> str:
    return "\n".join(
        [
            f"Guest leaving: {task.guest_leaving or 'no name'} (check-out {task.check_out.isoformat()})",
            f"Next check-in: {next_arrival(task)}",
            f"Booking: {task.source} {task.code}",
            f"Task {task.task_id}: {task.status}" + (", locked" if task.locked else ""),
        ]
    )


def cleaning_event(task: ScheduleLine) -> Event:
    event = Event()
    event.add("uid", event_uid(task.source, task.code, task.kind))
    # The task's last change is the event's revision: SEQUENCE counts the seconds since the task
    # was created (0 for a new one), so it rises with every change and never moves back.
    event.add("dtstamp", _utc(task.updated_at))
    event.add("last-modified", _utc(task.updated_at))
    event.add("created", _utc(task.created_at))
    event.add("sequence", max(0, int((task.updated_at - task.created_at).total_seconds())))
    event.add("dtstart", task.date)  # a date, not a time: an all-day event on the due day
    event.add("dtend", task.date + dt.timedelta(days=1))
    event.add("summary", summary(task))
    event.add("description", description(task))
    event.add("location", task.property)
    event.add("status", "CANCELLED" if task.status == TaskStatus.CANCELLED else "CONFIRMED")
    event.add("transp", "TRANSPARENT")  # a cleaning does not make the cleaner "busy" all day
    event.add("categories", ["Turnover" if task.same_day_turnover else "Cleaning"])
    return event


def schedule_ics(lines: Iterable[ScheduleLine], property_name: str | None = None) -> bytes:
    """The calendar: one VEVENT per task, cancelled ones as STATUS:CANCELLED events (so that a
    subscribed calendar shows them called off instead of keeping a stale cleaning)."""
    calendar = Calendar()
    calendar.add("prodid", "-//bookingest//cleaning schedule//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    name = "Cleaning schedule" + (f": {property_name}" if property_name else "")
    calendar.add("x-wr-calname", name)
    calendar.add("name", name)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")  # the same, as Outlook reads it
    for task in sorted(one_per_task(lines), key=lambda t: (t.date, t.property, t.task_id)):
        calendar.add_component(cleaning_event(task))
    return calendar.to_ical()
