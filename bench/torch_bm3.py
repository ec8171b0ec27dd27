"""PyTorch baseline for bench/bm3.bench.ts: BM3, vanilla or with SGFD (reference or paper profile),
the same math as src/backbones/bm3/bm3.ts + src/sgfd/, written plainly in PyTorch.

BM3: LightGCN over D^-1/2 A D^-1/2 of the train interactions (torch.sparse.mm), mean of layers
0..L, items plus their ID residual; predictor g = Linear(d, d); targets are dropout copies with no
gradient; loss = (1 - cos(g(u), i~)) + (1 - cos(g(i), u~)) + cl_weight * sum_m [(1 - cos(g(f_m), i~))
+ (1 - cos(g(f_m), dropout(f_m)))] + reg_weight * (||u||_F + ||i||_F) / n_items, means over the batch.
Features f_m: a Linear over raw rows (vanilla) or SGFD's student (tailed). SGFD (see
SGFD-SPEC.md): reference = one joint stage, teacher recomputed once per distinct batch item
(linear stack + tail), CE on probabilities, LD = mean |dp|, FD = MSE, modality mean, no stop-gradient,
+ kd*(LD+FD) + ce*(TCE+FCE); paper stage 2 = the frozen teacher's features as a table,
LD/FD squared L2 per item, summed over modalities, only kd*(LD+FD), teacher and classifiers frozen.
See torch_common.py for the protocol. Run by bench/bm3.bench.ts with our parameters and batch.
"""
import os

import torch
import torch.nn.functional as F

from torch_common import Trainer, linear, load_data, load_params, load_tensors, mlp, serve, tail

SG = "extractor.sgfd"


def dist(a, b, kind):
    d = a - b
    if kind == "l1-mean":
        return d.abs().mean()
    if kind == "mse":
        return (d * d).mean()
    return (d * d).sum(-1).mean()  # squared-l2 per item, mean over the batch


def combine(terms, how):
    s = sum(terms)
    return s / len(terms) if how == "mean" and len(terms) > 1 else s


def masked_ce(z, labels, mask, on_probs):
    if on_probs:  # the reference's double softmax
        z = F.softmax(z, -1)
    picked = F.log_softmax(z, -1).gather(1, labels[:, None])[:, 0]
    return -(picked * mask).sum() / mask.sum().clamp(min=1)


class Sgfd:
    def __init__(self, P, sg, features, teacher, labels):
        for key, want in [("useLd", True), ("useFd", True), ("useFusion", True), ("shallowTeacher", False),
                          ("featureActivation", True), ("studentOutput", "tail")]:
            if sg[key] != want:
                raise ValueError(f"torch_bm3 implements sgfd.{key}={want} only, got {sg[key]}")
        if sg.get("distilled") is not None:
            raise ValueError("torch_bm3 distils every modality (sgfd.distilled unset)")
        self.P, self.sg, self.X, self.T, self.labels = P, sg, features, teacher, labels

    def classify(self, m, f):
        return linear(self.P, f"{SG}.classifiers.{m}", f)

    def forward(self, items):
        """Student features (what BM3 consumes), the SGFD objective and its terms."""
        P, sg = self.P, self.sg
        student = [tail(linear(P, f"{SG}.student.extractors.{m}", X[items])) for m, X in enumerate(self.X)]
        if sg["twoStage"]:
            teacher = [T[items] for T in self.T]
        else:  # joint teacher: once per distinct item of the batch, as ours
            uniq, inv = torch.unique(items, return_inverse=True)
            act = (lambda x: F.leaky_relu(x, 0.01)) if sg["teacherActivation"] else (lambda x: x)
            teacher = [tail(mlp(P, f"{SG}.teacher.extractors.{m}", X[uniq], act, not sg["teacherActivation"]))[inv] for m, X in enumerate(self.X)]
        zt = [self.classify(m, t) for m, t in enumerate(teacher)]
        det = (lambda v: v.detach()) if sg["detachTeacher"] else (lambda v: v)
        tau, how = sg["tau"], sg["modalityReduction"]
        ld_kind = "l1-mean" if sg["ldDistance"] == "l1-mean" else "squared-l2"
        ld = combine([dist(F.softmax(det(zt[m]) / tau, -1), F.softmax(self.classify(m, s) / tau, -1), ld_kind)
                      for m, s in enumerate(student)], how)
        fd = combine([dist(det(t), s, sg["fdDistance"]) for t, s in zip(teacher, student)], how)
        kd = sg["kdWeight"] * (ld + fd)
        terms = {"ld": ld, "fd": fd}
        if sg["twoStage"]:  # stage 2: the frozen teacher brings no CE term
            return student, kd, terms
        labels = self.labels[items]
        mask = (labels >= 0).float()
        labels = labels.clamp(min=0)
        tce = combine([masked_ce(z, labels, mask, sg["ceOnProbs"]) for z in zt], "mean")
        h = linear(P, f"{SG}.teacher.fusion", torch.cat(teacher, 1))
        h = F.relu(h) if sg["fusionActivation"] == "relu" else F.leaky_relu(h, 0.01)
        fce = masked_ce(linear(P, f"{SG}.teacher.fusedClassifier", h), labels, mask, sg["ceOnProbs"])
        terms.update(tce=tce, fce=fce)
        return student, kd + sg["ceWeight"] * (tce + fce), terms


class Bm3:
    def __init__(self, data, P, cfg, sg):
        meta = data["meta"]
        self.P, self.cfg = P, cfg
        self.nu, self.ni = meta["nUsers"], meta["nItems"]
        self.users, self.items = data["users"], data["items"]
        self.X = data["features"]
        self.sgfd = Sgfd(P, sg, data["features"], data["teacher"], data["labels"]) if sg else None
        self.mods = [m["name"] for m in meta["modalities"]]
        u, i = self.users, self.items + self.nu
        deg = torch.zeros(self.nu + self.ni, dtype=torch.float64)
        deg.index_add_(0, u, torch.ones(len(u), dtype=torch.float64))
        deg.index_add_(0, i, torch.ones(len(i), dtype=torch.float64))
        w = (1 / torch.sqrt((deg[u] + 1e-7) * (deg[i] + 1e-7))).float()
        idx = torch.cat([torch.stack([u, i]), torch.stack([i, u])], 1)
        n = self.nu + self.ni
        self.adj = torch.sparse_coo_tensor(idx, torch.cat([w, w]), (n, n)).coalesce()

    def online(self):
        U, I = self.P["userEmbedding"], self.P["itemEmbedding"]
        h = torch.cat([U, I])
        layers = [h]
        for _ in range(self.cfg["n_layers"]):
            h = torch.sparse.mm(self.adj, h)
            layers.append(h)
        h = sum(layers) / len(layers) if len(layers) > 1 else h
        return h[:self.nu], h[self.nu:] + I

    def loss(self, rows, check=None):
        P, cfg, p = self.P, self.cfg, self.cfg["dropout"]
        if check is not None:  # our first batch: its ids and dropout keep-masks
            users, items = check["users"], check["items"]
            drop = lambda x, name: x * check[f"mask.{name}"] * (1 / (1 - p))
        else:
            users, items = self.users[rows], self.items[rows]
            drop = lambda x, name: F.dropout(x, p)
        u_all, i_all = self.online()
        u_on, i_on = u_all[users], i_all[items]
        u_t, i_t = drop(u_on.detach(), "user"), drop(i_on.detach(), "item")
        pred = lambda x: linear(P, "predictor", x)
        cos = lambda a, t: 1 - F.cosine_similarity(a, t, dim=-1).mean()
        rec = cos(pred(u_on), i_t) + cos(pred(i_on), u_t)
        if self.sgfd:
            feats, sgfd, terms = self.sgfd.forward(items)
        else:
            feats = [linear(P, f"extractor.vanilla.{m}", X[items]) for m, X in enumerate(self.X)]
            sgfd, terms = None, {}
        cl = 0
        for name, f in zip(self.mods, feats):
            g = pred(f)
            cl = cl + cos(g, i_t) + cos(g, drop(f.detach(), f"feature.{name}"))
        cl = cl * cfg["cl_weight"]
        reg = (u_all.norm() + i_all.norm()) * (cfg["reg_weight"] / self.ni)
        loss = rec + cl + reg + (sgfd if sgfd is not None else 0)
        out = {"rec": rec, "cl": cl, "reg": reg, **terms}
        if sgfd is not None:
            out["sgfd"] = sgfd
        return loss, out


def setup(req):
    data = load_data(req["dir"])
    run = os.path.join(req["dir"], req["run"])
    P = load_params(os.path.join(run, "params"))
    check = {k: t for k, (t, _) in load_tensors(os.path.join(run, "check")).items()}
    cfg = req["config"]
    trainer = Trainer(Bm3(data, P, cfg, req.get("sgfd")), len(data["users"]), cfg["batch_size"], cfg["lr"],
                      cfg["weight_decay"])
    return trainer, trainer.step(None, check)


if __name__ == "__main__":
    serve(setup)
