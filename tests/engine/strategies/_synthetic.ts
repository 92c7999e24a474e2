/**
 * Random small search problems for the strategy tests: up to 6 layers with 4-6 options,
 * width groups shared by several layers, input widths coupled to an earlier layer's width,
 * weightless ops, and a memory model whose live tensors span several steps (peak SRAM is a
 * max over steps). Graph-free; every number comes from a seeded Rng.
 *
 * @module
 */
import type { CostKind, CostTable } from "../../../engine/cost/table.ts";
import { createRng, type Rng } from "../../../engine/rng.ts";
import { assembleSpace, type SpaceLayerSpec } from "../../../engine/space/assemble.ts";
import type { MemoryTensor } from "../../../engine/space/memory.ts";
import type { SearchProblem } from "../../../engine/strategies/types.ts";

const KINDS: readonly CostKind[] = ["latency", "energy", "flash", "bops"];
const PAIRS = [{ w: 8, a: 8 }, { w: 4, a: 8 }, { w: 4, a: 4 }, { w: 8, a: 16 }];

/** A random problem; same seed, same problem. */
export function syntheticProblem(seed: number, o: { layers?: number } = {}): SearchProblem {
  const rng = createRng(seed);
  const n = o.layers ?? 3 + rng.int(4);
  const layers: SpaceLayerSpec[] = [];
  for (let l = 0; l < n; l++) {
    const free = l < n - 1 && rng.next() < 0.7;
    const widths = free ? [0.5, 1] : [1];
    const nPairs = free ? 2 + rng.int(2) : 4;
    const pairs = pick(PAIRS, Math.min(nPairs, 4), rng);
    // Share the group of an earlier free layer now and then (a residual add).
    const earlier = layers.filter((x) => x.group !== undefined);
    const group = !free
      ? undefined
      : earlier.length > 0 && rng.next() < 0.4
      ? earlier[rng.int(earlier.length)]!.group
      : `g${l}`;
    layers.push({ name: `L${l}`, op: "conv2d", pairs, widths, ...(group ? { group } : {}) });
  }
  const space = assembleSpace({ layers });
  const nw = space.widths.map((w) => w.length);
  const source = Int32Array.from({ length: n }, (_, l) => {
    const cands = [...Array(l).keys()].filter((s) => nw[s]! > 1);
    return cands.length > 0 && rng.next() < 0.8 ? cands[rng.int(cands.length)]! : -1;
  });
  const cols = (l: number) => (source[l]! < 0 ? 1 : nw[source[l]!]!);
  const costs = {} as Record<CostKind, Float64Array[]>;
  for (const k of KINDS) {
    costs[k] = space.options.map((opts, l) =>
      Float64Array.from({ length: opts.length * cols(l) }, () => Math.round(1 + rng.next() * 99))
    );
  }
  const ops = [0, 1].map(() => {
    const s = source[rng.int(n)]!;
    const values = {} as Record<CostKind, Float64Array>;
    for (const k of KINDS) {
      values[k] = Float64Array.from({ length: s < 0 ? 1 : nw[s]! }, () => rng.int(20));
    }
    return { source: s, values };
  });
  const table: CostTable = {
    layers: space.layers,
    options: space.options,
    source,
    widthIndex: space.options.map((opts, l) => Int32Array.from(opts, (_, i) => i % nw[l]!)),
    widthCount: nw,
    costs,
    ops,
    hasEnergy: true,
  };
  const steps = n + 2;
  const tensors: MemoryTensor[] = [];
  for (let t = 0; t < n + 2; t++) {
    const born = rng.int(steps);
    const s = rng.next() < 0.7 ? rng.int(n) : -1;
    const src = s >= 0 && nw[s]! > 1 ? s : -1;
    const base = 50 + rng.int(400);
    tensors.push({
      source: src,
      elems: src < 0 ? Float64Array.of(base) : Float64Array.of(base / 2, base),
      readers: Int32Array.from(new Set([rng.int(n), rng.int(n)])),
      fixedBits: t === 0 ? 8 : 0,
      born,
      death: Math.min(steps - 1, born + rng.int(3)),
    });
  }
  const values = space.options.map((opts) => Float64Array.from(opts, () => rng.next()));
  return { space, table, memory: { steps, tensors }, values };
}

function pick<T>(xs: readonly T[], k: number, rng: Rng): T[] {
  const pool = [...xs];
  const out: T[] = [];
  while (out.length < k && pool.length > 0) out.push(pool.splice(rng.int(pool.length), 1)[0]!);
  return out;
}
