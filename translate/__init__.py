"""nb2en: faithful Norwegian-to-English translation of news articles.

Importing this package is cheap on purpose: torch, transformers and ctranslate2
are imported only when a model is loaded (see ``translate.backends``).
"""

__version__ = "0.1.0"
