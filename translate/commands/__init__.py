"""The ``nb2en`` commands, one module per command group; ``translate.cli`` assembles them into the app.

``options`` holds the shared option definitions (``with_options``, ``build_settings``) and
``guard`` the error, exit-code and signal handling every command body runs inside.
"""
