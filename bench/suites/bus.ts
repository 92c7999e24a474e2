/**
 * `bus`: a 4 MiB gradient push and acknowledgement through real nats-servers (one message
 * on the deployment max payload of 8 MiB, and five chunks on the default 1 MiB),
 * with and without fp16 compression, and a small request/reply round trip; the Node.js
 * `nats` client runs the same push as the peer.
 *
 * @module
 */
import type { Suite } from "../suite.ts";

const PEER_DIR = new URL("../node_peer/", import.meta.url).pathname;

/** Installs the Node.js peer's `nats` package (pinned by its lock file) when missing. */
async function installNodePeer(log: (line: string) => void): Promise<void> {
  try {
    await Deno.stat(`${PEER_DIR}node_modules/nats`);
    return;
  } catch { /* not installed yet */ }
  log("bus: installing the Node.js peer (npm ci in bench/node_peer)");
  try {
    const out = await new Deno.Command("npm", {
      args: ["ci", "--no-audit", "--no-fund", "--prefix", PEER_DIR],
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!out.success) log(`bus: npm ci failed: ${new TextDecoder().decode(out.stderr).trim()}`);
  } catch (e) {
    log(`bus: cannot run npm for the Node.js peer: ${(e as Error).message}`);
  }
}

/** The bus suite. */
export const busSuite: Suite = {
  name: "bus",
  description: "NATS gradient push/ack (4 MiB) and request/reply, vs the Node.js nats client",
  async run(options) {
    if (!options.noPeer) await installNodePeer(options.log);
    const { benchBus } = await import("../bus.ts");
    return await benchBus({
      log: options.log,
      ...(options.warmup === undefined ? {} : { warmup: options.warmup }),
      ...(options.reps === undefined ? {} : { reps: options.reps }),
      ...(options.budgetMs === undefined ? {} : { budgetMs: options.budgetMs }),
      ...(options.noPeer ? { noPeer: true } : {}),
    });
  },
};
