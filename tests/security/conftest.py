"""Counts from the attack-surface suite, printed at the end of the run (CI shows them)."""

from __future__ import annotations

from typing import Any

COUNTS: dict[str, str] = {}


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if COUNTS:
        terminalreporter.section("attack surface")
        for line in COUNTS.values():
            terminalreporter.write_line(line)
