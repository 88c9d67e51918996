"""A real headless Chromium for the page tests: Debian's ``chromium`` driven by Playwright.

:func:`chromium` finds the browser (``ACTLAB_CHROMIUM``, else ``chromium`` /
``chromium-browser`` / ``google-chrome`` on PATH).  Without a browser or without Playwright
the tests skip with the reason -- except under CI (``CI`` set), where the page tests are
part of the contract and fail instead (``.ci/run`` installs both).

No browser is ever downloaded: Playwright is pointed at the system executable, started with
the flags that keep it off the network (no background requests, no component updates).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

#: Chromium flags: headless as root in a container, nothing fetched in the background.
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


def _missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; under CI the browser tests must run (.ci/run installs Debian's chromium and "
                    "the test extra installs playwright)")
    pytest.skip(f"{reason}: browser tests skipped (install Debian's chromium, or set ACTLAB_CHROMIUM)")


def executable() -> str:
    """Path of the Chromium executable (skips or, under CI, fails when there is none)."""
    env = os.environ.get("ACTLAB_CHROMIUM")
    if env:
        if not Path(env).is_file():
            _missing(f"ACTLAB_CHROMIUM={env} is not a file")
        return env
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    _missing("no Chromium found on PATH")
    raise AssertionError("unreachable")


def launch(playwright_instance):
    """A headless Chromium browser from the system executable."""
    return playwright_instance.chromium.launch(executable_path=executable(), headless=True, args=FLAGS)


def sync_playwright():
    """Playwright's sync API (skips or, under CI, fails when Playwright is not installed)."""
    try:
        from playwright.sync_api import sync_playwright as sp
    except ImportError:
        _missing("Playwright is not installed (pip install -e '.[test]')")
    return sp()


def screenshot_dir() -> Path | None:
    """Where to save screenshots for a person to look at (``ACTLAB_SCREENSHOTS``), or None."""
    d = os.environ.get("ACTLAB_SCREENSHOTS")
    if not d:
        return None
    p = Path(d)
    p.mkdir(parents=True, exist_ok=True)
    return p
