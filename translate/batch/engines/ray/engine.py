"""``RayEngine``: the batch engine that lends the Translator a Ray actor pool for its misses."""

from __future__ import annotations

from translate.batch.engines.ray.options import RayOptions, default_window_sentences
from translate.batch.engines.ray.pool import RayMissTranslator
from translate.pipeline import CACHE_WRITE_CHUNK, ArticleResult, PreparedArticle, Translator, translate_prepared



class RayEngine:
    """Windows of articles translated through the Translator, its misses by Ray actors.

    Everything but the miss computation (cache, keys, flags, articles) is the Translator's,
    as in the local engine; this engine swaps in a ``RayMissTranslator`` for the run and
    lets one call carry a whole window of misses, so every actor has work at once.
    """

    name = "ray"

    def __init__(
        self,
        translator: Translator,
        address: str | None = None,
        actors: int | None = None,
        cpus_per_actor: float = 1.0,
        gpus_per_actor: float = 0.0,
        **options,
    ):
        self.translator = translator
        self.misses = RayMissTranslator(
            translator.backend,
            repair=translator.settings.repair,
            options=RayOptions(
                address=address, actors=actors, cpus_per_actor=cpus_per_actor, gpus_per_actor=gpus_per_actor, **options
            ),
        )
        self._previous = (translator.translate_misses, translator.miss_chunk)
        translator.translate_misses = self.misses
        translator.miss_chunk = max(CACHE_WRITE_CHUNK, default_window_sentences(actors, gpus_per_actor))

    def translate_window(self, window: list[PreparedArticle]) -> list[ArticleResult]:
        return translate_prepared(window, self.translator)

    def close(self) -> None:
        """Remove the actors (and a Ray this engine started); give the Translator back its own misses."""
        try:
            self.misses.close()
        finally:
            self.translator.translate_misses, self.translator.miss_chunk = self._previous

    def __enter__(self) -> "RayEngine":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
