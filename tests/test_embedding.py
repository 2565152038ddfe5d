"""Embedding backends by name: ONNX (fp32 and int8) against the torch reference, batching, the export cache."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from assistant.embedding import Embedder, OnnxEmbedder, _ensure, create_embedder
from assistant.errors import ConfigError
from assistant.settings import Settings

from .conftest import CORPUS, ROOT, SEED


@pytest.fixture(scope="module")
def passages(embedder: Any) -> list[str]:
    """Real release text of very different lengths, one past the model's 256-token window."""
    texts = [p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.txt"))[:3]]
    whole = SEED.read_text(encoding="utf-8")
    out = ["Revenue rose.", whole[:300], texts[1][:1200], whole, texts[2][:600], ""]
    assert max(embedder.count_tokens(out)) > 300
    return out


@pytest.fixture(scope="module")
def reference(passages: list[str]) -> np.ndarray:
    return Embedder().embed(passages)  # sentence-transformers on torch


def test_default_backend_is_onnx_int8_with_the_torch_label(embedder: Any) -> None:
    assert Settings().embedding_backend == "onnx-int8"
    assert isinstance(embedder, OnnxEmbedder) and isinstance(embedder, Embedder) and embedder.int8
    assert embedder.name == Embedder().name + " int8" and embedder.store_label == Embedder().store_label == ""
    assert (embedder.max_tokens, embedder.dimension) == (256, 384)


def test_onnx_fp32_gives_the_torch_vectors(passages: list[str], reference: np.ndarray) -> None:
    embedder = create_embedder("onnx")
    got = embedder.embed(passages)
    assert got.dtype == np.float32 and got.shape == reference.shape
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    assert (got * reference).sum(axis=1).min() > 0.9999
    assert np.allclose(embedder.embed_query(passages[1]), reference[1], atol=1e-5)


def test_int8_is_close_enough_to_share_an_index(passages: list[str], reference: np.ndarray) -> None:
    int8 = create_embedder("onnx-int8")
    got = int8.embed(passages)
    agreement = (got * reference).sum(axis=1)
    assert agreement.min() > 0.95 and np.median(agreement) > 0.99  # the empty text agrees least
    # what sharing an index needs: each passage's int8 vector is nearest to its own fp32 vector
    assert ((got @ reference.T).argmax(axis=1) == np.arange(len(passages))).all()
    assert int8.name.endswith(" int8") and int8.store_label == ""


def test_length_batching_keeps_input_order_and_counts(passages: list[str]) -> None:
    small = OnnxEmbedder(batch_size=2)  # several batches, each of similar lengths
    texts = passages + passages[::-1]
    alone = np.stack([small.embed([t])[0] for t in texts])
    assert small.embedded == len(texts)
    together = small.embed(texts)
    assert small.embedded == 2 * len(texts)
    assert np.allclose(together, alone, atol=1e-5)
    assert small.embed([]).shape == (0, 384) and small.embedded == 2 * len(texts)


def test_backends_by_name() -> None:
    assert type(create_embedder("torch")) is Embedder
    assert type(create_embedder("ONNX")) is OnnxEmbedder
    with pytest.raises(ConfigError, match="ASSISTANT_EMBEDDING_BACKEND='tensorflow'"):
        create_embedder("tensorflow")


def test_settings_pick_the_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.core import Assistant

    monkeypatch.setenv("ASSISTANT_EMBEDDING_BACKEND", "torch")
    assert Assistant().embedder.backend == "torch"
    monkeypatch.setenv("ASSISTANT_EMBEDDING_BACKEND", "onnx-int8")
    assert Assistant().embedder.backend == "onnx-int8"


def test_onnx_path_never_imports_torch() -> None:
    code = ("import sys\nfrom assistant.core import Assistant\n"
            "v = Assistant().embedder.embed_query('Northwind Grid reports results')\n"
            "assert v.shape == (384,), v.shape\n"
            "print(sorted(m for m in ('torch', 'sentence_transformers', 'transformers') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_help_imports_no_model_runtime() -> None:
    code = ("import sys; from assistant.cli import cli; sys.argv = ['assistant', '--help']\n"
            "try:\n    cli()\nexcept SystemExit: pass\n"
            "print('onnxruntime' in sys.modules, 'tokenizers' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.stdout.strip().endswith("False False"), out.stderr


def test_export_runs_once_across_concurrent_callers(tmp_path: Path) -> None:
    target, runs = tmp_path / "cache" / "model.onnx", tmp_path / "runs"
    script = ("import sys, time; open(sys.argv[2], 'a').write('x'); time.sleep(0.5); "
              "open(sys.argv[1], 'w').write('model')")
    errors: list[BaseException] = []

    def call() -> None:
        try:
            _ensure(target, lambda tmp: [sys.executable, "-c", script, str(tmp), str(runs)], "", None)
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=call) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    assert target.read_text() == "model" and runs.read_text() == "x"
    assert not list(target.parent.glob("*.tmp"))


def test_failed_export_names_the_torch_fallback(tmp_path: Path) -> None:
    target = tmp_path / "model.onnx"
    with pytest.raises(ConfigError, match="ASSISTANT_EMBEDDING_BACKEND=torch") as caught:
        _ensure(target, lambda tmp: [sys.executable, "-c", "raise SystemExit('no weights here')"], "", None)
    assert "no weights here" in str(caught.value)
    assert not target.exists() and not list(tmp_path.glob("*.tmp"))


def test_a_passage_vector_pools_its_sentences_each_embedded_once(embedder) -> None:  # type: ignore[no-untyped-def]
    first = ["The ferry runs every 20 minutes.", "Tickets cost $4."]
    second = ["Tickets cost $4.", "The library opens at nine."]  # one sentence shared, as overlapping chunks do
    before = embedder.embedded
    pooled, per = embedder.embed_passages([first, second])
    assert embedder.embedded - before == 3, "the shared sentence is embedded once"
    assert np.array_equal(per[1][0], per[0][1])
    mean = per[0].mean(axis=0)
    assert np.allclose(pooled[0], mean / np.linalg.norm(mean), atol=1e-6)
    assert np.allclose(np.linalg.norm(pooled, axis=1), 1.0, atol=1e-5)
    # each sentence embedded alone (int8 activations are scaled per batch, so batch-mates move vectors a little)
    alone = embedder.embed(first)
    assert per[0].shape == alone.shape and ((per[0] * alone).sum(axis=1) > 0.99).all()


def test_the_served_onnx_model_maps_its_weights_and_gives_the_same_vectors() -> None:
    """The served copy keeps its weights in a .data file beside it (mapped on load), vectors unchanged."""
    import numpy as np
    import onnxruntime as ort

    from assistant.embedding import create_embedder, exported_model, resolve_model_folder
    from assistant.settings import Settings

    s = Settings()
    folder = resolve_model_folder(s.embedding_model)
    served = exported_model(folder, int8=True, cache_dir=s.onnx_cache_dir)
    assert served.with_name(served.name + ".data").stat().st_size > 10 * served.stat().st_size
    whole = ort.InferenceSession(str(served.parent / "model-int8.onnx"), providers=["CPUExecutionProvider"])
    ids = np.array([[101, 2043, 2106, 2167, 3470, 102]], dtype=np.int64)
    expected = whole.run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids)})[0]
    embedder = create_embedder("onnx-int8", s.embedding_model, cache_dir=s.onnx_cache_dir)
    got = embedder.model.run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids)})[0]
    assert np.array_equal(got, expected)


def test_question_vectors_are_cached(embedder) -> None:  # type: ignore[no-untyped-def]
    """A question searched twice (an answer about a period searches again without its dates) or asked again is
    run through the model once; the vectors are the model's own."""
    texts = ["When did the ferry service to Quay Island restart?", "ferry service restart", "Quay Island"]
    first = embedder.embed_queries(texts)
    before = embedder.embedded
    again = embedder.embed_queries([texts[1], texts[0], texts[1]])
    assert embedder.embedded == before
    assert np.allclose(again, first[[1, 0, 1]])
    assert np.allclose(first, embedder.embed(texts), atol=1e-6)
