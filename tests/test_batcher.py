"""The request-batching queue on its own: shared batches, own answers, dedup, bounds, errors.

The miss translator here is a plain function (upper-casing, recording each call), so these
tests need no model; tests/test_serve.py runs the same queue with a real model behind it.
"""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from translate.serve.batcher import Batcher, BatcherClosed, QueueFull


class Recorder:
    """A miss translator that upper-cases texts and records every batch it was given."""

    def __init__(self, delay: float = 0.0, fail_on: str | None = None):
        self.batches: list[list[str]] = []
        self.threads: set[str] = set()
        self.delay = delay
        self.fail_on = fail_on

    def __call__(self, texts: list[str]) -> list[str]:
        self.batches.append(list(texts))
        self.threads.add(threading.current_thread().name)
        if self.delay:
            time.sleep(self.delay)
        if self.fail_on in texts:
            raise RuntimeError("model failed")
        return [text.upper() for text in texts]


def run(coro):
    return asyncio.run(coro)


def test_concurrent_requests_share_batches_and_get_their_own_answers():
    async def main():
        recorder = Recorder(delay=0.05)
        batcher = Batcher(recorder, max_wait_ms=20)
        batcher.start()
        requests = [[f"r{i} s{j}" for j in range(3)] for i in range(10)]
        answers = await asyncio.gather(*(batcher.translate(texts) for texts in requests))
        await batcher.close()
        return recorder, requests, answers

    recorder, requests, answers = run(main())
    for texts, answer in zip(requests, answers):
        assert answer == [text.upper() for text in texts]
    assert sum(len(batch) for batch in recorder.batches) == 30
    assert len(recorder.batches) < 10  # shared, not one call per request
    assert all(name.startswith("nb2en-model") for name in recorder.threads)  # off the event loop


def test_a_text_asked_twice_at_once_is_translated_once():
    async def main():
        recorder = Recorder(delay=0.05)
        batcher = Batcher(recorder, max_wait_ms=10)
        batcher.start()
        answers = await asyncio.gather(*(batcher.translate(["same", f"own {i}", "same"]) for i in range(8)))
        await batcher.close()
        return recorder, answers

    recorder, answers = run(main())
    assert all(answer[0] == answer[2] == "SAME" for answer in answers)
    translated = [text for batch in recorder.batches for text in batch]
    assert translated.count("same") == 1
    assert len(translated) == 9


def test_batch_budget_in_sentences_and_characters():
    async def main():
        recorder = Recorder(delay=0.02)
        batcher = Batcher(recorder, max_batch_sentences=4, max_batch_chars=25, max_wait_ms=10)
        batcher.start()
        texts = [f"text number {i:02d}" for i in range(10)]  # 14 characters each
        answer = await batcher.translate(texts)
        await batcher.close()
        return recorder, texts, answer

    recorder, texts, answer = run(main())
    assert answer == [text.upper() for text in texts]
    assert all(len(batch) <= 4 and sum(map(len, batch)) <= 28 for batch in recorder.batches)
    assert max(len(batch) for batch in recorder.batches) == 1  # two 14-char texts exceed 25


def test_a_full_queue_refuses_the_whole_request_and_queues_nothing():
    async def main():
        recorder = Recorder(delay=0.2)
        batcher = Batcher(recorder, max_queue=3, max_wait_ms=0)
        batcher.start()
        first = asyncio.ensure_future(batcher.translate(["a"]))
        await asyncio.sleep(0.05)  # "a" is in the model now; the queue is empty
        second = asyncio.ensure_future(batcher.translate(["b", "c"]))
        await asyncio.sleep(0)
        with pytest.raises(QueueFull):
            await batcher.translate(["d", "e"])  # 2 waiting + 2 new > 3
        assert batcher.depth == 2
        third = await batcher.translate(["b", "c"])  # already queued: shares, takes no room
        results = [await first, await second, third]
        await batcher.close()
        return recorder, results

    recorder, results = run(main())
    assert results == [["A"], ["B", "C"], ["B", "C"]]
    assert all("d" not in batch and "e" not in batch for batch in recorder.batches)


def test_a_failed_batch_fails_its_requests_and_the_worker_goes_on():
    async def main():
        recorder = Recorder(fail_on="bad")
        batcher = Batcher(recorder, max_wait_ms=0)
        batcher.start()
        with pytest.raises(RuntimeError, match="model failed"):
            await batcher.translate(["bad", "other"])
        after = await batcher.translate(["fine"])
        await batcher.close()
        return after

    assert run(main()) == ["FINE"]


def test_closing_fails_waiting_requests_and_refuses_new_ones():
    async def main():
        recorder = Recorder(delay=0.2)
        batcher = Batcher(recorder, max_batch_sentences=1, max_wait_ms=0)
        batcher.start()
        running = asyncio.ensure_future(batcher.translate(["one", "two"]))
        await asyncio.sleep(0.05)
        await batcher.close()
        with pytest.raises(BatcherClosed):
            await running
        with pytest.raises(BatcherClosed):
            await batcher.translate(["three"])

    run(main())


def test_blocking_misses_bridges_a_worker_thread_to_the_queue():
    async def main():
        recorder = Recorder()
        batcher = Batcher(recorder, max_wait_ms=1)
        batcher.start()
        misses = batcher.blocking_misses()
        answers = await asyncio.gather(*(asyncio.to_thread(misses, [f"t{i}", "shared"]) for i in range(5)))
        await batcher.close()
        return answers

    assert run(main()) == [[f"T{i}", "SHARED"] for i in range(5)]


def test_the_download_store_is_bounded_in_count_and_bytes():
    from translate.serve.service import FileStore, StoredFile

    store = FileStore(max_files=3, max_bytes=10)
    ids = [store.put(StoredFile(f"{i}.txt", "text/plain", b"x" * 4)) for i in range(4)]
    assert [store.get(i) is not None for i in ids] == [False, False, True, True]  # 8 bytes kept, not 12
    big = store.put(StoredFile("big.txt", "text/plain", b"x" * 50))
    assert store.get(big) is not None and store.get(ids[3]) is None  # the newest always stays
