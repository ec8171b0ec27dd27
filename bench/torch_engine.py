"""PyTorch baseline for bench/engine.bench.ts: the same train steps, timed on request.

A long-lived worker speaking JSON lines on stdin/stdout so the TypeScript bench can interleave rounds:
  {"cmd": "info"}                          -> torch version, BLAS in use, thread counts
  {"cmd": "time", "model": M, "steps": K}  -> {"ms": [K per-step wall times]}
  {"cmd": "gemm", "runs": N, "warmup": W} -> {"ms": [N times of a 2048x4096 @ 4096x1024 matmul]}
  {"cmd": "quit"}
Models: "mlp" (4096->512->26, ReLU, batch 1024, softmax CE) and "teacher" (SGFD teacher + student +
shared classifier, batch 2048, CE + LD + FD). float32, Adam(lr=1e-3), 2 threads, no stop-gradient.
"""
import json
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

from torch_common import info  # the BLAS actually loaded and its kernel, for the bench header

torch.set_num_threads(2)
torch.manual_seed(0)
D, C, TAU = 4096, 26, 10.0


class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.l1, self.l2 = nn.Linear(D, 512), nn.Linear(512, C)

    def loss(self, x, y):
        return F.cross_entropy(self.l2(F.relu(self.l1(x))), y)


def tail(h):
    return F.normalize(F.leaky_relu(h, 0.01), dim=-1)


class Teacher(nn.Module):
    def __init__(self):
        super().__init__()
        # reference profile: a linear stack 4096 -> 1024 -> 256 -> 128, no activation between layers
        self.teacher = nn.Sequential(nn.Linear(D, 1024), nn.Linear(1024, 256), nn.Linear(256, 128))
        self.student = nn.Linear(D, 128)
        self.classifier = nn.Linear(128, C)  # shared by teacher and student

    def loss(self, x, y):
        ft, fs = tail(self.teacher(x)), tail(self.student(x))
        zt, zs = self.classifier(ft), self.classifier(fs)
        ce = F.cross_entropy(zt, y)
        ld = (F.softmax(zt / TAU, dim=-1) - F.softmax(zs / TAU, dim=-1)).abs().mean()
        fd = ((ft - fs) ** 2).mean()
        return ce + ld + fd


BATCH = {"mlp": 1024, "teacher": 2048}
MODELS = {}


def model(name):
    if name not in MODELS:
        m = Mlp() if name == "mlp" else Teacher()
        x = torch.randn(BATCH[name], D)
        y = torch.randint(0, C, (BATCH[name],))
        MODELS[name] = (m, torch.optim.Adam(m.parameters(), lr=1e-3), x, y)
    return MODELS[name]


def step(name):
    m, opt, x, y = model(name)
    opt.zero_grad(set_to_none=True)
    loss = m.loss(x, y)
    loss.backward()
    opt.step()
    return loss.item()


GEMM_AB = []  # the peak reference's operands, made on first use


def gemm(runs, warmup):
    """The peak reference: a plain float32 2048x4096 @ 4096x1024 matmul."""
    if not GEMM_AB:
        GEMM_AB.extend([torch.randn(2048, D), torch.randn(D, 1024)])
    a, b = GEMM_AB
    ms = []
    for i in range(runs + warmup):
        t = time.perf_counter()
        a @ b
        ms.append((time.perf_counter() - t) * 1e3)
    return ms[warmup:]


def main():
    for line in sys.stdin:
        req = json.loads(line)
        if req["cmd"] == "quit":
            break
        if req["cmd"] == "info":
            out = info()
        elif req["cmd"] == "gemm":
            out = {"ms": gemm(req["runs"], req.get("warmup", 0))}
        elif req["cmd"] == "time":
            ms = []
            for _ in range(req["steps"]):
                t = time.perf_counter()
                step(req["model"])
                ms.append((time.perf_counter() - t) * 1e3)
            out = {"ms": ms}
        else:
            out = {"error": f"unknown cmd {req['cmd']}"}
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
