/**
 * A tiny hand-made profile whose numbers make costs easy to check by hand: 1 MHz clock
 * (1 cycle = 0.001 ms), 10 fixed cycles per layer, 1 byte per cycle.
 *
 * @module
 */
import { parseProfile } from "../../../engine/profile/validate.ts";
import type { HardwareProfile, MeasuredRow } from "../../../engine/profile/types.ts";

/** Builds the test profile, optionally with measured rows; validated by `parseProfile()`. */
export function tinyProfile(
  measured: MeasuredRow[] = [],
  o: { energy?: boolean } = {},
): HardwareProfile {
  const json = {
    format: "tailor-profile/v1",
    name: "tiny-test",
    description: "hand-made numbers for unit tests",
    kind: "mcu",
    provenance: {
      device: "none",
      runtime: { name: "none", version: "0" },
      date: "2025-01-01",
      method: "invented for tests",
      sources: [],
      notes: {},
    },
    clockHz: 1e6,
    memory: { sramBytes: 4096, flashBytes: 65536 },
    supported: {
      conv2d: [[8, 8], [4, 8], [4, 4]],
      depthwise: [[8, 8]],
      dense: [[8, 8], [4, 8]],
      add: [[8, 8]],
      pool: [],
    },
    measured,
    analytic: {
      macsPerCycle: {
        conv2d: [{ w: 8, a: 8, value: 1 }, { w: 4, a: 8, value: 2 }, { w: 4, a: 4, value: 4 }],
        depthwise: [{ w: 8, a: 8, value: 1 }],
        dense: [{ w: 8, a: 8, value: 1 }, { w: 4, a: 8, value: 2 }],
        add: [{ w: 8, a: 8, value: 1 }],
        pool: [],
      },
      fixedCyclesPerLayer: 10,
      bytesPerCycle: 1,
    },
    ...(o.energy === false ? {} : {
      energy: {
        pjPerMac: [{ w: 8, a: 8, value: 1 }, { w: 4, a: 8, value: 0.5 }, {
          w: 4,
          a: 4,
          value: 0.25,
        }],
        pjPerByteSram: 2,
        pjPerByteFlash: 10,
      },
    }),
  };
  return parseProfile(json, "tiny-test");
}

/** A measured row of a conv2d shape at w8a8, batch 1. */
export function convRow(
  shape: { inH: number; inW: number; cin: number; cout: number; kernel?: number },
  meanMs: number,
  extra: { energyMj?: number; wbits?: number; abits?: number } = {},
): MeasuredRow {
  return {
    op: "conv2d",
    shape: { kernel: 3, stride: 1, groups: 1, ...shape },
    wbits: extra.wbits ?? 8,
    abits: extra.abits ?? 8,
    latency: { meanMs, stdMs: 0, count: 1 },
    ...(extra.energyMj === undefined ? {} : { energyMj: extra.energyMj }),
  };
}
