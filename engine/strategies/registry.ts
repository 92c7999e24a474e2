/**
 * The strategy registry: name -> factory. Every registered strategy passes the conformance
 * suite (tests/engine/strategies/conformance_test.ts). The gradient strategy `dnas` joins
 * here with the same `Strategy` interface (async `run`, progress callback, seed, and
 * `ctx.resources` for the graph, profile and an accuracy evaluator).
 *
 * @module
 */
import { dnasStrategy } from "./dnas.ts";
import { evolutionStrategy } from "./evolution.ts";
import { exhaustiveStrategy } from "./exhaustive.ts";
import { mckpStrategy } from "./mckp.ts";
import { randomStrategy } from "./random.ts";
import type { Strategy, StrategyFactory } from "./types.ts";

/** Registered strategies by name. */
export const STRATEGIES: Readonly<Record<string, StrategyFactory>> = Object.freeze({
  mckp: mckpStrategy,
  evolution: evolutionStrategy,
  random: randomStrategy,
  exhaustive: exhaustiveStrategy,
  dnas: dnasStrategy,
});

/** Names of the registered strategies. */
export const STRATEGY_NAMES: readonly string[] = Object.keys(STRATEGIES);

/**
 * Creates a registered strategy; RangeError naming the unknown name and the known ones.
 *
 * @example
 * ```ts
 * import { createStrategy } from "./registry.ts";
 * const s = createStrategy("mckp");
 * console.log(s.name); // "mckp"
 * ```
 */
export function createStrategy(
  name: string,
  options?: Readonly<Record<string, unknown>>,
): Strategy {
  const factory = Object.hasOwn(STRATEGIES, name) ? STRATEGIES[name] : undefined;
  if (!factory) {
    throw new RangeError(`Unknown strategy "${name}" (known: ${STRATEGY_NAMES.join(", ")})`);
  }
  return factory(options);
}
