/**
 * `deno task export --model M --config C.json --out DIR [--calib N | --data-free]
 * [--data DIR] [--profile P] [--finetune-steps N] [--seed S] [--test N] [--force]`
 *
 * Writes the compressed model (tailor-export/v1: model.json, weights.bin, tailor.json) of a
 * zoo model or model directory M at configuration C (a config file or a result.json), made
 * real as a search makes its result (`realizeConfiguration`, engine/search/compress.ts):
 * - layers at a width below 1 are pruned (L1, dependency groups together) and cut out
 *   (surgery); without fine-tuning, the cut is compensated from the batch-norm moments
 *   (engine/prune/compensate.ts) and the batch norms are then re-estimated on the N
 *   calibration images;
 * - with --finetune-steps N, the network first fine-tunes N steps (batch 64, Fashion-MNIST
 *   training images) with fake quantization and the channel masks in place, and is
 *   quantized with the ranges it tracked;
 * - otherwise post-training quantization (`quantize()` with its defaults, calibrated on N
 *   training images): batch norms folded backward where exact, weights quantized per output
 *   channel (symmetric, MSE-clipped) at each layer's wbits and bit-packed, activations
 *   calibrated at each tensor's abits (the smallest of its readers'), biases corrected.
 *
 * With a search's result.json as the configuration, the flags not given take the search's
 * values (model, profile, data-free, the chosen candidate's fine-tuning steps, seed): the
 * export is then the model the search measured, as in its `model/` directory.
 *
 * With --data-free no training image is read: activation ranges come from the batch norms'
 * statistics (and, for tensors no batch norm describes, from inputs synthesized from the
 * network: `engine/quant/impressions.ts`), a pruned network is compensated only (no
 * re-estimation) and the reload check runs on seeded random images.
 *
 * With --test N it reports the exported network's accuracy on the first N test images. Then
 * it reloads the export and checks that its predictions equal the fake-quant
 * evaluation, and, with --profile, prints the cost model's flash prediction next to the
 * bytes on disk.
 *
 * @module
 */
import { initBackend, tf } from "../engine/backend.ts";
import type { Configuration } from "../engine/cost/config.ts";
import { networkCost } from "../engine/cost/network.ts";
import { batches } from "../engine/data/batches.ts";
import { FASHION_MNIST_DIR, loadFashionMnist } from "../engine/data/fashion_mnist.ts";
import { type Dataset, sliceDataset } from "../engine/data/dataset.ts";
import { batchToTensors } from "../engine/data/to_tensors.ts";
import { forward } from "../engine/exec/forward.ts";
import { composeHooks } from "../engine/exec/hooks.ts";
import { execSettingsFromLayersModel } from "../engine/exec/settings.ts";
import {
  disposeWeights,
  weightsFromArrays,
  weightsFromLayersModel,
} from "../engine/exec/weights.ts";
import { activationQuantHooks } from "../engine/export/activation_hooks.ts";
import { exportModel, loadExport } from "../engine/export/disk.ts";
import type { QuantState } from "../engine/export/format.ts";
import { exportInputOf } from "../engine/export/from_quantized.ts";
import { graphFromLayersModel } from "../engine/models/from_layers.ts";
import { type Graph, isComputeNode } from "../engine/models/ir.ts";
import { resolveModel } from "../engine/models/load.ts";
import { checkConfig } from "../engine/quant/act_targets.ts";
import { fakeQuantWeight } from "../engine/quant/weight_channels.ts";
import { realizeConfiguration, widthConflicts } from "../engine/search/compress.ts";
import { DEFAULT_FINETUNE_STEPS } from "../engine/search/spec.ts";
import { intFlag, parseFlags, requireFlag, runCli, UsageError } from "./args.ts";
import { readConfigSource, readProfileFlag, type SearchOrigin } from "./inputs.ts";
import { commitDir, prepareOutDir, removeOnSignal } from "./out_dir.ts";

/** Usage text of `deno task export`. */
export const EXPORT_USAGE = "usage: deno task export --model M --config C.json --out DIR " +
  "[--calib N | --data-free] [--data DIR] [--profile P] [--finetune-steps N] [--seed S] " +
  "[--test N] [--force]\n" +
  "  with a search's result.json as C.json, --model, --profile, --data-free, --finetune-steps " +
  "and --seed default to the search's own, so that the export is the model it measured";

/** Calibration images used when --calib is not given. */
export const DEFAULT_CALIB = 512;

const BATCH = 128;

function fakeQuantLogits(
  graph: Graph,
  arrays: Parameters<typeof weightsFromArrays>[0],
  quant: QuantState,
  x: tf.Tensor4D,
): Float32Array {
  const w = weightsFromArrays(arrays);
  const weight = (node: Graph["nodes"][number], name: string, t: tf.Tensor) => {
    const p = quant.weights[node.name]?.[name as "kernel"];
    return p === undefined || !isComputeNode(node) ? t : fakeQuantWeight(t, node.op, p);
  };
  const hooks = composeHooks({ weight }, activationQuantHooks(quant.activations));
  const y = forward(graph, w, x, { hooks });
  const out = y.dataSync() as Float32Array;
  y.dispose();
  disposeWeights(w);
  return out;
}

interface ExportFlags {
  readonly modelName: string;
  readonly configPath: string;
  readonly out: string;
  readonly calib: number;
  readonly dataDir: string;
  readonly profile?: string;
  readonly finetuneSteps: number;
  readonly seed: number;
  readonly test: number;
  readonly dataFree: boolean;
  readonly force: boolean;
}

/** The flags as given: what a result.json may fill in is still open. */
interface GivenFlags
  extends Omit<ExportFlags, "modelName" | "finetuneSteps" | "seed" | "dataFree"> {
  readonly modelName?: string;
  readonly finetuneSteps?: number;
  readonly seed?: number;
  readonly dataFree?: boolean;
  readonly calibGiven: boolean;
}

function parseExportFlags(args: readonly string[]): GivenFlags | undefined {
  const f = parseFlags([...args], {
    model: { type: "string" },
    config: { type: "string" },
    out: { type: "string" },
    calib: { type: "string" },
    data: { type: "string" },
    profile: { type: "string" },
    "finetune-steps": { type: "string" },
    seed: { type: "string" },
    test: { type: "string" },
    "data-free": { type: "boolean" },
    force: { type: "boolean" },
    help: { type: "boolean" },
  });
  if (f.help) return undefined;
  const dataFree = f["data-free"];
  if (dataFree && (f["finetune-steps"] !== undefined || f.calib !== undefined)) {
    throw new UsageError("--data-free uses no training images: drop --finetune-steps and --calib");
  }
  const steps = intFlag(f["finetune-steps"], "finetune-steps", { min: 0 });
  const seed = intFlag(f.seed, "seed", { min: 0 });
  return {
    ...(f.model ? { modelName: f.model } : {}),
    configPath: requireFlag(f.config, "config"),
    out: requireFlag(f.out, "out"),
    calib: intFlag(f.calib, "calib", { min: 1, fallback: DEFAULT_CALIB })!,
    calibGiven: f.calib !== undefined,
    dataDir: f.data ?? FASHION_MNIST_DIR,
    ...(f.profile ? { profile: f.profile } : {}),
    ...(steps === undefined ? {} : { finetuneSteps: steps }),
    ...(seed === undefined ? {} : { seed }),
    test: intFlag(f.test, "test", { min: 0, fallback: 0 })!,
    ...(dataFree === undefined ? {} : { dataFree }),
    force: f.force ?? false,
  };
}

/**
 * The export's settings: the flags given, and for the rest, when the configuration is a
 * search's result.json, the search's own recipe (model, profile, data-free or not,
 * fine-tuning steps, seed), so that the export is the model the search measured.
 */
export function exportSettings(given: GivenFlags, origin?: SearchOrigin): ExportFlags {
  const modelName = given.modelName ?? origin?.model;
  if (modelName === undefined) {
    throw new UsageError("missing required flag --model (only a result.json names its model)");
  }
  // Asking for images (fine-tuning, calibration) means not data-free.
  const asksData = given.finetuneSteps !== undefined || given.calibGiven;
  const dataFree = given.dataFree ?? (!asksData && (origin?.dataFree ?? false));
  const searchSteps = origin?.finetuneSteps ?? DEFAULT_FINETUNE_STEPS;
  const { calibGiven: _, ...rest } = given;
  return {
    ...rest,
    modelName,
    ...(given.profile ?? origin?.profile ? { profile: given.profile ?? origin!.profile } : {}),
    finetuneSteps: given.finetuneSteps ?? (dataFree || origin === undefined ? 0 : searchSteps),
    seed: given.seed ?? origin?.seed ?? 0,
    dataFree,
  };
}

/** Seeded uniform [0, 1] images of the graph's input shape, to check a data-free export. */
function probeImages(graph: Graph): tf.Tensor4D {
  const input = graph.nodes.find((n) => n.op === "input")!;
  const [h, w, c] = input.outShape as readonly number[];
  return tf.randomUniform([32, h!, w!, c!], 0, 1, "float32", 1) as tf.Tensor4D;
}

/** Loads the model and data, makes the configuration real (the caller disposes it). */
async function realize(o: ExportFlags, config: Configuration) {
  const model = await resolveModel(o.modelName);
  const graph = graphFromLayersModel(model);
  const weights = weightsFromLayersModel(model, graph);
  const settings = execSettingsFromLayersModel(model);
  model.dispose();
  try {
    checkConfig(graph, config);
    const [c] = widthConflicts(graph, config.layers);
    if (c) {
      const asked = Object.entries(c.widths).map(([l, w]) => `${l} ${w}`).join(", ");
      throw new RangeError(
        `group ${c.group} is pruned as one (residual add or depthwise) but its layers ask for ` +
          `widths ${asked}: give them one width`,
      );
    }
  } catch (e) {
    disposeWeights(weights);
    throw new UsageError(`--config ${o.configPath}: ${(e as Error).message}`, { cause: e });
  }
  let train: Dataset | undefined;
  let calibration: tf.Tensor4D[] = [];
  try {
    if (!o.dataFree) {
      const set = await loadFashionMnist("train", {
        dir: o.dataDir,
        ...(o.finetuneSteps > 0 ? {} : { limit: o.calib }),
      });
      train = set;
      const first = sliceDataset(set, 0, Math.min(o.calib, set.n));
      calibration = [...batches(first, { batchSize: BATCH })].map((b) => {
        const { x, y } = batchToTensors(b, set);
        y.dispose();
        return x;
      });
    }
    const source = {
      graph,
      weights,
      settings,
      calibration,
      ...(train ? { recalibration: train } : {}),
      ...(train && o.finetuneSteps > 0 ? { train } : {}),
    };
    const realized = await realizeConfiguration(source, config.layers, {
      finetuneSteps: o.finetuneSteps,
      seed: o.seed,
      onStep: (step, total, loss) => {
        if (step % 100 === 0 || step === total) {
          console.error(`fine-tuning: step ${step}/${total}, loss ${loss.toFixed(4)}`);
        }
      },
    });
    return { realized, calibration };
  } catch (e) {
    tf.dispose(calibration);
    throw e;
  } finally {
    disposeWeights(weights);
  }
}

async function main(): Promise<void> {
  const given = parseExportFlags(Deno.args);
  if (given === undefined) {
    console.log(EXPORT_USAGE);
    return;
  }
  const { config, origin } = await readConfigSource(given.configPath);
  const o = exportSettings(given, origin);
  if (origin) {
    console.error(
      `export: as the search made it (${given.configPath}): model ${o.modelName}, ` +
        (o.dataFree ? "data-free" : `${o.finetuneSteps} fine-tuning steps, seed ${o.seed}`) +
        `, profile ${o.profile}; --model, --finetune-steps, --seed, --data-free, --profile ` +
        "override",
    );
  }
  const profile = o.profile === undefined ? undefined : await readProfileFlag(o.profile);
  const tmp = await prepareOutDir(o.out, { force: o.force });
  const stopListening = removeOnSignal(tmp);
  let calibration: tf.Tensor4D[] = [];
  try {
    await initBackend();
    const { realized, calibration: xs } = await realize(o, config);
    calibration = xs;
    const q = realized.model;
    if (realized.pruned) {
      const kept = Object.entries(realized.channels).map(([g, c]) => `${g} ${c}`).join(", ");
      console.error(`pruned (L1) to ${kept} channels; recovery: ${realized.recovery}`);
      if (o.finetuneSteps === 0 && !o.dataFree) {
        console.error("note: pruned without fine-tuning; --finetune-steps N recovers accuracy");
      }
    }
    for (const [bn, d] of q.foldPlan) {
      if (!d.fold) console.error(`note: batch norm "${bn}" kept: ${d.reason}`);
      else if (d.direction !== "backward") {
        console.error(`note: batch norm "${bn}" kept: folds forward only`);
      }
    }
    let accuracy: number | undefined;
    if (o.test > 0) {
      const test = await loadFashionMnist("test", { dir: o.dataDir, limit: o.test });
      accuracy = q.evaluate(test).accuracy;
    }
    const { graph, weights, config: full, quant } = exportInputOf(q);
    q.dispose();
    const sizes = await exportModel(tmp, { graph, weights, config: full, quant });
    const loaded = await loadExport(tmp);
    const x = calibration[0] ?? probeImages(graph);
    const want = fakeQuantLogits(graph, weights, quant, x);
    const got = fakeQuantLogits(loaded.graph, loaded.weights, {
      weights: {},
      activations: loaded.activations,
    }, x);
    const same = want.length === got.length && want.every((v, i) => Object.is(v, got[i]));
    if (!same) throw new Error("export check failed: reloaded predictions differ from fake quant");
    await commitDir(tmp, o.out);
    const bytes = sizes.get("weights.bin")!;
    let line = `exported ${graph.name} -> ${o.out}: weights.bin ${bytes} B`;
    if (profile) {
      const predicted = networkCost(graph, profile, full).totals.flashBytes;
      line += `, cost model flash ${predicted} B (${((bytes / predicted - 1) * 100).toFixed(2)}%)`;
    }
    if (accuracy !== undefined) {
      line += `, test accuracy ${(100 * accuracy).toFixed(2)}% on ${o.test} images`;
    }
    const probe = calibration.length > 0 ? "images" : "random images";
    console.error(`${line}; reloaded logits identical on ${x.shape[0]} ${probe}`);
    if (calibration.length === 0) x.dispose();
  } catch (e) {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    throw e;
  } finally {
    stopListening();
    tf.dispose(calibration);
  }
}

if (import.meta.main) await runCli(main);
