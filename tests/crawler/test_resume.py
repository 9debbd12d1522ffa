"""The resume logic without an engine: walks and gaps (crawler.resume), the context's
checkpoints that move only past stored pages, caps in the run record, the pipeline's flush
on time, and the settings that size request timeouts."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import yaml

from crawler import resume
from crawler.context import CrawlContext, ParsedPage
from crawler.resume import Gap, PageFacts, StreamState, after_page, plan
from monitor.core.archive import Archive
from monitor.core.config import ConfigError, load_watchlist

# --------------------------------------------------------------------------- pure transitions


def facts(token, nxt, newest, *, newer=True, taken=20, broken=False, cut=False) -> PageFacts:
    return PageFacts(token, nxt, newest, newer, broken, taken, cut)


def test_a_fresh_stream_starts_with_the_backfill_from_the_first_page():
    (walk,) = plan(StreamState(), "main", backfill_limit=100)
    assert (walk.token, walk.until, walk.limit, walk.catchup) == (None, None, 100, True)


def test_first_run_opens_the_backfill_gap_and_closes_it_at_the_end():
    state = StreamState()
    (walk,) = plan(state, "main", 100)
    assert after_page(state, walk, facts(None, 2, "2026-11-20T10:00:00Z")) is None
    assert state.newest == "2026-11-20T10:00:00Z"
    assert state.gaps == [Gap(next=2, until=None, taken=20)]  # a cut here resumes at page 2
    assert after_page(state, walk, facts(2, 3, "2026-11-19T10:00:00Z")) is None
    assert state.gaps == [Gap(next=3, until=None, taken=40)]
    assert after_page(state, walk, facts(3, None, "2026-11-18T10:00:00Z", taken=5)) == "end"
    assert state.gaps == [] and state.newest == "2026-11-20T10:00:00Z"


def test_the_backfill_parks_at_its_limit_so_a_higher_limit_goes_on():
    state = StreamState()
    (walk,) = plan(state, "main", 30)
    after_page(state, walk, facts(None, 2, "2026-11-20T10:00:00Z"))
    assert after_page(state, walk, facts(2, 3, "2026-11-19T10:00:00Z", taken=10, cut=True)) == "limit"
    assert state.gaps == [Gap(next=2, until=None, taken=30)]  # cut part-way: page 2 again later
    assert [w.token for w in plan(state, "main", 30)] == [None]  # parked: catch-up only
    assert [(w.token, w.limit) for w in plan(state, "main", 50)] == [(None, None), (2, 20)]


def test_a_catch_up_cut_short_leaves_a_gap_down_to_the_old_newest():
    state = StreamState(newest="2026-11-20T10:00:00Z", gaps=[Gap(next=9, until=None, taken=180)])
    catch_up, backfill = plan(state, "main", 1000)
    assert catch_up.until == "2026-11-20T10:00:00Z" and backfill.token == 9
    after_page(state, catch_up, facts(None, 2, "2026-11-21T12:00:00Z"))
    # newest moved, and the stretch between page 2 and the old newest is a gap of its own
    assert state.newest == "2026-11-21T12:00:00Z"
    assert state.gaps == [Gap(next=2, until="2026-11-20T10:00:00Z"), Gap(next=9, until=None, taken=180)]
    # the next run: catch up to the new newest, then that gap, then the backfill
    walks = list(plan(state, "main", 1000))
    assert [(w.token, w.until) for w in walks] == [
        (None, "2026-11-21T12:00:00Z"),
        (2, "2026-11-20T10:00:00Z"),
        (9, None),
    ]
    # a page with nothing newer than the gap's lower end closes it
    assert after_page(state, walks[1], facts(2, 3, "2026-11-20T10:00:00Z", newer=False)) == "connected"
    assert state.gaps == [Gap(next=9, until=None, taken=180)]


def test_a_catch_up_that_reaches_known_items_leaves_no_gap():
    state = StreamState(newest="2026-11-20T10:00:00Z")
    catch_up, *_ = plan(state, "main", 100)
    assert after_page(state, catch_up, facts(None, 2, "2026-11-21T09:00:00Z")) is None
    assert after_page(state, catch_up, facts(2, 3, "2026-11-20T10:00:00Z", newer=False)) == "connected"
    assert state == StreamState(newest="2026-11-21T09:00:00Z")


def test_a_broken_page_keeps_the_resume_point_on_it():
    state = StreamState(newest="2026-11-20T10:00:00Z", gaps=[Gap(next=4, until=None, taken=60)])
    _, backfill = plan(state, "main", 1000)
    assert after_page(state, backfill, facts(4, 5, None, newer=False, broken=True)) == "broken"
    assert state.gaps == [Gap(next=4, until=None, taken=60)]


def test_state_round_trips_and_reads_cursors_from_before_v4():
    state = resume.ResumeState(
        streams={
            "tag": StreamState(newest="2026-11-20T10:00:00Z", gaps=[Gap(next="111", until=None, taken=3)])
        }
    )
    again = resume.ResumeState.from_json(state.to_json())
    assert again.stream("tag") == state.stream("tag") and again.stream("search").fresh
    legacy = resume.ResumeState.from_json(None, legacy_newest="2026-11-01T00:00:00Z")
    assert legacy.stream().newest == "2026-11-01T00:00:00Z" and not legacy.stream().gaps


# --------------------------------------------------------------------------- the context


def _wl(tmp_path, **crawler):
    data = {
        "archive": "a.db",
        "crawler": {"backfill_limit": 1000, **crawler},
        "brands": [{"name": "Acme", "sources": [{"type": "trustpilot", "domain": "acme.de"}]}],
    }
    path = tmp_path / "w.yaml"
    path.write_text(yaml.safe_dump(data))
    return load_watchlist(path)


def _page(first: int, n: int, nxt, day: int = 20) -> ParsedPage:
    """``n`` reviews numbered down from ``first`` (newest first), one minute apart."""
    return ParsedPage(
        items=[
            {
                "external_id": f"r{i}",
                "text": f"Bewertung {i}",
                "published_at": f"2026-11-{day:02d}T{i // 60:02d}:{i % 60:02d}:00Z",
            }
            for i in range(first, first - n, -1)
        ],
        next=nxt,
    )


def _saved(arc: Archive) -> resume.StreamState:
    return resume.load(arc, "Acme", "trustpilot:domain=acme.de").stream()


def test_the_resume_point_moves_only_past_stored_pages(tmp_path):
    wl = _wl(tmp_path)
    brand = wl.brands[0]
    with Archive.open(wl.archive_path) as arc:
        ctx = CrawlContext(wl, brand, brand.sources[0], arc)
        walk = ctx.next_walk()
        rows1, more = ctx.accept(_page(100, 20, 2), "u1", walk, None)
        assert more and _saved(arc).fresh  # parsed, not stored: nothing written yet
        rows2, _ = ctx.accept(_page(80, 20, 3), "u2", walk, 2)
        ctx.store(rows2)  # page 2 stored before page 1: still nothing may move
        assert _saved(arc).fresh
        ctx.store(rows1)
        saved = _saved(arc)
        assert saved.gaps == [Gap(next=3, until=None, taken=40)] and saved.newest == "2026-11-20T01:40:00Z"
        # killed here: the next run catches up, then goes on at page 3
        again = CrawlContext(wl, brand, brand.sources[0], arc)
        assert [(w.token, w.until) for w in (again.next_walk(), again.next_walk())] == [
            (None, "2026-11-20T01:40:00Z"),
            (3, None),
        ]


def test_a_stop_stores_everything_parsed_and_says_why(tmp_path):
    wl = _wl(tmp_path)
    brand = wl.brands[0]
    with Archive.open(wl.archive_path) as arc:
        run_id = arc.start_run(
            "crawl_runs", spider="trustpilot", source_key=brand.sources[0].key, brand="Acme"
        )
        ctx = CrawlContext(wl, brand, brand.sources[0], arc, run_id=run_id)
        walk = ctx.next_walk()
        ctx.accept(_page(100, 20, 2), "u1", walk, None)  # rows still on their way to the pipeline
        ctx.stop("timeout", "timeout: stopped at the 6s limit")
        assert arc.count("mentions") == 20 and _saved(arc).gaps == [Gap(next=2, until=None, taken=20)]
        assert ctx.next_walk() is None  # no new requests once stopping
        assert arc.db["crawl_runs"].get(run_id)["items_new"] == 20  # progress written with the batch
        assert ctx.summary()["message"].startswith("timeout: stopped at the 6s limit")


def test_caps_are_written_in_the_run_record(tmp_path):
    wl = _wl(tmp_path, max_pages_per_run=2, backfill_limit=30)
    brand = wl.brands[0]
    with Archive.open(wl.archive_path) as arc:
        ctx = CrawlContext(wl, brand, brand.sources[0], arc)
        walk = ctx.next_walk()
        rows, more = ctx.accept(_page(100, 20, 2), "u1", walk, None)
        assert more
        rows2, more = ctx.accept(_page(80, 20, 3), "u2", walk, 2)
        assert not more and len(rows2) == 10  # the backfill limit cut page 2
        ctx.store(rows + rows2)
        message = ctx.summary()["message"]
        assert "backfill limit reached: 30 items" in message
        capped = CrawlContext(wl, brand, brand.sources[0], arc)
        capped.max_pages = 1
        _, more = capped.accept(_page(150, 20, 2, day=21), "u3", capped.next_walk(), None)
        assert not more and capped.next_walk() is None
        assert "page cap reached: 1 pages this run (crawler.max_pages_per_run)" in capped.summary()["message"]


def test_the_pipeline_flushes_on_time_as_well_as_count(tmp_path, monkeypatch):
    from crawler import pipelines
    from crawler.items import MentionItem

    wl = _wl(tmp_path)
    brand = wl.brands[0]
    clock = [1000.0]
    monkeypatch.setattr(pipelines.time, "monotonic", lambda: clock[0])
    with Archive.open(wl.archive_path) as arc:
        ctx = CrawlContext(wl, brand, brand.sources[0], arc)
        pipe = pipelines.ArchivePipeline(SimpleNamespace(spider=SimpleNamespace(ctx=ctx)))
        rows, _ = ctx.accept(_page(100, 3, 2), "u1", ctx.next_walk(), None)
        for row in rows[:2]:
            pipe.process_item(MentionItem(row))
        assert arc.count("mentions") == 0  # 2 rows, young batch
        clock[0] += pipelines.FLUSH_INTERVAL_S
        pipe.flush_if_due()  # what the timer does between items
        assert arc.count("mentions") == 2
        pipe.process_item(MentionItem(rows[2]))
        pipe.close_spider()
        assert arc.count("mentions") == 3 and ctx.counters.items_new == 3


# --------------------------------------------------------------------------- settings


def test_request_timeouts_leave_the_run_room_for_its_other_pages(tmp_path):
    from crawler.settings import download_timeout, for_watchlist

    wl = _wl(tmp_path, request_timeout_seconds=20, retries=2)
    assert for_watchlist(wl.crawler)["DOWNLOAD_TIMEOUT"] == 20
    s = for_watchlist(wl.crawler, timeout_s=40)
    assert s["DOWNLOAD_TIMEOUT"] == 10 and s["RETRY_TIMES"] == 2  # a quarter of the run at most
    assert download_timeout(30, 2) == 1.0
    assert wl.crawler.max_pages_per_run == 50  # the default cap


@pytest.mark.parametrize(
    "field,value", [("max_pages_per_run", 0), ("request_timeout_seconds", 0), ("retries", 11)]
)
def test_cap_settings_are_checked(tmp_path, field, value):
    with pytest.raises(ConfigError, match=field):
        _wl(tmp_path, **{field: value})
