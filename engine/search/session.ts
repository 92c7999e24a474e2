/**
 * What a worker holds for one search: the float model as graph + weights, the static parts,
 * and the data it may use (none in data-free mode except the test set, which is only read to
 * report accuracies). Loaded once per process and spec, then shared by every job.
 *
 * @module
 */
import { tf } from "../backend.ts";
import { batches } from "../data/batches.ts";
import { type Dataset, sliceDataset } from "../data/dataset.ts";
import { FASHION_MNIST_DIR, loadFashionMnist } from "../data/fashion_mnist.ts";
import { batchToTensors } from "../data/to_tensors.ts";
import { type ExecSettings, execSettingsFromLayersModel } from "../exec/settings.ts";
import { disposeWeights, type Weights, weightsFromLayersModel } from "../exec/weights.ts";
import { graphFromLayersModel } from "../models/from_layers.ts";
import { resolveModel } from "../models/load.ts";
import type { LabeledBatch } from "../prune/criteria/types.ts";
import { dataImpressions, needsImpressions } from "../quant/impressions.ts";
import type { SearchSpec } from "./spec.ts";
import { loadSearchStatic, type SearchStatic } from "./static.ts";

/** Calibration batch size. @default 128 */
export const CALIBRATION_BATCH = 128;

/** A loaded search. */
export interface SearchSession {
  readonly spec: SearchSpec;
  readonly static: SearchStatic;
  /** Float weights of `static.graph` (never modified by jobs: they clone). */
  readonly weights: Weights;
  readonly settings: ExecSettings;
  /** Training images for fine-tuning (absent when data-free). */
  readonly train?: Dataset;
  /** Calibration batches (absent when data-free). */
  readonly calibration?: readonly LabeledBatch[];
  /** Test set for reporting accuracies. */
  readonly test?: Dataset;
  /**
   * Data-free only: inputs synthesized from the float network on which the tensors no batch
   * norm describes are calibrated (`engine/quant/impressions.ts`), made on first call and
   * shared by every candidate; `undefined` with data, or when every range comes from batch
   * norms.
   */
  impressions(): readonly tf.Tensor4D[] | undefined;
  /** Releases tensors. */
  dispose(): void;
}

const sessions = new Map<string, Promise<SearchSession>>();

function keyOf(spec: SearchSpec): string {
  const { model, profile, dataDir, calibration, testLimit, dataFree, budgets } = spec;
  return JSON.stringify({ model, profile, dataDir, calibration, testLimit, dataFree, budgets });
}

async function open(spec: SearchSpec): Promise<SearchSession> {
  const st = await loadSearchStatic(spec);
  const model = await resolveModel(spec.model);
  const graph = graphFromLayersModel(model);
  const weights = weightsFromLayersModel(model, graph);
  const settings = execSettingsFromLayersModel(model);
  model.dispose();
  const dir = spec.dataDir ?? FASHION_MNIST_DIR;
  const test = await loadFashionMnist("test", {
    dir,
    ...(spec.testLimit === undefined ? {} : { limit: spec.testLimit }),
  });
  let train: Dataset | undefined;
  let calibration: LabeledBatch[] | undefined;
  if (!spec.dataFree) {
    const all = await loadFashionMnist("train", { dir });
    // The calibration set is the tail of the training set; fine-tuning reads all of it.
    train = all;
    const calib = sliceDataset(all, all.n - Math.min(spec.calibration, all.n), all.n);
    calibration = [...batches(calib, { batchSize: CALIBRATION_BATCH })].map((b) =>
      batchToTensors(b, calib)
    );
  }
  let impressions: tf.Tensor4D[] | undefined;
  return {
    spec,
    static: st,
    weights,
    settings,
    ...(train ? { train } : {}),
    ...(calibration ? { calibration } : {}),
    test,
    impressions() {
      if (!spec.dataFree || !needsImpressions(graph)) return undefined;
      impressions ??= dataImpressions(graph, weights);
      return impressions;
    },
    dispose() {
      disposeWeights(weights);
      for (const b of calibration ?? []) tf.dispose([b.x, b.y]);
      if (impressions) tf.dispose(impressions);
    },
  };
}

/** The session of `spec`, loaded on first use and cached for the process. */
export function sessionOf(spec: SearchSpec): Promise<SearchSession> {
  const key = keyOf(spec);
  let s = sessions.get(key);
  if (s === undefined) {
    s = open(spec);
    sessions.set(key, s);
    s.catch(() => sessions.delete(key));
  }
  return s;
}

/** Drops every cached session (tests, long-lived workers between runs). */
export async function closeSessions(): Promise<void> {
  const all = [...sessions.values()];
  sessions.clear();
  for (const s of all) (await s.catch(() => undefined))?.dispose();
}
