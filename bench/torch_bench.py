"""PyTorch measuring stick for `npm run bench`: the same mlp and cnn, batch, optimiser and timing
rule as bench/harness.ts, so the ratio ours/torch compares like with like. Never a product
dependency: run with Debian's python3-torch when it is installed.

Prints one JSON object: {"torch": version, "threads": n, "results": [{model, samplesPerSec, ...}]}.
"""
import argparse
import json
import statistics
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
    # Conv layers have no bias: the BN after each one would cancel it (same in bench/models.ts).
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


MODELS = {"mlp": Mlp, "cnn": Cnn}


def measure(name, batch, warmup_seconds, windows, window_seconds):
    torch.manual_seed(0)
    model = MODELS[name]()
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    # A few distinct batches, cycled, like the TypeScript side.
    xs = [torch.rand(batch, 1, 28, 28) for _ in range(4)]
    ys = [torch.randint(0, 10, (batch,)) for _ in range(4)]

    def run(steps, start=0):
        t0 = time.perf_counter()
        for i in range(start, start + steps):
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(xs[i % 4]), ys[i % 4])
            loss.backward()
            opt.step()
        loss.item()
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
            "stepsPerWindow": per_window}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--models", default="mlp,cnn")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--warmup-seconds", type=float, default=1.5)
    p.add_argument("--windows", type=int, default=3)
    p.add_argument("--window-seconds", type=float, default=1.0)
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    results = [measure(m, a.batch, a.warmup_seconds, a.windows, a.window_seconds)
               for m in a.models.split(",")]
    print(json.dumps({"torch": torch.__version__, "threads": a.threads, "results": results}))


if __name__ == "__main__":
    main()
