"""One-off export of a sentence-transformers model folder to ONNX, run as ``python -m assistant.onnx_export``.

This is the only module besides the torch embedding backend that imports torch, and the ONNX
backend only ever runs it in a child process, so a serving process never loads torch. The
graph takes ``input_ids`` and ``attention_mask`` and returns the pooled (and, when the model
normalises, unit-length) sentence vectors, exactly as the model's sentence-transformers
modules compute them. ``--int8`` instead writes a dynamically quantised copy of an fp32 file, and
``--external-data`` a copy whose weights sit in a ``.data`` file beside it, which onnxruntime maps
into memory instead of copying: a process then holds only the pages it uses (for the int8 model,
+28 MB of RSS instead of +80 MB, and a peak of +28 MB instead of +110 MB while loading).
"""

from __future__ import annotations

import argparse
import json
import os
import warnings
from pathlib import Path
from typing import Any

OPSET = 17
SUPPORTED_MODULES = {
    "sentence_transformers.models.Transformer",
    "sentence_transformers.models.Pooling",
    "sentence_transformers.models.Normalize",
}


def model_layout(folder: Path) -> tuple[str, bool]:
    """(pooling mode, normalise) from the folder's ``modules.json``; ValueError for what ONNX cannot mirror."""
    modules_file = folder / "modules.json"
    if not modules_file.is_file():
        return "mean", False  # a bare transformers folder: sentence-transformers' default for it
    modules = json.loads(modules_file.read_text(encoding="utf-8"))
    kinds = [m.get("type", "") for m in modules]
    unknown = [k for k in kinds if k not in SUPPORTED_MODULES]
    if unknown:
        raise ValueError(f"modules {unknown} are not supported by the ONNX export")
    mode = "mean"
    for m in modules:
        if m.get("type", "").endswith(".Pooling"):
            cfg = json.loads((folder / m.get("path", "") / "config.json").read_text(encoding="utf-8"))
            modes = [k for k in ("cls_token", "mean_tokens", "max_tokens") if cfg.get(f"pooling_mode_{k}")]
            extra = [k for k, v in cfg.items() if k.startswith("pooling_mode_") and v
                     and k.removeprefix("pooling_mode_") not in ("cls_token", "mean_tokens", "max_tokens")]
            if len(modes) != 1 or extra:
                raise ValueError(f"pooling {cfg} is not supported by the ONNX export")
            mode = modes[0].split("_")[0]
    return mode, any(k.endswith(".Normalize") for k in kinds)


def export_fp32(folder: Path, out: Path) -> None:
    """Trace the model (transformer + pooling + normalisation) into one ONNX file."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    import torch
    from transformers import AutoModel

    mode, normalize = model_layout(folder)
    model = AutoModel.from_pretrained(str(folder), attn_implementation="eager").eval()
    # The legacy (TorchScript) exporter needs no onnxscript and handles this graph; its deprecation and
    # tracer notes are expected here (shapes vary only along the dynamic axes below).
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=UserWarning)
    warnings.filterwarnings("ignore", category=torch.jit.TracerWarning)

    class Pooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            hidden = self.model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            if mode == "mean":  # as sentence_transformers.models.Pooling
                vec = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            elif mode == "cls":
                vec = hidden[:, 0]
            else:
                vec = hidden.masked_fill(mask == 0, -1e9).max(1).values
            return torch.nn.functional.normalize(vec, p=2, dim=1) if normalize else vec

    ids = torch.ones((2, 16), dtype=torch.long)
    mask = torch.ones((2, 16), dtype=torch.long)
    with torch.no_grad():
        torch.onnx.export(
            Pooled(), (ids, mask), str(out), dynamo=False, opset_version=OPSET,
            input_names=["input_ids", "attention_mask"], output_names=["embedding"],
            dynamic_axes={"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"},
                          "embedding": {0: "batch"}},
        )


def quantize_int8(src: Path, out: Path) -> None:
    """Dynamic int8 quantisation of an fp32 export: MatMul weights per channel, activations at run time.

    Per-channel MatMul-only keeps vectors much closer to fp32 (cosine about 0.995 on press
    releases) than quantising every op per tensor (0.94-0.97), for a little less speed.
    """
    import logging

    from onnxruntime.quantization import QuantType, quantize_dynamic

    logging.getLogger().setLevel(logging.ERROR)  # its advice to pre-process applies to static quantisation
    quantize_dynamic(str(src), str(out), weight_type=QuantType.QInt8, per_channel=True,
                     op_types_to_quantize=["MatMul"])


def with_external_data(src: Path, out: Path, data_name: str) -> None:
    """Copy ``src`` to ``out`` with every initializer over 1 KB in ``out``'s folder as ``data_name``."""
    import onnx

    data = out.parent / data_name
    data.unlink(missing_ok=True)  # onnx appends to an existing file
    onnx.save_model(onnx.load(str(src)), str(out), save_as_external_data=True, all_tensors_to_one_file=True,
                    location=data_name, size_threshold=1024)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("source", type=Path, help="model folder (fp32) or fp32 .onnx file (--int8)")
    parser.add_argument("out", type=Path, help="the .onnx file to write")
    parser.add_argument("--int8", action="store_true", help="quantise an fp32 .onnx file instead of exporting")
    parser.add_argument("--external-data", metavar="NAME",
                        help="copy an .onnx file, its weights in the file NAME beside OUT (mapped, not read, on load)")
    args = parser.parse_args(argv)
    if args.external_data:
        with_external_data(args.source, args.out, args.external_data)
    elif args.int8:
        quantize_int8(args.source, args.out)
    else:
        export_fp32(args.source, args.out)


if __name__ == "__main__":
    main()
