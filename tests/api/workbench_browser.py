"""A headless Chromium page on the workbench, recording what a user should never meet (a
script error, a style the policy refused, a request leaving the service); what the workbench's
browser tests share. Screenshots go to test-artifacts/ for a person to look at."""

from __future__ import annotations

import time
from typing import Any

from app.config import PROJECT_ROOT
from tests.support import ensure_tool

ARTIFACTS = PROJECT_ROOT / "test-artifacts"
# headless, and nothing the browser itself would fetch from outside
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class Browser:
    """One Chromium page on the workbench, recording what a user should never meet."""

    def __init__(
        self,
        playwright: Any,
        base: str,
        width: int = 1366,
        height: int = 768,
        chromium: Any = None,
    ) -> None:
        """A page of its own; in `chromium` (another Browser's) when given, as a second
        person at a second desk (its own cookies), else in a Chromium of its own."""
        self.base = base
        self.problems: list[str] = []
        self.foreign: list[str] = []
        self.owns_browser = chromium is None
        self.browser = chromium or playwright.chromium.launch(
            executable_path=ensure_tool("chromium", "chromium"), args=CHROMIUM_ARGS
        )
        self.context = self.browser.new_context(
            viewport={"width": width, "height": height}, locale="vi-VN"
        )
        self.page = self.context.new_page()
        page = self.page
        page.on("console", lambda m: m.type == "error" and self._console(m.text))
        page.on("pageerror", lambda e: self.problems.append(str(e)))
        page.on("request", lambda r: r.url.startswith(base) or self.foreign.append(r.url))

    def _console(self, text: str) -> None:
        # a refused sign-in is a 4xx the page expects and explains; Chromium logs it anyway
        if "status of 4" not in text:
            self.problems.append(text)

    def open(self, route: str = "") -> None:
        self.page.goto(f"{self.base}/workbench{route}")
        self.page.wait_for_selector("body[data-ready='true']", timeout=30_000)

    def until(self, expression: str, timeout_s: float = 20) -> None:
        """Wait until a JavaScript expression is true (polled: the page's CSP refuses the
        eval that Playwright's wait_for_function needs)."""
        deadline = time.monotonic() + timeout_s
        while not self.page.evaluate(expression):
            assert time.monotonic() < deadline, f"never true: {expression}"
            time.sleep(0.05)

    def view(self) -> str:
        return str(self.page.evaluate("document.body.dataset.view"))

    def sign_in(self, user: str, password: str) -> str:
        """Fill the sign-in form, submit it, and return the message shown."""
        page = self.page
        form = page.locator("#sign-in-form")
        page.evaluate("document.getElementById('message').textContent = ''")
        form.get_by_label("Tên đăng nhập").fill(user)
        form.get_by_label("Mật khẩu", exact=True).fill(password)
        with page.expect_response(lambda r: r.url.endswith("/session")):
            form.get_by_role("button", name="Đăng nhập").click()
        self.until(
            "document.getElementById('message').textContent !== ''"
            " || document.body.dataset.view !== 'sign-in'"
        )
        return self.page.inner_text("#message")

    def shot(self, name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"workbench-{name}.png"), full_page=True)

    def close(self) -> None:
        self.context.close()
        if self.owns_browser:
            self.browser.close()


def read_table(browser: Browser, selector: str) -> list[dict[str, str]]:
    """The rows of a table's body: their data- attributes, and `cells`, each cell's text."""
    rows: list[dict[str, str]] = browser.page.eval_on_selector_all(
        f"{selector} tbody tr",
        "rows => rows.map(r => ({...r.dataset, cells: [...r.cells].map(c => c.innerText)}))",
    )
    return rows
