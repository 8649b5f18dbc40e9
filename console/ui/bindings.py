"""Every key of the console as data: an id (what a user keymap refers to), default keys, the app
action it runs, and whether it changes anything (those are refused under ``--read-only``).

The footer, the help screen and the command palette are all generated from this table, so a new
action appears everywhere at once. A user keymap (``[keymap]`` in the console config) maps ids to new
keys, as in Posting: ``replay = "ctrl+r"``.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding


@dataclass(frozen=True)
class ConsoleAction:
    id: str
    keys: str  # Textual key names, comma separated
    action: str  # method `action_<action>` on the app
    title: str  # short, for the footer and the palette
    help: str  # one sentence, for the help screen
    changes_things: bool = False
    footer: bool = True
    short: str | None = None  # the footer's word when the title is too long for 80 columns


ACTIONS: tuple[ConsoleAction, ...] = (
    ConsoleAction("help", "question_mark", "help", "Help", "Show every key and what it does."),
    ConsoleAction("filter", "slash", "filter", "Filter",
                  "Filter the dead letters, crons and logs by text (Escape clears)."),
    ConsoleAction("replay", "r", "replay_selected", "Replay",
                  "Send the selected dead letter back to its source queue.", changes_things=True),
    ConsoleAction("replay-all", "R", "replay_all", "Replay all",
                  "Send every dead letter back to its source queue, rate limited.", changes_things=True),
    ConsoleAction("delete", "x,delete", "delete_selected", "Delete",
                  "Delete the selected dead letter for good.", changes_things=True),
    ConsoleAction("delete-all", "X", "delete_all", "Purge",
                  "Delete every dead letter for good.", changes_things=True, footer=False),
    ConsoleAction("older-dead-letters", "right_square_bracket", "older_dead_letters", "Older letters",
                  "Page the dead-letter table back through the store, past the newest 200 (a page, not live).",
                  footer=False),
    ConsoleAction("newer-dead-letters", "left_square_bracket", "newer_dead_letters", "Newer letters",
                  "Page the dead-letter table forward again, back to the live newest letters.", footer=False),
    ConsoleAction("run-cron", "c", "run_cron", "Run cron",
                  "Run the selected cron now and show its result.", changes_things=True, short="Cron"),
    ConsoleAction("restart", "S", "restart_target", "Restart runtime",
                  "Restart the local runtime (after it died, or to start clean); asks first.",
                  changes_things=True, footer=False),
    ConsoleAction("pause", "p", "toggle_pause", "Pause", "Pause or resume polling."),
    ConsoleAction("refresh", "ctrl+r,f5", "poll_now", "Poll now", "Poll every source now.",
                  footer=False),
    ConsoleAction("interval", "i", "change_interval", "Interval", "Change how often to poll.",
                  footer=False),
    ConsoleAction("view-dead-letters", "1", "show_view('dead-letters')", "Dead letters",
                  "Show the dead-letter table (on short terminals one view shows at a time).",
                  footer=False),
    ConsoleAction("view-crons", "2", "show_view('crons')", "Crons", "Show the crons.", footer=False),
    ConsoleAction("view-logs", "3", "show_view('logs')", "Logs", "Show the worker logs.", footer=False),
    ConsoleAction("charts", "g", "show_charts", "Charts",
                  "Open larger charts of queue backlog, dead letters and worker heap (Escape closes)."),
    ConsoleAction("theme", "t", "next_theme", "Theme", "Switch to the next theme.", footer=False),
    ConsoleAction("deploy", "D", "deploy", "Deploy",
                  "Deploy the project to the target (Cloudflare only), after a confirmation.",
                  changes_things=True, footer=False),
    ConsoleAction("palette", "ctrl+p", "command_palette", "Commands", "Open the command palette.",
                  footer=False),
    ConsoleAction("quit", "q,ctrl+c", "quit", "Quit",
                  "Stop the local runtime and leave (Ctrl-C too, as in k9s and htop; asks first while a replay runs)."),
)

ACTION_BY_ID = {a.id: a for a in ACTIONS}
CHANGING_ACTIONS = {a.action for a in ACTIONS if a.changes_things}


def app_bindings(read_only: bool = False) -> list[Binding]:
    # The palette's own ctrl+p binding comes with Textual; the table lists it only for help and keymap.
    # Read-only hides what it would refuse from the footer; the keys still answer with the refusal.
    return [
        Binding(a.keys, a.action, a.short or a.title, show=a.footer and not (read_only and a.changes_things), id=a.id)
        for a in ACTIONS if a.id != "palette"
    ]


def unknown_keymap_ids(keymap: dict[str, str]) -> list[str]:
    return sorted(set(keymap) - set(ACTION_BY_ID))
