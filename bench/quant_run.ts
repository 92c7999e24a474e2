/**
 * Runs chosen models and modes of the `quant` suite and prints its records as JSON
 * (`deno task bench --suite quant` runs every mode; this runs one figure at a time):
 *
 * ```sh
 * deno run -A bench/quant_run.ts --models resnet8 --modes prune-l1-half [--criterion l1]
 *   [--allocation uniform|global|global-macs|sensitivity] [--no-distill] [--dropout | --no-dropout] [--flip | --no-flip] [--ema 0.998] [--bandwidth 0.1] [--lr 0.003] [--optimizer adam|sgd-nesterov] [--batch 64]
 *   [--alpha 0.9] [--temperature 4] [--label-smoothing 0.1] [--stages 2] [--soft 0.5]
 *   [--fade 0.75] [--min-keep 0.5] [--reconstruct 512] [--compensate] [--final-recalibration 4096] [--finetune-seed 1] [--criterion-batches 16]
 *   [--keep-whole conv1,block1_pw] [--feature-distill 1] [--feature-layers relu1,block1_pw_relu]
 *   [--qat-lr 2e-4] [--qat-weights minmax|mse] [--qat-alpha 0.5] [--qat-temperature 2]
 *   [--qat-flip | --no-qat-flip] [--qat-freeze-bn 0.8] [--qat-lsq | --no-qat-lsq] [--qat-seed 0]
 *   [--finetune-epochs 1] [--validation 5000] [--test-limit N] [--train-limit N] [--json FILE]
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import { benchQuant, QUANT_MODES, type QuantBenchOptions, type QuantMode } from "./quant.ts";
import type { PruneBenchOptions } from "./quant_prune.ts";
import { FINETUNE_OPTIMIZERS, type FineTuneOptimizer } from "../engine/prune/finetune.ts";
import { QAT_FLAGS, qatRecipeFromFlags, toggle } from "./quant_run_qat.ts";

function num(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) {
    throw new RangeError(`--${name} must be a positive number, got "${v}"`);
  }
  return n;
}

/** A count that may be 0 (a seed, a number of epochs). */
function seed(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) {
    throw new RangeError(`--${name} must be an integer >= 0, got "${v}"`);
  }
  return n;
}

/**
 * The options of {@linkcode benchQuant} that `args` ask for (log excluded). Throws a
 * RangeError naming the flag for a bad value, a TypeError for an unknown flag.
 */
export function quantCliOptions(
  args: readonly string[],
): Omit<QuantBenchOptions, "log"> & { json?: string } {
  const { values } = parseArgs({
    args: [...args],
    options: {
      models: { type: "string" },
      modes: { type: "string" },
      criterion: { type: "string" },
      allocation: { type: "string" },
      "no-distill": { type: "boolean" },
      dropout: { type: "boolean" },
      "no-dropout": { type: "boolean" },
      flip: { type: "boolean" },
      "no-flip": { type: "boolean" },
      ema: { type: "string" },
      bandwidth: { type: "string" },
      lr: { type: "string" },
      optimizer: { type: "string" },
      batch: { type: "string" },
      alpha: { type: "string" },
      temperature: { type: "string" },
      "label-smoothing": { type: "string" },
      stages: { type: "string" },
      soft: { type: "string" },
      fade: { type: "string" },
      "min-keep": { type: "string" },
      reconstruct: { type: "string" },
      compensate: { type: "boolean" },
      "final-recalibration": { type: "string" },
      "finetune-seed": { type: "string" },
      "criterion-batches": { type: "string" },
      "keep-whole": { type: "string" },
      "feature-distill": { type: "string" },
      "feature-layers": { type: "string" },
      ...QAT_FLAGS,
      "finetune-epochs": { type: "string" },
      validation: { type: "string" },
      "test-limit": { type: "string" },
      "train-limit": { type: "string" },
      json: { type: "string" },
    },
    strict: true,
  });
  const modes = values.modes?.split(",") as QuantMode[] | undefined;
  for (const m of modes ?? []) {
    if (!(m in QUANT_MODES)) {
      throw new RangeError(`Cannot run mode "${m}": expected ${Object.keys(QUANT_MODES)}`);
    }
  }
  const allocation = values.allocation as PruneBenchOptions["allocation"] | undefined;
  if (
    allocation !== undefined &&
    !["uniform", "global", "global-macs", "sensitivity"].includes(allocation)
  ) {
    throw new RangeError(
      `Cannot allocate "${allocation}": expected uniform, global, global-macs or sensitivity`,
    );
  }
  const bandwidth = num("bandwidth", values.bandwidth), lr = num("lr", values.lr);
  const batchSize = num("batch", values.batch);
  const distillAlpha = num("alpha", values.alpha);
  const distillTemperature = num("temperature", values.temperature);
  const labelSmoothing = num("label-smoothing", values["label-smoothing"]);
  const soft = num("soft", values.soft), fade = num("fade", values.fade);
  const stages = num("stages", values.stages), minKeep = num("min-keep", values["min-keep"]);
  const reconstruct = num("reconstruct", values.reconstruct);
  const finalRecalibration = num("final-recalibration", values["final-recalibration"]);
  const finetuneSeed = seed("finetune-seed", values["finetune-seed"]);
  const dropout = toggle(values.dropout, values["no-dropout"], "dropout");
  const flip = toggle(values.flip, values["no-flip"], "flip");
  const ema = num("ema", values.ema);
  if (ema !== undefined && ema >= 1) {
    throw new RangeError(`--ema must be a decay in (0, 1), got "${values.ema}"`);
  }
  const optimizer = values.optimizer;
  if (
    optimizer !== undefined && !(FINETUNE_OPTIMIZERS as readonly string[]).includes(optimizer)
  ) {
    throw new RangeError(
      `--optimizer must be ${FINETUNE_OPTIMIZERS.join(" or ")}, got "${optimizer}"`,
    );
  }
  const criterionBatches = num("criterion-batches", values["criterion-batches"]);
  // 0 turns off the feature term of prune-l1-half.
  const featureDistill = values["feature-distill"] === "0"
    ? 0
    : num("feature-distill", values["feature-distill"]);
  const prune: PruneBenchOptions = {
    ...(values.criterion ? { criterion: values.criterion } : {}),
    ...(allocation ? { allocation } : {}),
    ...(values["no-distill"] ? { distill: false } : {}),
    ...("on" in dropout ? { dropout: dropout.on } : {}),
    ...("on" in flip ? { flip: flip.on } : {}),
    ...(ema === undefined ? {} : { ema }),
    ...(optimizer === undefined ? {} : { optimizer: optimizer as FineTuneOptimizer }),
    ...(bandwidth ? { bandwidth } : {}),
    ...(batchSize ? { batchSize } : {}),
    ...(distillAlpha ? { distillAlpha } : {}),
    ...(distillTemperature ? { distillTemperature } : {}),
    ...(labelSmoothing ? { labelSmoothing } : {}),
    ...(stages ? { stages } : {}),
    ...(soft ? { soft } : {}),
    ...(fade ? { fade } : {}),
    ...(minKeep ? { minKeep } : {}),
    ...(reconstruct ? { reconstruct } : {}),
    ...(values.compensate ? { compensate: true } : {}),
    ...(finalRecalibration ? { finalRecalibration } : {}),
    ...(finetuneSeed === undefined ? {} : { finetuneSeed }),
    ...(criterionBatches ? { criterionBatches } : {}),
    ...(values["keep-whole"] ? { keepWhole: values["keep-whole"].split(",") } : {}),
    ...(featureDistill === undefined ? {} : { featureDistill }),
    ...(values["feature-layers"] ? { featureLayers: values["feature-layers"].split(",") } : {}),
  };
  const testLimit = num("test-limit", values["test-limit"]);
  const trainLimit = num("train-limit", values["train-limit"]);
  const finetuneEpochs = seed("finetune-epochs", values["finetune-epochs"]);
  const validation = seed("validation", values.validation);
  return {
    ...(values.models ? { models: values.models.split(",") } : {}),
    ...(modes ? { modes } : {}),
    ...(testLimit ? { testLimit } : {}),
    ...(trainLimit ? { trainLimit } : {}),
    ...(finetuneEpochs === undefined ? {} : { finetuneEpochs }),
    ...(validation ? { validation } : {}),
    ...(lr ? { finetuneLr: lr } : {}),
    prune,
    qat: qatRecipeFromFlags(values),
    ...(values.json ? { json: values.json } : {}),
  };
}

/**
 * Parses the arguments, runs, prints the records; returns the exit code (0 every record
 * measured, 1 a record failed, 2 bad arguments, said on stderr).
 */
export async function runQuantCli(args: readonly string[]): Promise<number> {
  let options;
  try {
    options = quantCliOptions(args);
  } catch (e) {
    if (!(e instanceof RangeError || e instanceof TypeError)) throw e;
    console.error(`quant_run: ${e.message}`);
    return 2;
  }
  const { json, ...bench } = options;
  const records = await benchQuant({ ...bench, log: (line) => console.error(line) });
  const text = JSON.stringify(records, null, 2);
  if (json) await Deno.writeTextFile(json, text + "\n");
  console.log(text);
  return records.some((r) => r.value === null) ? 1 : 0;
}

if (import.meta.main) Deno.exit(await runQuantCli(Deno.args));
