/**
 * `deno task train --model NAME --epochs E --out DIR [--limit N] [--seed S] [--data DIR]`
 *
 * Trains a zoo model on Fashion-MNIST, evaluates it on the test set and writes
 * DIR/model.json, DIR/weights.bin and DIR/metrics.json. The output directory appears only
 * when everything succeeded (it is written next to DIR under a temporary name, then renamed).
 *
 * @module
 */
import process from "node:process";
import { initBackend } from "../engine/backend.ts";
import { FASHION_MNIST_DIR, loadFashionMnist } from "../engine/data/fashion_mnist.ts";
import { saveLayersModel } from "../engine/models/load.ts";
import { buildZooModel, isZooName, ZOO_NAMES } from "../engine/models/zoo.ts";
import { DEFAULT_BATCH_SIZE, evaluate, trainModel, type TrainOptions } from "../engine/train.ts";
import { trainDataParallel } from "../engine/train/data_parallel.ts";
import { DEFAULT_LR } from "../engine/train/schedule.ts";
import { intFlag, numberFlag, parseFlags, requireFlag, runCli, UsageError } from "./args.ts";
import { createProgressBar } from "./progress.ts";
import { commitDir, prepareOutDir, removeOnSignal } from "./out_dir.ts";

/** Usage text of `deno task train`. */
export const TRAIN_USAGE =
  "usage: deno task train --model NAME --epochs E --out DIR [--limit N] [--seed S] " +
  "[--data DIR] [--batch-size B] [--lr LR] [--shift PX] [--no-flip] [--label-smoothing X] " +
  "[--test-limit N] [--workers W] [--force]";

async function main(): Promise<void> {
  const f = parseFlags(Deno.args, {
    model: { type: "string" },
    epochs: { type: "string" },
    out: { type: "string" },
    limit: { type: "string" },
    "test-limit": { type: "string" },
    seed: { type: "string" },
    data: { type: "string" },
    "batch-size": { type: "string" },
    lr: { type: "string" },
    shift: { type: "string" },
    "no-flip": { type: "boolean" },
    "label-smoothing": { type: "string" },
    workers: { type: "string" },
    force: { type: "boolean" },
    help: { type: "boolean" },
  });
  if (f.help) {
    console.log(TRAIN_USAGE);
    return;
  }
  const name = requireFlag(f.model, "model");
  if (!isZooName(name)) {
    throw new UsageError(`unknown model "${name}": expected one of ${ZOO_NAMES.join(", ")}`);
  }
  const epochs = intFlag(requireFlag(f.epochs, "epochs"), "epochs", { min: 1 })!;
  const out = requireFlag(f.out, "out");
  const limit = intFlag(f.limit, "limit", { min: 1 });
  const testLimit = intFlag(f["test-limit"], "test-limit", { min: 1 });
  const seed = intFlag(f.seed, "seed", { fallback: 0 })!;
  const batchSize = intFlag(f["batch-size"], "batch-size", {
    min: 1,
    fallback: DEFAULT_BATCH_SIZE,
  })!;
  const lr = numberFlag(f.lr, "lr", { fallback: DEFAULT_LR, max: 1 });
  const shift = intFlag(f.shift, "shift", { fallback: 2 })!;
  const labelSmoothing = numberFlag(f["label-smoothing"], "label-smoothing", {
    fallback: 0,
    max: 0.5,
    allowZero: true,
  });
  const workers = intFlag(f.workers, "workers", { min: 1, fallback: 1 })!;
  const dataDir = f.data ?? FASHION_MNIST_DIR;
  const tmp = await prepareOutDir(out, { force: f.force ?? false });
  const stopListening = removeOnSignal(tmp);
  try {
    const train = await loadFashionMnist(
      "train",
      limit === undefined ? { dir: dataDir } : { dir: dataDir, limit },
    );
    const test = await loadFashionMnist(
      "test",
      testLimit === undefined ? { dir: dataDir } : { dir: dataDir, limit: testLimit },
    );
    const backend = await initBackend();
    const model = buildZooModel(name, { seed });
    const bar = createProgressBar();
    const cpu0 = process.cpuUsage();
    const train_ = workers > 1
      ? (opts: TrainOptions) => trainDataParallel(model, train, { ...opts, workers })
      : (opts: TrainOptions) => trainModel(model, train, opts);
    const result = await train_({
      epochs,
      batchSize,
      seed,
      schedule: { kind: "cosine", lr },
      augment: { shift, flip: !f["no-flip"] },
      labelSmoothing,
      onProgress: (p) => bar.update(p),
    });
    bar.done();
    const cpu = process.cpuUsage(cpu0);
    const metrics = evaluate(model, test);
    await saveLayersModel(model, tmp);
    const record = {
      testAccuracy: metrics.accuracy,
      testLoss: metrics.loss,
      model: name,
      epochs,
      seed,
      trainSeconds: Math.round(result.seconds * 10) / 10,
      trainCpuSeconds: Math.round((cpu.user + cpu.system) / 1e5) / 10,
      trainExamples: train.n,
      testExamples: test.n,
      batchSize,
      workers,
      lr,
      shift,
      flip: !f["no-flip"],
      labelSmoothing,
      backend,
      params: model.countParams(),
      history: result.history.map((h) => ({
        epoch: h.epoch,
        loss: Math.round(h.loss * 1e4) / 1e4,
        seconds: Math.round(h.seconds * 10) / 10,
      })),
      command: ["deno", "task", "train", ...Deno.args].join(" "),
    };
    await Deno.writeTextFile(`${tmp}/metrics.json`, JSON.stringify(record, null, 2) + "\n");
    await commitDir(tmp, out);
    console.error(
      `test accuracy ${(metrics.accuracy * 100).toFixed(2)}%  loss ${metrics.loss.toFixed(4)}  ` +
        `(${test.n} examples)  -> ${out}`,
    );
  } catch (e) {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    throw e;
  } finally {
    stopListening();
  }
}

if (import.meta.main) await runCli(main);
