/**
 * Private: exact branch and bound over the layers in topological order. A node fixes the
 * options of layers 0..l-1; layer l's options are restricted to its width group's width once
 * a member fixed it. Because every layer's input width comes from an earlier layer, the
 * additive costs of the fixed layers are exact at every node. Pruning, all admissible:
 * - additive budgets: partial cost + smallest cost of the remaining layers > limit;
 * - peak SRAM: a lower bound of every step's live bytes (unfixed widths at their smallest,
 *   unfixed readers at their smallest `abits`) > limit;
 * - objective: partial value + the suffix DP bound (remaining value under the remaining
 *   budget, costs rounded down) >= incumbent.
 * Leaves are checked with the exact evaluator. With no node limit hit, the incumbent is a
 * proven optimum.
 *
 * @module
 */
import type { Budget } from "../cost/budget.ts";
import type { CostKind } from "../cost/table.ts";
import { BUDGET_TOLERANCE, costOfKind, evaluateChoice, violationOf } from "./evaluate.ts";
import { type KindTables, kindTables, minAbitsOf, suffixValueBound } from "./_tables.ts";
import type { SearchProblem } from "./types.ts";

/** Options of {@link branchAndBound}. */
export interface BnbOptions {
  /** `value` (sum of option values) or an additive cost kind to minimize. */
  readonly objective?: "value" | CostKind;
  /** Stop at the first feasible leaf. */
  readonly firstFeasible?: boolean;
  /** Node limit; when hit the result is not proven. */
  readonly nodeLimit?: number;
  /** Called every 2^16 nodes; return true to stop. */
  readonly onTick?: (nodes: number, best: number) => boolean;
}

/** Result of {@link branchAndBound}. */
export interface BnbResult {
  /** Best feasible choice, null when none was found. */
  readonly choice: Int32Array | null;
  /** Its objective (Infinity when none). */
  readonly objective: number;
  /** True when the search space was exhausted (optimum, or infeasibility, proven). */
  readonly proven: boolean;
  readonly nodes: number;
  readonly leaves: number;
}

const ADDITIVE: readonly CostKind[] = ["latency", "energy", "flash"];

/** Exact branch and bound (see the module doc). */
export function branchAndBound(
  problem: SearchProblem,
  budgets: readonly Budget[],
  options: BnbOptions = {},
): BnbResult {
  const space = problem.space;
  const n = space.layers.length;
  const objective = options.objective ?? "value";
  const limit = options.nodeLimit ?? Infinity;
  const additive = budgets.filter((b) => (ADDITIVE as readonly string[]).includes(b.kind));
  const kt = additive.map((b) => kindTables(problem, b.kind as CostKind));
  const caps = additive.map((b) => b.value * (1 + BUDGET_TOLERANCE));
  const bounds = objective === "value"
    ? kt.map((k, i) => suffixValueBound(problem, k, caps[i]!))
    : [];
  const objTable: KindTables | undefined = objective === "value"
    ? undefined
    : kindTables(problem, objective);
  const valueSuffix = new Float64Array(n + 1);
  for (let l = n - 1; l >= 0; l--) {
    valueSuffix[l] = valueSuffix[l + 1]! + Math.min(...problem.values[l]!);
  }
  const sram = budgets.find((b) => b.kind === "sram");
  const sramCap = sram ? sram.value * (1 + BUDGET_TOLERANCE) : Infinity;
  const minAbits = minAbitsOf(problem);
  const srcOf = problem.table.source;
  const nw = space.widths.map((w) => w.length);

  const choice = new Int32Array(n);
  const geneVal = new Int32Array(space.genes.length).fill(-1);
  const partial = kt.map((k) => k.base);
  let partialObj = objTable ? objTable.base : 0;
  let best = Infinity;
  let bestChoice: Int32Array | null = null;
  let nodes = 0, leaves = 0, stopped = false, done = false;

  // Only strictly better solutions (beyond rounding noise) are worth exploring.
  const cutoff = () => (best === Infinity ? Infinity : best - 1e-12 * Math.max(1, Math.abs(best)));
  const widthIdx = (s: number) => (s < 0 ? 0 : choice[s]! % nw[s]!);
  const costAt = (k: KindTables, l: number, o: number) => {
    const arr = k.cost[l]!;
    const s = srcOf[l]!;
    const cols = arr.length / space.options[l]!.length;
    return arr[o * cols + (s < 0 ? 0 : widthIdx(s))]!;
  };
  const sramBound = (depth: number): number => {
    const delta = new Float64Array(problem.memory.steps + 1);
    for (const t of problem.memory.tensors) {
      let w = 0;
      if (t.source >= 0) {
        if (t.source < depth) w = choice[t.source]! % nw[t.source]!;
        else {
          const g = space.widthGene[t.source]!;
          w = g >= 0 && geneVal[g]! >= 0 ? geneVal[g]! : 0;
        }
      }
      let bits = t.fixedBits;
      for (const r of t.readers) {
        const a = r < depth ? space.options[r]![choice[r]!]!.abits : minAbits[r]!;
        if (a > bits) bits = a;
      }
      const bytes = Math.ceil((t.elems[w]! * bits) / 8);
      delta[t.born]! += bytes;
      delta[t.death + 1]! -= bytes;
    }
    let live = 0, peak = 0;
    for (let s = 0; s < problem.memory.steps; s++) {
      live += delta[s]!;
      if (live > peak) peak = live;
    }
    return peak;
  };
  const leaf = () => {
    leaves++;
    const costs = evaluateChoice(problem, choice);
    if (violationOf(costs, budgets) > 0) return;
    let obj = 0;
    if (objective === "value") {
      for (let l = 0; l < n; l++) {
        obj += problem.values[l]![choice[l]!]!;
      }
    } else obj = costOfKind(costs, objective as "latency");
    if (obj < best) {
      best = obj;
      bestChoice = Int32Array.from(choice);
      if (options.firstFeasible) done = true;
    }
  };
  const visit = (l: number, value: number): void => {
    if (l === n) return leaf();
    const g = space.widthGene[l]!;
    const fixedW = g >= 0 ? geneVal[g]! : -1;
    const nOpt = space.options[l]!.length;
    const kids: { o: number; bound: number; costs: number[]; obj: number }[] = [];
    for (let o = 0; o < nOpt; o++) {
      if (fixedW >= 0 && o % nw[l]! !== fixedW) continue;
      const costs = kt.map((k, i) => partial[i]! + costAt(k, l, o));
      if (costs.some((c, i) => c + kt[i]!.suffix[l + 1]! > caps[i]!)) continue;
      let bound: number;
      let obj = 0;
      if (objTable) {
        obj = partialObj + costAt(objTable, l, o);
        bound = obj + objTable.suffix[l + 1]!;
      } else {
        const v = value + problem.values[l]![o]!;
        bound = v + valueSuffix[l + 1]!;
        costs.forEach((c, i) => {
          const f = bounds[i];
          if (!f) return;
          const r = Math.min(
            f[0]!.length - 1,
            Math.floor(((caps[i]! - c) * (f[0]!.length - 1)) / caps[i]! + 1e-9),
          );
          bound = Math.max(bound, v + f[l + 1]![r]!);
        });
        obj = v;
      }
      if (!(bound < cutoff())) continue;
      kids.push({ o, bound, costs, obj });
    }
    kids.sort((a, b) => a.bound - b.bound || a.o - b.o);
    const saved = partial.slice();
    const savedObj = partialObj;
    for (const kid of kids) {
      if (done || stopped) return;
      if (!(kid.bound < cutoff())) continue;
      if (++nodes > limit) {
        stopped = true;
        return;
      }
      if ((nodes & 0xffff) === 0 && options.onTick?.(nodes, best)) {
        stopped = true;
        return;
      }
      choice[l] = kid.o;
      if (g >= 0 && fixedW < 0) geneVal[g] = kid.o % nw[l]!;
      if (sram && sramBound(l + 1) > sramCap) {
        if (g >= 0 && fixedW < 0) geneVal[g] = -1;
        continue;
      }
      kid.costs.forEach((c, i) => (partial[i] = c));
      partialObj = kid.obj;
      visit(l + 1, objTable ? value : kid.obj);
      saved.forEach((c, i) => (partial[i] = c));
      partialObj = savedObj;
      if (g >= 0 && fixedW < 0) geneVal[g] = -1;
    }
  };
  visit(0, 0);
  return { choice: bestChoice, objective: best, proven: !stopped, nodes, leaves };
}
