#!/usr/bin/env python3
"""PyTorch peer of the `train` bench suite (bench/suites/train.ts).

Builds the zoo architectures of engine/models/zoo.ts in PyTorch (NCHW, same layer
sizes), times one Adam training step at batch 64 and one inference forward at batch 256
on a single CPU thread, and prints one JSON object on stdout:

  {"peer": "pytorch-cpu", "torch": "2.x", "threads": 1,
   "results": [{"case", "metric", "median", "min", "p90", "n"}, ...],
   "errors": [{"case", "metric", "error"}, ...]}

Repetition policy as bench/timing.ts: `warmup` untimed runs, then up to `reps` timed runs,
stopping once `budget_ms` of timed work is spent and at least min(reps, 3) runs exist.
Percentiles interpolate linearly, as bench/stats.ts.
"""
import argparse
import json
import sys
import time

import torch
from torch import nn
import torch.nn.functional as F

MIN_REPS = 3


def conv_bn(cin, cout, k, stride, groups=1):
    return [nn.Conv2d(cin, cout, k, stride, padding=k // 2, groups=groups, bias=False),
            nn.BatchNorm2d(cout)]


class ResBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.body = nn.Sequential(*conv_bn(cin, cout, 3, stride), nn.ReLU(),
                                  *conv_bn(cout, cout, 3, 1))
        self.short = (nn.Identity() if stride == 1 and cin == cout
                      else nn.Sequential(*conv_bn(cin, cout, 1, stride)))

    def forward(self, x):
        return F.relu(self.body(x) + self.short(x))


def cnn_s():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(0.3), nn.Linear(7 * 7 * 64, 128), nn.ReLU(),
        nn.Linear(128, 10))


def resnet8():
    return nn.Sequential(
        *conv_bn(1, 16, 3, 1), nn.ReLU(),
        ResBlock(16, 16, 1), ResBlock(16, 32, 2), ResBlock(32, 64, 2),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))


def mobilenet_tiny():
    layers = [*conv_bn(1, 16, 3, 1), nn.ReLU6()]
    cin = 16
    for cout, stride in [(32, 1), (64, 2), (64, 1), (128, 2), (128, 1)]:
        layers += [*conv_bn(cin, cin, 3, stride, groups=cin), nn.ReLU6(),
                   *conv_bn(cin, cout, 1, 1), nn.ReLU6()]
        cin = cout
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.2), nn.Linear(cin, 10)]
    return nn.Sequential(*layers)


MODELS = {"cnn-s": cnn_s, "resnet8": resnet8, "mobilenet-tiny": mobilenet_tiny}


def percentile(samples, p):
    s = sorted(samples)
    rank = p / 100 * (len(s) - 1)
    lo, hi = int(rank // 1), -int(-rank // 1)
    return s[lo] + (s[hi] - s[lo]) * (rank - lo)


def measure(fn, warmup, reps, budget_ms):
    for _ in range(warmup):
        fn()
    samples, spent = [], 0.0
    while len(samples) < reps:
        t0 = time.perf_counter()
        fn()
        dt = (time.perf_counter() - t0) * 1000
        samples.append(dt)
        spent += dt
        if spent >= budget_ms and len(samples) >= min(reps, MIN_REPS):
            break
    return {"median": percentile(samples, 50), "min": min(samples),
            "p90": percentile(samples, 90), "n": len(samples)}


def train_step_fn(model, batch):
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.randn(batch, 1, 28, 28)
    y = torch.randint(0, 10, (batch,))

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()
    return step


def infer_fn(model, batch):
    model.eval()
    x = torch.randn(batch, 1, 28, 28)

    def forward():
        with torch.inference_mode():
            return model(x).numpy().sum()
    return forward


METRICS = {"train_step_ms": (train_step_fn, 64), "infer_ms": (infer_fn, 256)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--reps", type=int, default=10)
    ap.add_argument("--budget-ms", type=float, default=60000)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    results, errors = [], []
    for name in [m for m in args.models.split(",") if m]:
        if name not in MODELS:
            errors.append({"case": name, "metric": "*", "error": f"unknown model {name!r}"})
            continue
        for metric, (make, batch) in METRICS.items():
            try:
                fn = make(MODELS[name](), batch)
                summary = measure(fn, args.warmup, args.reps, args.budget_ms)
                results.append({"case": name, "metric": metric, "batch": batch, **summary})
            except Exception as e:  # report, keep going
                errors.append({"case": name, "metric": metric, "error": repr(e)})
            print(f"torch {name} {metric} done", file=sys.stderr)
    json.dump({"peer": "pytorch-cpu", "torch": torch.__version__,
               "threads": torch.get_num_threads(), "results": results, "errors": errors},
              sys.stdout)
    print()


if __name__ == "__main__":
    main()
