"""The Textual dashboard: the only package that imports Textual.

It renders ``console.model.Snapshot`` values and sends actions through ``console.session.Session``;
widgets never do I/O (the app's workers do, and post typed messages).
"""
