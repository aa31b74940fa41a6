"""Makes (or reuses) what the benchmark needs under bench/work/, with Debian's torch 1.13:

- models/resnet18/model.pt: torchvision's ResNet-18 architecture, seeded random weights, traced in eval mode at
  [1,3,224,224]; model.json with ImageNet normalization, Resize 256 / CenterCrop 224 (the reference's vision
  preprocessing). flops.json: multiply-adds of the forward pass, counted per layer.
- data/fashion224/{train,val,test}/<class>/*.png: Fashion-MNIST images (28x28 gray PNG, as in the source set),
  which the models' preprocessing resizes to 256 and centre-crops to 224 on every side of the benchmark.

Run with /usr/bin/python3 from the repository root; prints what it made or reused.
"""
import argparse
import gzip
import json
import os
import struct
import sys

import numpy as np
import torch
import torchvision
from PIL import Image

FASHION = "/usr/share/datasets/fashion-mnist"
CLASSES = ["t-shirt_top", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag",
           "ankle boot"]
IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, count = struct.unpack(">II", data[:8])
    if magic == 2051:
        rows, cols = struct.unpack(">II", data[8:16])
        return np.frombuffer(data, dtype=np.uint8, offset=16).reshape(count, rows, cols)
    return np.frombuffer(data, dtype=np.uint8, offset=8)


def conv_linear_macs(model, size):
    """Multiply-adds of every Conv2d and Linear in one forward pass of one image."""
    macs = []

    def hook(module, inputs, output):
        if isinstance(module, torch.nn.Conv2d):
            k = module.kernel_size[0] * module.kernel_size[1] * module.in_channels // module.groups
            macs.append(("conv", output.numel() * k, module is model.conv1))
        elif isinstance(module, torch.nn.Linear):
            macs.append(("linear", module.in_features * module.out_features, False))

    handles = [m.register_forward_hook(hook) for m in model.modules()
               if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))]
    with torch.no_grad():
        model(torch.zeros(1, 3, size, size))
    for h in handles:
        h.remove()
    total = sum(m for _, m, _ in macs)
    first = sum(m for _, m, is_first in macs if is_first)
    return {"forward_macs": total, "first_conv_macs": first,
            "forward_flop": 2 * total,
            # Backward to the input only: every conv/linear needs its input gradient (same MACs as forward),
            # the first conv included because the prompt sits on the input. BN/ReLU/pool are bandwidth, not FLOPs.
            "input_grad_backward_flop": 2 * total,
            # Weight gradients (weights not frozen): one more GEMM of the same size per layer.
            "weight_grad_backward_flop": 2 * total,
            "layers": len(macs)}


def make_resnet18(directory):
    model_file = os.path.join(directory, "model.pt")
    if os.path.isfile(model_file) and os.path.isfile(os.path.join(directory, "flops.json")):
        return "reused " + model_file
    os.makedirs(directory, exist_ok=True)
    torch.manual_seed(0)
    model = torchvision.models.resnet18(weights=None).eval()
    with torch.no_grad():
        traced = torch.jit.trace(model, torch.randn(1, 3, 224, 224))
    traced.save(model_file)
    with open(os.path.join(directory, "model.json"), "w") as f:
        json.dump({"kind": "classifier", "input_size": 224, "resize": 256, "mean": IMAGENET_MEAN,
                   "std": IMAGENET_STD, "description": "torchvision resnet18, random weights (seed 0), traced in eval mode"},
                  f, indent=1)
    with open(os.path.join(directory, "flops.json"), "w") as f:
        json.dump(conv_linear_macs(model, 224), f, indent=1)
    return "made " + model_file


def make_dataset(directory, per_split):
    marker = os.path.join(directory, "done.json")
    if os.path.isfile(marker):
        with open(marker) as f:
            if json.load(f) == per_split:
                return "reused " + directory
    images = read_idx(os.path.join(FASHION, "train-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(FASHION, "train-labels-idx1-ubyte.gz"))
    start = 0
    for split, count in per_split.items():
        for name in CLASSES:
            os.makedirs(os.path.join(directory, split, name), exist_ok=True)
        for i in range(start, start + count):
            Image.fromarray(images[i], mode="L").save(
                os.path.join(directory, split, CLASSES[labels[i]], "train-%05d.png" % i))
        start += count
    with open(marker, "w") as f:
        json.dump(per_split, f)
    return "made " + directory


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", default="bench/work")
    parser.add_argument("--train", type=int, default=320)
    parser.add_argument("--val", type=int, default=64)
    parser.add_argument("--test", type=int, default=64)
    args = parser.parse_args()
    torch.set_num_threads(2)
    print(make_resnet18(os.path.join(args.work, "models", "resnet18")))
    print(make_dataset(os.path.join(args.work, "data", "fashion224"),
                       {"train": args.train, "val": args.val, "test": args.test}))


if __name__ == "__main__":
    sys.exit(main())
