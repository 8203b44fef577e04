"""Regenerate the README's screenshots: `python docs/screenshots/take.py` (needs Chromium and
Playwright, as the browser tests do).

Builds a throwaway sandbox in a temporary directory (the demo stores, a 120-day run with a
courier delay on the COD store, a scenario, a small sweep), serves it with runserver, and
photographs the pages a trainer shows. Nothing touches var/ or the database you work with.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "docs" / "screenshots"
PYTHON = sys.executable
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
USER, PASSWORD = "trainer-shots", "shots-only-9f2c"


def manage(env: dict, *args: str) -> str:
    done = subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True,
                          capture_output=True, text=True)  # fmt: skip
    return done.stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def build(env: dict) -> dict[str, str]:
    manage(env, "migrate", "-v0")
    manage(env, "seed_demo")
    manage(env, "simulate", "--days", "120", "--seed", "1", "--in-process",
           "--shock", "courier_delay:souq-express:70:21")  # fmt: skip
    manage(env, "scenario", "start", "cod_vs_prepaid", "--seed", "1", "--in-process")
    manage(env, "experiment", "sweep", "--store", "souq-express", "--param", "delivery_days_max",
           "--values", "1,2,4,6,8,10", "--seeds", "4", "--days", "180", "--in-process",
           "--format", "json")  # fmt: skip
    manage(env, "shell", "-c", (
        "from django.contrib.auth import get_user_model; U = get_user_model(); "
        f"U.objects.filter(username='{USER}').exists() or "
        f"U.objects.create_superuser('{USER}', 'shots@example.com', '{PASSWORD}')"
    ))  # fmt: skip
    ids = manage(env, "shell", "-c", (
        "from stores.models import ScenarioRun, Experiment, SimulationRun; "
        "print(ScenarioRun.objects.latest('pk').pk, Experiment.objects.latest('pk').pk, "
        "SimulationRun.objects.order_by('pk').first().pk)"
    )).split()  # fmt: skip
    return {"scenario": ids[-3], "experiment": ids[-2], "run": ids[-1]}


def shoot(base: str, ids: dict[str, str]) -> None:
    run = ids["run"]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)

        def page_at(width: int, height: int):
            page = browser.new_context(viewport={"width": width, "height": height}).new_page()
            page.goto(base + "/admin/login/?next=/admin/")
            page.fill("#id_username", USER)
            page.fill("#id_password", PASSWORD)
            page.click("input[type=submit]")
            return page

        page = page_at(1280, 900)
        page.goto(f"{base}/dashboard/?run={run}&baseline=everything-emporium")
        page.screenshot(path=OUT / "dashboard-compare.png")
        charted = "&".join(
            f"chart={slug}"
            for slug in ("souq-express", "everything-emporium", "glow-theory", "lumen-home")
        )
        page.goto(f"{base}/dashboard/?run={run}&baseline=everything-emporium&{charted}")
        page.locator(".chart-grid").screenshot(path=OUT / "dashboard-charts-shock.png")
        page.goto(f"{base}/dashboard/?run={run}&baseline=everything-emporium")
        page.locator(".waterfalls").screenshot(path=OUT / "dashboard-waterfalls.png")
        page.goto(f"{base}/scenarios/{ids['scenario']}/")
        page.screenshot(path=OUT / "scenario-debrief.png")
        page.goto(f"{base}/dashboard/experiments/{ids['experiment']}/")
        page.wait_for_selector("#experiment-chart svg")
        page.screenshot(path=OUT / "experiment-sweep.png")
        page.goto(f"{base}/s/postureup/")
        page.screenshot(path=OUT / "storefront-landing.png")

        projector = page_at(1024, 768)
        projector.goto(f"{base}/dashboard/?run={run}&baseline=everything-emporium&present=1")
        projector.screenshot(path=OUT / "dashboard-presentation-1024.png")
        browser.close()


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="sandbox-shots-") as var:
        env = {**os.environ, "SANDBOX_VAR_DIR": var, "DEBUG": "true"}
        env.pop("DATABASE_URL", None)
        ids = build(env)
        port = free_port()
        server = subprocess.Popen(
            [PYTHON, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.1)
            shoot(base, ids)
        finally:
            server.terminate()
            server.wait(timeout=10)
    print("wrote", ", ".join(sorted(p.name for p in OUT.glob("*.png"))))


if __name__ == "__main__":
    main()
