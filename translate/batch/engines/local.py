"""The local engine: windows translated in this process by the Translator's own backend."""

from __future__ import annotations

from translate.pipeline import ArticleResult, PreparedArticle, Translator, translate_prepared


class LocalEngine:
    """Sentences of every article in a window share model batches in this process."""

    name = "local"

    def __init__(self, translator: Translator, **options):
        if options:
            from translate.errors import UsageError

            raise UsageError(f"The local engine takes no options ({', '.join(sorted(options))} given).")
        self.translator = translator

    def translate_window(self, window: list[PreparedArticle]) -> list[ArticleResult]:
        return translate_prepared(window, self.translator)

    def close(self) -> None:
        """Nothing to release: the translator (and its cache) belong to the caller."""

    def __enter__(self) -> "LocalEngine":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
