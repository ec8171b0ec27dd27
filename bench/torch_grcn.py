"""PyTorch baseline for bench/backbones.bench.ts: vanilla GRCN, the same math as
src/backbones/grcn/grcn.ts, written plainly in PyTorch (index_add segment sums, no PyG).

Nodes are users then items; edges are the train interactions in both directions. Per modality:
item content f = L2(LeakyReLU(Linear(F))); user preference p = L2(P) refined by routing (users
aggregate their items: p <- L2(p + sum_i softmax_i<p, f_i> f_i), 3 iterations); x = L2([p; f]);
edge attention alpha = softmax over the edges entering a node of <x_i, x_j>; content = x + sum alpha x_j.
Edge weight = max over modalities of alpha * confidence[src] (ReLU-pruned); ID branch: X = L2(ID
embeddings), h1, h2 = two weight-free propagations with those weights; repr = [X + h1 + h2 | contents].
Loss: BPR with one uniform negative outside the user's train items + weight_decay * sum of the mean
squared norms of the batch rows of the ID table and of each P. Adam without weight decay.
Every softmax here is over dot products of unit vectors (in [-1, 1]), so no max-shift is needed.
"""
import os

import torch
import torch.nn.functional as F

from torch_common import Trainer, linear, load_data, load_params, load_tensors, serve, tail


class Grcn:
    def __init__(self, data, P, cfg):
        if cfg["routing"] not in ("users", "reference-noop"):
            raise ValueError(f"routing {cfg['routing']}")
        meta = data["meta"]
        self.P, self.cfg = P, cfg
        self.nu, self.ni = meta["nUsers"], meta["nItems"]
        self.n = self.nu + self.ni
        self.users, self.items = data["users"], data["items"]
        self.X = data["features"]
        u, i = self.users, self.items + self.nu
        self.src, self.dst = torch.cat([u, i]), torch.cat([i, u])
        self.pu, self.pi = u, i
        self.seen = torch.zeros(self.nu, self.ni, dtype=torch.bool)
        self.seen[self.users, self.items] = True

    def negatives(self, users):
        neg = torch.randint(self.ni, users.shape)
        bad = self.seen[users, neg]
        while bad.any():
            neg[bad] = torch.randint(self.ni, (int(bad.sum()),))
            bad = self.seen[users, neg]
        return neg

    @staticmethod
    def segsum(x, index, n):
        return torch.zeros((n,) + x.shape[1:], dtype=x.dtype).index_add_(0, index, x)

    def softmax(self, s, index, n):
        e = torch.exp(s)
        return e / self.segsum(e, index, n)[index]

    def route(self, p0, f):
        p = F.normalize(p0, dim=-1)
        if self.cfg["routing"] == "reference-noop":
            return p
        fe = f[self.items]
        for _ in range(self.cfg["routing_iterations"]):
            a = self.softmax((p[self.users] * fe).sum(1), self.users, self.nu)
            p = F.normalize(p + self.segsum(a[:, None] * fe, self.users, self.nu), dim=-1)
        return p

    def represent(self):
        P = self.P
        contents, attention = [], []
        for m, X in enumerate(self.X):
            f = tail(linear(P, f"extractor.vanilla.{m}", X))
            x = F.normalize(torch.cat([self.route(P[f"preferences.{m}"], f), f]), dim=-1)
            s = (x[self.pu] * x[self.pi]).sum(1)
            a = self.softmax(torch.cat([s, s]), self.dst, self.n)[:, None]
            attention.append(a)
            contents.append(x + self.segsum(a * x[self.src], self.dst, self.n))
        w = (torch.cat(attention, 1) * P["confidence"][self.src]).max(1, keepdim=True).values
        if self.cfg["pruning"]:
            w = F.relu(w)
        X = F.normalize(P["idEmbedding"], dim=-1)
        h1 = self.segsum(X[self.src] * w, self.dst, self.n)
        h2 = self.segsum(h1[self.src] * w, self.dst, self.n)
        return torch.cat([X + h1 + h2] + contents, 1)

    def loss(self, rows, check=None):
        if check is not None:  # our first batch: node ids (items offset by n_users)
            users, pos, neg = check["users"], check["pos"], check["neg"]
        else:
            users = self.users[rows]
            pos, neg = self.items[rows] + self.nu, self.negatives(users) + self.nu
        reps = self.represent()
        ru = reps[users]
        rec = -F.logsigmoid((ru * reps[pos]).sum(1) - (ru * reps[neg]).sum(1)).mean()
        sq = lambda x: (x * x).sum(1).mean()
        E = self.P["idEmbedding"]
        rows_sq = [sq(E[users]), sq(E[pos]), sq(E[neg])] + [sq(self.P[f"preferences.{m}"][users]) for m in range(len(self.X))]
        reg = self.cfg["weight_decay"] * sum(rows_sq)
        return rec + reg, {"rec": rec, "reg": reg}


def setup(req):
    if req.get("sgfd"):
        raise ValueError("torch_grcn implements vanilla GRCN only")
    data = load_data(req["dir"])
    run = os.path.join(req["dir"], req["run"])
    P = load_params(os.path.join(run, "params"))
    check = {k: t for k, (t, _) in load_tensors(os.path.join(run, "check")).items()}
    cfg = req["config"]
    trainer = Trainer(Grcn(data, P, cfg), len(data["users"]), cfg["batch_size"], cfg["lr"])
    return trainer, trainer.step(None, check)


if __name__ == "__main__":
    serve(setup)
