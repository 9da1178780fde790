"""The rule tests' database: a fresh one of each kind, cleared between hypothesis examples."""

from __future__ import annotations

import pytest
from rule_database import RuleDatabase
from sqlalchemy import Engine


@pytest.fixture
def rule_db(engine: Engine) -> RuleDatabase:
    return RuleDatabase(engine)
