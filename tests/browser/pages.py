"""A few verbs over Selenium for the workbench's browser tests: open, sign in, read, shoot."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

WAIT_SECONDS = 30  # the machine may be busy with other jobs


@dataclass
class Workbench:
    driver: WebDriver
    base: str
    keys: dict[str, str]
    shots: Path

    def open(self, path: str) -> None:
        self.driver.get(self.base + path)

    def sign_in(self, role: str) -> None:
        self.driver.delete_all_cookies()
        self.open("/")
        self.one("#key").send_keys(self.keys[role])
        self.one("#signin-form button[type=submit]").click()
        self.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "#signout"))

    def one(self, css: str) -> WebElement:
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def all(self, css: str) -> list[WebElement]:
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def texts(self, css: str) -> list[str]:
        return [e.text for e in self.all(css)]

    def ids(self, css: str) -> list[str]:
        """The data-id of every match, read in one script inside the page: a list being
        re-rendered cannot drop a node between finding it and reading it."""
        script = (
            "return Array.from(document.querySelectorAll(arguments[0]),"
            " e => e.getAttribute('data-id') || '')"
        )
        return list(self.driver.execute_script(script, css))

    def heading(self) -> str:
        return self.one("h1").text

    def wait(self, condition: Callable[[WebDriver], Any]) -> Any:
        """Until the condition holds; elements of a page being replaced are read again."""
        ignored = (NoSuchElementException, StaleElementReferenceException)
        return WebDriverWait(self.driver, WAIT_SECONDS, ignored_exceptions=ignored).until(condition)

    def wait_for_page(self, path_prefix: str) -> None:
        self.wait(lambda d: d.current_url.split("?")[0].startswith(self.base + path_prefix))
        self.wait(lambda d: d.execute_script("return document.readyState") == "complete")

    def shot(self, name: str) -> Path:
        path = self.shots / f"{name}.png"
        height = self.driver.execute_script("return document.documentElement.scrollHeight")
        width = self.driver.get_window_size()["width"]
        self.driver.set_window_size(width, min(max(int(height) + 140, 600), 4000))
        self.driver.save_screenshot(str(path))
        self.driver.set_window_size(width, 900)
        return path

    def session_cookie(self) -> dict[str, str]:
        return {c["name"]: c["value"] for c in self.driver.get_cookies()}


def wait_for_file(folder: Path, suffix: str, seconds: float = WAIT_SECONDS) -> Path:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        done = [p for p in folder.glob(f"*{suffix}") if not p.name.endswith(".crdownload")]
        if done:
            return max(done, key=lambda p: p.stat().st_mtime)
        time.sleep(0.2)
    raise AssertionError(f"no {suffix} file was downloaded into {folder}")
