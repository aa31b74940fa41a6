"""Driver of bench/run.sh: starts the engine (EngineBench, a JVM) and the two PyTorch loops (torch_loops.py) as
long-lived workers, sends them the same commands in interleaved rounds, and writes the table, CSVs and plot.

Usage (from the repository root; run.sh does the preparation): /usr/bin/python3 bench/bench.py [--quick]
"""
import argparse
import csv
import json
import os
import platform
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = os.path.join(ROOT, "bench", "work")
RESULTS = os.path.join(ROOT, "bench", "results")
SIDES = ["engine", "best", "as-written"]
SIDE_NAMES = {"engine": "visprompt engine", "best": "PyTorch best", "as-written": "PyTorch as written"}
BATCH = 32
THREADS = 2


def log(message):
    print(message, flush=True)


class Worker:
    """One long-lived side: a command per line on stdin, `@@ {json}` per answer on stdout."""

    def __init__(self, name, argv, env):
        self.name = name
        os.makedirs(WORK, exist_ok=True)
        self.stderr = open(os.path.join(WORK, "log-%s.txt" % name.replace(" ", "_")), "w")
        self.process = subprocess.Popen(argv, cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=self.stderr, text=True, bufsize=1)

    def read(self):
        while True:
            line = self.process.stdout.readline()
            if not line:
                raise RuntimeError("%s exited (see %s)" % (self.name, self.stderr.name))
            if line.startswith("@@ "):
                answer = json.loads(line[3:])
                if "error" in answer:
                    raise RuntimeError("%s: %s" % (self.name, answer["error"]))
                return answer

    def ask(self, command):
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return self.read()

    def quit(self):
        try:
            answer = self.ask("quit")
        finally:
            self.process.wait(timeout=60)
            self.stderr.close()
        return answer


def tcmalloc():
    """Path of libtcmalloc_minimal.so.4 (run.sh makes sure Debian's libtcmalloc-minimal4 is installed)."""
    out = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True).stdout
    for line in out.splitlines():  # "\tlibtcmalloc_minimal.so.4 (libc6,x86-64) => /lib/.../libtcmalloc_minimal.so.4"
        name, _, path = line.strip().partition(" => ")
        if name.startswith("libtcmalloc_minimal.so.4 ") and path:
            return path
    raise SystemExit("libtcmalloc_minimal.so.4 not found: apt-get install libtcmalloc-minimal4")


def env_for_workers(allocator="tcmalloc"):
    env = dict(os.environ)
    # Every side on the same caching malloc, as the service image runs the engine: glibc gives freed buffers over
    # 32 MB back to the kernel, so each step page-faults its activations in again. "glibc" is a feature variant.
    env.pop("LD_PRELOAD", None)
    if allocator == "tcmalloc":
        env["LD_PRELOAD"] = tcmalloc()
    # Sleeping OpenMP waiters: spin-waiting on shared cores was measured 10x slower (stack facts).
    env["OMP_WAIT_POLICY"] = "PASSIVE"
    env["OMP_NUM_THREADS"] = str(THREADS)
    env.setdefault("DJL_CACHE_DIR", os.path.expanduser("~/.djl.ai"))
    return env


def start(model, side, defaults, classpath, allocator="tcmalloc"):
    args = ["%s=%s" % kv for kv in defaults.items()]
    if side == "engine":
        argv = ["java", "-Xmx2g", "-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=%d" % THREADS,
                "-Dai.djl.pytorch.num_interop_threads=1",
                "-Dlogback.configurationFile=" + os.path.join(ROOT, "bench", "logback-bench.xml"),
                "-cp", classpath, "io.visprompt.training.engine.EngineBench", "id=" + model["name"],
                "model=" + model["dir"], "data=" + model["data"], "mapping=" + model["mapping"]] + args
    else:
        argv = ["/usr/bin/python3", os.path.join(ROOT, "bench", "torch_loops.py"), "--model", model["dir"],
                "--data", model["data"], "--side", side, "--mapping", model["mapping"],
                "--threads", str(THREADS)] + args
    suffix = "" if allocator == "tcmalloc" else " " + allocator
    return Worker("%s %s%s" % (model["name"], side, suffix), argv, env_for_workers(allocator))


def start_all(model, defaults, classpath):
    workers = {side: start(model, side, defaults, classpath) for side in SIDES}
    for worker in workers.values():
        worker.read()  # ready
    return workers


def ips(step_ms_list):
    return BATCH / (statistics.median(step_ms_list) / 1e3) if step_ms_list else float("nan")


def measured(steps):
    """Steps after each round's first (which includes starting the batch producer / DataLoader)."""
    return steps[1:]


def interleaved(workers_and_commands, rounds, label):
    """Runs each (key, worker, command) once per round, rotating the order every round; returns steps per key."""
    steps = {key: [] for key, _, _ in workers_and_commands}
    round_ips = {key: [] for key, _, _ in workers_and_commands}
    last = {}
    for r in range(rounds):
        order = workers_and_commands[r % len(workers_and_commands):] + workers_and_commands[:r % len(
            workers_and_commands)]
        for key, worker, command in order:
            answer = worker.ask(command)
            kept = measured(answer["step_ms"])
            steps[key] += kept
            round_ips[key].append(ips(kept))
            last[key] = answer
        log("  %s round %d/%d: %s" % (label, r + 1, rounds, ", ".join(
            "%s %.1f img/s" % (key if isinstance(key, str) else "/".join(key), round_ips[key][-1])
            for key, _, _ in workers_and_commands)))
    return steps, round_ips, last


def parse_trace(path):
    """Time inside libtorch ops (union of all op intervals) and the top-level ops by total time."""
    with open(path) as f:
        events = [e for e in json.load(f) if e.get("ph") == "X"]
    intervals = sorted((e["ts"], e["ts"] + e["dur"]) for e in events)
    inside = 0.0
    current_start, current_end = None, None
    for s, e in intervals:
        if current_end is None or s > current_end:
            if current_end is not None:
                inside += current_end - current_start
            current_start, current_end = s, e
        else:
            current_end = max(current_end, e)
    if current_end is not None:
        inside += current_end - current_start
    # Top-level: not inside another event of the same thread.
    by_thread = {}
    for e in events:
        by_thread.setdefault(e.get("tid"), []).append(e)
    totals = {}
    for thread_events in by_thread.values():
        thread_events.sort(key=lambda e: (e["ts"], -e["dur"]))
        end = -1.0
        for e in thread_events:
            if e["ts"] >= end:
                totals[e["name"]] = totals.get(e["name"], 0.0) + e["dur"]
                end = e["ts"] + e["dur"]
    return inside / 1e3, sorted(totals.items(), key=lambda kv: -kv[1])


def peak_gflops():
    """Measured: best of a few 2-thread SGEMMs with torch (a practical peak); theoretical: AVX2 FMA."""
    code = ("import torch,time\ntorch.set_num_threads(%d)\na=torch.randn(1536,1536);b=torch.randn(1536,1536)\n"
            "best=0\nfor _ in range(12):\n t=time.perf_counter();torch.mm(a,b);d=time.perf_counter()-t\n"
            " best=max(best,2*1536**3/d/1e9)\nprint(best)" % THREADS)
    measured_peak = float(subprocess.run(["/usr/bin/python3", "-c", code], env=env_for_workers(),
                                         capture_output=True, text=True, check=True).stdout.strip())
    mhz = None
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("cpu MHz"):
                mhz = float(line.split(":")[1])
                break
    # 2 FMA units x 8 float lanes x 2 FLOP per FMA per cycle (AVX2, Zen/Skylake-class cores).
    theoretical = THREADS * (mhz or 0) / 1e3 * 32
    return measured_peak, theoretical, mhz


def cpu_name():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":")[1].strip()
    return platform.processor()


def fmt(value, spec="%.1f"):
    return "-" if value is None or value != value else spec % value


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="smoke run: one round, few steps, one seed")
    parser.add_argument("--only", help="comma-separated subset of fashion-cnn,resnet18,tiny-clip (partial report)")
    parser.add_argument("--no-features", action="store_true", help="skip the feature on/off and profile runs")
    parser.add_argument("--classpath", default=os.path.join(WORK, "classpath.txt"))
    args = parser.parse_args()
    quick = args.quick
    started = time.time()
    with open(args.classpath) as f:
        classpath = "target/test-classes:target/classes:" + f.read().strip()
    os.makedirs(RESULTS, exist_ok=True)

    rounds = 1 if quick else 3
    feature_rounds = 1 if quick else 2
    seeds = [0] if quick else [0, 1, 2]
    models = [
        {"name": "fashion-cnn", "dir": "src/main/resources/models/fashion-cnn",
         "data": "bench/work/data/fashion-border", "mapping": "by_name", "prompt": 4,
         "train_limit": 64 if quick else 384, "eval_limit": 64 if quick else 150},
        {"name": "resnet18", "dir": "bench/work/models/resnet18", "data": "bench/work/data/fashion224",
         "mapping": "identity", "prompt": 30, "train_limit": 64 if quick else 160, "eval_limit": 32},
        {"name": "tiny-clip", "dir": "src/main/resources/models/tiny-clip", "data": "bench/work/data/mnist-small",
         "mapping": "identity", "prompt": 4, "train_limit": 64 if quick else 576, "eval_limit": 64 if quick else 200},
    ]
    # Throughput runs: the paper's optimizer settings (lr 40, momentum 0.9, 1000 warm-up steps + cosine); padding 30
    # at 224 scaled to the model's input. One epoch over train_limit images per round.
    throughput = {}
    rss = {}
    accuracy_rows = []
    feature_rows = []
    last_round = {}
    profile = None
    randcheck = None

    if args.only:
        models = [m for m in models if m["name"] in args.only.split(",")]
    for model in models:
        name = model["name"]
        log("== %s: starting the three sides" % name)
        defaults = {"batch": BATCH, "prompt": model["prompt"], "lr": 40, "warmup": 1000, "epochs": 1, "seed": 0}
        workers = start_all(model, defaults, classpath)
        try:
            if randcheck is None:
                java = workers["engine"].ask("randcheck prompt=4 seed=7")
                sys.path.insert(0, os.path.join(ROOT, "bench"))
                import javarand
                import numpy as np
                mask = np.zeros((3, 32, 32), dtype=np.float32)
                mask[:, :4, :] = mask[:, 28:, :] = mask[:, :, :4] = mask[:, :, 28:] = 1
                python_init = (np.asarray(javarand.gaussians(7, 40)).astype(np.float32) * mask.flatten()[:40])
                randcheck = (list(map(float, python_init)) == java["initial_prefix"]
                             and javarand.shuffled_order(400, 7) == java["order"])
                log("  same random streams in Java and Python (initial prompt, shuffle): %s" % randcheck)
            round_command = "train train_limit=%d eval_limit=%d" % (model["train_limit"], model["eval_limit"])
            for side in SIDES:  # warm-up: not measured
                workers[side].ask("train train_limit=%d eval_limit=%d" % (2 * BATCH, BATCH))
            steps, round_ips, last = interleaved([(side, workers[side], round_command) for side in SIDES], rounds,
                                                 name)
            for side in SIDES:
                throughput[(name, side)] = {"ips": ips(steps[side]), "round_ips": round_ips[side],
                                            "steps": len(steps[side])}
                last_round[(name, side)] = last[side]
                rss[(name, side)] = workers[side].ask("rss")["peak_rss_kb"] / 1024

            if name == "resnet18" and not args.no_features:
                log("== resnet18: speed features on/off (engine through its lower-level classes; PyTorch best with "
                    "one thing changed)")
                tl = "train_limit=%d" % model["train_limit"]
                # The allocator is chosen when a process starts: one more process per side, on glibc malloc.
                glibc = {side: start(model, side, defaults, classpath, allocator="glibc") for side in ("engine", "best")}
                for side, worker in glibc.items():
                    worker.read()
                    worker.ask("train train_limit=%d eval_limit=%d" % (2 * BATCH, BATCH))  # warm-up
                variants = [
                    (("engine", "all features on"), workers["engine"], "harness " + tl),
                    (("engine", "glibc malloc (no tcmalloc)"), glibc["engine"], "harness " + tl),
                    (("engine", "weights not frozen"), workers["engine"], "harness frozen=0 " + tl),
                    (("engine", "NCHW input (no channels-last)"), workers["engine"], "harness cl=0 " + tl),
                    (("engine", "decoded per batch (prefetched)"), workers["engine"], "harness decode=0 " + tl),
                    (("engine", "no prefetch"), workers["engine"], "harness prefetch=0 " + tl),
                    (("best", "all features on"), workers["best"], "train eval=0 " + tl),
                    (("best", "glibc malloc (no tcmalloc)"), glibc["best"], "train eval=0 " + tl),
                    (("best", "weights not frozen"), workers["best"], "train eval=0 frozen=0 " + tl),
                    (("best", "channels-last input"), workers["best"], "train eval=0 cl=1 " + tl),
                    (("best", "decoded per batch, no prefetch"), workers["best"], "train eval=0 decode=0 " + tl),
                    (("best", "decoded per batch, 1 DataLoader worker"), workers["best"],
                     "train eval=0 decode=0 workers=1 " + tl),
                    (("best", "reference strip prompter"), workers["best"], "train eval=0 prompter=strips " + tl),
                ]
                vsteps, vround, _ = interleaved(variants, feature_rounds, "features")
                for worker in glibc.values():
                    worker.quit()
                for key, _, _ in variants:
                    feature_rows.append({"model": name, "side": key[0], "variant": key[1], "ips": ips(vsteps[key]),
                                         "round_ips": vround[key], "steps": len(vsteps[key])})
                log("== resnet18: one engine step, phase by phase, then under libtorch's profiler")
                trace = os.path.join(WORK, "trace-resnet18.json")
                profile = workers["engine"].ask("profile steps=%d trace=%s train_limit=%d" % (
                    3 if quick else 6, trace, model["train_limit"]))
                profile["inside_libtorch_ms"], profile["top_ops"] = parse_trace(trace)

            if name == "tiny-clip" and not args.no_features:
                log("== tiny-clip: text features once on/off")
                tl = "train_limit=%d" % model["train_limit"]
                variants = [
                    (("engine", "text features once"), workers["engine"], "harness " + tl),
                    (("engine", "text features every step"), workers["engine"], "harness text=0 " + tl),
                    (("best", "text features once"), workers["best"], "train eval=0 " + tl),
                    (("best", "text features every step"), workers["best"], "train eval=0 text=0 " + tl),
                    (("best", "weights not frozen"), workers["best"], "train eval=0 frozen=0 " + tl),
                    (("engine", "weights not frozen"), workers["engine"], "harness frozen=0 " + tl),
                ]
                vsteps, vround, _ = interleaved(variants, rounds, "features")
                for key, _, _ in variants:
                    feature_rows.append({"model": name, "side": key[0], "variant": key[1], "ips": ips(vsteps[key]),
                                         "round_ips": vround[key], "steps": len(vsteps[key])})

            task = {"fashion-cnn": ("fashion-border", {"epochs": 10, "lr": 4, "warmup": 20}, seeds),
                    "tiny-clip": ("mnist-small", {"epochs": 20, "lr": 10, "warmup": 20}, [0])}.get(name)
            if task:
                dataset, hp, task_seeds = task
                if quick:
                    hp = dict(hp, epochs=2)
                log("== %s on %s: accuracy, seeds %s, %s" % (name, dataset, task_seeds, hp))
                for seed in task_seeds:
                    for side in SIDES:
                        answer = workers[side].ask("train seed=%d epochs=%d lr=%s warmup=%d" % (
                            seed, hp["epochs"], hp["lr"], hp["warmup"]))
                        accuracy_rows.append({"model": name, "dataset": dataset, "side": side, "seed": seed,
                                              "val": answer["val"], "test": answer["test"],
                                              "zero_shot_test": answer["zero_shot_test"],
                                              "best_epoch": answer["best_epoch"], "seconds": answer["seconds"],
                                              **hp})
                        log("  seed %d %-10s val %.4f test %.4f (no prompt %.4f) in %.1f s" % (
                            seed, side, answer["val"], answer["test"], answer["zero_shot_test"],
                            answer["seconds"]))
        finally:
            for side, worker in workers.items():
                try:
                    worker.quit()
                except Exception as e:  # report, keep going
                    log("  %s: %s" % (worker.name, e))

    log("== peak FLOP/s of this machine (2 threads)")
    measured_peak, theoretical_peak, mhz = peak_gflops()
    with open(os.path.join(WORK, "models", "resnet18", "flops.json")) as f:
        flops = json.load(f)
    elapsed = time.time() - started
    report(quick, throughput, rss, accuracy_rows, feature_rows, last_round, profile, flops, measured_peak,
           theoretical_peak, mhz, randcheck, elapsed)


def accuracy_summary(accuracy_rows, model, side):
    rows = [r for r in accuracy_rows if r["model"] == model and r["side"] == side]
    if not rows:
        return None
    return {"val": statistics.mean(r["val"] for r in rows), "test": statistics.mean(r["test"] for r in rows),
            "n": len(rows), "dataset": rows[0]["dataset"]}


def report(quick, throughput, rss, accuracy_rows, feature_rows, last_round, profile, flops, measured_peak,
           theoretical_peak, mhz, randcheck, elapsed):
    lines = []
    out = lines.append
    out("visprompt training benchmark%s: %s, %d threads per side, batch %d, OMP_WAIT_POLICY=PASSIVE, every side "
        "on tcmalloc (LD_PRELOAD; glibc malloc is a feature variant)" % (
            " (--quick)" if quick else "", cpu_name(), THREADS, BATCH))
    out("engine: DJL 0.35.1 + libtorch 2.7.1 (PromptTrainer); PyTorch: Debian torch 1.13 (bench/torch_loops.py); "
        "same TorchScript file, data, batch, epochs, seeds")
    out("")
    header = "| model | side | images/s | engine ÷ side | round medians | peak RSS MB | val acc | test acc | " \
             "test Δ vs best (pts) | accuracy on |"
    out(header)
    out("|---|---|---:|---:|---|---:|---:|---:|---:|---|")
    csv_rows = []
    for model in ["fashion-cnn", "resnet18", "tiny-clip"]:
        best_acc = accuracy_summary(accuracy_rows, model, "best")
        for side in SIDES:
            t = throughput.get((model, side))
            if t is None:
                continue
            engine_ips = throughput[(model, "engine")]["ips"]
            ratio = engine_ips / t["ips"] if side != "engine" else None
            acc = accuracy_summary(accuracy_rows, model, side)
            if acc:
                val, test, on = acc["val"], acc["test"], "%s, mean of %d seed%s" % (
                    acc["dataset"], acc["n"], "s" if acc["n"] > 1 else "")
                delta = (test - best_acc["test"]) * 100 if best_acc else None
            else:
                lr = last_round[(model, side)]
                val, test, on = lr.get("val"), lr.get("test"), "1 epoch of the last round (random weights)"
                delta = None
            out("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                model, SIDE_NAMES[side], fmt(t["ips"]), fmt(ratio, "%.2fx"),
                " / ".join(fmt(x) for x in t["round_ips"]), fmt(rss[(model, side)], "%.0f"),
                fmt(val, "%.4f"), fmt(test, "%.4f"), fmt(delta, "%+.2f"), on))
            csv_rows.append({"model": model, "side": side, "images_per_s": round(t["ips"], 2),
                             "engine_over_side": None if ratio is None else round(ratio, 3),
                             "round_medians": " ".join("%.2f" % x for x in t["round_ips"]),
                             "measured_steps": t["steps"], "peak_rss_mb": round(rss[(model, side)]),
                             "val_accuracy": val, "test_accuracy": test,
                             "test_delta_vs_best_points": None if delta is None else round(delta, 2),
                             "accuracy_on": on})
    out("")
    r18 = {s: throughput.get(("resnet18", s), {"ips": float("nan")})["ips"] for s in SIDES}
    out("ResNet-18 targets: engine/best %.2fx (target >= 1.15x), engine/as-written %.2fx (target >= 1.7x), all three "
        "sides on tcmalloc" % (r18["engine"] / r18["best"], r18["engine"] / r18["as-written"]))
    variant = {(r["side"], r["variant"]): r["ips"] for r in feature_rows if r["model"] == "resnet18"}
    glibc_best = variant.get(("best", "glibc malloc (no tcmalloc)"))
    if glibc_best and ("engine", "all features on") in variant:
        out("ResNet-18, feature rounds: engine as shipped (tcmalloc) %.1f img/s vs PyTorch best on glibc malloc (how "
            "python3 runs unless an allocator is preloaded) %.1f img/s: %.2fx; both on glibc: %.2fx" % (
                variant[("engine", "all features on")], glibc_best, variant[("engine", "all features on")] / glibc_best,
                variant.get(("engine", "glibc malloc (no tcmalloc)"), float("nan")) / glibc_best))
    fb = [accuracy_summary(accuracy_rows, "fashion-cnn", s) for s in ("engine", "best")]
    if all(fb):
        out("Accuracy target (fashion-border, fashion-cnn, by_name, lr 4, 10 epochs, batch 32, warm-up 20): engine "
            "test %.2f%% vs PyTorch best %.2f%% (mean of %d seeds): difference %+.2f points (target within 0.5)" % (
                fb[0]["test"] * 100, fb[1]["test"] * 100, fb[0]["n"], (fb[0]["test"] - fb[1]["test"]) * 100))
    out("Same random streams (initial prompt, batch order) in Java and Python: %s" % randcheck)
    out("")

    out("Speed features on/off (images/s, median of measured steps; 'on' = the first row of each side):")
    out("| model | side | variant | images/s | on ÷ this |")
    out("|---|---|---|---:|---:|")
    base = {}
    for row in feature_rows:
        key = (row["model"], row["side"])
        base.setdefault(key, row["ips"])
        row["on_over_variant"] = base[key] / row["ips"]
        out("| %s | %s | %s | %s | %.2fx |" % (row["model"], SIDE_NAMES[row["side"]], row["variant"],
                                               fmt(row["ips"]), row["on_over_variant"]))
    out("")

    profile_rows = []
    if profile:
        wall = statistics.median(profile["wall_ms"])
        out("One engine training step, ResNet-18, batch 32 (median over %d steps, ms):" % len(profile["wall_ms"]))
        out("| phase | ms | share |")
        out("|---|---:|---:|")
        for phase, values in profile["phase_ms"].items():
            m = statistics.median(values)
            out("| %s | %.1f | %.1f%% |" % (phase, m, 100 * m / wall))
            profile_rows.append({"phase": phase, "median_ms": round(m, 2), "share": round(m / wall, 4)})
        out("| step (wall) | %.1f | 100%% |" % wall)
        inside = profile["inside_libtorch_ms"]
        outside = profile["profiled_ms"] - inside
        out("Under libtorch's profiler (%d steps, %.0f ms): %.0f ms inside libtorch ops, %.1f ms outside them "
            "(Java, JNI, waiting for a batch): %.2f%% of the step (target < 5%%)" % (
                profile["profiled_steps"], profile["profiled_ms"], inside, outside,
                100 * outside / profile["profiled_ms"]))
        out("Top-level libtorch ops by time: " + ", ".join(
            "%s %.0f ms" % (name, us / 1e3) for name, us in profile["top_ops"][:8]))
        profile_rows.append({"phase": "outside_libtorch_profiled", "median_ms": round(
            outside / max(1, profile["profiled_steps"]), 2), "share": round(outside / profile["profiled_ms"], 4)})
        out("")

    gflop = (flops["forward_flop"] + flops["input_grad_backward_flop"]) / 1e9
    gflop_unfrozen = gflop + flops["weight_grad_backward_flop"] / 1e9
    out("Ceiling (ResNet-18 at 224): forward %.2f GFLOP + input-gradient backward %.2f GFLOP = %.2f GFLOP per image "
        "(%.2f with weight gradients)." % (flops["forward_flop"] / 1e9, flops["input_grad_backward_flop"] / 1e9,
                                           gflop, gflop_unfrozen))
    out("Peak of 2 cores: %.0f GFLOP/s theoretical (AVX2, 2 FMA x 8 lanes x 2 at %.0f MHz); %.0f GFLOP/s measured "
        "(2-thread SGEMM, now, on this shared machine)." % (theoretical_peak, mhz or 0, measured_peak))
    for side in SIDES:
        per_image = gflop_unfrozen if side == "as-written" else gflop
        achieved = r18[side] * per_image
        out("  %-20s %.1f img/s = %.0f GFLOP/s useful: %.0f%% of the theoretical peak, %.0f%% of measured SGEMM; "
            "ceiling %.1f img/s (theoretical) / %.1f (SGEMM)" % (
                SIDE_NAMES[side], r18[side], achieved, 100 * achieved / theoretical_peak,
                100 * achieved / measured_peak, theoretical_peak / per_image, measured_peak / per_image))
    out("")
    out("Whole run: %.1f min" % (elapsed / 60))
    text = "\n".join(lines)
    print("\n" + text)

    with open(os.path.join(RESULTS, "summary.md"), "w") as f:
        f.write(text + "\n")
    write_csv("throughput.csv", csv_rows)
    write_csv("accuracy.csv", accuracy_rows)
    write_csv("features.csv", [{k: (" ".join("%.2f" % x for x in v) if k == "round_ips" else
                                    (round(v, 3) if isinstance(v, float) else v)) for k, v in r.items()}
                               for r in feature_rows])
    write_csv("profile.csv", profile_rows)
    with open(os.path.join(RESULTS, "run.json"), "w") as f:
        json.dump({"quick": quick, "cpu": cpu_name(), "threads": THREADS, "batch": BATCH,
                   "flops": flops, "peak_gflops_measured": measured_peak, "peak_gflops_theoretical": theoretical_peak,
                   "profile": profile and {k: v for k, v in profile.items() if k != "top_ops"} | {
                       "top_ops": profile["top_ops"][:15]},
                   "elapsed_s": elapsed}, f, indent=1)
    plot(csv_rows, accuracy_rows, feature_rows)


def write_csv(name, rows):
    if not rows:
        return
    keys = []
    for row in rows:
        keys += [k for k in row if k not in keys]
    with open(os.path.join(RESULTS, name), "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=keys)
        writer.writeheader()
        writer.writerows(rows)


def plot(csv_rows, accuracy_rows, feature_rows):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    colors = {"engine": "#1f77b4", "best": "#2ca02c", "as-written": "#d62728"}
    models = ["fashion-cnn", "resnet18", "tiny-clip"]
    ax = axes[0]
    width = 0.27
    for i, side in enumerate(SIDES):
        values = [next((r["images_per_s"] for r in csv_rows if r["model"] == m and r["side"] == side), 0)
                  for m in models]
        bars = ax.bar([x + (i - 1) * width for x in range(len(models))], values, width, label=SIDE_NAMES[side],
                      color=colors[side])
        ax.bar_label(bars, fmt="%.0f", fontsize=7)
    ax.set_yscale("log")
    ax.set_ylim(top=max(r["images_per_s"] for r in csv_rows) * 8)  # room for the legend
    ax.set_xticks(range(len(models)), models)
    ax.set_ylabel("images/s (log)")
    ax.set_title("Training throughput, batch 32, 2 threads")
    ax.legend(fontsize=8)

    ax = axes[1]
    tasks = [m for m in models if any(r["model"] == m for r in accuracy_rows)]
    for i, side in enumerate(SIDES):
        means, lows, highs = [], [], []
        for m in tasks:
            tests = [r["test"] * 100 for r in accuracy_rows if r["model"] == m and r["side"] == side]
            means.append(statistics.mean(tests))
            lows.append(statistics.mean(tests) - min(tests))
            highs.append(max(tests) - statistics.mean(tests))
        bars = ax.bar([x + (i - 1) * width for x in range(len(tasks))], means, width, yerr=[lows, highs],
                      label=SIDE_NAMES[side], color=colors[side], capsize=3)
        ax.bar_label(bars, fmt="%.1f", fontsize=7)
    ax.set_xticks(range(len(tasks)), ["%s\n%s" % (m, next(r["dataset"] for r in accuracy_rows if r["model"] == m))
                                      for m in tasks])
    ax.set_ylabel("test accuracy % (mean, min-max over seeds)")
    ax.set_title("Accuracy with the learned prompt")

    ax = axes[2]
    labels = ["%s: %s" % ("engine" if r["side"] == "engine" else "torch", r["variant"]) for r in feature_rows
              if r["model"] == "resnet18"]
    values = [r["ips"] for r in feature_rows if r["model"] == "resnet18"]
    ax.barh(range(len(values)), values, color=[colors[r["side"]] for r in feature_rows if r["model"] == "resnet18"])
    ax.set_yticks(range(len(values)), labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("images/s")
    ax.set_title("ResNet-18: one speed feature changed")
    fig.tight_layout()
    fig.savefig(os.path.join(RESULTS, "bench.png"), dpi=80)


if __name__ == "__main__":
    main()
