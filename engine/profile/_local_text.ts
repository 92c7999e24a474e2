/**
 * Private: the provenance texts of a local profiling run (`local_profile.ts`).
 *
 * @module
 */
import type { LocalRunInfo } from "./local_profile.ts";

/** The calibration as text: `1.20 us per layer + 0.050 ns per output element`. */
export const calText = (c: { overheadMs: number; perElementMs: number }) =>
  `${(1000 * c.overheadMs).toFixed(2)} us per layer + ${(1e6 * c.perElementMs).toFixed(3)} ns ` +
  "per output element";

const us = (ms: number) => `${(1000 * ms).toFixed(2)} us`;

/** `provenance.method` of a local run. */
export function methodText(info: LocalRunInfo): string {
  const cal = info.calibration;
  const nets = info.networks;
  const calls = info.reps * info.burst;
  return "Per row, from samples of the layer timed inside whole networks " +
    `(${nets === undefined ? "" : `${nets.length} networks: `}models ` +
    `${info.models.join(", ")} with their prunable groups at mixed widths from ` +
    `${info.widths.join(", ")}, chosen so that together they contain every shape), run ` +
    "through Tailor's executor (forward(), batch 1, one thread) with a timestamp after " +
    "every node" +
    (info.stampCostMs === undefined ? "" : ` (its cost, ${us(info.stampCostMs)}, subtracted)`) +
    "; a sample is the time of the layer's node plus the batch-norm, activation, flatten " +
    "and dropout nodes that follow it (its epilogue; priced at zero by the cost model), " +
    `one per stamped call (${calls} per network): meanMs, what the cost model adds up, is ` +
    "per occurrence of the shape (network and position) the mean inside Tukey's outer " +
    "fences (Q3 + 3 IQR), combined over the occurrences with weights 1 / latency^2 of " +
    "their networks (least squares on the networks' relative error); medianMs, stdMs " +
    "(inside the fences) and count are over all its samples. " +
    `Schedule: ${info.reps} rounds after ${info.warmup} warm-up rounds, interleaved over ` +
    "all networks in an order rotated every round; per round and network one untimed call, " +
    `then ${info.burst} pairs of (stamped, plain) calls.` +
    (cal === undefined ? "" : ` Every row adds ${calText(cal)}: the per-call overhead ` +
      (cal.target === "plain"
        ? "(what a plain call costs beyond its layers' rows: start of the call, input node, " +
          "disposal of the intermediates at its end, and what timing a layer alone misses; " +
          "per network, the mean of its plain calls inside the same fences minus the sum of its " +
          "rows) "
        : "(the time of a stamped call outside its layers: start of the call, input node, " +
          "disposal of the intermediates at its end; mean per network, as for rows) ") +
      "fitted on the mixed-width networks (notes.measured); the closed-loop benchmark " +
      "checks other networks (every prunable group at one width).") +
    checkText(info.check) +
    (info.load ? ` Machine load: ${info.load}.` : "");
}

function checkText(check: LocalRunInfo["check"]): string {
  if (check === undefined || check.errors.length === 0) return "";
  const e = check.errors;
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const rms = Math.sqrt(e.reduce((a, x) => a + x * x, 0) / e.length);
  const worst = e.reduce((a, x) => (Math.abs(x) > Math.abs(a) ? x : a), 0);
  const within = e.filter((x) => Math.abs(x) <= 0.1).length;
  return ` In-session check, predicted vs the fenced mean of the plain calls of the ` +
    `${check.networks} profiling networks: rms error ${pct(rms)}, worst ${pct(worst)}, ` +
    `${within}/${e.length} within 10%.`;
}
