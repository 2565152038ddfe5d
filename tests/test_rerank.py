"""The second-stage re-scorer: its features, its tree evaluator, clause-covering selection, and
retrieval with the shipped model on a real index."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.query import QueryPlan, plan, without_dates
from assistant.rerank import (
    FEATURES,
    Candidate,
    TreeModel,
    default_model,
    features,
    meaning_texts,
    select,
    sentence_sims,
    terms,
)

from .conftest import make_news


def _cand(cid: str, text: str, rank: int = 0, release: str = "", source: str = "") -> Candidate:
    return Candidate(cid, release or cid, source, 20230101, rank, 0.5, rank, 1.0, rank, None, "", text)


def _df(stems: list[str]) -> tuple[int, dict[str, int]]:
    return 1000, {s: 10 for s in stems}


def test_terms_are_stemmed_content_words() -> None:
    assert terms("What did the companies announce about running costs?") == ["compani", "announc", "run", "cost"]


def test_dates_leave_the_words_the_rescorer_matches() -> None:
    assert "20" not in terms(without_dates("What was reported about the bridge on November 20, 2022?"))
    assert without_dates("revenue in 2022 and 2021-05-04") .split() == ["revenue", "and"]


def test_one_sentence_holding_the_question_beats_words_spread_over_a_chunk() -> None:
    question = QueryPlan(text="Which carrier signed the spectrum agreement with Nordlink?")
    together = _cand("a", "Weather was mild. Orbitel signed the spectrum agreement with Nordlink on Monday.")
    spread = _cand("b", "The spectrum was busy. A carrier signed papers. Nordlink made an agreement later.")
    x = features(question, [together, spread], _df).x
    col = FEATURES.index
    assert x[0, col("sent1")] > x[1, col("sent1")]
    assert x[0, col("chunk_cover")] == pytest.approx(x[1, col("chunk_cover")], abs=0.2)
    assert x[0, col("name_sent")] == 1.0 and x[1, col("name_sent")] == 1.0


def test_each_clause_is_scored_against_the_best_sentence() -> None:
    question = QueryPlan(text="Which company opened a solar factory in Ohio, and recalled electric scooters?")
    scored = features(question, [_cand("a", "It opened a solar factory in Ohio."),
                                 _cand("b", "The firm recalled 10,000 electric scooters.")], _df)
    assert scored.clauses.shape == (2, 2)
    assert scored.clauses[0, 0] > 0.7 and scored.clauses[0, 1] == 0.0
    assert scored.clauses[1, 1] > 0.7 and scored.clauses[1, 0] == 0.0


def test_tree_model_walks_every_tree() -> None:
    # feature 0 <= 0.5 ? 1.0 : (feature 1 <= 2 ? 2.0 : 3.0); second tree adds 10 everywhere
    tree = {"feature": [0, 0, 1, 0, 0], "threshold": [0.5, 0, 2.0, 0, 0], "left": [1, 0, 3, 0, 0],
            "right": [2, 0, 4, 0, 0], "value": [0, 1.0, 0, 2.0, 3.0], "leaf": [False, True, False, True, True]}
    flat = {"feature": [0], "threshold": [0.0], "left": [0], "right": [0], "value": [10.0], "leaf": [True]}
    model = TreeModel({"features": list(FEATURES), "base": -1.0, "depth": 2, "trees": [tree, flat]})
    x = np.zeros((3, len(FEATURES)))
    x[1, 0], x[2, 0], x[2, 1] = 1.0, 1.0, 5.0
    assert model.predict(x).tolist() == [10.0, 11.0, 12.0]


def test_tree_model_refuses_a_model_for_other_features() -> None:
    with pytest.raises(ValueError, match="retrain"):
        TreeModel({"features": ["rank"], "base": 0.0, "depth": 0, "trees": []})


def test_exported_trees_score_like_scikit_learn() -> None:
    sklearn = pytest.importorskip("sklearn.ensemble")
    from benchmarks.train_reranker import export

    rng = np.random.default_rng(0)
    x = rng.normal(size=(3000, len(FEATURES)))
    y = (x[:, 0] + x[:, 3] * x[:, 5] + rng.normal(scale=0.5, size=3000)) > 0
    model = sklearn.HistGradientBoostingClassifier(max_iter=30, max_leaf_nodes=8, random_state=0).fit(x, y)
    ours = TreeModel(export(model))
    assert np.allclose(ours.predict(x[:200]), model.decision_function(x[:200]), atol=1e-6)


def test_selection_covers_each_clause_and_caps_releases() -> None:
    scores = np.array([3.0, 2.9, 2.8, 1.0, 0.5])
    clauses = np.array([[1, 0], [1, 0], [1, 0], [0, 1], [0, 0]], dtype=float)
    picked = select(scores, clauses, ["r1", "r1", "r2", "r3", "r4"], [], 2, 4)
    assert set(picked) == {0, 3}  # the second clause's passage beats a third passage for the first one
    picked = select(scores, clauses, ["r1", "r1", "r1", "r3", "r4"], [], 4, 2, coverage=0.0)
    assert picked == [0, 1, 3, 4]  # at most two from r1 while others are available


def test_selection_keeps_places_for_what_the_question_names() -> None:
    scores = np.array([3.0, 2.9, 2.8, 2.7, 0.5, 0.4])
    clauses = np.zeros((6, 0))
    releases = ["r0", "r1", "r2", "r3", "r4", "r5"]
    assert 4 in select(scores, clauses, releases, [[4]], 2, 4)  # the named source's best passage has a place
    picked = select(scores, clauses, releases, [[0, 1, 2], [4, 5]], 4, 4, quota=2)
    assert set(picked) == {0, 1, 4, 5}  # two each, taking turns, before the higher-scored third of the first


def test_the_shipped_model_loads() -> None:
    model = default_model()
    assert model is not None and len(model.feature) >= 50


STORIES = [
    ("Harbor Times", "2023-03-02", "Weekly roundup: port, schools and a new mayor",
     "The port handled record cargo in February. Schools will add two teaching days in June. "
     "The new mayor promised to repave Main Street before summer. Local bakeries reported higher flour prices. "
     "Meanwhile, Orbitel signed a spectrum agreement with Nordlink to share towers along the coast."),
    ("Harbor Times", "2023-03-09", "Nordlink and Orbitel: what the tower deal means",
     "Nordlink is a regional network operator. Orbitel sells phones and plans. Analysts expect lower prices "
     "for customers on the coast once towers are shared, though details are still unclear."),
    ("Valley Post", "2023-03-03", "Spectrum auction delayed",
     "The national spectrum auction was delayed to autumn, regulators said, citing legal challenges."),
]


@pytest.fixture(scope="module")
def towns(tmp_path_factory: pytest.TempPathFactory, embedder):  # type: ignore[no-untyped-def]
    return make_news(tmp_path_factory.mktemp("towns"), embedder, STORIES, "town")


def test_rescoring_finds_the_passage_that_states_the_fact(towns) -> None:  # type: ignore[no-untyped-def]
    hits = towns.search("Which company signed a spectrum agreement with Nordlink to share towers?", k=1)
    assert hits[0].chunk.release_id == "town-0"
    assert "Orbitel signed a spectrum agreement" in hits[0].chunk.text


def test_retrieval_without_a_model_keeps_the_fused_order(towns) -> None:  # type: ignore[no-untyped-def]
    retriever = towns.retriever
    model, retriever.reranker = retriever.reranker, None
    try:
        hits = retriever.search("spectrum auction delayed", k=3)
    finally:
        retriever.reranker = model
    assert hits and hits[0].chunk.release_id == "town-2"


def test_a_plan_from_a_question_feeds_the_features() -> None:
    p = plan("What did Orbitel announce on March 2, 2023?")
    x = features(p, [_cand("a", "Orbitel announced a tower deal.")], _df).x
    assert x.shape == (1, len(FEATURES)) and x[0, FEATURES.index("name_sent")] == 1.0


def test_the_term_cache_is_safe_under_threads_and_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading
    from collections import OrderedDict

    from assistant import rerank

    monkeypatch.setattr(rerank, "MAX_CHUNKS_CACHED", 8)
    monkeypatch.setattr(rerank, "_CHUNK_TERMS", OrderedDict())
    errors: list[BaseException] = []

    def work(seed: int) -> None:
        try:
            for i in range(3000):
                n = (i * 7 + seed) % 20
                words, ends, _ = rerank._chunk_terms(f"c{n}", "", f"Orbitel signed deal number {n}. It was big.")
                assert words[-1] == "big" and len(ends) == 2
        except BaseException as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(s,)) for s in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(rerank._CHUNK_TERMS) <= 8


def test_meaning_is_compared_with_the_question_and_each_clause() -> None:
    question = QueryPlan(text="Which firm, reported by Verge on May 3, 2023, built the dam and sold the mill?")
    texts = meaning_texts(question)
    assert texts[0] == without_dates(question.text) and len(texts) >= 3
    e = np.eye(4, dtype=np.float32)
    # sentences: one matching the question, one matching clause 2; clauses: e[1], e[2]
    sims = sentence_sims(np.stack([e[0], e[2]]), np.stack([e[0], e[1], e[2]]))
    assert sims == (1.0, 1.0, 0.5)
    assert sentence_sims(e[:1], e[:1]) == (1.0, 1.0, 1.0), "no clauses: the question stands for them"


def test_sentence_meaning_features_and_their_gaps() -> None:
    question = QueryPlan(text="Which carrier signed the spectrum agreement with Nordlink?")
    a = Candidate(**{**_cand("a", "Orbitel signed it.").__dict__, "sims": (0.8, 0.7, 0.6)})
    b = Candidate(**{**_cand("b", "Nothing here.").__dict__, "sims": (0.5, 0.4, 0.3)})
    x = features(question, [a, b], _df).x
    col = FEATURES.index
    assert x[0, col("meaning_sent")] == pytest.approx(0.8) and x[1, col("meaning_clause_mean")] == pytest.approx(0.3)
    assert x[0, col("meaning_sent_gap")] == 0.0 and x[1, col("meaning_sent_gap")] == pytest.approx(0.3)


def test_each_passage_is_also_measured_against_its_own_release() -> None:
    question = QueryPlan(text="Which carrier signed the spectrum agreement with Nordlink?")
    first = Candidate(**{**_cand("a1", "Orbitel signed the spectrum agreement.", release="a").__dict__,
                         "sims": (0.8, 0.7, 0.6)})
    second = Candidate(**{**_cand("a2", "Orbitel also sells phones.", rank=1, release="a").__dict__,
                          "sims": (0.5, 0.4, 0.3)})
    other = Candidate(**{**_cand("b1", "Nothing about it.", rank=2, release="b").__dict__, "sims": (0.2, 0.2, 0.2)})
    x = features(question, [first, second, other], _df).x
    col = FEATURES.index
    gap, rank = col("meaning_sent_in_release_gap"), col("meaning_sent_in_release_rank")
    assert (x[0, gap], x[0, rank]) == (0.0, 0.0)
    assert x[1, gap] == pytest.approx(0.3) and x[1, rank] == 1.0
    assert (x[2, gap], x[2, rank]) == (0.0, 0.0), "the best of its own release, however weak among all"
    assert x[2, col("meaning_sent_gap")] == pytest.approx(0.6)


def test_ranks_within_releases_match_ranking_each_release_alone() -> None:
    from assistant.rerank import _group_ranks, _ranks

    rng = np.random.default_rng(0)
    for _ in range(100):
        n = int(rng.integers(1, 60))
        values, group = rng.integers(0, 4, n).astype(float), rng.integers(0, 6, n)  # many ties
        want = np.zeros(n)
        for g in set(group.tolist()):
            rows = np.flatnonzero(group == g)
            want[rows] = _ranks(values[rows])
        assert (_group_ranks(values, group) == want).all()


def test_clause_list_ranks_are_features() -> None:
    question = QueryPlan(text="Which carrier signed the spectrum agreement, and who built the towers?")
    found = Candidate(**{**_cand("a", "Orbitel built the towers.").__dict__, "clause_dense_rank": 0,
                         "clause_bm25_rank": 3, "clause_hits": 2})
    x = features(question, [found, _cand("b", "Nothing here.")], _df).x
    col = FEATURES.index
    assert x[0, col("clause_dense_rank")] == 0.0 and x[0, col("clause_bm25_rank")] == pytest.approx(np.log1p(3))
    assert x[0, col("clause_hits")] == 2.0 and x[1, col("clause_hits")] == 0.0
    assert x[1, col("clause_dense_rank")] == pytest.approx(np.log1p(200)), "no clause list found it"
