"""`manage.py simulate --days N --seed S`: a seeded run over the stores, through the workers.

Dispatches the run's chunks to Celery and draws a progress bar until the run ends, then prints a
per-store summary. `--in-process` writes the chunks here instead (no worker needed); `--resume
RUN_ID` re-dispatches a run's unfinished chunks (or, with --in-process, writes them here). With
Redis unreachable it says so in one line and creates nothing. `--shock NAME:STORE:START[:DAYS]`
(repeatable) applies a shock of the library (`manage.py shock list`) to a store of the run.
"""

from __future__ import annotations

import sys
import time
from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from stores import services, validation
from stores.formatting import money, pct
from stores.metrics import compare_stores
from stores.models import ChunkStatus, RunChunk, RunStatus, SimulationRun, Store
from stores.services import BrokerUnavailable, broker, runs
from stores.services.shocks import ShockRequest
from stores.shocks import ShockSpec, check_window

BAR_WIDTH = 30
STALL_HINT_SECONDS = 20
COMMAND_NUMBER = validation.NumberRule(-(10**18) + 1, 10**18 - 1, 18)
WITHOUT_A_WORKER = "or use --in-process"


def positive_int(value: str, label: str = "value") -> int:
    """A whole number typed on the command line: ASCII digits, at most 18 of them (the range is
    checked by the caller, with its own message)."""
    try:
        return validation.whole_number(value, label, COMMAND_NUMBER)
    except validation.InvalidInput as exc:
        raise CommandError(
            f"{label}: {value[:30]!r} is not a whole number. {exc.message}"
        ) from None


def named_slugs(value: str | None, flag: str = "--stores") -> list[str]:
    """The slugs a comma-separated option names; [] when the option was left out. Given but
    naming none (an empty shell variable, ",") is refused: it used to mean every store, and
    simulated all of them."""
    if value is None:
        return []
    slugs = [s.strip() for s in value.split(",") if s.strip()]
    if not slugs:
        raise CommandError(f"{flag} names no store: give slugs, or leave {flag} out for all.")
    return slugs


def shock_requests(specs: list[str], stores: list[Store], days: int) -> list[ShockRequest]:
    """--shock values checked against the library, the run's stores and its days (a
    CommandError naming the bad part before anything is created)."""
    by_slug = {s.slug: s for s in stores}
    requests = []
    for text in specs:
        try:
            spec = ShockSpec.parse(text)
            check_window(spec.start_day, spec.days, days)
        except ValueError as exc:
            raise CommandError(f"--shock {text!r}: {exc}") from None
        if spec.store_slug not in by_slug:
            raise CommandError(
                f"--shock {text!r}: store {spec.store_slug!r} is not among the run's stores."
            )
        requests.append(
            ShockRequest(spec.name, by_slug[spec.store_slug], spec.start_day, spec.days)
        )
    return requests


class Command(BaseCommand):
    help = "Simulate N days of traffic and orders for the stores (seeded, through Celery workers)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=str, help="Days to simulate (1-3650).")
        parser.add_argument("--seed", type=str, help="Random seed (same seed, same rows).")
        parser.add_argument(
            "--stores",
            default=None,
            help="Comma-separated store slugs (default: all active, outside training sessions).",
        )
        parser.add_argument(
            "--start", default="", help="First day, YYYY-MM-DD (default: DAYS days ago)."
        )
        parser.add_argument("--chunk-days", type=str, default="",
                            help="Days per task (default: even spans of at most "
                                 f"{runs.DEFAULT_CHUNK_DAYS}).")  # fmt: skip
        parser.add_argument("--no-crn", action="store_true",
                            help="Give each store its own demand stream (no common random numbers).")  # fmt: skip
        parser.add_argument(
            "--in-process", action="store_true", help="Write the run here, no worker."
        )
        parser.add_argument(
            "--resume",
            type=str,
            default="",
            help="Re-dispatch a run's unfinished chunks (with --in-process: write them here).",
        )
        parser.add_argument("--no-wait", action="store_true", help="Dispatch and return at once.")
        parser.add_argument(
            "--shock", action="append", default=[], metavar="NAME:STORE_SLUG:START_DAY[:DAYS]",
            help="Apply a shock (manage.py shock list) to a store from START_DAY (0 = the run's "
            "first day) for DAYS days (default: the shock's usual duration; 'open': no end). "
            "Repeatable.",
        )  # fmt: skip

    def handle(self, *args, **options) -> None:
        if options["resume"] and options["in_process"]:
            run = self._existing(options["resume"])
            services.run_in_process(run, on_progress=self._draw)
        elif options["resume"]:
            run = self._resume(options["resume"])
        else:
            run = self._create(options)
            self.stdout.write(
                f"Run #{run.pk}: {run.days} days from {run.start_date}, seed {run.seed}, "
                f"{run.stores.count()} store(s), {run.chunks_total} chunks."
            )
            for shock in run.shocks.select_related("store"):
                self.stdout.write(f"  shock: {shock}")
            if options["in_process"]:
                services.run_in_process(run, on_progress=self._draw)
        if options["no_wait"] and not options["in_process"]:
            self.stdout.write(f"Dispatched run #{run.pk}; follow it with --resume {run.pk}.")
            return
        run = self._wait(run)
        self.stdout.write("")
        if run.status != RunStatus.DONE:
            raise CommandError(f"Run #{run.pk} ended {run.status}. {run.error}".strip())
        self._summary(run)

    def _create(self, options) -> SimulationRun:
        if options["days"] is None or options["seed"] is None:
            raise CommandError("Give --days N and --seed S (or --resume RUN_ID).")
        days = positive_int(options["days"], "--days")
        seed = positive_int(options["seed"], "--seed")
        chunk_days = (
            positive_int(options["chunk_days"], "--chunk-days") if options["chunk_days"] else None
        )
        if not 1 <= days <= runs.MAX_DAYS:
            raise CommandError(f"--days must be between 1 and {runs.MAX_DAYS}.")
        if seed < 0:
            raise CommandError("--seed must be zero or positive.")
        if chunk_days is not None and chunk_days < 1:
            raise CommandError("--chunk-days must be at least 1.")
        start = None
        if options["start"]:
            try:
                start = date.fromisoformat(options["start"])
            except ValueError:
                raise CommandError(
                    f"--start {options['start']!r} is not a YYYY-MM-DD date."
                ) from None
            try:
                runs.check_dates(start, days)
            except ValueError as exc:
                raise CommandError(f"--start: {exc}") from None
        stores = Store.objects.active()
        slugs = named_slugs(options["stores"])
        if slugs:
            found = {s.slug: s for s in stores.filter(slug__in=slugs)}
            unknown = [s for s in slugs if s not in found]
            if unknown:
                raise CommandError(f"Unknown or inactive store(s): {', '.join(unknown)}.")
            stores = [found[s] for s in slugs]
        else:
            # A training session's stores live on its own clock: named, they may join a run,
            # but "all" means the stores on the real calendar.
            stores = stores.on_real_clock()
        stores = list(stores)
        if not stores:
            raise CommandError("No active stores: create some first (manage.py seed_demo).")
        # On the workers, the run is created and queued at once, or not created at all.
        make = services.create_run if options["in_process"] else services.start_run
        try:
            return make(
                days=days,
                seed=seed,
                stores=stores,
                start_date=start,
                chunk_days=chunk_days,
                common_random_numbers=not options["no_crn"],
                shocks=shock_requests(options["shock"], stores, days),
            )
        except BrokerUnavailable as exc:
            raise CommandError(exc.explain(WITHOUT_A_WORKER)) from None
        except services.NothingToSell as exc:
            raise CommandError(str(exc)) from None

    def _existing(self, value: str) -> SimulationRun:
        run_id = positive_int(value, "--resume")
        run = SimulationRun.objects.filter(pk=run_id).first()
        if run is None:
            raise CommandError(f"No simulation run #{run_id}.")
        try:
            # A run created before its dates were checked (a --start of 0001-01-01) can never
            # be written: resuming it was a traceback from inside the engine.
            runs.check_dates(run.start_date, run.days)
        except ValueError as exc:
            raise CommandError(f"Run #{run.pk} cannot be resumed. {exc}") from None
        return run

    def _resume(self, value: str) -> SimulationRun:
        run = self._existing(value)
        try:
            queued = services.resume_run(run.pk)
        except BrokerUnavailable as exc:
            raise CommandError(exc.explain(WITHOUT_A_WORKER)) from None
        self.stdout.write(f"Run #{run.pk}: re-dispatched {queued} unfinished chunk(s).")
        return run

    def _wait(self, run: SimulationRun) -> SimulationRun:
        last_done, last_change, hinted = -1, time.monotonic(), False
        while True:
            run.refresh_from_db()
            if run.chunks_done != last_done:
                self._draw(run.chunks_done, run.chunks_total)
                last_done, last_change, hinted = run.chunks_done, time.monotonic(), False
            if run.status not in (RunStatus.PENDING, RunStatus.RUNNING):
                return run
            if not hinted and time.monotonic() - last_change > STALL_HINT_SECONDS:
                hinted = True  # once per stall
                self.stderr.write("\n" + self.stall_hint(run))
            time.sleep(0.5)

    def stall_hint(self, run: SimulationRun) -> str:
        """What a run without progress is waiting for: a worker to start, or the work ahead."""
        follow = f"Ctrl-C leaves the run queued; `simulate --resume {run.pk}` follows it again."
        workers = broker.workers_answering(timeout=1.0)
        alive = RunChunk.objects.filter(
            status=ChunkStatus.RUNNING, heartbeat_at__gte=runs.silent_since()
        )
        if not workers and not alive.exists():
            return (
                f"No progress for {STALL_HINT_SECONDS} s and no worker answered: start one with "
                "`make run` (or `celery -A sandbox worker`), or rerun with --in-process. " + follow
            )
        who = (
            f"{len(workers)} worker(s) up ({', '.join(workers)})"
            if workers
            else "the workers are busy (no answer to a ping, but their heartbeats are fresh)"
        )
        unfinished = run.chunks.exclude(status=ChunkStatus.DONE)
        writing = alive.filter(run=run).count()
        ahead = (
            RunChunk.objects.filter(run__status=RunStatus.RUNNING)
            .exclude(run=run)
            .exclude(status=ChunkStatus.DONE)
            .count()
        )
        waiting = f"{writing} chunk(s) being written, {unfinished.count() - writing} queued"
        if ahead:
            waiting += f" behind {ahead} unfinished chunk(s) of other runs"
        return (
            f"Waiting for the workers: {who}; run #{run.pk} has {waiting}. A chunk whose worker "
            f"dies is queued again by itself after {settings.CHUNK_STALE_SECONDS} s of silence. "
            + follow
        )

    def _draw(self, done: int, total: int) -> None:
        share = done / total if total else 1.0
        filled = round(BAR_WIDTH * share)
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        end = "\r" if sys.stdout.isatty() else "\n"
        self.stdout.write(f"[{bar}] {done}/{total} chunks {share:4.0%}", ending=end)
        self.stdout.flush()

    def _summary(self, run: SimulationRun) -> None:
        rows = compare_stores(run.stores.all(), run=run).rows
        self.stdout.write(
            f"{'store':24} {'model':15} {'sessions':>9} {'orders':>7} {'conv':>6} {'AOV':>8} "
            f"{'net sales':>12} {'returns':>7} {'COD RTO':>7} {'contrib.':>12} {'ad spend':>10}"
        )
        for r in rows:
            self.stdout.write(
                f"{r.slug:24} {r.model:15} {r.sessions:>9} {r.orders:>7} "
                f"{pct(r.conversion_rate):>6} {money(r.aov):>8} {money(r.net_sales):>12} "
                f"{pct(r.returns_rate):>7} {pct(r.cod_refusal_rate):>7} "
                f"{money(r.contribution):>12} {money(r.ad_spend):>10}"
            )
