/**
 * The parts of a search every actor can rebuild cheaply and identically from a spec: the
 * graph, the hardware profile, the search space and the budgets. No data, no training.
 *
 * @module
 */
import { type Budget, budgetPoints } from "../cost/budget.ts";
import type { LayerChoice } from "../cost/config.ts";
import { graphFromLayersModel } from "../models/from_layers.ts";
import type { Graph } from "../models/ir.ts";
import { resolveModel } from "../models/load.ts";
import { loadProfile } from "../profile/load.ts";
import { hasEnergy } from "../profile/lookup.ts";
import type { HardwareProfile } from "../profile/types.ts";
import { buildSearchSpace, type SearchSpace } from "../space.ts";
import { choiceOfConfiguration } from "../space/genes.ts";
import { buildProblem } from "../strategies/problem.ts";
import { candidateOf } from "../strategies/evaluate.ts";
import type { Candidate, SearchProblem } from "../strategies/types.ts";
import { type SearchSpec, specBudgets } from "./spec.ts";

/** Graph, profile, space and budgets of a spec. */
export interface SearchStatic {
  readonly graph: Graph;
  readonly profile: HardwareProfile;
  readonly space: SearchSpace;
  readonly budgets: readonly Budget[];
  /** One budget list per point (`latency=2ms,4ms` gives two points). */
  readonly points: readonly (readonly Budget[])[];
}

/**
 * Loads the static parts of a search (the model's topology, the profile). Throws a
 * RangeError for an energy budget on a profile without an energy model.
 */
export async function loadSearchStatic(spec: SearchSpec): Promise<SearchStatic> {
  const budgets = specBudgets(spec);
  const profile = await loadProfile(spec.profile);
  if (budgets.some((b) => b.kind === "energy") && !hasEnergy(profile)) {
    throw new RangeError(
      `Cannot search under an energy budget: profile "${profile.name}" has no energy model ` +
        `(give it an "energy" section, or budget latency, sram or flash instead)`,
    );
  }
  const model = await resolveModel(spec.model);
  const graph = graphFromLayersModel(model);
  model.dispose();
  const space = buildSearchSpace(graph, profile);
  return { graph, profile, space, budgets, points: budgetPoints(budgets) };
}

/** The strategies' problem for `values` (one array per space layer). */
export function problemOf(s: SearchStatic, values: readonly ArrayLike<number>[]): SearchProblem {
  return buildProblem(s.graph, s.profile, {
    space: s.space,
    values: values.map((v) => Float64Array.from(v)),
  });
}

/**
 * Uniform configurations: every layer at the same bit pair and width, for every pair that
 * every layer supports and every width. Evaluated exactly under `budgets`.
 */
export function uniformCandidates(
  s: SearchStatic,
  problem: SearchProblem,
  budgets: readonly Budget[],
): Candidate[] {
  const out: Candidate[] = [];
  const pairs = s.space.pairs[0] ?? [];
  const widths = [...new Set(s.space.widths.flat())];
  for (const pair of pairs) {
    if (!s.space.pairs.every((ps) => ps.some((p) => p.w === pair.w && p.a === pair.a))) continue;
    for (const width of widths) {
      const layers: Record<string, LayerChoice> = {};
      s.space.layers.forEach((name, l) => {
        const ws = s.space.widths[l]!;
        const w = ws.includes(width)
          ? width
          : ws.reduce((a, b) => (Math.abs(b - width) < Math.abs(a - width) ? b : a));
        layers[name] = { wbits: pair.w, abits: pair.a, width: w };
      });
      let choice: Int32Array;
      try {
        choice = choiceOfConfiguration(s.space, { layers });
      } catch {
        continue; // this uniform width is not valid for some group
      }
      out.push(candidateOf(problem, choice, budgets));
    }
  }
  const seen = new Set<string>();
  return out.filter((c) => {
    const k = c.choice.join(",");
    return seen.has(k) ? false : (seen.add(k), true);
  });
}
