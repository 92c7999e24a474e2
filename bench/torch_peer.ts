/**
 * Runs `bench/torch_peer.py` (the PyTorch peer of the `train` suite) once and parses its
 * JSON. Finds a Python with torch among `python3` on PATH and `/usr/bin/python3`.
 *
 * @module
 */
import type { PeerMeasurement } from "./record.ts";
import type { SampleSummary } from "./stats.ts";
import { TUNED_MALLOC_ENV } from "./allocator.ts";

/** Pythons tried, in order. @default ["python3", "/usr/bin/python3"] */
export const PYTHON_CANDIDATES: readonly string[] = ["python3", "/usr/bin/python3"];

/** The peer's name in records. */
export const TORCH_PEER = "pytorch-cpu";

/** One result line of the peer. */
export interface TorchResult extends SampleSummary {
  readonly case: string;
  readonly metric: string;
}

/** What one peer run returned; `unavailable` says why there are no results. */
export interface TorchPeerReport {
  /** Interpreter used, or `null` when none has torch. */
  readonly python: string | null;
  /** torch version string. */
  readonly torchVersion?: string;
  readonly results: readonly TorchResult[];
  readonly errors: readonly { case: string; metric: string; error: string }[];
  /** Set when the peer could not run at all. */
  readonly unavailable?: string;
}

async function run(cmd: string, args: string[]): Promise<Deno.CommandOutput | null> {
  try {
    return await new Deno.Command(cmd, {
      args,
      env: TUNED_MALLOC_ENV,
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch {
    return null; // not found / not executable
  }
}

/** The first candidate Python that can `import torch`, or `null`. */
export async function findTorchPython(
  candidates: readonly string[] = PYTHON_CANDIDATES,
): Promise<string | null> {
  for (const py of candidates) {
    const out = await run(py, ["-c", "import torch"]);
    if (out?.success) return py;
  }
  return null;
}

/** Options of one peer run (same repetition policy as ours). */
export interface TorchPeerOptions {
  readonly models: readonly string[];
  readonly warmup: number;
  readonly reps: number;
  readonly budgetMs: number;
  /** Interpreter; found with `findTorchPython()` when absent. */
  readonly python?: string;
}

/**
 * Runs the PyTorch peer single-threaded. Never throws for a missing torch or a failed
 * script: the report's `unavailable` says why instead.
 */
export async function runTorchPeer(options: TorchPeerOptions): Promise<TorchPeerReport> {
  const python = options.python ?? await findTorchPython();
  if (python === null) {
    return {
      python: null,
      results: [],
      errors: [],
      unavailable: `no Python with torch among ${PYTHON_CANDIDATES.join(", ")}`,
    };
  }
  const script = new URL("./torch_peer.py", import.meta.url).pathname;
  const out = await run(python, [
    script,
    "--models",
    options.models.join(","),
    "--warmup",
    String(options.warmup),
    "--reps",
    String(options.reps),
    "--budget-ms",
    String(options.budgetMs),
    "--threads",
    "1",
  ]);
  if (out === null) {
    return { python, results: [], errors: [], unavailable: `cannot start ${python}` };
  }
  const stderr = new TextDecoder().decode(out.stderr).trim();
  if (!out.success) {
    return {
      python,
      results: [],
      errors: [],
      unavailable: `torch_peer.py failed: ${stderr.split("\n").slice(-3).join(" | ")}`,
    };
  }
  const parsed = JSON.parse(new TextDecoder().decode(out.stdout));
  return {
    python,
    torchVersion: parsed.torch,
    results: parsed.results,
    errors: parsed.errors,
  };
}

/** The peer measurement for one case and metric in `report`, or `null`. */
export function peerFor(
  report: TorchPeerReport,
  caseName: string,
  metric: string,
): PeerMeasurement | null {
  const r = report.results.find((x) => x.case === caseName && x.metric === metric);
  return r ? { peer: TORCH_PEER, summary: r } : null;
}
