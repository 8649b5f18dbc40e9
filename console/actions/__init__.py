"""The console's actions over the ops routes: replay and delete dead letters, run a cron now.

They are plain async functions over ``OpsClient``s so the dashboard and the CLI twins share them; the
session picks the worker, checks read-only mode, and hands them a progress callback.
"""


class ActionError(Exception):
    """An action could not run (unknown cron, no dead-letter store, read-only); the message says why."""
