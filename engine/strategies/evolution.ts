/**
 * `evolution`: NSGA-II over gene vectors (one width gene per width group, one bits gene per
 * layer), objectives (value, each budgeted cost), Deb's constrained domination for the
 * budgets. Binary tournament by (rank, crowding), uniform crossover, mutation of each gene
 * with probability 1/L, duplicate genomes rejected, elitist survival. The first population
 * holds one feasible anchor (the first configuration an exact search finds) and random
 * genomes. Returns the front of every feasible configuration evaluated and the best one.
 *
 * @module
 */
import { createRng, type Rng } from "../rng.ts";
import { choiceOfGenes, genesOfChoice, randomGenes } from "../space/genes.ts";
import type { SearchSpace } from "../space/assemble.ts";
import { candidateOf, costOfKind } from "./evaluate.ts";
import { feasibleAnchor } from "./feasibility.ts";
import { byCrowdDesc, rankAndCrowd, type RankedPoint, survivors } from "./nsga2.ts";
import { bestFeasible, checkOptionKeys, clockOf, intOption, resultOf } from "./_result.ts";
import type { Candidate, Strategy, StrategyContext, StrategyResult } from "./types.ts";

/** Default population size. @default 48 */
export const EVOLUTION_POPULATION = 48;
/** Default number of generations. @default 60 */
export const EVOLUTION_GENERATIONS = 60;

interface Member extends RankedPoint {
  readonly genes: Int32Array;
  readonly candidate: Candidate;
}

/**
 * Creates the `evolution` strategy. Options: `population`, `generations` (positive integers).
 *
 * @example
 * ```ts ignore
 * const r = await evolutionStrategy({ generations: 40 }).run({ problem, budgets, seed: 1 });
 * console.log(r.front.length, r.chosen.value);
 * ```
 */
export function evolutionStrategy(options?: Readonly<Record<string, unknown>>): Strategy {
  checkOptionKeys("evolution", options, ["population", "generations"]);
  const size = intOption(options, "population", EVOLUTION_POPULATION);
  const generations = intOption(options, "generations", EVOLUTION_GENERATIONS);
  return {
    name: "evolution",
    run(ctx: StrategyContext): Promise<StrategyResult> {
      return new Promise((resolve) => resolve(search(ctx)));
    },
  };
  function search(ctx: StrategyContext): StrategyResult {
    const now = clockOf(ctx);
    const t0 = now();
    const { problem, budgets } = ctx;
    const space = problem.space;
    const rng = createRng(ctx.seed);
    const archive = new Map<string, Member>();
    const member = (genes: Int32Array): Member => {
      const key = genesKey(genes);
      const hit = archive.get(key);
      if (hit) return hit;
      const candidate = candidateOf(problem, choiceOfGenes(space, genes), budgets);
      const objectives = [
        candidate.value,
        ...(budgets.length > 0 ? budgets : [{ kind: "latency" as const }]).map((b) =>
          costOfKind(candidate.costs, b.kind)
        ),
      ];
      const m = { genes, candidate, objectives, violation: candidate.violation };
      archive.set(key, m);
      return m;
    };
    const anchor = feasibleAnchor(problem, budgets);
    let pop: Member[] = [member(genesOfChoice(space, anchor))];
    const inPop = new Set(pop.map((m) => genesKey(m.genes)));
    for (let tries = 0; pop.length < size && tries < size * 20; tries++) {
      const g = randomGenes(space, rng);
      if (inPop.has(genesKey(g))) continue;
      inPop.add(genesKey(g));
      pop.push(member(g));
    }
    let stopped = false;
    for (let gen = 0; gen < generations; gen++) {
      if (ctx.signal?.aborted) {
        stopped = true;
        break;
      }
      const { rank, crowd } = rankAndCrowd(pop);
      const pick = (): Member => {
        const a = rng.int(pop.length), b = rng.int(pop.length);
        const better = rank[a]! < rank[b]! ||
          (rank[a] === rank[b] && byCrowdDesc(crowd[a]!, crowd[b]!) <= 0);
        return pop[better ? a : b]!;
      };
      const seen = new Set(pop.map((m) => genesKey(m.genes)));
      const children: Member[] = [];
      for (let tries = 0; children.length < size && tries < size * 20; tries++) {
        const child = offspring(space, pick().genes, pick().genes, rng);
        const key = genesKey(child);
        if (seen.has(key)) continue;
        seen.add(key);
        children.push(member(child));
      }
      const merged = [...pop, ...children];
      pop = survivors(merged, size).map((i) => merged[i]!);
      const best = bestFeasible(pop.map((m) => m.candidate));
      ctx.onProgress?.({
        strategy: "evolution",
        phase: "generation",
        step: gen + 1,
        total: generations,
        ...(best ? { best: best.value } : {}),
      });
    }
    const candidates = [...archive.values()].map((m) => m.candidate);
    return resultOf("evolution", ctx, {
      chosen: bestFeasible(candidates)!,
      candidates,
      proven: false,
      stats: { evaluations: archive.size, timeMs: now() - t0, stopped },
    });
  }
}

/** Uniform crossover of two parents, then mutation of each gene with probability 1/L. */
function offspring(space: SearchSpace, a: Int32Array, b: Int32Array, rng: Rng): Int32Array {
  const n = a.length;
  const child = Int32Array.from(a, (x, i) => (rng.next() < 0.5 ? x : b[i]!));
  for (let i = 0; i < n; i++) {
    const s = space.genes[i]!.size;
    if (s > 1 && rng.next() < 1 / n) child[i] = (child[i]! + 1 + rng.int(s - 1)) % s;
  }
  return child;
}

function genesKey(genes: Int32Array): string {
  return genes.join(",");
}
