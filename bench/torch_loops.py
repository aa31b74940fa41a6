"""The PyTorch side of bench/run.sh: the visual-prompting training loop of Bahng et al. re-implemented for this
benchmark (written here, not copied), in two configurations:

as-written  what the public reference code does that costs time: every model weight keeps requires_grad=True (the
            reference never freezes the model, so backward also computes weight gradients, which accumulate);
            CLIP text prompts tokenized and encoded on every batch (with gradients); images decoded, resized and
            normalized per batch by a DataLoader (one worker process, re-created every epoch); the padding prompt
            built from four strips with torch.cat and replicated over the batch before the addition.
best        the same loop done right: weights frozen, text features computed once, images decoded once into a tensor,
            one [3,H,W] prompt broadcast onto the batch (image first).

Both: prompt added to the normalized image, SGD momentum 0.9, weight decay 0, per-step linear warm-up + cosine, mean
cross-entropy, best prompt chosen on the validation split (the reference picks it on the test split; that would leak),
test accuracy of that prompt. Same seeds as the engine means the same random streams (bench/javarand.py): the same
initial prompt and the same batch order per epoch.

A long-lived process: reads commands on stdin (`train k=v ...`, `quit`) and answers `@@ {json}` lines, so the driver
can interleave it with the engine. Every switch of a side can be overridden per command (frozen=0/1, decode=0/1,
text=0/1, cl=0/1, workers=N, prompter=strips|mask).
"""
import argparse
import json
import math
import os
import re
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
import torchvision.transforms as T
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import javarand  # noqa: E402

SIDES = {
    "as-written": {"frozen": 0, "decode": 0, "text": 0, "cl": 0, "workers": 1, "prompter": "strips"},
    "best": {"frozen": 1, "decode": 1, "text": 1, "cl": 0, "workers": 0, "prompter": "mask"},
}


def reply(obj):
    sys.stdout.write("@@ " + json.dumps(obj) + "\n")
    sys.stdout.flush()


def peak_rss_kb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return -1


def to_rgb(image):
    return image.convert("RGB")


class Files(torch.utils.data.Dataset):
    """ImageFolder-style list of (path, label), decoded on access, as a DataLoader would."""

    def __init__(self, examples, transform):
        self.examples = examples
        self.transform = transform

    def __len__(self):
        return len(self.examples)

    def __getitem__(self, i):
        path, label = self.examples[i]
        with Image.open(path) as image:
            return self.transform(image), label


def image_folder(directory):
    classes = sorted(os.listdir(os.path.join(directory, "train")))
    splits = {}
    for split in ("train", "val", "test"):
        examples = []
        for label, name in enumerate(classes):
            folder = os.path.join(directory, split, name)
            if os.path.isdir(folder):
                examples += [(os.path.join(folder, f), label) for f in sorted(os.listdir(folder))]
        splits[split] = examples
    return classes, splits


def name_key(name):
    return re.sub(r"[^a-z0-9]", "", name.lower())


def cosine_lr(base, warmup, total, step):
    """hjbahng/visual_prompting's schedule: linear warm-up, then cosine to 0 (per step)."""
    if step < warmup:
        return base * (step + 1) / warmup
    if total - warmup <= 0:
        return base
    return 0.5 * (1 + math.cos(math.pi * (step - warmup) / (total - warmup))) * base


class Model:
    """A frozen-or-not TorchScript classifier or CLIP (image + text encoders) with this benchmark's conventions."""

    def __init__(self, directory, classes, mapping):
        with open(os.path.join(directory, "model.json")) as f:
            meta = json.load(f)
        self.meta = meta
        self.size = meta["input_size"]
        self.resize = meta.get("resize", self.size)
        self.clip = os.path.isfile(os.path.join(directory, "image_encoder.pt"))
        self.classes = classes
        if self.clip:
            self.image = torch.jit.load(os.path.join(directory, "image_encoder.pt")).eval()
            self.text = torch.jit.load(os.path.join(directory, "text_encoder.pt")).eval()
            with open(os.path.join(directory, "tokenizer.json")) as f:
                self.vocab = json.load(f)["model"]["vocab"]
            self.context = meta.get("context_length", 77)
            self.scale = float(meta["logit_scale"])
            template = (meta.get("templates") or ["This is a photo of a {}"])[0]
            self.texts = [template.replace("{}", c.lower().replace("_", " ").replace("-", " ")) for c in classes]
            self.modules = [self.image, self.text]
            self.mapping = None
        else:
            self.image = torch.jit.load(os.path.join(directory, "model.pt")).eval()
            self.modules = [self.image]
            if mapping == "by_name":
                labels = {name_key(l): i for i, l in enumerate(meta["labels"])}
                self.mapping = [labels[name_key(c)] for c in classes]
            else:
                self.mapping = list(range(len(classes)))
        self.mapping_tensor = None if self.mapping is None else torch.tensor(self.mapping)
        self.mean = meta["mean"]
        self.std = meta["std"]
        self.transform = T.Compose([T.Lambda(to_rgb), T.Resize(self.resize), T.CenterCrop(self.size), T.ToTensor(),
                                    T.Normalize(self.mean, self.std)])
        self.text_features = None

    def set_frozen(self, frozen):
        for module in self.modules:
            for p in module.parameters():
                p.requires_grad_(not frozen)

    def tokens(self):
        """The tokenizer.json pipeline (lowercase, \\w+|[^\\w\\s]+, word lookup, unknown 1), padded with 0."""
        rows = []
        for text in self.texts:
            ids = [self.vocab.get(t, 1) for t in re.findall(r"\w+|[^\w\s]+", text.lower())][:self.context]
            rows.append(ids + [0] * (self.context - len(ids)))
        return torch.tensor(rows, dtype=torch.int64)

    def encode_texts(self):
        return F.normalize(self.text(self.tokens()), dim=-1)

    def logits(self, x, text_once):
        if not self.clip:
            return self.image(x).index_select(1, self.mapping_tensor)
        if text_once:
            if self.text_features is None:
                with torch.no_grad():
                    self.text_features = self.encode_texts()
            text = self.text_features
        else:
            text = self.encode_texts()  # the reference: tokenized and encoded on every batch
        return self.scale * F.normalize(self.image(x), dim=-1) @ text.t()


class StripPrompter(torch.nn.Module):
    """The reference's padding prompter: four strips, concatenated around a zero centre, replicated per image."""

    def __init__(self, initial, p):
        super().__init__()
        s = initial.shape[-1]
        full = initial.unsqueeze(0)
        self.pad_up = torch.nn.Parameter(full[:, :, :p, :].clone())
        self.pad_down = torch.nn.Parameter(full[:, :, s - p:, :].clone())
        self.pad_left = torch.nn.Parameter(full[:, :, p:s - p, :p].clone())
        self.pad_right = torch.nn.Parameter(full[:, :, p:s - p, s - p:].clone())
        self.base = s - 2 * p

    def forward(self, x):
        base = torch.zeros(1, 3, self.base, self.base)
        prompt = torch.cat([self.pad_left, base, self.pad_right], dim=3)
        prompt = torch.cat([self.pad_up, prompt, self.pad_down], dim=2)
        prompt = torch.cat(x.size(0) * [prompt])
        return x + prompt

    def full(self):
        with torch.no_grad():
            return self.forward(torch.zeros(1, 3, self.base + 2 * self.pad_up.shape[2],
                                            self.base + 2 * self.pad_up.shape[2]))[0]


class MaskPrompter(torch.nn.Module):
    """One [3,H,W] prompt times its 0/1 mask, broadcast onto the batch, image first."""

    def __init__(self, initial, mask):
        super().__init__()
        self.prompt = torch.nn.Parameter(initial.clone())
        self.register_buffer("mask", mask)

    def forward(self, x):
        return x + self.prompt * self.mask

    def full(self):
        with torch.no_grad():
            return self.prompt * self.mask


def padding_mask(size, p):
    mask = torch.zeros(3, size, size)
    mask[:, :p, :] = 1
    mask[:, size - p:, :] = 1
    mask[:, :, :p] = 1
    mask[:, :, size - p:] = 1
    return mask


class Bench:
    def __init__(self, args):
        self.args = args
        self.classes, self.splits = image_folder(args.data)
        self.model = Model(args.model, self.classes, args.mapping)
        self.decoded = {}

    def decode(self, split, limit):
        key = (split, limit)
        if key not in self.decoded:
            examples = self.splits[split][:limit]
            images = [Files(examples, self.model.transform)[i][0] for i in range(len(examples))]
            x = torch.stack(images) if images else torch.zeros(0, 3, self.model.size, self.model.size)
            y = torch.tensor([label for _, label in examples], dtype=torch.int64)
            self.decoded[key] = (x, y)
        return self.decoded[key]

    def batches(self, split, limit, order, cfg):
        """Yields (x, y) in `order`: from the decoded tensor, or decoded per batch by a DataLoader."""
        bs = cfg["batch"]
        if cfg["decode"]:
            x, y = self.decode(split, limit)
            if cfg["cl"]:
                x = x.contiguous(memory_format=torch.channels_last)
            for start in range(0, len(order), bs):
                idx = torch.tensor(order[start:start + bs])
                xb = x.index_select(0, idx)
                if cfg["cl"]:
                    xb = xb.contiguous(memory_format=torch.channels_last)
                yield xb, y.index_select(0, idx)
        else:
            dataset = Files(self.splits[split][:limit], self.model.transform)
            loader = torch.utils.data.DataLoader(dataset, batch_size=bs, sampler=order, num_workers=cfg["workers"])
            for xb, yb in loader:
                if cfg["cl"]:
                    xb = xb.contiguous(memory_format=torch.channels_last)
                yield xb, yb

    def accuracy(self, prompter, split, limit, cfg):
        n = len(self.splits[split][:limit])
        if n == 0:
            return None
        correct = 0
        with torch.no_grad():
            for xb, yb in self.batches(split, limit, list(range(n)), cfg):
                correct += int((self.model.logits(prompter(xb), True).argmax(1) == yb).sum())
        return correct / n

    def train(self, cfg):
        model = self.model
        model.set_frozen(bool(cfg["frozen"]))
        train_limit = cfg.get("train_limit", 1 << 30)
        eval_limit = cfg.get("eval_limit", 1 << 30)
        n = len(self.splits["train"][:train_limit])
        size = model.size
        p = cfg["prompt"]
        mask = padding_mask(size, p)
        # (float) nextGaussian() * mask, in that order, as VisualPrompt.initialValues
        gaussians = np.asarray(javarand.gaussians(cfg["seed"], 3 * size * size), dtype=np.float64).astype(np.float32)
        initial = torch.from_numpy(gaussians).reshape(3, size, size) * mask
        prompter = StripPrompter(initial, p) if cfg["prompter"] == "strips" else MaskPrompter(initial, mask)
        optimizer = torch.optim.SGD(prompter.parameters(), lr=cfg["lr"], momentum=0.9, weight_decay=0.0)
        steps_per_epoch = math.ceil(n / cfg["batch"])
        total = cfg["epochs"] * steps_per_epoch
        step = 0
        step_ms = []
        best = None
        val_per_epoch = []
        loss_sum = 0.0
        started = time.perf_counter()
        for epoch in range(cfg["epochs"]):
            order = javarand.epoch_order(n, cfg["seed"], epoch)
            last = time.perf_counter()
            for xb, yb in self.batches("train", train_limit, order, cfg):
                for group in optimizer.param_groups:
                    group["lr"] = cosine_lr(cfg["lr"], cfg["warmup"], total, step)
                optimizer.zero_grad()
                logits = model.logits(prompter(xb), bool(cfg["text"]))
                loss = F.cross_entropy(logits, yb)
                loss.backward()
                optimizer.step()
                loss_sum += float(loss)
                step += 1
                now = time.perf_counter()
                step_ms.append((now - last) * 1e3)
                last = now
            if cfg.get("eval", 1):
                val = self.accuracy(prompter, "val", eval_limit, cfg)
                val_per_epoch.append(val)
                if best is None or val is None or val > best[0]:
                    best = (val, prompter.full().clone(), epoch + 1)
        result = {"step_ms": step_ms, "seconds": time.perf_counter() - started,
                  "mean_loss": loss_sum / max(1, step), "val_per_epoch": val_per_epoch}
        if best is not None:
            final = MaskPrompter(best[1], torch.ones_like(mask))
            result.update({"val": best[0], "best_epoch": best[2],
                           "test": self.accuracy(final, "test", eval_limit, cfg),
                           "zero_shot_test": self.accuracy(torch.nn.Identity(), "test", eval_limit, cfg),
                           "mapping": model.mapping})
        model.set_frozen(True)
        return result


def parse(words):
    out = {}
    for word in words:
        if "=" in word:
            k, v = word.split("=", 1)
            out[k] = v if k == "prompter" else (float(v) if k == "lr" else int(v))
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--data", required=True)
    parser.add_argument("--side", choices=sorted(SIDES), required=True)
    parser.add_argument("--mapping", default="identity")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("defaults", nargs="*", help="k=v defaults for every command (batch, prompt, lr, ...)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(0)
    started = time.perf_counter()
    bench = Bench(args)
    defaults = dict(SIDES[args.side])
    defaults.update({"batch": 32, "epochs": 1, "seed": 0, "lr": 40.0, "warmup": 1000, "prompt": 30})
    defaults.update(parse(args.defaults))
    reply({"ready": True, "load_seconds": time.perf_counter() - started, "threads": torch.get_num_threads(),
           "torch": torch.__version__})
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        cfg = dict(defaults)
        cfg.update(parse(words[1:]))
        try:
            if words[0] == "train":
                reply(bench.train(cfg))
            elif words[0] == "rss":
                reply({"peak_rss_kb": peak_rss_kb()})
            elif words[0] == "quit":
                reply({"peak_rss_kb": peak_rss_kb()})
                return
            else:
                reply({"error": "unknown command " + words[0]})
        except Exception as e:  # keep serving; the driver reports it
            import traceback
            traceback.print_exc()
            reply({"error": repr(e)})


if __name__ == "__main__":
    main()
