/**
 * Layer settings the graph IR does not carry but training needs: batch-norm momentum and
 * dropout rate/seed, read from a LayersModel.
 *
 * @module
 */
import type { tf } from "../backend.ts";
import type { Graph } from "../models/ir.ts";

/** Keras' default batch-norm momentum (`moving = m·moving + (1 − m)·batch`). */
export const DEFAULT_BN_MOMENTUM = 0.99;

/** Dropout setting of one layer. */
export interface DropoutSetting {
  readonly rate: number;
  /** Seed of the mask (as the Keras layer's `seed`); absent: tfjs' global random. */
  readonly seed?: number;
}

/** Training-only settings, by layer name. */
export interface ExecSettings {
  /** Momentum per batch-norm layer. */
  readonly bnMomentum: Readonly<Record<string, number>>;
  /** Rate (and seed) per dropout layer. */
  readonly dropout: Readonly<Record<string, DropoutSetting>>;
}

/**
 * Reads batch-norm momenta and dropout rates/seeds from a LayersModel.
 *
 * @example
 * ```ts
 * import { initBackend } from "../backend.ts";
 * import { buildZooModel } from "../models/zoo.ts";
 * import { execSettingsFromLayersModel } from "./settings.ts";
 * await initBackend("cpu");
 * const s = execSettingsFromLayersModel(buildZooModel("resnet8"));
 * console.assert(s.bnMomentum.bn1 === 0.9);
 * ```
 */
export function execSettingsFromLayersModel(model: tf.LayersModel): ExecSettings {
  const bnMomentum: Record<string, number> = {};
  const dropout: Record<string, DropoutSetting> = {};
  for (const layer of model.layers) {
    const c = layer.getConfig() as Record<string, unknown>;
    const cls = layer.getClassName();
    if (cls === "BatchNormalization") {
      bnMomentum[layer.name] = (c.momentum as number | undefined) ?? DEFAULT_BN_MOMENTUM;
    } else if (cls === "Dropout") {
      const seed = c.seed as number | undefined;
      dropout[layer.name] = seed === undefined || seed === null
        ? { rate: c.rate as number }
        : { rate: c.rate as number, seed };
    }
  }
  return { bnMomentum, dropout };
}

/**
 * Training-mode settings with every dropout layer of `graph` at rate 0 and Keras' default
 * batch-norm momenta: batch statistics without random masks (recalibration, loss probes,
 * and training loops given no settings).
 *
 * @example
 * ```ts
 * import { noDropoutSettings } from "./settings.ts";
 * import type { Graph } from "../models/ir.ts";
 * const graph: Graph = {
 *   name: "g",
 *   output: "drop",
 *   nodes: [
 *     { name: "in", op: "input", inputs: [], outShape: [4] },
 *     { name: "drop", op: "dropout", inputs: ["in"], outShape: [4] },
 *   ],
 * };
 * console.assert(noDropoutSettings(graph).dropout.drop!.rate === 0);
 * ```
 */
export function noDropoutSettings(graph: Graph): ExecSettings {
  const dropout = Object.fromEntries(
    graph.nodes.filter((n) => n.op === "dropout").map((n) => [n.name, { rate: 0 }]),
  );
  return { bnMomentum: {}, dropout };
}
