/**
 * Thin loaders of the files named on a command line, for the CLIs: a problem with a file
 * becomes a {@linkcode UsageError} naming the flag and the file (exit code 2, one line).
 *
 * @module
 */
import { type Configuration, parseConfiguration } from "../engine/cost/config.ts";
import { ProfileError } from "../engine/profile/errors.ts";
import { loadProfile } from "../engine/profile/load.ts";
import type { HardwareProfile } from "../engine/profile/types.ts";
import { oneLine as joinLines, UsageError } from "./args.ts";

const oneLine = (e: unknown) => joinLines((e as Error).message);

/** The JSON of `--config FILE`, or a {@linkcode UsageError} naming the file. */
async function readConfigJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    throw new UsageError(`cannot read --config ${path}: ${oneLine(e)}`, { cause: e });
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`--config ${path} is not JSON: ${oneLine(e)}`, { cause: e });
  }
}

function configOf(json: unknown, path: string): Configuration {
  try {
    return parseConfiguration(json);
  } catch (e) {
    throw new UsageError(`--config ${path}: ${oneLine(e)}`, { cause: e });
  }
}

/**
 * Reads `--config FILE`: a configuration `{layers: {...}}` or a search's `result.json`.
 *
 * @example
 * ```ts ignore
 * const config = await readConfigFile("runs/r1/result.json");
 * ```
 */
export async function readConfigFile(path: string): Promise<Configuration> {
  return configOf(await readConfigJson(path), path);
}

/** How a search made its answer: what `export` needs to make the same model. */
export interface SearchOrigin {
  readonly model: string;
  readonly profile: string;
  readonly seed: number;
  readonly dataFree: boolean;
  /** Fine-tuning steps behind the chosen accuracy (absent in results before 2026-11-29). */
  readonly finetuneSteps?: number;
}

/**
 * Reads `--config FILE` like {@linkcode readConfigFile}, and, when FILE is a search's
 * `result.json` (naming its model, profile and seed), how that search made its answer.
 *
 * @example
 * ```ts ignore
 * const { config, origin } = await readConfigSource("runs/r1/result.json");
 * ```
 */
export async function readConfigSource(
  path: string,
): Promise<{ config: Configuration; origin?: SearchOrigin }> {
  const raw = await readConfigJson(path);
  const config = configOf(raw, path); // an object from here on
  const json = raw as Record<string, unknown>;
  if (json.format !== "tailor-result/v1") return { config };
  const chosen = (json.chosen ?? {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === "string" ? v : undefined);
  const int = (v: unknown) => (Number.isInteger(v) && (v as number) >= 0 ? v as number : undefined);
  const model = str(json.model), profile = str(json.profile), seed = int(json.seed);
  // A result without them says nothing of how it was made: its layers alone are used.
  if (model === undefined || profile === undefined || seed === undefined) return { config };
  const steps = int(chosen.finetuneSteps);
  return {
    config,
    origin: {
      model,
      profile,
      seed,
      dataFree: json.dataFree === true,
      ...(steps === undefined ? {} : { finetuneSteps: steps }),
    },
  };
}

/**
 * Loads `--profile NAME|FILE`; a missing or invalid profile names every issue on one line.
 *
 * @example
 * ```ts ignore
 * const profile = await readProfileFlag("cortex-m7-stm32h743");
 * ```
 */
export async function readProfileFlag(nameOrPath: string): Promise<HardwareProfile> {
  try {
    return await loadProfile(nameOrPath);
  } catch (e) {
    if (!(e instanceof ProfileError || e instanceof RangeError)) throw e;
    throw new UsageError(`--profile ${nameOrPath}: ${oneLine(e)}`, { cause: e });
  }
}
