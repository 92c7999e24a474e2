/** A small valid profile for tests, and a helper to break it at one JSON path. */

import type { HardwareProfile } from "../../../engine/profile/types.ts";

const pairs: [number, number][] = [[8, 8], [4, 8]];
const rates = [{ w: 8, a: 8, value: 0.5 }, { w: 4, a: 8, value: 0.5 }];
const wl = [{ w: 8, a: 8, value: 1 }];

/** A fresh, valid profile object (a new copy on every call). */
export function tinyProfile(): HardwareProfile {
  return structuredClone({
    format: "tailor-profile/v1" as const,
    name: "tiny-test",
    description: "A test profile",
    kind: "mcu" as const,
    provenance: {
      device: "Test board",
      runtime: { name: "test-runtime", version: "1.0" },
      date: "2025-01-15",
      method: "made up for tests",
      sources: [{ id: "lab", citation: "Lab notebook p. 3" }],
      notes: { clockHz: "S lab", "analytic.macsPerCycle.conv2d": "D lab" },
    },
    clockHz: 100_000_000,
    memory: { sramBytes: 262144, flashBytes: 1048576 },
    supported: {
      conv2d: pairs,
      depthwise: pairs,
      dense: pairs,
      add: [[8, 8] as [number, number]],
      pool: [[8, 8] as [number, number]],
    },
    measured: [
      {
        op: "conv2d" as const,
        shape: { inH: 8, inW: 8, cin: 4, cout: 8, kernel: 3, stride: 1, groups: 1 },
        wbits: 8,
        abits: 8,
        latency: { meanMs: 0.25, stdMs: 0.01, count: 20 },
        source: "lab",
      },
    ],
    analytic: {
      macsPerCycle: { conv2d: rates, depthwise: rates, dense: rates, add: wl, pool: wl },
      fixedCyclesPerLayer: 100,
      bytesPerCycle: 4,
    },
    energy: {
      pjPerMac: [{ w: 8, a: 8, value: 0.3 }, { w: 4, a: 8, value: 0.2 }],
      pjPerByteSram: 1.25,
      pjPerByteFlash: 10,
    },
  }) as HardwareProfile;
}

// deno-lint-ignore no-explicit-any
type Json = Record<string, any>;

/** A copy of {@link tinyProfile} as plain JSON with `edit` applied to it. */
export function brokenProfile(edit: (json: Json) => void): unknown {
  const json = structuredClone(tinyProfile()) as unknown as Json;
  edit(json);
  return json;
}
