"""The request-batching queue: many requests' cache misses, one model, shared batches.

This is how LLM servers batch: requests never call the model themselves. Each request
hands its (cache-missing) texts to ``Batcher.translate`` and awaits them; ONE worker task
takes whatever is waiting (up to ``max_batch_sentences`` texts and ``max_batch_chars``
characters, after waiting at most ``max_wait_ms`` for company), translates it as one call
of the miss translator in the model thread (off the event loop), and resolves each text's
future. A request gets exactly its own texts back, in its own order.

- A text already queued or being translated is not queued again: the second request
  awaits the first one's future (a sentence asked twice at once is translated once).
- The queue is bounded in texts (``max_queue``): a request whose new texts do not fit is
  refused whole with ``QueueFull`` (HTTP 429) and nothing of it is queued, so memory does
  not grow with load.
- The model runs in one dedicated thread (``run_in_model_thread`` runs anything else there,
  e.g. loading), so a model library that dislikes being called from several threads never is.

``blocking_misses()`` adapts the batcher to the pipeline's synchronous miss translator
(texts in, results out): the pipeline's ``Translator`` keeps the cache in front, and only
its misses reach this queue. Call it from a thread other than the event loop's.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

log = logging.getLogger("nb2en.serve")


class QueueFull(Exception):
    """The queue has no room for this request's texts (answer 429 and let the client retry)."""


class BatcherClosed(Exception):
    """The server is shutting down; the text was not translated."""


@dataclass
class BatchStats:
    """What the worker reports after each batch (for metrics)."""

    size: int
    chars: int
    seconds: float


class Batcher:
    """One bounded queue and one worker in front of a ``translate_misses(texts) -> results``."""

    def __init__(
        self,
        translate_misses: Callable[[list[str]], Sequence[Any]],
        *,
        max_queue: int = 1024,
        max_batch_sentences: int = 64,
        max_batch_chars: int = 16_000,
        max_wait_ms: float = 5.0,
        on_batch: Callable[[BatchStats], None] | None = None,
    ):
        if max_queue < 1 or max_batch_sentences < 1:
            raise ValueError("max_queue and max_batch_sentences must be at least 1")
        self.translate_misses = translate_misses
        self.max_queue = max_queue
        self.max_batch_sentences = max_batch_sentences
        self.max_batch_chars = max_batch_chars
        self.max_wait_s = max_wait_ms / 1000.0
        self.on_batch = on_batch
        self._pending: collections.deque[str] = collections.deque()
        self._futures: dict[str, asyncio.Future] = {}  # queued or being translated, by text
        self._work = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._worker: asyncio.Task | None = None
        self._closed = False
        self._executor = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="nb2en-model")
        self.batches = 0

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Start the worker on the running event loop."""
        self._loop = asyncio.get_running_loop()
        self._worker = self._loop.create_task(self._run(), name="nb2en-batcher")

    async def run_in_model_thread(self, function: Callable[[], Any]) -> Any:
        """Run ``function`` in the model thread (e.g. to load the model) and return its result."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, function)

    async def close(self) -> None:
        """Stop taking work, fail what is still waiting, stop the worker and the model thread."""
        self._closed = True
        for text in list(self._pending):
            future = self._futures.pop(text, None)
            if future is not None and not future.done():
                future.set_exception(BatcherClosed("the server is shutting down"))
        self._pending.clear()
        if self._worker is not None:
            self._worker.cancel()
            try:
                await self._worker
            except asyncio.CancelledError:
                pass
        self._executor.shutdown(wait=True)

    @property
    def depth(self) -> int:
        """Texts waiting for the model (not counting the batch being translated)."""
        return len(self._pending)

    # ------------------------------------------------------------------ requests

    async def translate(self, texts: Sequence[str]) -> list[Any]:
        """Translate ``texts`` in shared batches; results in the same order.

        Raises ``QueueFull`` (nothing queued) when the new texts do not fit the queue, and
        whatever the miss translator raised for the batch that held one of them.
        """
        if self._closed or self._worker is None:
            raise BatcherClosed("the server is shutting down")
        loop = asyncio.get_running_loop()
        new = [text for text in dict.fromkeys(texts) if text not in self._futures]
        if len(self._pending) + len(new) > self.max_queue:
            raise QueueFull(
                f"the translation queue is full ({len(self._pending)} of {self.max_queue} sentences waiting, "
                f"this request adds {len(new)})"
            )
        for text in new:
            self._futures[text] = loop.create_future()
            self._pending.append(text)
        if new:
            self._work.set()
        futures = [self._futures[text] for text in texts]
        # shield: one request giving up must not cancel a future another request shares.
        return list(await asyncio.gather(*(asyncio.shield(future) for future in futures)))

    def blocking_misses(self) -> BlockingMisses:
        """A synchronous miss translator for the pipeline, to be called off the event loop."""
        return BlockingMisses(self)

    # ------------------------------------------------------------------ worker

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await self._work.wait()
            if len(self._pending) < self.max_batch_sentences and self.max_wait_s > 0:
                await asyncio.sleep(self.max_wait_s)  # let concurrent requests join this batch
            batch = self._take()
            if not self._pending:
                self._work.clear()
            if not batch:
                continue
            started = time.perf_counter()
            try:
                results = await loop.run_in_executor(self._executor, self._call, batch)
            except asyncio.CancelledError:
                self._fail(batch, BatcherClosed("the server is shutting down"))
                raise
            except BaseException as error:  # noqa: BLE001 - handed to every request of the batch
                self._fail(batch, error)
                continue
            for text, result in zip(batch, results):
                future = self._futures.pop(text, None)
                if future is not None and not future.done():
                    future.set_result(result)
            self.batches += 1
            if self.on_batch is not None:
                self.on_batch(BatchStats(len(batch), sum(map(len, batch)), time.perf_counter() - started))

    def _take(self) -> list[str]:
        """Texts from the front of the queue within the batch budget (always at least one)."""
        batch: list[str] = []
        chars = 0
        while self._pending and len(batch) < self.max_batch_sentences:
            size = len(self._pending[0])
            if batch and chars + size > self.max_batch_chars:
                break
            batch.append(self._pending.popleft())
            chars += size
        return batch

    def _call(self, batch: list[str]) -> Sequence[Any]:
        results = self.translate_misses(batch)
        if len(results) != len(batch):
            raise RuntimeError(f"the miss translator returned {len(results)} results for {len(batch)} texts")
        return results

    def _fail(self, batch: list[str], error: BaseException) -> None:
        for text in batch:
            future = self._futures.pop(text, None)
            if future is not None and not future.done():
                future.set_exception(error)


class BlockingMisses:
    """The batcher as the pipeline's synchronous miss translator (texts in, results out).

    Called from a request's worker thread: it queues the texts on the event loop and blocks
    that thread (never the loop) until the shared batches holding them are done.
    ``load_seconds`` is the wrapped miss translator's, for the pipeline's timings.
    """

    def __init__(self, batcher: Batcher):
        self.batcher = batcher

    def __call__(self, texts: list[str]) -> list[Any]:
        loop = self.batcher._loop
        if loop is None:
            raise BatcherClosed("the batcher has not been started")
        return asyncio.run_coroutine_threadsafe(self.batcher.translate(texts), loop).result()

    @property
    def load_seconds(self) -> float:
        return getattr(self.batcher.translate_misses, "load_seconds", 0.0)
