/**
 * What a local profiling run records about this machine (`LocalRunFacts`): CPU model, core
 * count and clock from /proc/cpuinfo, the tfjs wasm runtime and Deno versions, the date.
 * Shared by `deno task profile` and the cost closed loop (`bench/cost_closed_loop.ts`).
 *
 * @module
 */
import { tf } from "../engine/backend.ts";
import type { LocalRunFacts } from "../engine/profile/local_run.ts";

/** CPU model and core count from /proc/cpuinfo, and its clock (Hz), when readable. */
export async function cpuInfo(): Promise<{ device: string; clockHz?: number }> {
  const cores = navigator.hardwareConcurrency;
  try {
    const text = await Deno.readTextFile("/proc/cpuinfo");
    const model = /^model name\s*:\s*(.+)$/m.exec(text)?.[1]?.trim() ?? "unknown CPU";
    const mhz = Number(/^cpu MHz\s*:\s*([\d.]+)$/m.exec(text)?.[1]);
    return {
      device: `${model} (${cores} logical cores)`,
      clockHz: mhz > 0 ? mhz * 1e6 : undefined,
    };
  } catch {
    return { device: `${Deno.build.arch} ${Deno.build.os} (${cores} logical cores)` };
  }
}

/**
 * The facts of a profiling run named `name` started by `command` (call after
 * `initBackend()`: the runtime string reads the wasm backend's flags).
 */
export async function localRunFacts(name: string, command: string): Promise<LocalRunFacts> {
  const cpu = await cpuInfo();
  const simd = tf.env().getBool("WASM_HAS_SIMD_SUPPORT") ? "SIMD" : "no SIMD";
  const threads = tf.env().getBool("WASM_HAS_MULTITHREAD_SUPPORT")
    ? "threads available"
    : "1 thread";
  return {
    name,
    device: cpu.device,
    runtimeVersion: `${tf.version_core} (XNNPACK, ${simd}, ${threads}), Deno ${Deno.version.deno}`,
    date: new Date().toISOString().slice(0, 10),
    clockHz: cpu.clockHz ?? 1e9,
    clockSource: cpu.clockHz
      ? "/proc/cpuinfo cpu MHz"
      : "nominal 1 GHz (no cpu MHz in /proc/cpuinfo)",
    command,
  };
}
