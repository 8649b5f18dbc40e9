"""Screens of the console: the dashboard, dead-letter detail, help, confirmation, start-up."""
