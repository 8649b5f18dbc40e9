"""The console's operator actions: everything that changes something (replay, delete, run a cron,
deploy, restart the runtime), each refused under --read-only, asked first, and run in a worker that
reports progress and its result as typed messages, so a failure is a message, never the end of the app.

Mixed into ConsoleApp, whose session, snapshot, config, status line and poller they use.
"""

from __future__ import annotations

from typing import Any, Callable

from textual import work

from console.model import DeadLetter
from console.ui.messages import ActionFinished, ActionProgress, DeployPlanReady
from console.ui.screens.confirm import ConfirmScreen
from console.ui.screens.dead_letter import DeadLetterScreen
from console.ui.session_port import call, describe_cron_run, describe_delete, describe_replay


def _project_replay_rate(session: object) -> float | None:
    """The rate the session will use when the console sets none (tova.toml's [dlq] replay_rate)."""
    config = getattr(getattr(session, "project", None), "config", None)
    return getattr(config, "replay_rate", None)


class OperatorActions:
    """Mixin for ConsoleApp (see the module docstring)."""

    def _refused(self, what: str) -> bool:
        if self.config.read_only:
            self.notify(f"{what} is disabled: the console was started with --read-only.",
                        title="Read-only", severity="warning")
            self.status_line.set_note(f"{what} refused (read-only)", "$warning")
            return True
        if self.session is None or self.snapshot is None:
            self.notify(f"{what} needs a running session; wait for the first data.", severity="warning")
            return True
        if self.action_running:
            self.notify("Another action is still running; wait for its result.", severity="warning")
            return True
        return False

    def _selected_dead_letter(self) -> DeadLetter | None:
        return getattr(self.screen, "selected_dead_letter", None)

    def _ask(self, question: str, then: Callable[[], Any], yes_label: str = "Yes") -> None:
        def answered(yes: bool | None) -> None:
            if yes:
                then()
            else:
                self.status_line.set_note("cancelled", "$text-muted")
        self.push_screen(ConfirmScreen(question, yes_label), answered)

    def on_action_progress(self, message: ActionProgress) -> None:
        self.status_line.set_note(message.text, "$accent")

    def on_action_finished(self, message: ActionFinished) -> None:
        self.action_running = False
        self.show_live_dead_letters()  # an older page shown is stale after a replay or delete
        self.status_line.set_note(message.text, "$success" if message.ok else "$error")
        self.notify(message.text, severity="information" if message.ok else "error", timeout=6)
        self.wake_poller()

    # -- actions: dead letters ------------------------------------------------------------------------

    def action_replay_selected(self) -> None:
        if self._refused("Replay"):
            return
        letter = self._selected_dead_letter()
        if letter is None:
            self.notify("Select a dead letter first (or R to replay all).", severity="warning")
            return
        self._ask(f"Replay dead letter {letter.id} to queue {letter.queue}?\n\n"
                  f"It failed {letter.attempts} time(s): {letter.error or 'no error recorded'}",
                  lambda: self._replay([letter.id]), "Replay")

    def action_replay_all(self) -> None:
        if self._refused("Replay all"):
            return
        total = self.snapshot.dead_letter_total if self.snapshot else 0
        if not total:
            self.notify("There are no dead letters to replay.")
            return
        rate = self.config.replay_rate or _project_replay_rate(self.session)
        pace = f"at most {rate:g} per second" if rate else "rate limited"
        self._ask(f"Replay all {total} dead letter(s) to their source queues, {pace}?",
                  lambda: self._replay(None, total), "Replay all")

    def _replay(self, ids: list[str] | None, total: int | None = None) -> None:
        self.action_running = True
        self.replay_worker(ids, total)

    @work(group="actions", exit_on_error=False)
    async def replay_worker(self, ids: list[str] | None, total: int | None) -> None:
        assert self.session is not None
        count = len(ids) if ids is not None else total
        rate = self.config.replay_rate  # None: the project's tova.toml (or the session's default) decides

        def progress(done: int, of: int) -> None:
            self.post_message(ActionProgress(f"replaying… {done}/{of or count}"))

        self.post_message(ActionProgress(f"replaying {count} dead letter(s)…"))
        try:
            if ids is not None:
                result = await call(self.session.replay, ids, rate=rate, progress=progress)
            else:
                result = await call(self.session.replay, None, all=True, rate=rate, progress=progress)
            self.post_message(ActionFinished(*describe_replay(result, count if ids is None else None)))
            if ids is not None and isinstance(self.screen, DeadLetterScreen):
                self.call_later(self.pop_screen)  # the letter shown is gone from the store
        except Exception as error:
            self.post_message(ActionFinished(f"replay failed: {error}", False))

    def action_delete_selected(self) -> None:
        if self._refused("Delete"):
            return
        letter = self._selected_dead_letter()
        if letter is None:
            self.notify("Select a dead letter first.", severity="warning")
            return
        self._ask(f"Delete dead letter {letter.id} from {letter.dlq} for good?\n\nIts body cannot be recovered.",
                  lambda: self._delete([letter.id]), "Delete")

    def action_delete_all(self) -> None:
        if self._refused("Purge"):
            return
        total = self.snapshot.dead_letter_total if self.snapshot else 0
        if not total:
            self.notify("There are no dead letters to delete.")
            return
        self._ask(f"Delete ALL {total} dead letter(s) for good?\n\nTheir bodies cannot be recovered.",
                  lambda: self._delete(None), "Delete all")

    def _delete(self, ids: list[str] | None) -> None:
        self.action_running = True
        self.delete_worker(ids)

    @work(group="actions", exit_on_error=False)
    async def delete_worker(self, ids: list[str] | None) -> None:
        assert self.session is not None
        try:
            self.post_message(ActionProgress("deleting…"))
            if ids is None:
                result = await call(self.session.delete, None, all=True)
            else:
                result = await call(self.session.delete, ids)
            self.post_message(ActionFinished(describe_delete(result), True))
            if isinstance(self.screen, DeadLetterScreen):
                self.call_later(self.pop_screen)
        except Exception as error:
            self.post_message(ActionFinished(f"delete failed: {error}", False))

    def action_open_dead_letter(self, letter: DeadLetter) -> None:
        self.push_screen(DeadLetterScreen(letter))

    # -- actions: crons, deploy -------------------------------------------------------------------------

    def action_run_cron(self) -> None:
        cron = getattr(self.screen, "selected_cron", None)
        if cron is None:
            if not self._refused("Run cron"):
                self.notify("No cron selected (press 2 for the crons).", severity="warning")
            return
        self.run_cron_named(cron.name)

    def run_cron_named(self, name: str) -> None:
        if self._refused("Run cron"):
            return
        self._ask(f"Run cron {name} now?", lambda: self._run_cron(name), "Run now")

    def _run_cron(self, name: str) -> None:
        self.action_running = True
        self.cron_worker(name)

    @work(group="actions", exit_on_error=False)
    async def cron_worker(self, name: str) -> None:
        assert self.session is not None
        try:
            self.post_message(ActionProgress(f"running cron {name}…"))
            run = await call(self.session.run_cron, name)
            self.post_message(ActionFinished(*describe_cron_run(name, run)))
        except Exception as error:
            self.post_message(ActionFinished(f"cron {name} could not run: {error}", False))

    def action_deploy(self) -> None:
        if self._refused("Deploy"):
            return
        if self.snapshot is not None and self.snapshot.target != "cloudflare":
            self.notify(f"Deploy works on the Cloudflare target; this console watches {self.snapshot.target}. "
                        "Run `tova console FILE --target cloudflare`.", severity="warning")
            return
        # The question carries the plan (what would be created or updated), read from the account
        # first, as `tova deploy` shows it: nobody should approve a deploy blind.
        self.action_running = True
        self.deploy_plan_worker()

    @work(group="actions", exit_on_error=False)
    async def deploy_plan_worker(self) -> None:
        assert self.session is not None
        try:
            self.post_message(ActionProgress("reading the account for the deploy plan…"))
            plan = await call(self.session.plan, lambda line: self.post_message(ActionProgress(line)))
        except NotImplementedError:
            self.post_message(ActionFinished("this target cannot deploy", False))
        except Exception as error:
            self.post_message(ActionFinished(f"could not read the deploy plan: {error}", False))
        else:
            self.post_message(DeployPlanReady(plan))

    def on_deploy_plan_ready(self, message: DeployPlanReady) -> None:
        self.action_running = False
        self.status_line.set_note("deploy plan ready", "$text-muted")
        label = getattr(self.session, "target_label", "cloudflare")
        project = self.snapshot.project if self.snapshot else "the project"
        self._ask(f"Deploy {project} to {label}?\n\n{message.plan}", self._deploy, "Deploy")

    def _deploy(self) -> None:
        self.action_running = True
        self.deploy_worker()

    @work(group="actions", exit_on_error=False)
    async def deploy_worker(self) -> None:
        assert self.session is not None
        try:
            result = await call(self.session.deploy, lambda line: self.post_message(ActionProgress(line)))
            self.post_message(ActionFinished(f"deployed: {result}" if result else "deployed", True))
        except NotImplementedError:
            self.post_message(ActionFinished("this target cannot deploy", False))
        except Exception as error:
            self.post_message(ActionFinished(f"deploy failed: {error}", False))

    def action_restart_target(self) -> None:
        if self._refused("Restart"):
            return
        if self.snapshot is not None and self.snapshot.target != "local":
            self.notify("Restart is for the local runtime.", severity="warning")
            return
        self._ask("Restart the local runtime?\n\nMessages still waiting in its in-memory queues are lost; "
                  "dead letters and cron runs are kept (they live in the ops store).", self._restart, "Restart")

    def _restart(self) -> None:
        self.action_running = True
        self.restart_worker()

    @work(group="actions", exit_on_error=False)
    async def restart_worker(self) -> None:
        assert self.session is not None
        session = self.session
        try:
            self.post_message(ActionProgress("stopping the runtime…"))
            await call(session.stop)
            await call(session.start, lambda line: self.post_message(ActionProgress(line)))
            self.post_message(ActionFinished("runtime restarted", True))
        except Exception as error:
            self.post_message(ActionFinished(f"restart failed: {error} (S to try again)", False))
