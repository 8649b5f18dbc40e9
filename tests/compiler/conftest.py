from tova_testkit import node  # noqa: F401  (the session fixture for the pinned Node 22)
