/**
 * `deno task cost --model M --profile P [--config C.json] [--json]`: what a configuration
 * costs on a hardware profile, per layer and in total (latency, energy, flash, peak SRAM,
 * BOPs). Without `--config` every layer runs at w8a8 (or the profile's highest supported
 * pair) and width 1. `--json` prints
 * `{model, profile, layers: [{name, op, wbits, abits, width, cin, cout, macs, latencyMs,
 * latencySource, energyMj, flashBytes, bops}], ops: [...], totals: {latencyMs, energyMj,
 * flashBytes, peakSramBytes, bops, macs}, limits: {sramBytes, flashBytes}}`.
 * Bad input: one line on stderr, exit code 2.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { initBackend } from "../engine/backend.ts";
import { type NetworkCost, networkCost } from "../engine/cost/network.ts";
import type { Graph } from "../engine/models/ir.ts";
import { graphFromLayersModel, UnsupportedLayerError } from "../engine/models/from_layers.ts";
import { resolveModel } from "../engine/models/load.ts";
import { ModelLoadError } from "../engine/models/model_json.ts";
import { buildZooModel, isZooName } from "../engine/models/zoo.ts";
import { ProfileError } from "../engine/profile/errors.ts";
import { loadProfile } from "../engine/profile/load.ts";
import type { HardwareProfile } from "../engine/profile/types.ts";
import { oneLine, runCli, UsageError } from "./args.ts";
import { readConfigFile } from "./inputs.ts";

const USAGE =
  "usage: deno task cost --model NAME|DIR --profile NAME|FILE [--config C.json] [--json]";

/** Loads a model's graph: a zoo name builds the architecture (weights do not matter here). */
async function loadGraph(model: string): Promise<Graph> {
  await initBackend();
  const layers = isZooName(model) ? buildZooModel(model) : await resolveModel(model);
  const graph = graphFromLayersModel(layers);
  layers.dispose();
  return graph;
}

const fmt = (x: number | null, digits = 3) => (x === null ? "-" : x.toFixed(digits));
const sci = (x: number | null) => (x === null ? "-" : x.toExponential(3));
const int = (x: number) => Math.round(x).toLocaleString("en-US");
const pct = (x: number, limit: number | undefined) =>
  limit === undefined ? "" : ` (${((100 * x) / limit).toFixed(1)}% of ${int(limit)})`;

/** The human-readable table. */
export function formatCost(graph: Graph, profile: HardwareProfile, cost: NetworkCost): string {
  const head = [
    "layer",
    "op",
    "w",
    "a",
    "width",
    "cin>cout",
    "MACs",
    "lat ms",
    "src",
    "mJ",
    "flash B",
    "BOPs",
  ];
  const rows = cost.layers.map((l) => [
    l.name,
    l.op,
    String(l.wbits),
    String(l.abits),
    l.width.toFixed(2),
    `${l.cin}>${l.cout}`,
    int(l.macs),
    fmt(l.latencyMs, 4),
    l.latencySource,
    sci(l.energyMj),
    int(l.flashBytes),
    sci(l.bops),
  ]);
  for (const o of cost.ops) {
    rows.push([
      o.name,
      o.op,
      "",
      "",
      "",
      "",
      "",
      fmt(o.latencyMs, 4),
      o.latencySource,
      sci(o.energyMj),
      "",
      "",
    ]);
  }
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    r.map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  const t = cost.totals;
  return [
    `${graph.name} on ${profile.name} (${profile.description})`,
    line(head),
    ...rows.map(line),
    "",
    `latency   ${fmt(t.latencyMs, 4)} ms`,
    `energy    ${
      t.energyMj === null ? "- (profile has no energy model)" : `${sci(t.energyMj)} mJ`
    }`,
    `flash     ${int(t.flashBytes)} B${pct(t.flashBytes, profile.memory.flashBytes)}`,
    `peak SRAM ${int(t.peakSramBytes)} B${pct(t.peakSramBytes, profile.memory.sramBytes)}`,
    `BOPs      ${sci(t.bops)}   MACs ${int(t.macs)}`,
  ].join("\n");
}

/** Runs the command; returns the exit code. */
export async function main(args: readonly string[]): Promise<number> {
  try {
    let parsed;
    try {
      parsed = parseArgs({
        args: [...args],
        options: {
          model: { type: "string" },
          profile: { type: "string" },
          config: { type: "string" },
          json: { type: "boolean", default: false },
          help: { type: "boolean", short: "h", default: false },
        },
        strict: true,
        allowPositionals: false,
      });
    } catch (e) {
      throw new UsageError(`${(e as Error).message}; ${USAGE}`);
    }
    const v = parsed.values;
    if (v.help) {
      console.log(USAGE);
      return 0;
    }
    if (!v.model || !v.profile) {
      throw new UsageError(`--model and --profile are required; ${USAGE}`);
    }
    const profile = await loadProfile(v.profile);
    const config = v.config ? await readConfigFile(v.config) : { layers: {} };
    const graph = await loadGraph(v.model);
    const cost = networkCost(graph, profile, config);
    if (v.json) {
      const limits = {
        sramBytes: profile.memory.sramBytes ?? null,
        flashBytes: profile.memory.flashBytes ?? null,
      };
      console.log(
        JSON.stringify({ model: graph.name, profile: profile.name, ...cost, limits }, null, 2),
      );
    } else {
      console.log(formatCost(graph, profile, cost));
    }
    return 0;
  } catch (e) {
    const known = e instanceof UsageError || e instanceof TypeError || e instanceof RangeError ||
      e instanceof ProfileError || e instanceof ModelLoadError ||
      e instanceof UnsupportedLayerError;
    if (!known) throw e;
    console.error(`error: ${oneLine((e as Error).message)}`);
    return 2;
  }
}

if (import.meta.main) {
  // Other errors as every CLI prints them: first line, exit 1 (runCli).
  await runCli(async () => {
    const code = await main(Deno.args);
    if (code !== 0) Deno.exit(code);
  });
}
