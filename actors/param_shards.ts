/**
 * Deterministic assignment of named parameters to parameter-server shards, so every server
 * and every worker that computes it gets the same answer: greedy by size (largest first,
 * ties by name) onto the least loaded shard (ties to the lowest index).
 *
 * @module
 */

/** A parameter's shape, by name. */
export type ShapeMap = Readonly<Record<string, readonly number[]>>;

function elements(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Splits the names of `shapes` over `shards` shards. Returns one name list per shard, each
 * in name order. A shard may be empty when there are fewer parameters than shards.
 *
 * @example
 * ```ts
 * import { assignShards } from "./param_shards.ts";
 * const s = assignShards({ a: [100], b: [60], c: [50] }, 2);
 * console.assert(s[0]!.join() === "a" && s[1]!.join() === "b,c");
 * ```
 */
export function assignShards(shapes: ShapeMap, shards: number): string[][] {
  if (!Number.isInteger(shards) || shards < 1) {
    throw new RangeError(`Cannot assign parameters to ${shards} shards: use an integer >= 1`);
  }
  const names = Object.keys(shapes).sort((a, b) => {
    const d = elements(shapes[b]!) - elements(shapes[a]!);
    return d !== 0 ? d : a < b ? -1 : a > b ? 1 : 0;
  });
  const load = new Array<number>(shards).fill(0);
  const out: string[][] = Array.from({ length: shards }, () => []);
  for (const name of names) {
    let best = 0;
    for (let s = 1; s < shards; s++) if (load[s]! < load[best]!) best = s;
    out[best]!.push(name);
    load[best]! += elements(shapes[name]!);
  }
  for (const list of out) list.sort();
  return out;
}

/** The shard of each name, from the lists `assignShards` returns. */
export function shardIndex(assignment: readonly (readonly string[])[]): Map<string, number> {
  const out = new Map<string, number>();
  assignment.forEach((names, shard) => {
    for (const n of names) out.set(n, shard);
  });
  return out;
}
