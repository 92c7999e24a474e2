/**
 * `search`: the targets of the hardware-aware search (issue 5): `mckp` equals the
 * exhaustive optimum on cnn-s; `dnas`'s choice vs the best feasible configuration measured
 * exhaustively (bits-only space); mixed vs best uniform precision on resnet8 at a tight
 * Cortex-M7 latency budget; data-free vs data-driven search; and the wall time of the
 * default `deno task search`. Slow (tens of minutes): not part of `--suite all`.
 *
 * The cases use the zoo models. `TAILOR_BENCH_MODELS=cnn-s=DIR,resnet8=DIR` substitutes
 * other trained models of the same architectures (the timed default search then gets
 * `--model DIR` for resnet8); records name the model they used.
 * `TAILOR_BENCH_SEARCH='{"finetuneSteps":30,"testLimit":2000}'` shrinks the resnet8 cases
 * (keys: `finetuneSteps`, `testLimit`, `fraction`); records carry the settings used.
 *
 * @module
 */
import type { Suite } from "../suite.ts";

/** Environment variable naming substitute models: `cnn-s=DIR,resnet8=DIR`. */
export const MODELS_ENV = "TAILOR_BENCH_MODELS";

/** Parses `cnn-s=DIR,resnet8=DIR` (RangeError naming a malformed item). */
export function parseModelsEnv(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of (text ?? "").split(",").map((s) => s.trim()).filter(Boolean)) {
    const eq = item.indexOf("=");
    if (eq <= 0 || eq === item.length - 1) {
      throw new RangeError(`${MODELS_ENV}: expected NAME=DIR, got "${item}"`);
    }
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

/** Environment variable with JSON settings of the resnet8 cases. */
export const SETTINGS_ENV = "TAILOR_BENCH_SEARCH";

/** Parses the resnet8 settings (TypeError naming an unknown key or a bad value). */
export function parseSettingsEnv(
  text: string | undefined,
): { finetuneSteps?: number; testLimit?: number; fraction?: number } {
  if (!text) return {};
  const raw = JSON.parse(text) as Record<string, unknown>;
  for (const [k, v] of Object.entries(raw)) {
    if (!["finetuneSteps", "testLimit", "fraction"].includes(k)) {
      throw new TypeError(`${SETTINGS_ENV}: unknown key "${k}"`);
    }
    if (typeof v !== "number" || !(v >= 0)) {
      throw new TypeError(`${SETTINGS_ENV}: "${k}" must be a number >= 0, got ${v}`);
    }
  }
  return raw as { finetuneSteps?: number; testLimit?: number; fraction?: number };
}

/** The search suite. */
export const searchSuite: Suite = {
  name: "search",
  description: "mckp exactness, dnas vs exhaustive best, mixed vs uniform, data-free, " +
    "default search time (slow; --models selects cases, e.g. cnn-s/mckp-exact)",
  inAll: false,
  async checkCases(cases) {
    const { checkSearchCases } = await import("../search/run.ts");
    checkSearchCases(cases);
  },
  async run(options) {
    const { benchSearch } = await import("../search/run.ts");
    const models = parseModelsEnv(Deno.env.get(MODELS_ENV));
    const resnet8 = parseSettingsEnv(Deno.env.get(SETTINGS_ENV));
    if (Object.keys(models).length > 0) {
      options.log(`search: models from ${MODELS_ENV}: ${JSON.stringify(models)}`);
    }
    if (Object.keys(resnet8).length > 0) {
      options.log(`search: resnet8 settings from ${SETTINGS_ENV}: ${JSON.stringify(resnet8)}`);
    }
    return await benchSearch({
      log: options.log,
      models,
      resnet8,
      ...(models.resnet8 ? { defaultSearchFlags: ["--model", models.resnet8] } : {}),
      ...(options.cases ? { cases: options.cases } : {}),
      ...(options.reps === undefined ? {} : { reps: options.reps }),
    });
  },
};
