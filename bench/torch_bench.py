"""PyTorch measuring stick for `npm run bench`: the same mlp, cnn and vgg11 (width x0.25), batch,
optimiser and timing rule as bench/harness.ts, so the ratio ours/torch compares like with like;
and the same Fashion-MNIST epoch as bench/epoch.ts. Never a product dependency: run with
Debian's python3-torch (+ python3-numpy) when it is installed.

  torch_bench.py --models mlp,cnn,vgg11 --threads N   samples/s: {"torch", "threads", "results": [...]}
  torch_bench.py --params                              parameter counts only: {"torch", "params": {...}}
  torch_bench.py --epoch DIR --epoch-images N          one epoch of the cnn: {"torch", "threads", "epoch": {...}}
"""
import argparse
import gzip
import json
import os
import statistics
import struct
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 512)
        self.fc2 = nn.Linear(512, 512)
        self.fc3 = nn.Linear(512, 10)

    def forward(self, x):
        x = F.relu(self.fc1(x.flatten(1)))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


class Cnn(nn.Module):
    # Conv layers have no bias: the BN after each one would cancel it (same in the product's spec).
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(32)
        self.fc = nn.Linear(7 * 7 * 32, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)
        x = F.max_pool2d(F.relu(self.bn2(self.conv2(x))), 2)
        return self.fc(x.flatten(1))


VGG11 = [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512]


class Vgg11(nn.Module):
    # The product's buildSpec('vgg11', width 0.25) (src-main/core/models.ts): per entry conv3x3
    # (pad 1, no bias) -> BN -> ReLU, max-pool 2 at each "M", then the mean of the final 2x2 maps
    # (the reference's AvgPool2d(2) on CIFAR) and one linear layer with bias.
    def __init__(self, width=0.25):
        super().__init__()
        layers, cin = [], 3
        for c in VGG11:
            if c == "M":
                layers.append(nn.MaxPool2d(2, 2))
                continue
            out = max(1, int(c * width + 0.5))  # JavaScript's Math.round, not Python's round-half-even
            layers += [nn.Conv2d(cin, out, 3, padding=1, bias=False), nn.BatchNorm2d(out), nn.ReLU()]
            cin = out
        self.features = nn.Sequential(*layers)
        self.fc = nn.Linear(cin, 10)

    def forward(self, x):
        return self.fc(self.features(x).mean(dim=(2, 3)))


MODELS = {"mlp": Mlp, "cnn": Cnn, "vgg11": Vgg11}
INPUT = {"mlp": (1, 28, 28), "cnn": (1, 28, 28), "vgg11": (3, 32, 32)}


def param_info(model):
    sizes = sorted(p.numel() for p in model.parameters())
    return {"params": sum(sizes), "paramSizes": sizes}


def optimiser(model):
    return torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)


def measure(name, batch, warmup_seconds, windows, window_seconds):
    torch.manual_seed(0)
    model = MODELS[name]()
    model.train()
    opt = optimiser(model)
    # A few distinct batches, cycled, like the TypeScript side.
    xs = [torch.rand(batch, *INPUT[name]) * 2 - 1 for _ in range(4)]
    ys = [torch.randint(0, 10, (batch,)) for _ in range(4)]

    def run(steps, start=0):
        t0 = time.perf_counter()
        for i in range(start, start + steps):
            opt.zero_grad(set_to_none=True)
            logits = model(xs[i % 4])
            loss = F.cross_entropy(logits, ys[i % 4])
            loss.backward()
            opt.step()
            # The product's step reads loss and hits back every batch: so does this one.
            loss.item()
            (logits.argmax(1) == ys[i % 4]).sum().item()
        return time.perf_counter() - t0

    # Same timing rule as bench/harness.ts: warm up for a while, size windows from its pace.
    warm, steps = run(1), 1
    while warm < warmup_seconds:
        n = max(1, (steps + 1) // 2)
        warm += run(n, steps)
        steps += n
    per_window = max(1, round(window_seconds * steps / warm))
    rates = [per_window * batch / run(per_window) for _ in range(windows)]
    return {"model": name, "samplesPerSec": statistics.median(rates), "windows": rates,
            "stepsPerWindow": per_window, **param_info(model)}


def read_idx(path):
    import numpy as np
    with (gzip.open if path.endswith(".gz") else open)(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    dims = struct.unpack(">" + "I" * ndim, raw[4:4 + 4 * ndim])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def idx_file(folder, prefix):
    for name in sorted(os.listdir(folder)):
        if name.startswith(prefix):
            return os.path.join(folder, name)
    raise FileNotFoundError(f"no {prefix}[.gz] in {folder}")


def epoch(folder, images, batch):
    """One epoch of the cnn as bench/epoch.ts runs it: shuffle, gather, step; test set apart."""
    import numpy as np
    t0 = time.perf_counter()
    xtr = read_idx(idx_file(folder, "train-images-idx3-ubyte"))
    ytr = read_idx(idx_file(folder, "train-labels-idx1-ubyte"))
    xte = read_idx(idx_file(folder, "t10k-images-idx3-ubyte"))
    yte = read_idx(idx_file(folder, "t10k-labels-idx1-ubyte"))
    mean, std = float(xtr.mean()), float(xtr.std())  # normalised like the product's loader

    def tensor(x):
        return torch.from_numpy((x.astype(np.float32) - mean) / std).reshape(-1, 1, 28, 28)

    n = min(images, len(ytr))
    X, Y = tensor(xtr[:n]), torch.from_numpy(ytr[:n].astype(np.int64))
    Xt, Yt = tensor(xte), torch.from_numpy(yte.astype(np.int64))
    load = time.perf_counter() - t0
    torch.manual_seed(0)
    model = Cnn()
    opt = optimiser(model)
    model.train()
    t0 = time.perf_counter()
    perm = torch.randperm(n)
    loss_sum, correct = 0.0, 0
    for b in range(0, n, batch):
        idx = perm[b:b + batch]
        xb, yb = X[idx], Y[idx]
        opt.zero_grad(set_to_none=True)
        logits = model(xb)
        loss = F.cross_entropy(logits, yb)
        loss.backward()
        opt.step()
        loss_sum += loss.item() * len(idx)
        correct += (logits.argmax(1) == yb).sum().item()
    train = time.perf_counter() - t0
    model.eval()
    t0 = time.perf_counter()
    hits = 0
    with torch.no_grad():
        for b in range(0, len(Yt), 1024):
            hits += (model(Xt[b:b + 1024]).argmax(1) == Yt[b:b + 1024]).sum().item()
    evaluation = time.perf_counter() - t0
    return {"images": n, "of": len(ytr), "batch": batch, "trainSeconds": train, "evalSeconds": evaluation,
            "testImages": len(Yt), "loadSeconds": load, "trainAccuracy": correct / n,
            "testAccuracy": hits / len(Yt), "samplesPerSec": n / train}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--models", default="mlp,cnn,vgg11")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--warmup-seconds", type=float, default=1.5)
    p.add_argument("--windows", type=int, default=3)
    p.add_argument("--window-seconds", type=float, default=1.0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--params", action="store_true")
    p.add_argument("--epoch")
    p.add_argument("--epoch-images", type=int, default=60000)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    models = a.models.split(",")
    if a.params:
        out = {"params": {m: param_info(MODELS[m]()) for m in models}}
    elif a.epoch:
        out = {"threads": a.threads, "epoch": epoch(a.epoch, a.epoch_images, a.batch)}
    else:
        out = {"threads": a.threads,
               "results": [measure(m, a.batch, a.warmup_seconds, a.windows, a.window_seconds) for m in models]}
    print(json.dumps({"torch": torch.__version__, **out}))


if __name__ == "__main__":
    main()
