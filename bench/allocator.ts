/**
 * The C allocator settings that benchmarks run under, ours and the peers'.
 *
 * glibc's `malloc` serves blocks of 128 KiB and more with a fresh `mmap` and unmaps them on
 * `free`, so every large buffer (a 4 MiB message frame, a PyTorch activation) is zero-filled
 * page by page on first touch, each page a fault. On this VM a fault costs about 13 µs: a
 * fresh 4 MiB `Uint8Array` took 13 ms to fill where a reused one took 0.4 ms, and PyTorch's
 * resnet8 training step spent 119 ms instead of 46 (542k minor faults against 81k). Raising
 * the mmap and trim thresholds keeps freed blocks in the heap for reuse, which is how a
 * long-lived process on a machine with cheap faults behaves anyway.
 *
 * The `deno task` entries set {@linkcode TUNED_MALLOC_ENV} for our processes (and, by
 * inheritance, for everything they spawn); benchmark peers are always started with it, so that
 * no peer is slowed by page faults that a one-line setting removes.
 *
 * @module
 */

/** The glibc tunables of every task and peer process (bytes, as strings for an environment). */
export const TUNED_MALLOC_ENV: Readonly<Record<string, string>> = {
  // Blocks below 128 MiB come from the heap, not from a fresh mapping.
  MALLOC_MMAP_THRESHOLD_: "134217728",
  // Up to 256 MiB of free heap top stays mapped instead of going back to the kernel.
  MALLOC_TRIM_THRESHOLD_: "268435456",
};

/** How the running process's allocator is set: `tuned` when it has every tuned value. */
export type AllocatorSetting = "tuned" | "default";

/**
 * The allocator setting of a process with this environment.
 *
 * @example
 * ```ts
 * import { allocatorSetting, TUNED_MALLOC_ENV } from "./allocator.ts";
 * console.assert(allocatorSetting((k) => TUNED_MALLOC_ENV[k]) === "tuned");
 * console.assert(allocatorSetting(() => undefined) === "default");
 * ```
 */
export function allocatorSetting(
  get: (name: string) => string | undefined = (name) => Deno.env.get(name),
): AllocatorSetting {
  const tuned = Object.entries(TUNED_MALLOC_ENV).every(([k, v]) => get(k) === v);
  return tuned ? "tuned" : "default";
}
