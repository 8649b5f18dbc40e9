"""Theme files for `tova console` (TOML, one theme per file).

This folder is a package only so that a non-editable install (a wheel) carries the files along;
``console.ui.themes`` reads them through ``importlib.resources``.
"""
