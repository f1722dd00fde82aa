#!/usr/bin/env python3
"""The reference: exposure's model, training step and KV-cache greedy decoding in PyTorch.

Same architecture (GPT-2: learned positions, pre-LayerNorm blocks with fused QKV and a 4x
GELU(tanh) MLP, final LayerNorm, LM head tied to the token embedding, vocabulary 261 padded
to 264), same sizes (S and M of `exposure bench`), same step (forward, masked-mean
cross-entropy over all positions, backward, global-norm clipping at 1.0, AdamW with decay on
matrices and embeddings only), same thread count. Prints one JSON object with --json.
Run with Debian's interpreter, which is where python3-torch is installed:
    /usr/bin/python3 bench/torch_ref.py --json
"""
import argparse
import json
import math
import os
import statistics
import sys
import time

MODELS = {
    "S": dict(layers=4, dim=128, heads=4, context=128, batch=16),
    "M": dict(layers=6, dim=256, heads=8, context=256, batch=8),
}
VOCAB, VOCAB_PADDED = 261, 264


def build(torch, cfg):
    nn = torch.nn
    F = torch.nn.functional
    L, C, NH, T = cfg["layers"], cfg["dim"], cfg["heads"], cfg["context"]

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln1 = nn.LayerNorm(C)
            self.qkv = nn.Linear(C, 3 * C)
            self.proj = nn.Linear(C, C)
            self.ln2 = nn.LayerNorm(C)
            self.fc = nn.Linear(C, 4 * C)
            self.fcproj = nn.Linear(4 * C, C)
            self.register_buffer("mask", torch.tril(torch.ones(T, T, dtype=torch.bool)))

        def attend(self, q, k, v, t):
            att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(C // NH))
            att = att.masked_fill(~self.mask[:t, :t], float("-inf"))
            return F.softmax(att, dim=-1) @ v

        def forward(self, x, cache_k=None, cache_v=None):
            """The whole sequence; with caches, also keeps its keys and values (prefill)."""
            B, t, _ = x.shape
            q, k, v = self.qkv(self.ln1(x)).split(C, dim=2)
            q, k, v = (z.view(B, t, NH, C // NH).transpose(1, 2) for z in (q, k, v))
            if cache_k is not None:
                cache_k[:, :, :t] = k
                cache_v[:, :, :t] = v
            y = self.attend(q, k, v, t).transpose(1, 2).reshape(B, t, C)
            x = x + self.proj(y)
            return x + self.fcproj(F.gelu(self.fc(self.ln2(x)), approximate="tanh"))

        def step(self, x, cache_k, cache_v, pos):
            """One new token per sequence at position pos, with the key/value cache."""
            B = x.shape[0]
            q, k, v = self.qkv(self.ln1(x)).split(C, dim=2)
            q, k, v = (z.view(B, 1, NH, C // NH).transpose(1, 2) for z in (q, k, v))
            cache_k[:, :, pos : pos + 1] = k
            cache_v[:, :, pos : pos + 1] = v
            att = (q @ cache_k[:, :, : pos + 1].transpose(-2, -1)) * (1.0 / math.sqrt(C // NH))
            y = (F.softmax(att, dim=-1) @ cache_v[:, :, : pos + 1]).transpose(1, 2).reshape(B, 1, C)
            x = x + self.proj(y)
            return x + self.fcproj(F.gelu(self.fc(self.ln2(x)), approximate="tanh"))

    class GPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.wte = nn.Embedding(VOCAB_PADDED, C)
            self.wpe = nn.Embedding(T, C)
            self.blocks = nn.ModuleList(Block() for _ in range(L))
            self.lnf = nn.LayerNorm(C)
            for name, p in self.named_parameters():
                if p.dim() == 2:
                    std = 0.02 / math.sqrt(2 * L) if name.endswith(("proj.weight", "fcproj.weight")) else 0.02
                    nn.init.normal_(p, 0.0, std)
                elif name.endswith("bias"):
                    nn.init.zeros_(p)

        def forward(self, idx):
            t = idx.shape[1]
            x = self.wte(idx) + self.wpe(torch.arange(t))
            for b in self.blocks:
                x = b(x)
            return self.lnf(x) @ self.wte.weight.t()

    return GPT()


def train_tokens_per_second(torch, cfg, steps):
    model = build(torch, cfg)
    B, T = cfg["batch"], cfg["context"]
    decay = [p for p in model.parameters() if p.dim() == 2]
    no_decay = [p for p in model.parameters() if p.dim() != 2]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
        lr=1e-3, betas=(0.9, 0.95), eps=1e-8)
    g = torch.Generator().manual_seed(7)
    x = torch.randint(0, 256, (B, T), generator=g)
    y = torch.randint(0, 256, (B, T), generator=g)
    F = torch.nn.functional

    def step():
        t0 = time.perf_counter()
        logits = model(x)[..., :VOCAB]
        loss = F.cross_entropy(logits.reshape(-1, VOCAB), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        return time.perf_counter() - t0

    for _ in range(3):
        step()
    times = [step() for _ in range(steps)]
    return B * T / statistics.median(times), statistics.median(times)


def decode_tokens_per_second(torch, cfg, batch):
    model = build(torch, cfg)
    C, NH, T, L = cfg["dim"], cfg["heads"], cfg["context"], cfg["layers"]
    prompt_len, new = 16, T - 16
    g = torch.Generator().manual_seed(3)
    prompt = torch.randint(0, 256, (batch, prompt_len), generator=g)

    def generate():
        caches = [(torch.zeros(batch, NH, T, C // NH), torch.zeros(batch, NH, T, C // NH))
                  for _ in range(L)]
        def next_token(x):
            logits = model.lnf(x[:, -1:]) @ model.wte.weight.t()
            logits[..., 258] = float("-inf")  # never <eos>: generate exactly `new` tokens
            return logits[..., :VOCAB].argmax(-1)

        with torch.inference_mode():
            x = model.wte(prompt) + model.wpe(torch.arange(prompt_len))
            for b, (ck, cv) in zip(model.blocks, caches):
                x = b(x, ck, cv)
            tok = next_token(x)
            for pos in range(prompt_len, prompt_len + new - 1):
                x = model.wte(tok) + model.wpe(torch.tensor([pos]))
                for b, (ck, cv) in zip(model.blocks, caches):
                    x = b.step(x, ck, cv, pos)
                tok = next_token(x)

    generate()
    best = 0.0
    for _ in range(3):
        t0 = time.perf_counter()
        generate()
        best = max(best, batch * new / (time.perf_counter() - t0))
    return best


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="all", choices=["S", "M", "all"])
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--threads", type=int, default=os.cpu_count(),
                    help="cores to use (default: all)")
    ap.add_argument("--intra-op-threads", type=int, default=1,
                    help="PyTorch's own threads; OpenBLAS, which does the matrix products, gets "
                         "--threads. One intra-op thread was fastest here: two pools on the same "
                         "cores oversubscribe them")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    # Read when the libraries load, so set before the import.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", str(args.threads))
    os.environ.setdefault("OMP_NUM_THREADS", str(args.intra_op_threads))
    try:
        import torch
    except ImportError:
        print("torch_ref: PyTorch is not installed for %s (Debian: apt-get install python3-torch)"
              % sys.executable, file=sys.stderr)
        return 3
    torch.manual_seed(1)
    torch.set_num_threads(args.intra_op_threads)
    results = []
    for name, cfg in MODELS.items():
        if args.model not in ("all", name):
            continue
        tok_s, step_s = train_tokens_per_second(torch, cfg, args.steps)
        r = dict(model=name, threads=args.threads, torch=torch.__version__, train_tok_s=tok_s,
                 step_ms=step_s * 1e3, decode_b1_tok_s=decode_tokens_per_second(torch, cfg, 1),
                 decode_b32_tok_s=decode_tokens_per_second(torch, cfg, 32))
        results.append(r)
        if not args.json:
            print("model %s (PyTorch %s, %d threads): training %.0f tokens/s, decode b=1 %.0f, "
                  "b=32 %.0f tokens/s" % (name, torch.__version__, args.threads, tok_s,
                                          r["decode_b1_tok_s"], r["decode_b32_tok_s"]))
    if args.json:
        print(json.dumps(dict(event="bench", implementation="pytorch", results=results),
                         separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
