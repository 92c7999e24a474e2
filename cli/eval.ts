/**
 * `deno task eval --model DIR|NAME [--data DIR] [--limit N]`
 *
 * Evaluates a saved model (a directory with model.json, or a zoo name) on the
 * Fashion-MNIST test set and prints `{"testAccuracy", "testLoss", "model", ...}` as JSON
 * on stdout. A compressed model (a `tailor-export/v1` directory, with its tailor.json: what
 * `deno task export` and a search's `model/` hold) is evaluated as it would run: weights
 * unpacked from their bits, activations fake-quantized at theirs; the record then adds
 * `"format": "tailor-export/v1"`.
 *
 * @module
 */
import { initBackend } from "../engine/backend.ts";
import { FASHION_MNIST_DIR, loadFashionMnist } from "../engine/data/fashion_mnist.ts";
import { join } from "node:path";
import type { Dataset } from "../engine/data/dataset.ts";
import { disposeWeights, weightsFromArrays } from "../engine/exec/weights.ts";
import { activationQuantHooks } from "../engine/export/activation_hooks.ts";
import { loadExport } from "../engine/export/disk.ts";
import { FORMAT_VERSION, TAILOR_JSON } from "../engine/export/format.ts";
import type { LoadedExport } from "../engine/export/parse.ts";
import { resolveModel } from "../engine/models/load.ts";
import { evaluateGraph } from "../engine/quant/evaluate_graph.ts";
import { evaluate } from "../engine/train.ts";
import { intFlag, parseFlags, requireFlag, runCli, UsageError } from "./args.ts";

/** Usage text of `deno task eval`. */
export const EVAL_USAGE = "usage: deno task eval --model DIR|NAME [--data DIR] [--limit N]";

async function isExport(dir: string): Promise<boolean> {
  return await Deno.stat(join(dir, TAILOR_JSON)).then((s) => s.isFile, () => false);
}

/** Accuracy and loss of an export as it would run (packed weights, quantized activations). */
function evaluateExport(loaded: LoadedExport, test: Dataset) {
  const weights = weightsFromArrays(loaded.weights);
  try {
    return evaluateGraph(loaded.graph, weights, test, {
      hooks: activationQuantHooks(loaded.activations),
    });
  } finally {
    disposeWeights(weights);
  }
}

async function main(): Promise<void> {
  const f = parseFlags(Deno.args, {
    model: { type: "string" },
    data: { type: "string" },
    limit: { type: "string" },
    help: { type: "boolean" },
  });
  if (f.help) {
    console.log(EVAL_USAGE);
    return;
  }
  const name = requireFlag(f.model, "model");
  const limit = intFlag(f.limit, "limit", { min: 1 });
  const dir = f.data ?? FASHION_MNIST_DIR;
  const test = await loadFashionMnist("test", limit === undefined ? { dir } : { dir, limit });
  await initBackend();
  const exported = await isExport(name);
  // Loading is not timed: evalSeconds is the evaluation alone.
  let run: () => { accuracy: number; loss: number };
  if (exported) {
    const e = await loadExport(name);
    run = () => evaluateExport(e, test);
  } else {
    const m = await loadLayers(name, test);
    run = () => evaluate(m, test);
  }
  const t0 = performance.now();
  const { accuracy, loss } = run();
  const record = {
    testAccuracy: accuracy,
    testLoss: loss,
    model: name,
    ...(exported ? { format: FORMAT_VERSION } : {}),
    testExamples: test.n,
    evalSeconds: Math.round((performance.now() - t0) / 100) / 10,
  };
  console.log(JSON.stringify(record));
}

/** Loads a LayersModel and checks that it reads the data set's images. */
async function loadLayers(name: string, test: Dataset) {
  const model = await resolveModel(name);
  const input = model.inputs[0]!.shape;
  const want = [test.height, test.width, test.channels];
  if (input.slice(1).some((d, i) => d !== null && d !== want[i])) {
    throw new UsageError(
      `model "${name}" expects input ${JSON.stringify(input.slice(1))}, ` +
        `the data set has ${JSON.stringify(want)}`,
    );
  }
  return model;
}

if (import.meta.main) await runCli(main);
