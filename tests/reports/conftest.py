"""The figures dict the writers' tests lay out (tests/report_fixture.py), made once per session."""

from __future__ import annotations

from typing import Any

import pytest
import report_fixture


@pytest.fixture(scope="session")
def figures() -> dict[str, Any]:
    return report_fixture.figures()
