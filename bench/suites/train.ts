/**
 * `train`: per zoo model, the median time of one training step (batch 64: forward,
 * backward, Adam update, loss read back) and of one inference forward (batch 256, result
 * read back) on the tfjs wasm backend, next to the same architectures in PyTorch on one
 * CPU thread (`bench/torch_peer.py`, run once per model right after the tfjs timing) when
 * torch is importable.
 *
 * @module
 */
import type { Variable } from "@tensorflow/tfjs";
import { errorRecord, makeRecord } from "../record.ts";
import type { BenchRecord } from "../record.ts";
import { summarize } from "../stats.ts";
import type { Suite, SuiteOptions } from "../suite.ts";
import { DEFAULT_BUDGET_MS, DEFAULT_REPS, DEFAULT_WARMUP, measure } from "../timing.ts";
import {
  findTorchPython,
  peerFor,
  PYTHON_CANDIDATES,
  runTorchPeer,
  type TorchPeerReport,
} from "../torch_peer.ts";

/** The zoo models this suite times, in order. */
export const TRAIN_MODELS = ["cnn-s", "resnet8", "mobilenet-tiny"] as const;
/** A zoo model name. */
export type TrainModel = typeof TRAIN_MODELS[number];
/** Batch of one timed training step. @default 64 */
export const TRAIN_BATCH = 64;
/** Batch of one timed inference forward. @default 256 */
export const INFER_BATCH = 256;
/** Adam learning rate (irrelevant to speed; fixed for reproducibility). @default 1e-3 */
export const LEARNING_RATE = 1e-3;

/** The metrics of this suite with their batch sizes. */
const METRICS = [
  { metric: "train_step_ms", batch: TRAIN_BATCH },
  { metric: "infer_ms", batch: INFER_BATCH },
] as const;

type Metric = typeof METRICS[number]["metric"];

function checkModels(cases: readonly string[] | undefined): TrainModel[] {
  if (!cases) return [...TRAIN_MODELS];
  for (const c of cases) {
    if (!(TRAIN_MODELS as readonly string[]).includes(c)) {
      throw new RangeError(
        `Cannot bench model "${c}" in suite train: known models are ${TRAIN_MODELS.join(", ")}`,
      );
    }
  }
  return cases as TrainModel[];
}

/** Samples (ms) of one metric and the tensor-count drift across them. */
interface TfjsTiming {
  readonly samples: number[];
  readonly leakedTensors: number;
}

/** Times one metric of one model on tfjs; returns samples (ms) and the tensor-count drift. */
async function timeTfjs(
  name: TrainModel,
  metric: Metric,
  options: SuiteOptions,
): Promise<TfjsTiming> {
  const { initBackend, tf } = await import("../../engine/backend.ts");
  const { buildZooModel } = await import("../../engine/models/zoo.ts");
  const { trainingForward } = await import("../../engine/train/train_forward.ts");
  const { registerBatchNormGradient } = await import("../../engine/train/batchnorm_grad.ts");
  const { createRng } = await import("../../engine/rng.ts");
  await initBackend("wasm");
  registerBatchNormGradient();
  const model = buildZooModel(name, { seed: 0 });
  const batch = metric === "train_step_ms" ? TRAIN_BATCH : INFER_BATCH;
  const x = tf.randomNormal([batch, 28, 28, 1], 0, 1, "float32", 1);
  const y = tf.tidy(() => tf.oneHot(tf.randomUniform([batch], 0, 10, "int32", 2), 10));
  const optimizer = tf.train.adam(LEARNING_RATE);
  const varList = model.trainableWeights.map((w) => w.read() as Variable);
  // The training forward pass `deno task train` uses (fused batch norm, relu6, seeded dropout).
  const forward = trainingForward(model, { rng: createRng(0) });
  const trainStep = () => {
    const loss = optimizer.minimize(
      () => tf.losses.softmaxCrossEntropy(y, forward(x) as typeof x),
      true,
      varList,
    );
    if (!loss) throw new Error(`train step of ${name} returned no loss`);
    loss.dataSync();
    loss.dispose();
  };
  const infer = () => {
    const out = tf.tidy(() => model.apply(x, { training: false }) as typeof x);
    out.dataSync();
    out.dispose();
  };
  try {
    const fn = metric === "train_step_ms" ? trainStep : infer;
    fn(); // first call builds optimizer slots; count tensors after it
    const before = tf.memory().numTensors;
    const samples = await measure(fn, {
      warmup: Math.max(0, (options.warmup ?? DEFAULT_WARMUP) - 1),
      reps: options.reps ?? DEFAULT_REPS,
      budgetMs: options.budgetMs ?? DEFAULT_BUDGET_MS,
    });
    return { samples, leakedTensors: tf.memory().numTensors - before };
  } finally {
    optimizer.dispose();
    model.dispose();
    x.dispose();
    y.dispose();
  }
}

/** Times both metrics of one model on tfjs; a failure becomes an `Error` result. */
async function timeModel(name: TrainModel, options: SuiteOptions) {
  const out: { metric: Metric; batch: number; result: TfjsTiming | Error }[] = [];
  for (const { metric, batch } of METRICS) {
    try {
      const result = await timeTfjs(name, metric, options);
      options.log(`train ${name} ${metric}: tfjs-wasm done (${result.samples.length} runs)`);
      out.push({ metric, batch, result });
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      const first = err.message.split("\n")[0];
      options.log(`train ${name} ${metric}: tfjs-wasm FAILED: ${err.name}: ${first}`);
      out.push({ metric, batch, result: err });
    }
  }
  return out;
}

/** Runs the PyTorch peer on one model, or returns `null` (and says why) when it cannot. */
async function peerModel(
  name: TrainModel,
  options: SuiteOptions,
  python: string | null,
): Promise<TorchPeerReport | null> {
  if (options.noPeer || python === null) return null;
  const report = await runTorchPeer({
    models: [name],
    warmup: options.warmup ?? DEFAULT_WARMUP,
    reps: options.reps ?? DEFAULT_REPS,
    budgetMs: options.budgetMs ?? DEFAULT_BUDGET_MS,
    python,
  });
  if (report.unavailable) options.log(`train ${name}: PyTorch peer failed: ${report.unavailable}`);
  for (const e of report.errors) options.log(`train ${name} ${e.metric}: PyTorch peer: ${e.error}`);
  if (!report.unavailable) options.log(`train ${name}: PyTorch peer done`);
  return report;
}

/**
 * Per model: tfjs first, then the PyTorch peer on the same model right away, so both see
 * about the same machine load (the machine may be shared).
 */
async function runTrain(options: SuiteOptions): Promise<BenchRecord[]> {
  const models = checkModels(options.cases);
  let python: string | null = null;
  if (options.noPeer) {
    options.log("train: PyTorch peer skipped (--no-peer); peer fields are null");
  } else {
    python = await findTorchPython();
    if (python === null) {
      options.log(
        `train: PyTorch peer unavailable (no Python with torch among ${
          PYTHON_CANDIDATES.join(", ")
        }); peer fields are null`,
      );
    }
  }
  const records: BenchRecord[] = [];
  for (const name of models) {
    const load1 = Deno.loadavg()[0]; // context: the machine may be shared
    options.log(`train ${name}: 1-min load average ${load1}`);
    const ours = await timeModel(name, options);
    const peer = await peerModel(name, options, python);
    for (const { metric, batch, result } of ours) {
      const key = { suite: "train", case: name, metric, unit: "ms" };
      const peerMeasurement = peer ? peerFor(peer, name, metric) : null;
      const extra: Record<string, unknown> = { backend: "wasm", batch, loadavg1: load1 };
      if (peer?.torchVersion) extra.peerVersion = peer.torchVersion;
      if (result instanceof Error) {
        records.push(errorRecord(key, result, { peer: peerMeasurement, extra }));
      } else {
        extra.leakedTensors = result.leakedTensors;
        records.push(makeRecord(key, summarize(result.samples), { peer: peerMeasurement, extra }));
      }
    }
  }
  return records;
}

/** The `train` suite: `train_step_ms` and `infer_ms` per zoo model, PyTorch as peer. */
export const trainSuite: Suite = {
  name: "train",
  description: "zoo models: train_step_ms (batch 64, Adam) and infer_ms (batch 256), " +
    "tfjs-wasm vs PyTorch CPU (1 thread)",
  checkCases: (cases) => void checkModels(cases),
  run: runTrain,
};
