"""The request-batching queue: many requests' cache misses, one model, shared batches.

This is how LLM servers batch: requests never call the model themselves. Each request
hands its (cache-missing) texts to ``Batcher.translate`` and awaits them; ONE worker task
takes whatever is waiting (up to ``max_batch_sentences`` texts and ``max_batch_chars``
characters, after waiting at most ``max_wait_ms`` for company), translates it as one call
of the miss translator in the model thread (off the event loop), and resolves each text's
future. A request gets exactly its own texts back, in its own order.

- Fair: every request (a ``Ticket``) has its own queue, and a batch is filled round-robin,
  one text from each request in turn, so a request of a thousand sentences cannot starve
  a one-sentence one: that one rides in the next batch. While several requests wait, a
  batch holds at most ``shared_batch_sentences`` (16), so that next batch comes soon; a
  request alone gets full batches of ``max_batch_sentences``.
- A request whose client went away (``Ticket.cancel``) loses its queued texts at once;
  texts another request also waits for stay.
- A text already queued or being translated is not queued again: the second request
  awaits the first one's future (a sentence asked twice at once is translated once).
- Returning clients: a client that was just answered often sends its next request at once
  (the page sends a document's parts one after another; a load test's clients do the same).
  When the model comes free, the worker waits a moment (at most ``return_wait_ms`` and a tenth
  of the last batch's time) for the requests the last batch finished to be followed by new
  ones, so they ride in this batch instead of the next: without it, 16 clients split into
  two alternating half batches (bench/RESULTS.md, "Serving").
- Bounded: a new request is refused whole with ``QueueFull`` (HTTP 429, with a
  ``retry_after``) when its texts do not fit ``max_queue``, or when its expected wait is
  over ``max_queue_wait_s`` (``expected_wait``: its texts' turns in the round-robin at the
  measured sentences per second; one long request waiting does not make a short one wait). A
  request already admitted (the pipeline hands over a long article in chunks) is never
  refused halfway.
- The model runs in one dedicated daemon thread (``run_in_model_thread`` runs anything
  else there, e.g. loading), so a model library that dislikes being called from several
  threads never is, and a batch still running at shutdown never keeps the process alive.

``blocking_misses()`` adapts the batcher to the pipeline's synchronous miss translator
(texts in, results out): the pipeline's ``Translator`` keeps the cache in front, and only
its misses reach this queue. Call it from a thread other than the event loop's.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import contextvars
import logging
import math
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

log = logging.getLogger("nb2en.serve")


class QueueFull(Exception):
    """The queue has no room for this request's texts (answer 429 and let the client retry)."""

    def __init__(self, message: str, retry_after: int = 1):
        super().__init__(message)
        self.retry_after = retry_after


class BatcherClosed(Exception):
    """The server is shutting down; the text was not translated."""


class ClientGone(Exception):
    """The client of this request disconnected; its queued work was dropped."""


class Ticket:
    """One request's place in the round-robin; cancellable from any thread.

    ``cancel`` (the client disconnected) drops the request's queued texts and makes every
    wait of the request end with ``ClientGone``.
    """

    def __init__(self) -> None:
        self.cancelled = False
        self.admitted = False
        self._waits: set[concurrent.futures.Future] = set()
        self._lock = threading.Lock()

    def cancel(self) -> None:
        with self._lock:
            self.cancelled = True
            waits = list(self._waits)
        for wait in waits:
            wait.cancel()

    def track(self, wait: concurrent.futures.Future) -> None:
        with self._lock:
            self._waits.add(wait)
            cancelled = self.cancelled
        if cancelled:
            wait.cancel()

    def untrack(self, wait: concurrent.futures.Future) -> None:
        with self._lock:
            self._waits.discard(wait)


# The ticket of the request being served: set by the HTTP door around a request's work and
# read by ``BlockingMisses`` in the worker thread (thread pools copy the context).
CURRENT_TICKET: contextvars.ContextVar[Ticket | None] = contextvars.ContextVar("nb2en_ticket", default=None)


@dataclass
class BatchStats:
    """What the worker reports after each batch (for metrics)."""

    size: int
    chars: int
    seconds: float


class ModelThread:
    """One daemon thread that runs what it is given, in order (the model's only thread)."""

    def __init__(self, name: str = "nb2en-model"):
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._idle = threading.Event()
        self._idle.set()
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self._thread.start()

    def wait_idle(self, timeout: float) -> bool:
        """True once no job is running (False if one still runs after ``timeout`` seconds)."""
        return self._idle.wait(timeout)

    def submit(self, function: Callable[..., Any], *args: Any) -> concurrent.futures.Future:
        future: concurrent.futures.Future = concurrent.futures.Future()
        self._jobs.put((future, function, args))
        return future

    def stop(self) -> None:
        """No more work after what is queued; never waits for a job that is running."""
        self._jobs.put(None)

    def _loop(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            future, function, args = job
            if not future.set_running_or_notify_cancel():
                continue
            self._idle.clear()
            try:
                future.set_result(function(*args))
            except BaseException as error:  # noqa: BLE001 - handed to whoever waits
                future.set_exception(error)
            finally:
                self._idle.set()


class Batcher:
    """Per-request queues served round-robin, one worker, in front of ``translate_misses(texts)``."""

    def __init__(
        self,
        translate_misses: Callable[[list[str]], Sequence[Any]],
        *,
        max_queue: int = 1024,
        max_batch_sentences: int = 64,
        max_batch_chars: int = 16_000,
        max_wait_ms: float = 5.0,
        max_queue_wait_s: float | None = 20.0,
        shared_batch_sentences: int = 16,
        return_wait_ms: float = 100.0,
        on_batch: Callable[[BatchStats], None] | None = None,
    ):
        if max_queue < 1 or max_batch_sentences < 1:
            raise ValueError("max_queue and max_batch_sentences must be at least 1")
        self.translate_misses = translate_misses
        self.max_queue = max_queue
        self.max_batch_sentences = max_batch_sentences
        self.shared_batch_sentences = max(1, min(shared_batch_sentences, max_batch_sentences))
        self.max_batch_chars = max_batch_chars
        self.max_wait_s = max_wait_ms / 1000.0
        self.max_queue_wait_s = max_queue_wait_s
        self.return_wait_s = return_wait_ms / 1000.0
        self.on_batch = on_batch
        # Requests the last batch finished, and new requests since: see "Returning clients".
        self._returning = 0
        self._arrived_since = 0
        self._last_batch_s = 0.0
        self._arrival = asyncio.Event()
        self.returning_waits = 0  # how often the worker waited for returning clients (for tests)
        self._queues: collections.OrderedDict[Ticket, collections.deque[str]] = collections.OrderedDict()
        self._queued: set[str] = set()  # texts in a queue, not yet taken (a queue may hold stale ones)
        self._futures: dict[str, asyncio.Future] = {}  # queued or being translated, by text
        self._waiters: collections.Counter[str] = collections.Counter()  # requests awaiting each text
        self._in_flight: list[str] = []
        self._work = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._worker: asyncio.Task | None = None
        self._closed = False
        self._model = ModelThread()
        self.rate: float | None = None  # measured sentences per second (moving average)
        self.batches = 0

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Start the worker on the running event loop."""
        self._loop = asyncio.get_running_loop()
        self._worker = self._loop.create_task(self._run(), name="nb2en-batcher")

    async def run_in_model_thread(self, function: Callable[[], Any]) -> Any:
        """Run ``function`` in the model thread (e.g. to load the model) and return its result."""
        return await asyncio.wrap_future(self._model.submit(function))

    def model_thread_call(self, function: Callable[[], Any]) -> Any:
        """``run_in_model_thread`` from a worker thread (blocks that thread, never the loop)."""
        if self._closed:
            raise BatcherClosed("the server is shutting down")
        return self._model.submit(function).result()

    async def close(self) -> None:
        """Stop taking work and fail what is waiting or being translated (``BatcherClosed``).

        Never waits for a model batch that is running: the model stops between batches, and
        its daemon thread cannot keep the process alive.
        """
        self._closed = True
        closed = BatcherClosed("the server is shutting down")
        for text in list(self._futures):
            future = self._futures.pop(text)
            if not future.done():
                future.set_exception(closed)
                future.exception()  # retrieved: nobody may be left to await it
        self._queues.clear()
        self._queued.clear()
        if self._worker is not None:
            self._worker.cancel()
            try:
                await self._worker
            except asyncio.CancelledError:
                pass
        self._model.stop()

    def wait_model_idle(self, timeout: float) -> bool:
        """After ``close``: True once the model thread finished its batch (False if still busy)."""
        return self._model.wait_idle(timeout)

    @property
    def depth(self) -> int:
        """Texts waiting for the model (not counting the batch being translated)."""
        return len(self._queued)

    def expected_wait(self, extra: int = 0) -> float | None:
        """Seconds until a new request's ``extra`` texts would be done, from the measured rate
        (None before any batch). Round-robin serves them one per turn among the requests
        waiting, so the wait is the smaller of all the work queued and ``extra`` turns."""
        if not self.rate:
            return None
        everything = len(self._queued) + len(self._in_flight) + extra
        turns = max(1, extra) * (len(self._queues) + 1)
        return min(everything, turns) / self.rate

    # ------------------------------------------------------------------ requests

    async def translate(self, texts: Sequence[str], ticket: Ticket | None = None) -> list[Any]:
        """Translate ``texts`` in shared batches; results in the same order.

        Raises ``QueueFull`` (nothing queued) when a new request's texts do not fit,
        ``ClientGone`` when the ticket was cancelled, and whatever the miss translator raised
        for the batch that held one of them.
        """
        if self._closed or self._worker is None:
            raise BatcherClosed("the server is shutting down")
        ticket = ticket or Ticket()
        if ticket.cancelled:
            raise ClientGone("the client disconnected")
        loop = asyncio.get_running_loop()
        unique = list(dict.fromkeys(texts))
        new = [text for text in unique if text not in self._futures]
        if not ticket.admitted:
            self._admit(len(new))
            ticket.admitted = True
            if new:
                self._arrived_since += 1
        if new:
            own = self._queues.get(ticket)
            if own is None:
                own = self._queues[ticket] = collections.deque()
            for text in new:
                self._futures[text] = loop.create_future()
                self._queued.add(text)
                own.append(text)
            self._work.set()
            self._arrival.set()
        futures = {text: self._futures[text] for text in unique}
        self._waiters.update(unique)
        try:
            # shield: one request giving up must not cancel a future another request shares.
            results = await asyncio.gather(*(asyncio.shield(futures[text]) for text in unique))
        finally:
            self._release(ticket, unique)
        by_text = dict(zip(unique, results))
        return [by_text[text] for text in texts]

    def precheck(self, count: int) -> None:
        """``QueueFull`` now if a new request of about ``count`` texts would be refused: the
        door asks before it hands the request to a worker thread, so overload is answered at
        once instead of after the request's reading and cache lookups."""
        if self._closed:
            raise BatcherClosed("the server is shutting down")
        self._admit(count)

    def _admit(self, count: int) -> None:
        waiting = len(self._queued)
        if waiting + count > self.max_queue:
            raise QueueFull(
                f"the translation queue is full ({waiting} of {self.max_queue} sentences waiting, "
                f"this request adds {count})",
                self.retry_after(count),
            )
        expected = self.expected_wait(count)
        if self.max_queue_wait_s is not None and waiting and expected is not None and expected > self.max_queue_wait_s:
            raise QueueFull(
                f"the translation queue is full (about {expected:.0f} s of work waiting, "
                f"the limit is {self.max_queue_wait_s:g} s)",
                self.retry_after(count),
            )

    def retry_after(self, count: int) -> int:
        """Seconds a refused client should wait: the expected wait of its texts now (1 to 60)."""
        expected = self.expected_wait(count)
        return 1 if expected is None else max(1, min(60, math.ceil(expected)))

    def _release(self, ticket: Ticket, texts: list[str]) -> None:
        """This request no longer waits for ``texts``: drop the queued ones nobody else wants."""
        for text in texts:
            self._waiters[text] -= 1
            if self._waiters[text] > 0:
                continue
            del self._waiters[text]
            if text in self._queued:  # not taken yet: nobody wants it any more
                self._queued.discard(text)
                future = self._futures.pop(text, None)
                if future is not None and not future.done():
                    future.cancel()
        own = self._queues.get(ticket)
        if own is not None and not any(text in self._queued for text in own):
            del self._queues[ticket]

    def blocking_misses(self) -> BlockingMisses:
        """A synchronous miss translator for the pipeline, to be called off the event loop."""
        return BlockingMisses(self)

    # ------------------------------------------------------------------ worker

    async def _run(self) -> None:
        while True:
            await self._work.wait()
            if len(self._queued) < self.max_batch_sentences and self.max_wait_s > 0:
                await asyncio.sleep(self.max_wait_s)  # let concurrent requests join this batch
            await self._await_returning()
            batch, emptied = self._take()
            if not self._queued:
                self._work.clear()
            if not batch:
                continue
            self._in_flight = batch
            started = time.perf_counter()
            try:
                results = await asyncio.wrap_future(self._model.submit(self._call, batch))
            except asyncio.CancelledError:
                self._fail(batch, BatcherClosed("the server is shutting down"))
                raise
            except BaseException as error:  # noqa: BLE001 - handed to every request of the batch
                self._fail(batch, error)
                continue
            finally:
                self._in_flight = []
            seconds = time.perf_counter() - started
            self._returning, self._arrived_since, self._last_batch_s = emptied, 0, seconds
            for text, result in zip(batch, results):
                future = self._futures.pop(text, None)
                if future is not None and not future.done():
                    future.set_result(result)
            self.batches += 1
            measured = len(batch) / max(seconds, 1e-6)
            self.rate = measured if self.rate is None else 0.7 * self.rate + 0.3 * measured
            if self.on_batch is not None:
                self.on_batch(BatchStats(len(batch), sum(map(len, batch)), seconds))

    async def _await_returning(self) -> None:
        """Wait briefly for the clients the last batch answered to send their next texts."""
        expected = self._returning - self._arrived_since
        self._returning = 0
        if expected <= 0:
            return
        target = min(self.shared_batch_sentences, len(self._queued) + expected)
        self.returning_waits += 1
        deadline = time.perf_counter() + min(self.return_wait_s, 0.1 * self._last_batch_s)
        while len(self._queued) < target and not self._closed:
            left = deadline - time.perf_counter()
            if left <= 0:
                return
            self._arrival.clear()
            try:
                await asyncio.wait_for(self._arrival.wait(), left)
            except asyncio.TimeoutError:
                return

    def _take(self) -> tuple[list[str], int]:
        """One text from each request in turn, within the batch budget (always at least one),
        and how many requests it took the last queued text of ("Returning clients").

        The request served last goes to the back, so the next batch starts with the next one.
        """
        batch: list[str] = []
        chars = 0
        emptied = 0
        # Alone, a request gets full batches (throughput); with company, batches are smaller,
        # so a short request's wait (the batch running, then its own) stays short.
        limit = self.max_batch_sentences if len(self._queues) <= 1 else self.shared_batch_sentences
        while self._queues and len(batch) < limit:
            served = False
            for ticket in list(self._queues):
                own = self._queues[ticket]
                while own and own[0] not in self._queued:
                    own.popleft()  # dropped (its client went away) or taken through another queue
                if not own:
                    del self._queues[ticket]
                    continue
                size = len(own[0])
                if batch and chars + size > self.max_batch_chars:
                    return batch, emptied
                text = own.popleft()
                self._queued.discard(text)
                batch.append(text)
                chars += size
                served = True
                self._queues.move_to_end(ticket)
                if not own:
                    del self._queues[ticket]
                    emptied += 1
                if len(batch) >= limit:
                    break
            if not served:
                break
        return batch, emptied

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

    Called from a request's worker thread: it queues the texts on the event loop under the
    request's ticket (``CURRENT_TICKET``) and blocks that thread (never the loop) until the
    shared batches holding them are done. ``load_seconds`` is the wrapped miss
    translator's, for the pipeline's timings.
    """

    def __init__(self, batcher: Batcher):
        self.batcher = batcher

    def __call__(self, texts: list[str]) -> list[Any]:
        loop = self.batcher._loop
        if loop is None:
            raise BatcherClosed("the batcher has not been started")
        ticket = CURRENT_TICKET.get()
        if ticket is not None and ticket.cancelled:
            raise ClientGone("the client disconnected")
        wait = asyncio.run_coroutine_threadsafe(self.batcher.translate(texts, ticket), loop)
        if ticket is not None:
            ticket.track(wait)
        try:
            return wait.result()
        except concurrent.futures.CancelledError:
            raise ClientGone("the client disconnected") from None
        finally:
            if ticket is not None:
                ticket.untrack(wait)

    @property
    def load_seconds(self) -> float:
        return getattr(self.batcher.translate_misses, "load_seconds", 0.0)
