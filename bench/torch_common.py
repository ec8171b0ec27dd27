"""Shared pieces of the same-run PyTorch baselines (bench/torch_bm3.py, bench/torch_grcn.py).

Each baseline is a long-lived worker speaking JSON lines on stdin/stdout (like torch_engine.py):
  {"cmd": "info"}                                   -> torch version, BLAS in use, threads
  {"cmd": "setup", "dir", "run", "config", "sgfd"}  -> loads the dump written by bench/workload-dump.ts
        (data, our initial parameters, our first batch), takes one train step on that batch and
        answers its loss terms (computed before the update), for the first-loss check
  {"cmd": "epoch"}                                  -> {"s": seconds of one epoch, "steps", "cpu": CPU seconds,
                                                        "faults": minor page faults of the process meanwhile}
  {"cmd": "steps", "n": N}                          -> {"s": seconds of N steps, "ms": per-step, "cpu", "faults"}
  {"cmd": "quit"}
Parameters keep our names and layout (Linear weights [in, out], applied as x @ W + b).
float32, 1 thread unless the bench says otherwise, Adam as ours (betas 0.9/0.999, eps 1e-8).
"""
import ctypes
import json
import os
import re
import resource
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
torch.manual_seed(0)


def npy(path):
    return torch.from_numpy(np.ascontiguousarray(np.load(path)))


def load_data(d):
    meta = json.load(open(os.path.join(d, "meta.json")))
    mods = [m["name"] for m in meta["modalities"]]
    return {
        "meta": meta,
        "users": npy(os.path.join(d, "users.npy")).long(),
        "items": npy(os.path.join(d, "items.npy")).long(),
        "labels": npy(os.path.join(d, "labels.npy")).long(),
        "features": [npy(os.path.join(d, f"features.{m}.npy")) for m in mods],
        "teacher": [npy(os.path.join(d, f"teacher.{m}.npy")) for m in mods],
    }


def load_tensors(d):
    index = json.load(open(os.path.join(d, "index.json")))
    return {e["name"]: (npy(os.path.join(d, e["name"] + ".npy")), e.get("trainable", True)) for e in index}


def load_params(d):
    """Our initial values as leaf tensors; frozen ones (paper stage 2) without gradient."""
    return {k: t.float().requires_grad_(bool(tr)) for k, (t, tr) in load_tensors(d).items()}


def linear(P, name, x):
    return torch.addmm(P[name + ".bias"], x, P[name + ".weight"])


def mlp(P, name, x, act, linear_stack=False):
    """Our MLP: Linear layers `name`.layers.k, `act` between them (none after the last).

    With linear_stack (no activation between the layers) and BENCH_TORCH_COMPOSE=1, the stack runs as
    ours does (src/nn/layers.ts MLP compose): x @ (W1 @ (W2 @ ...)) + the biases carried through.
    The default is the plain layer-by-layer stack, as the authors' code runs it.
    """
    k = 0
    while f"{name}.layers.{k + 1}.weight" in P:
        k += 1
    if linear_stack and k > 0 and os.environ.get("BENCH_TORCH_COMPOSE") == "1":
        w = P[f"{name}.layers.{k}.weight"]
        for j in range(k - 1, -1, -1):
            w = P[f"{name}.layers.{j}.weight"] @ w
        b = P[f"{name}.layers.0.bias"]
        for j in range(1, k + 1):
            b = torch.addmv(P[f"{name}.layers.{j}.bias"], P[f"{name}.layers.{j}.weight"].t(), b)
        return torch.addmm(b, x, w)
    for j in range(k):
        x = act(linear(P, f"{name}.layers.{j}", x))
    return linear(P, f"{name}.layers.{k}", x)


def tail(x):
    """LeakyReLU(0.01) then row L2 normalisation (eps 1e-12, as ours)."""
    return F.normalize(F.leaky_relu(x, 0.01), dim=-1)


def blas_info():
    libs = sorted({line.split()[-1] for line in open("/proc/self/maps") if "blas" in line})
    info = {"libs": libs}
    for path in libs:
        if "openblas" in path.split("/")[-1]:
            lib = ctypes.CDLL(path)
            lib.openblas_get_corename.restype = ctypes.c_char_p
            lib.openblas_get_config.restype = ctypes.c_char_p
            info["openblas_core"] = lib.openblas_get_corename().decode()
            info["openblas_config"] = lib.openblas_get_config().decode()
            info["openblas_threads"] = lib.openblas_get_num_threads()
    return info


def info():
    a, b = torch.randn(256, 256), torch.randn(256, 256)
    err = ((a @ b).double() - a.double() @ b.double()).abs().max().item()  # also loads the BLAS
    return {"torch": torch.__version__, "threads": torch.get_num_threads(),
            "blas_info": re.findall(r"BLAS_INFO=\w+", torch.__config__.show()),
            "sgemm_check_max_abs_err": err, **blas_info()}


def faults():
    """Minor page faults of this process so far (every thread): first touches of fresh pages."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


class Trainer:
    """Adam over the trainable parameters of `model` (which has .P, .loss(rows, check) -> (loss, terms))."""

    def __init__(self, model, n_rows, batch_size, lr, weight_decay=0.0):
        self.model, self.n, self.bs = model, n_rows, batch_size
        params = [p for p in model.P.values() if p.requires_grad]
        self.opt = torch.optim.Adam(params, lr=lr, weight_decay=weight_decay, eps=1e-8)
        self.order, self.at = None, 0

    def step(self, rows, check=None):
        self.opt.zero_grad(set_to_none=True)
        loss, terms = self.model.loss(rows, check)
        loss.backward()
        self.opt.step()
        out = {"loss": loss.item()}
        out.update({k: v.item() for k, v in terms.items()})
        return out

    def epoch(self):
        t, cpu, f = time.perf_counter(), time.process_time(), faults()
        perm = torch.randperm(self.n)
        steps = 0
        for at in range(0, self.n, self.bs):
            self.step(perm[at:at + self.bs])
            steps += 1
        return {"s": time.perf_counter() - t, "steps": steps, "cpu": time.process_time() - cpu, "faults": faults() - f}

    def next_rows(self):
        if self.order is None or self.at >= self.n:
            self.order, self.at = torch.randperm(self.n), 0
        rows = self.order[self.at:self.at + self.bs]
        self.at += self.bs
        return rows

    def steps(self, n):
        ms, cpu, f = [], time.process_time(), faults()
        for _ in range(n):
            t = time.perf_counter()
            self.step(self.next_rows())
            ms.append((time.perf_counter() - t) * 1e3)
        return {"s": sum(ms) / 1e3, "ms": ms, "cpu": time.process_time() - cpu, "faults": faults() - f}


def serve(setup):
    """The JSON-lines loop; `setup(req)` returns (trainer, first-step terms)."""
    trainer = None
    for line in sys.stdin:
        req = json.loads(line)
        if req["cmd"] == "quit":
            break
        try:
            if req["cmd"] == "info":
                out = info()
            elif req["cmd"] == "setup":
                trainer, check = setup(req)
                out = {"check": check}
            elif req["cmd"] == "epoch":
                out = trainer.epoch()
            elif req["cmd"] == "steps":
                out = trainer.steps(req["n"])
            else:
                out = {"error": f"unknown cmd {req['cmd']}"}
        except Exception as e:  # reported to the bench, which prints it and goes on without torch
            out = {"error": f"{type(e).__name__}: {e}"}
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()
