"""The request-batching queue on its own: shared batches, own answers, dedup, bounds, errors.

The miss translator here is a plain function (upper-casing, recording each call), so these
tests need no model; tests/test_serve.py runs the same queue with a real model behind it.
"""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from translate.serve.batcher import CURRENT_TICKET, Batcher, BatcherClosed, ClientGone, QueueFull, Ticket


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


# ------------------------------------------------------------------ fairness, cancellation, overload


def test_batches_are_filled_round_robin_so_a_small_request_is_not_starved():
    async def main():
        recorder = Recorder(delay=0.01)
        batcher = Batcher(recorder, max_batch_sentences=8, max_wait_ms=30)
        batcher.start()
        big = asyncio.ensure_future(batcher.translate([f"big {i}" for i in range(200)]))
        await asyncio.sleep(0)  # the big one is queued first
        small = asyncio.ensure_future(batcher.translate(["small"]))
        other = asyncio.ensure_future(batcher.translate(["other a", "other b"]))
        await asyncio.gather(big, small, other)
        await batcher.close()
        return recorder.batches

    batches = run(main())
    # The worker took a first batch of the big request alone (nothing else was queued yet);
    # the next batch has one text of each request in turn, not the big one's next 8.
    assert batches[1] == ["big 8", "small", "other a", "big 9", "other b", "big 10", "big 11", "big 12"]
    assert sum(len(batch) for batch in batches) == 203 and max(len(batch) for batch in batches) == 8


def test_a_cancelled_ticket_drops_its_queued_work_but_keeps_what_others_wait_for():
    async def main():
        gate = threading.Event()

        def slow(texts):
            gate.wait(10)
            return [text.upper() for text in texts]

        batcher = Batcher(slow, max_batch_sentences=1, max_wait_ms=0)
        batcher.start()
        blocker = asyncio.ensure_future(batcher.translate(["first"]))  # holds the model
        await asyncio.sleep(0.05)
        ticket = Ticket()
        gone = asyncio.ensure_future(batcher.translate([f"gone {i}" for i in range(50)] + ["shared"], ticket))
        kept = asyncio.ensure_future(batcher.translate(["shared"]))
        await asyncio.sleep(0.05)
        assert batcher.depth == 51
        gone.cancel()  # what Ticket.cancel does to a blocking wait from a worker thread
        with pytest.raises((ClientGone, asyncio.CancelledError)):
            await gone
        assert batcher.depth == 1  # only "shared" is left: another request waits for it
        gate.set()
        assert await kept == ["SHARED"] and await blocker == ["FIRST"]
        await batcher.close()

    run(main())


def test_a_blocking_wait_ends_with_client_gone_when_its_ticket_is_cancelled():
    async def main():
        gate = threading.Event()
        batcher = Batcher(lambda texts: gate.wait(10) and [t.upper() for t in texts], max_batch_sentences=1, max_wait_ms=0)
        batcher.start()
        blocker = asyncio.ensure_future(batcher.translate(["first"]))
        await asyncio.sleep(0.05)
        ticket = Ticket()
        misses = batcher.blocking_misses()

        def in_request_thread():
            CURRENT_TICKET.set(ticket)
            return misses([f"t{i}" for i in range(20)])

        waiting = asyncio.ensure_future(asyncio.to_thread(in_request_thread))
        await asyncio.sleep(0.1)
        assert batcher.depth == 20
        ticket.cancel()
        with pytest.raises(ClientGone):
            await waiting
        await asyncio.sleep(0.05)
        assert batcher.depth == 0
        gate.set()
        await blocker
        await batcher.close()

    run(main())


def test_overload_is_judged_from_the_expected_wait_and_says_when_to_retry():
    async def main():
        gate = threading.Event()
        batcher = Batcher(lambda texts: gate.wait(10) and [t.upper() for t in texts], max_batch_sentences=1,
                          max_wait_ms=0, max_queue=1000, max_queue_wait_s=5)
        batcher.start()
        blocker = asyncio.ensure_future(batcher.translate(["first"]))
        await asyncio.sleep(0.05)
        batcher.rate = 2.0  # as measured: 2 sentences a second
        big = asyncio.ensure_future(batcher.translate([f"big {i}" for i in range(40)]))  # 20 s of work, admitted
        await asyncio.sleep(0.01)
        # One long request waiting does not make a short one wait: its 2 texts take 2 turns
        # each of 2 requests (2 s), so it is admitted.
        short = asyncio.ensure_future(batcher.translate(["short a", "short b"]))
        await asyncio.sleep(0.01)
        queued = [asyncio.ensure_future(batcher.translate([f"q{i} a", f"q{i} b"])) for i in range(3)]
        await asyncio.sleep(0.01)
        with pytest.raises(QueueFull) as refused:
            await batcher.translate(["one more", "and another"])  # 2 texts x 6 requests / 2 per s > 5 s
        assert "5 s" in str(refused.value) and refused.value.retry_after == 6
        ticket = Ticket()
        ticket.admitted = True  # a request already admitted is never refused halfway
        more = asyncio.ensure_future(batcher.translate(["late part"], ticket))
        await asyncio.sleep(0.01)
        assert batcher.depth == 40 + 2 + 6 + 1
        gate.set()
        await asyncio.gather(blocker, big, short, *queued, more)
        await batcher.close()

    run(main())


def test_with_company_batches_are_smaller_so_the_next_one_comes_soon():
    async def main():
        recorder = Recorder(delay=0.01)
        batcher = Batcher(recorder, max_batch_sentences=64, shared_batch_sentences=4, max_wait_ms=30)
        batcher.start()
        alone = await batcher.translate([f"alone {i}" for i in range(100)])
        big = asyncio.ensure_future(batcher.translate([f"big {i}" for i in range(100)]))
        small = asyncio.ensure_future(batcher.translate(["small"]))
        await asyncio.gather(big, small)
        await batcher.close()
        return alone, recorder.batches

    alone, batches = run(main())
    assert len(alone) == 100 and [len(b) for b in batches[:2]] == [64, 36]  # alone: full batches
    with_small = next(b for b in batches if "small" in b)
    assert len(with_small) == 4 and with_small.index("small") == 1


async def closed_loop_clients(
    batcher: Batcher, clients: int, requests_each: int, think: float, stagger: float = 0.0
) -> None:
    """Clients that each send a one-sentence request, wait for the answer, think, send the next
    (client k starts ``k * stagger`` seconds late)."""

    async def client(k: int) -> None:
        await asyncio.sleep(k * stagger)
        for i in range(requests_each):
            assert await batcher.translate([f"client {k} request {i}"]) == [f"CLIENT {k} REQUEST {i}"]
            await asyncio.sleep(think)

    await asyncio.gather(*(client(k) for k in range(clients)))


def test_clients_answered_by_a_batch_ride_in_the_next_one_instead_of_splitting_it():
    """Returning clients: without the short wait for them, 8 closed-loop clients that arrived
    at different times and send their next request 10 ms after their answer keep splitting
    into alternating batches (1, 7, 1, 7, ...); with it, all 8 share a batch from the second on."""

    def batch_sizes(return_wait_ms: float) -> list[int]:
        async def main():
            recorder = Recorder(delay=0.3)
            batcher = Batcher(recorder, max_wait_ms=2, return_wait_ms=return_wait_ms)
            batcher.start()
            await closed_loop_clients(batcher, clients=8, requests_each=4, think=0.01, stagger=0.02)
            await batcher.close()
            return [len(batch) for batch in recorder.batches]

        return run(main())

    waiting, not_waiting = batch_sizes(100), batch_sizes(0)
    assert sum(waiting) == sum(not_waiting) == 32
    assert len(waiting) < len(not_waiting)
    assert max(waiting[1:]) == 8  # after the first batch, whole rounds of clients share one


def test_a_lone_client_never_waits_for_returning_clients():
    async def main():
        recorder = Recorder(delay=0.05)
        batcher = Batcher(recorder, max_wait_ms=2, return_wait_ms=100)
        batcher.start()
        await closed_loop_clients(batcher, clients=1, requests_each=5, think=0.0)
        await batcher.close()
        return batcher.returning_waits, recorder.batches

    waits, batches = run(main())
    assert waits == 0 and [len(b) for b in batches] == [1] * 5
