#!/usr/bin/env python3
"""GPT-2 as Hugging Face computes it, in PyTorch, for the safetensors tests (docs/models.md).

Needs only Debian's python3-torch (no network, no Hugging Face library): safetensors files
are read and written here directly, in the bytes Hugging Face's writer produces.

    /usr/bin/python3 scripts/gpt2_torch.py fixture DIR
        Writes a random GPT-2 (2 layers, n_embd 32, 4 heads, n_positions 64, vocab 264 =
        exposure's padded byte vocabulary) into DIR: model.safetensors (F32), the same in BF16
        (model-bf16.safetensors), config.json, and reference.safetensors with the logits of
        a fixed token sequence (its ids in the metadata key "tokens"). The unit tests compare
        exposure's import, forward pass and export against these files.
    /usr/bin/python3 scripts/gpt2_torch.py logits MODEL TOKENS OUT
        Loads MODEL (a safetensors file with config.json beside it, GPT2LMHeadModel or
        GPT2Model names), runs it on the tokens of TOKENS (a file written by `fixture`) and
        writes the logits to OUT, as reference.safetensors holds them.
    /usr/bin/python3 scripts/gpt2_torch.py gpt2-124m DIR
        Writes a randomly initialised GPT-2 of the 124M shape (12 layers, n_embd 768, 12
        heads, n_positions 1024, GPT-2's vocabulary of 50257) into DIR: model.safetensors
        (F32, 498 MB) and config.json, for measuring `exposure model import` and fine-tuning
        at that size without a download (docs/models.md, "GPT-2 124M here").
    python3 scripts/gpt2_torch.py seeds DIR
        Writes the seed corpus of the fuzzing harness tests/fuzz/fuzz_safetensors.c (no
        PyTorch needed): files of every mode, GPT-2s of the harness's tiny config among them.
"""
import json
import math
import os
import struct
import sys

# Hugging Face's dtypes in its order of alignment; its writer puts the data of the last ones
# first, and tensors of one dtype in the order of their names.
DTYPES = ["BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "I16", "U16", "F16", "BF16", "I32", "U32",
          "F32", "F64", "I64", "U64"]

TINY = dict(n_layer=2, n_embd=32, n_head=4, n_positions=64, vocab_size=264)
# tests/fuzz/fuzz_safetensors.c reads mode-2 inputs as a GPT-2 of this config.
FUZZ_TINY = dict(n_layer=1, n_embd=8, n_head=2, n_positions=4, vocab_size=6)
BOS, EOS = 256, 258  # exposure's byte tokenizer


def safetensors_bytes(tensors, metadata=None):
    """tensors: {name: (dtype, shape, bytes)}. Returns (header, data) as Hugging Face's
    writer lays them out: the JSON padded with spaces to 8 bytes, then the data."""
    names = sorted(tensors, key=lambda n: (-DTYPES.index(tensors[n][0]), n))
    header, offset = {}, 0
    if metadata:
        header["__metadata__"] = metadata
    for name in names:
        dtype, shape, data = tensors[name]
        header[name] = {"dtype": dtype, "shape": list(shape),
                        "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode()
    text += b" " * (-len(text) % 8)
    return text, b"".join(tensors[name][2] for name in names)


def write_safetensors(path, tensors, metadata=None):
    header, data = safetensors_bytes(tensors, metadata)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(header)) + header + data)


def read_safetensors(torch, path):
    """Returns ({name: float64 tensor}, metadata)."""
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    metadata = header.pop("__metadata__", {})
    data = blob[8 + n:]
    out = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        dtype = {"F32": torch.float32, "BF16": torch.bfloat16}.get(info["dtype"])
        if dtype is None:
            continue  # buffers such as attn.bias in other dtypes take no part
        t = torch.frombuffer(bytearray(data[begin:end]), dtype=dtype)
        out[name] = t.reshape(info["shape"]).double()
    return out, metadata


def tensor_bytes(torch, t, dtype):
    if dtype == "BF16":
        return t.to(torch.bfloat16).contiguous().view(torch.int16).numpy().tobytes()
    return t.to(torch.float32).contiguous().numpy().tobytes()


def gelu_new(torch, x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x.pow(3))))


def hf_forward(torch, sd, cfg, tokens):
    """GPT2LMHeadModel's forward pass (eval mode) on one sequence, in float64, from its
    state dict: Conv1D weights are (in, out), used as x @ W + b."""
    F = torch.nn.functional
    C, NH, L = cfg["n_embd"], cfg["n_head"], cfg["n_layer"]
    hs = C // NH
    prefix = "transformer." if "transformer.wte.weight" in sd else ""
    p = lambda name: sd[prefix + name]
    T = len(tokens)
    idx = torch.tensor(tokens)
    x = p("wte.weight")[idx] + p("wpe.weight")[:T]
    mask = torch.tril(torch.ones(T, T, dtype=torch.bool))
    for l in range(L):
        h = "h.%d." % l
        a = F.layer_norm(x, (C,), p(h + "ln_1.weight"), p(h + "ln_1.bias"), 1e-5)
        qkv = torch.addmm(p(h + "attn.c_attn.bias"), a, p(h + "attn.c_attn.weight"))
        q, k, v = (z.view(T, NH, hs).transpose(0, 1) for z in qkv.split(C, dim=1))
        att = (q @ k.transpose(-1, -2)) / math.sqrt(hs)
        att = att.masked_fill(~mask, float("-inf")).softmax(dim=-1)
        y = (att @ v).transpose(0, 1).reshape(T, C)
        x = x + torch.addmm(p(h + "attn.c_proj.bias"), y, p(h + "attn.c_proj.weight"))
        m = F.layer_norm(x, (C,), p(h + "ln_2.weight"), p(h + "ln_2.bias"), 1e-5)
        m = gelu_new(torch, torch.addmm(p(h + "mlp.c_fc.bias"), m, p(h + "mlp.c_fc.weight")))
        x = x + torch.addmm(p(h + "mlp.c_proj.bias"), m, p(h + "mlp.c_proj.weight"))
    x = F.layer_norm(x, (C,), p("ln_f.weight"), p("ln_f.bias"), 1e-5)
    return x @ p("wte.weight").t()


def torch_ref_logits(torch, sd, cfg, tokens):
    """The same through bench/torch_ref.py's model (exposure's layout: Linear (out, in)), as
    a second, independent reading of the tensor map."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bench"))
    import torch_ref
    torch_ref.VOCAB_PADDED = cfg["vocab_size"]
    model = torch_ref.build(torch, dict(layers=cfg["n_layer"], dim=cfg["n_embd"],
                                        heads=cfg["n_head"], context=cfg["n_positions"]))
    state = model.state_dict()
    t = "transformer."
    state["wte.weight"] = sd[t + "wte.weight"]
    state["wpe.weight"] = sd[t + "wpe.weight"]
    state["lnf.weight"], state["lnf.bias"] = sd[t + "ln_f.weight"], sd[t + "ln_f.bias"]
    names = {"ln1": "ln_1", "ln2": "ln_2", "qkv": "attn.c_attn", "proj": "attn.c_proj",
             "fc": "mlp.c_fc", "fcproj": "mlp.c_proj"}
    for l in range(cfg["n_layer"]):
        for ours, theirs in names.items():
            w, b = sd["%sh.%d.%s.weight" % (t, l, theirs)], sd["%sh.%d.%s.bias" % (t, l, theirs)]
            state["blocks.%d.%s.weight" % (l, ours)] = w if ours.startswith("ln") else w.t()
            state["blocks.%d.%s.bias" % (l, ours)] = b
    model.load_state_dict({k: v.float() for k, v in state.items()})
    model.eval()
    with torch.no_grad():
        return model(torch.tensor([tokens]))[0].double()


def hf_config(cfg, dtype="float32"):
    """config.json as Hugging Face's save_pretrained writes it (sorted keys, indent 2)."""
    c = {"activation_function": "gelu_new", "architectures": ["GPT2LMHeadModel"],
         "attn_pdrop": 0.0, "bos_token_id": BOS, "embd_pdrop": 0.0, "eos_token_id": EOS,
         "initializer_range": 0.02, "layer_norm_epsilon": 1e-05, "model_type": "gpt2",
         "n_inner": None, "reorder_and_upcast_attn": False, "resid_pdrop": 0.0,
         "scale_attn_by_inverse_layer_idx": False, "scale_attn_weights": True,
         "tie_word_embeddings": True, "torch_dtype": dtype, "use_cache": True}
    c.update(cfg)
    return json.dumps(c, indent=2, sort_keys=True) + "\n"


def random_gpt2(torch, cfg, seed):
    """GPT2LMHeadModel's state dict (without the tied lm_head.weight) with weights large
    enough that every tensor visibly moves the logits."""
    g = torch.Generator().manual_seed(seed)
    C, L, V, T = cfg["n_embd"], cfg["n_layer"], cfg["vocab_size"], cfg["n_positions"]

    def normal(*shape, std):
        return (torch.randn(*shape, generator=g, dtype=torch.float64) * std).float()

    sd = {"transformer.wte.weight": normal(V, C, std=0.5),
          "transformer.wpe.weight": normal(T, C, std=0.2),
          "transformer.ln_f.weight": 1 + normal(C, std=0.2),
          "transformer.ln_f.bias": normal(C, std=0.2)}
    for l in range(L):
        h = "transformer.h.%d." % l
        for ln in ("ln_1", "ln_2"):
            sd[h + ln + ".weight"] = 1 + normal(C, std=0.2)
            sd[h + ln + ".bias"] = normal(C, std=0.2)
        for name, fan_in, fan_out in (("attn.c_attn", C, 3 * C), ("attn.c_proj", C, C),
                                      ("mlp.c_fc", C, 4 * C), ("mlp.c_proj", 4 * C, C)):
            sd[h + name + ".weight"] = normal(fan_in, fan_out, std=1 / math.sqrt(fan_in))
            sd[h + name + ".bias"] = normal(fan_out, std=0.1)
    return sd


def fixture(torch, outdir):
    os.makedirs(outdir, exist_ok=True)
    cfg = TINY
    sd = random_gpt2(torch, cfg, seed=20241014)
    g = torch.Generator().manual_seed(7)
    # Every position of the context, and ids from the whole vocabulary (specials included).
    tokens = torch.randint(0, cfg["vocab_size"], (cfg["n_positions"],), generator=g).tolist()
    tokens[0] = BOS
    for dtype in ("F32", "BF16"):
        name = "model.safetensors" if dtype == "F32" else "model-bf16.safetensors"
        tensors = {k: (dtype, v.shape, tensor_bytes(torch, v, dtype)) for k, v in sd.items()}
        write_safetensors(os.path.join(outdir, name), tensors, {"format": "pt"})
    with open(os.path.join(outdir, "config.json"), "w") as f:
        f.write(hf_config(cfg))
    sd64 = {k: v.double() for k, v in sd.items()}
    logits = hf_forward(torch, sd64, cfg, tokens)
    check = torch_ref_logits(torch, sd64, cfg, tokens)
    diff = (logits - check).abs().max().item()
    if diff > 1e-4:
        print("gpt2_torch: bench/torch_ref.py disagrees with the GPT-2 forward by %g" % diff,
              file=sys.stderr)
        return 1
    write_reference(torch, os.path.join(outdir, "reference.safetensors"), logits, tokens)
    print("gpt2_torch: wrote %s (logits within %.2g of bench/torch_ref.py's; |logit| <= %.2f)"
          % (outdir, diff, logits.abs().max().item()))
    return 0


GPT2_124M = dict(n_layer=12, n_embd=768, n_head=12, n_positions=1024, vocab_size=50257)


def gpt2_124m(torch, outdir):
    """GPT-2's own initialisation (normal, std 0.02; residual projections scaled by
    1/sqrt(2 L)), so that a short fine-tuning run sees losses of the usual size."""
    os.makedirs(outdir, exist_ok=True)
    cfg = GPT2_124M
    g = torch.Generator().manual_seed(124)
    C, L, V, T = cfg["n_embd"], cfg["n_layer"], cfg["vocab_size"], cfg["n_positions"]

    def normal(*shape, std=0.02):
        return torch.randn(*shape, generator=g) * std

    sd = {"transformer.wte.weight": normal(V, C), "transformer.wpe.weight": normal(T, C, std=0.01),
          "transformer.ln_f.weight": torch.ones(C), "transformer.ln_f.bias": torch.zeros(C)}
    for l in range(L):
        h = "transformer.h.%d." % l
        for ln in ("ln_1", "ln_2"):
            sd[h + ln + ".weight"] = torch.ones(C)
            sd[h + ln + ".bias"] = torch.zeros(C)
        for name, fan_in, fan_out, std in (("attn.c_attn", C, 3 * C, 0.02),
                                           ("attn.c_proj", C, C, 0.02 / math.sqrt(2 * L)),
                                           ("mlp.c_fc", C, 4 * C, 0.02),
                                           ("mlp.c_proj", 4 * C, C, 0.02 / math.sqrt(2 * L))):
            sd[h + name + ".weight"] = normal(fan_in, fan_out, std=std)
            sd[h + name + ".bias"] = torch.zeros(fan_out)
    tensors = {k: ("F32", v.shape, tensor_bytes(torch, v, "F32")) for k, v in sd.items()}
    write_safetensors(os.path.join(outdir, "model.safetensors"), tensors, {"format": "pt"})
    with open(os.path.join(outdir, "config.json"), "w") as f:
        f.write(hf_config(dict(cfg, bos_token_id=50256, eos_token_id=50256)))
    print("gpt2_torch: wrote %s (%d parameters)" % (outdir, sum(v.numel() for v in sd.values())))
    return 0


def write_reference(torch, path, logits, tokens):
    write_safetensors(path, {"logits": ("F32", logits.shape, tensor_bytes(torch, logits, "F32"))},
                      {"tokens": " ".join(str(t) for t in tokens)})


def logits(torch, model_path, tokens_path, out_path):
    sd, _ = read_safetensors(torch, model_path)
    with open(os.path.join(os.path.dirname(os.path.abspath(model_path)), "config.json")) as f:
        cfg = json.load(f)
    _, meta = read_safetensors(torch, tokens_path)
    tokens = [int(t) for t in meta["tokens"].split()]
    write_reference(torch, out_path, hf_forward(torch, sd, cfg, tokens), tokens)
    return 0


def gpt2_shapes(cfg, prefix="transformer."):
    C, L = cfg["n_embd"], cfg["n_layer"]
    shapes = {prefix + "wte.weight": [cfg["vocab_size"], C],
              prefix + "wpe.weight": [cfg["n_positions"], C],
              prefix + "ln_f.weight": [C], prefix + "ln_f.bias": [C]}
    for l in range(L):
        h = "%sh.%d." % (prefix, l)
        for ln in ("ln_1", "ln_2"):
            shapes[h + ln + ".weight"] = shapes[h + ln + ".bias"] = [C]
        for name, rows, cols in (("attn.c_attn", C, 3 * C), ("attn.c_proj", C, C),
                                 ("mlp.c_fc", C, 4 * C), ("mlp.c_proj", 4 * C, C)):
            shapes[h + name + ".weight"] = [rows, cols]
            shapes[h + name + ".bias"] = [cols]
    return shapes


def seeds(outdir):
    import random
    rng = random.Random(5)
    os.makedirs(outdir, exist_ok=True)

    def values(shape, dtype):
        n = math.prod(shape)
        floats = [rng.gauss(0, 1) for _ in range(n)]
        if dtype == "F32":
            return struct.pack("<%df" % n, *floats)
        return struct.pack("<%dH" % n, *(struct.unpack("<I", struct.pack("<f", x))[0] >> 16
                                         for x in floats))

    def gpt2(dtype="F32", prefix="transformer.", extra=None):
        t = {name: (dtype, shape, values(shape, dtype))
             for name, shape in gpt2_shapes(FUZZ_TINY, prefix).items()}
        t.update(extra or {})
        return t

    def file_bytes(tensors, metadata=None):
        header, data = safetensors_bytes(tensors, metadata)
        return struct.pack("<Q", len(header)) + header + data

    def sections(tensors, metadata=None):
        header, data = safetensors_bytes(tensors, metadata)
        return header.rstrip(b" ") + b"\0" + data

    mask = ("F32", [1, 1, 4, 4], values([1, 1, 4, 4], "F32"))
    lm_head = lambda t: {"lm_head.weight": t["transformer.wte.weight"]}
    tied = gpt2()
    tied.update(lm_head(tied))
    mixed = {"a": ("F32", [2, 3], values([2, 3], "F32")), "b": ("BF16", [3], values([3], "BF16")),
             "s": ("F32", [], values([], "F32")), "e": ("F32", [0, 4], b""),
             "h": ("F16", [2], b"\x00\x3c\x00\xc0"), "i": ("I32", [1], b"\x01\x00\x00\x00")}
    out = {
        "file-gpt2": b"\x00" + file_bytes(gpt2(), {"format": "pt"}),
        "file-gpt2-bf16": b"\x00" + file_bytes(gpt2("BF16"), {"format": "pt"}),
        "file-mixed": b"\x00" + file_bytes(mixed, {"format": "pt", "note": "x"}),
        "file-empty": b"\x00" + file_bytes({}),
        "sections-mixed": b"\x01" + sections(mixed, {"format": "pt"}),
        "gpt2": b"\x02" + sections(gpt2(), {"format": "pt"}),
        "gpt2-tied": b"\x02" + sections(tied),
        "gpt2-model-buffers": b"\x02" + sections(gpt2(prefix="", extra={"h.0.attn.bias": mask})),
        "gpt2-bf16": b"\x02" + sections(gpt2("BF16")),
        "config": b"\x03" + hf_config(FUZZ_TINY).encode(),
        "config-small": b"\x03" + b'{"n_layer": 1, "n_embd": 8, "n_head": 2, "n_inner": null}',
    }
    for name, data in out.items():
        with open(os.path.join(outdir, name), "wb") as f:
            f.write(data)
    print("gpt2_torch: wrote %d seeds to %s" % (len(out), outdir))
    return 0


def main(argv):
    if len(argv) < 2 or argv[1] not in ("fixture", "logits", "seeds", "gpt2-124m") or \
            len(argv) != {"fixture": 3, "logits": 5, "seeds": 3, "gpt2-124m": 3}[argv[1]]:
        print(__doc__, file=sys.stderr)
        return 2
    if argv[1] == "seeds":
        return seeds(argv[2])
    try:
        import torch
    except ImportError:
        print("gpt2_torch: PyTorch is not installed for %s (Debian: apt-get install "
              "python3-torch)" % sys.executable, file=sys.stderr)
        return 3
    torch.set_num_threads(1)
    if argv[1] == "fixture":
        return fixture(torch, argv[2])
    if argv[1] == "gpt2-124m":
        return gpt2_124m(torch, argv[2])
    return logits(torch, argv[2], argv[3], argv[4])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
