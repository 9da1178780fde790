"""sources.errors: terminal, readable, and intact after pickling (Prefect moves them between processes)."""

from __future__ import annotations

import io
import pickle
from collections.abc import Callable

import pytest

from sources.errors import MissingOption, Nearest, NoRows, SourceError, UnreadableFile, UnrecognizedLayout
from sources.layouts import LAYOUTS
from sources.mapping import to_canonical
from sources.readers import read_export


def raised_unreadable() -> SourceError:
    with pytest.raises(UnreadableFile) as info:
        read_export(b"", "inbox/empty.csv")
    return info.value


def raised_unrecognized() -> SourceError:
    with pytest.raises(UnrecognizedLayout) as info:
        read_export(b"Foo,Bar\r\n1,2\r\n", "inbox/foo.csv")
    return info.value


def raised_no_rows() -> SourceError:
    with pytest.raises(NoRows) as info:
        read_export(b"Confirmation code,Status,Start date,End date,Listing\r\n", "inbox/airbnb.csv")
    return info.value


def raised_missing_option() -> SourceError:
    data = b"Book number,Status,Check-in,Check-out\r\n6547074679,ok,2025-12-14,2025-12-17\r\n"
    with pytest.raises(MissingOption) as info:
        to_canonical(read_export(data, "inbox/bcom.csv"))
    return info.value


def raised_forced() -> SourceError:
    with pytest.raises(SourceError) as info:
        read_export(b"Foo,Bar\r\n1,2\r\n", "inbox/foo.csv", "airbnb")
    return info.value


ERRORS = [
    pytest.param(raised_unreadable, UnreadableFile, "inbox/empty.csv", id="UnreadableFile"),
    pytest.param(raised_unrecognized, UnrecognizedLayout, "inbox/foo.csv", id="UnrecognizedLayout"),
    pytest.param(raised_no_rows, NoRows, "inbox/airbnb.csv", id="NoRows"),
    pytest.param(raised_missing_option, MissingOption, "inbox/bcom.csv", id="MissingOption"),
    pytest.param(raised_forced, SourceError, "inbox/foo.csv", id="forced-layout-SourceError"),
    pytest.param(lambda: raised_near_miss(), UnrecognizedLayout, "inbox/near.csv", id="UnrecognizedLayout-near-miss"),
]


@pytest.mark.parametrize(("make", "kind", "path"), ERRORS)
def test_errors_survive_pickling(make: Callable[[], SourceError], kind: type, path: str) -> None:
    err = make()
    assert type(err) is kind
    assert err.path == path
    copy = pickle.loads(pickle.dumps(err))
    assert type(copy) is kind
    assert copy.path == err.path == path
    assert copy.reason == err.reason
    assert str(copy) == str(err)
    assert copy.transient is False


@pytest.mark.parametrize(("make", "kind", "path"), ERRORS)
def test_errors_are_terminal_source_errors_with_a_sentence(
    make: Callable[[], SourceError], kind: type, path: str
) -> None:
    err = make()
    assert isinstance(err, SourceError)
    assert err.transient is False
    assert str(err) == err.reason
    assert len(err.reason) > 20
    assert "Traceback" not in err.reason


def test_unrecognized_layout_keeps_its_headers_after_pickling() -> None:
    err = UnrecognizedLayout("x.csv", ["Foo", "", "Bar"])
    copy = pickle.loads(pickle.dumps(err))
    assert copy.headers == ["Foo", "", "Bar"]
    assert "Foo, Bar" in str(copy)  # empty header cells are not listed


def test_unrecognized_layout_without_headers_says_so() -> None:
    assert "no headers at all" in str(UnrecognizedLayout("x.csv", []))


def test_forced_message_names_the_layout_and_the_headers() -> None:
    err = UnrecognizedLayout("x.csv", ["Foo", "Bar"]).forced(LAYOUTS["booking_com"])
    assert type(err) is SourceError
    assert err.path == "x.csv"
    assert str(err) == "the file does not have the headers of a Booking.com reservations download (first row: Foo, Bar)"


def test_pickled_error_can_be_raised_and_caught_by_type() -> None:
    buf = io.BytesIO()
    pickle.dump(NoRows("a.csv", "the file has no rows"), buf)
    buf.seek(0)
    with pytest.raises(NoRows, match="no rows"):
        raise pickle.load(buf)


def raised_near_miss() -> UnrecognizedLayout:
    with pytest.raises(UnrecognizedLayout) as info:
        read_export(b"Confirmation code,Status,Guest name,Listing,Start\r\nHMAAAA1111,x,y,z,1\r\n", "inbox/near.csv")
    return info.value


def test_a_near_miss_names_the_closest_layout_its_matches_and_what_it_lacks() -> None:
    err = raised_near_miss()
    assert err.nearest == Nearest("Airbnb reservations export", 4, 12, ("Start date", "End date"))
    assert str(err) == (
        "no known export layout matches this file (first row: Confirmation code, Status, Guest name, Listing, Start); "
        "the closest layout, the Airbnb reservations export, matches 4 of its 12 headers but lacks the required "
        "Start date and End date; pass --source to force one, or check that it is a reservations export"
    )
    copy = pickle.loads(pickle.dumps(err))
    assert (copy.nearest, str(copy)) == (err.nearest, str(err))


def test_the_closest_layout_is_the_one_with_most_headers() -> None:
    # "Status" and "Guest name" are Airbnb's and Booking.com's; the book number makes it Booking.com.
    with pytest.raises(UnrecognizedLayout) as info:
        read_export(b"Book number,Status,Guest name\r\n1,ok,Ann\r\n", "inbox/bcom.csv")
    nearest = info.value.nearest
    assert nearest is not None and nearest.title == LAYOUTS["booking_com"].title
    assert (nearest.matched, nearest.missing) == (3, ("Check-in", "Check-out"))


def test_a_forced_layout_names_the_required_headers_the_file_lacks() -> None:
    with pytest.raises(SourceError) as info:
        read_export(b"Confirmation code,Status,Listing,Start date\r\nHMAAAA1111,x,z,1\r\n", "inbox/near.csv", "airbnb")
    assert str(info.value).endswith("(first row: Confirmation code, Status, Listing, Start date): it lacks End date")
