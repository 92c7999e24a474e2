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

/**
 * Reads `--config FILE`: a configuration `{layers: {...}}` or a search's `result.json`.
 *
 * @example
 * ```ts ignore
 * const config = await readConfigFile("runs/r1/result.json");
 * ```
 */
export async function readConfigFile(path: string): Promise<Configuration> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    throw new UsageError(`cannot read --config ${path}: ${oneLine(e)}`, { cause: e });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`--config ${path} is not JSON: ${oneLine(e)}`, { cause: e });
  }
  try {
    return parseConfiguration(json);
  } catch (e) {
    throw new UsageError(`--config ${path}: ${oneLine(e)}`, { cause: e });
  }
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
