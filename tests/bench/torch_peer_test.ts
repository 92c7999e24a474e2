import assert from "node:assert/strict";
import { findTorchPython, peerFor, runTorchPeer, TORCH_PEER } from "../../bench/torch_peer.ts";

Deno.test("findTorchPython() returns null when no candidate interpreter exists", async () => {
  assert.equal(await findTorchPython(["/nonexistent/python3"]), null);
});

Deno.test("runTorchPeer() reports why it is unavailable instead of throwing", async () => {
  const report = await runTorchPeer({
    models: ["cnn-s"],
    warmup: 0,
    reps: 1,
    budgetMs: 1,
    python: "/nonexistent/python3",
  });
  assert.deepEqual(report.results, []);
  assert.match(report.unavailable ?? "", /cannot start \/nonexistent\/python3/);
});

Deno.test("peerFor() picks the result of the same case and metric", () => {
  const summary = { median: 2, min: 1, p90: 3, n: 4 };
  const report = {
    python: "python3",
    results: [
      { case: "cnn-s", metric: "infer_ms", ...summary },
      { case: "cnn-s", metric: "train_step_ms", ...summary, median: 7 },
    ],
    errors: [],
  };
  assert.equal(peerFor(report, "cnn-s", "train_step_ms")?.summary.median, 7);
  assert.equal(peerFor(report, "cnn-s", "train_step_ms")?.peer, TORCH_PEER);
  assert.equal(peerFor(report, "resnet8", "infer_ms"), null);
});
