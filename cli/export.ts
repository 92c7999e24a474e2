/**
 * `deno task export --model M --config C.json --out DIR [--calib N] [--data DIR]
 * [--profile P] [--force]`
 *
 * Writes the compressed model (tailor-export/v1: model.json, weights.bin, tailor.json) of a
 * zoo model or model directory M at configuration C (a config file or a result.json): the
 * state of post-training quantization (`quantize()` with its defaults, calibrated on N
 * Fashion-MNIST training images): batch norms folded backward where exact, weights
 * quantized per output channel (symmetric, MSE-clipped) at each layer's wbits and
 * bit-packed, activations calibrated (min-max) at each tensor's abits (the smallest of its
 * readers'), biases corrected. Then it reloads the export and checks that its predictions
 * equal the fake-quant evaluation, and, with --profile, prints the cost model's flash
 * prediction next to the bytes on disk.
 *
 * @module
 */
import { initBackend, tf } from "../engine/backend.ts";
import { parseConfiguration } from "../engine/cost/config.ts";
import { networkCost } from "../engine/cost/network.ts";
import { batches } from "../engine/data/batches.ts";
import { FASHION_MNIST_DIR, loadFashionMnist } from "../engine/data/fashion_mnist.ts";
import { batchToTensors } from "../engine/data/to_tensors.ts";
import { forward } from "../engine/exec/forward.ts";
import { composeHooks } from "../engine/exec/hooks.ts";
import {
  disposeWeights,
  weightsFromArrays,
  weightsFromLayersModel,
} from "../engine/exec/weights.ts";
import { activationQuantHooks } from "../engine/export/activation_hooks.ts";
import { exportModel, loadExport } from "../engine/export/disk.ts";
import type { QuantState } from "../engine/export/format.ts";
import { exportInputOf } from "../engine/export/from_quantized.ts";
import { completeConfig } from "../engine/export/min_max_state.ts";
import { graphFromLayersModel } from "../engine/models/from_layers.ts";
import { type Graph, isComputeNode } from "../engine/models/ir.ts";
import { resolveModel } from "../engine/models/load.ts";
import { loadProfile } from "../engine/profile/load.ts";
import { quantize } from "../engine/quant/ptq.ts";
import { fakeQuantWeight } from "../engine/quant/weight_channels.ts";
import { intFlag, parseFlags, requireFlag, runCli } from "./args.ts";
import { commitDir, prepareOutDir } from "./out_dir.ts";

/** Usage text of `deno task export`. */
export const EXPORT_USAGE = "usage: deno task export --model M --config C.json --out DIR " +
  "[--calib N] [--data DIR] [--profile P] [--force]";

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

async function main(): Promise<void> {
  const f = parseFlags(Deno.args, {
    model: { type: "string" },
    config: { type: "string" },
    out: { type: "string" },
    calib: { type: "string" },
    data: { type: "string" },
    profile: { type: "string" },
    force: { type: "boolean" },
    help: { type: "boolean" },
  });
  if (f.help) {
    console.log(EXPORT_USAGE);
    return;
  }
  const modelName = requireFlag(f.model, "model");
  const configPath = requireFlag(f.config, "config");
  const out = requireFlag(f.out, "out");
  const calib = intFlag(f.calib, "calib", { min: 1, fallback: DEFAULT_CALIB })!;
  const rawConfig = parseConfiguration(JSON.parse(await Deno.readTextFile(configPath)));
  await initBackend();
  const model = await resolveModel(modelName);
  const graph0 = graphFromLayersModel(model);
  const vars = weightsFromLayersModel(model, graph0);
  model.dispose();
  completeConfig(graph0, rawConfig); // rejects widths of an unpruned graph
  const data = await loadFashionMnist("train", { dir: f.data ?? FASHION_MNIST_DIR, limit: calib });
  const xs = [...batches(data, { batchSize: BATCH })].map((b) => batchToTensors(b, data));
  const calibration = xs.map(({ x, y }) => (y.dispose(), x));
  const q = quantize(graph0, vars, rawConfig, { calibration: { data: calibration } });
  disposeWeights(vars);
  for (const [bn, d] of q.foldPlan) {
    if (!d.fold) console.error(`note: batch norm "${bn}" kept: ${d.reason}`);
    else if (d.direction !== "backward") {
      console.error(`note: batch norm "${bn}" kept: folds forward only`);
    }
  }
  const { graph, weights, config, quant } = exportInputOf(q);
  q.dispose();
  const tmp = await prepareOutDir(out, { force: f.force ?? false });
  try {
    const sizes = await exportModel(tmp, { graph, weights, config, quant });
    const loaded = await loadExport(tmp);
    const x = calibration[0]!;
    const want = fakeQuantLogits(graph, weights, quant, x);
    const got = fakeQuantLogits(loaded.graph, loaded.weights, {
      weights: {},
      activations: loaded.activations,
    }, x);
    const same = want.length === got.length && want.every((v, i) => Object.is(v, got[i]));
    if (!same) throw new Error("export check failed: reloaded predictions differ from fake quant");
    await commitDir(tmp, out);
    const bytes = sizes.get("weights.bin")!;
    let line = `exported ${graph.name} -> ${out}: weights.bin ${bytes} B`;
    if (f.profile) {
      const predicted = networkCost(graph, await loadProfile(f.profile), config).totals.flashBytes;
      line += `, cost model flash ${predicted} B (${((bytes / predicted - 1) * 100).toFixed(2)}%)`;
    }
    console.error(`${line}; reloaded logits identical on ${x.shape[0]} images`);
  } catch (e) {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    throw e;
  } finally {
    tf.dispose(calibration);
  }
}

if (import.meta.main) await runCli(main);
