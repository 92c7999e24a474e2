/**
 * Validation of the bit-pair tables of a profile: `supported`, `measured`, `analytic` and
 * `energy`, including their cross-checks (every supported pair has an analytic rate and an
 * energy figure; every measured row uses a supported pair and a known source).
 *
 * @module
 */

import {
  checkArray,
  checkBits,
  checkNonNegative,
  checkObject,
  checkOneOf,
  checkPositive,
  checkPositiveInt,
  checkString,
  describe,
  indexPath,
  type Issues,
  keyPath,
} from "./_check.ts";
import { PROFILE_KEYS } from "./keys.ts";
import { formatPair, lookupPair, sameMeasuredKey } from "./lookup.ts";
import {
  type BitPair,
  EPILOGUE_OPS,
  type MeasuredRow,
  PROFILE_OPS,
  type ProfileOp,
  WEIGHTLESS_OPS,
} from "./types.ts";

/** Supported pairs per op as checked so far (ops with invalid lists map to undefined). */
export type SupportedMap = Partial<Record<ProfileOp, BitPair[]>>;

const hasPair = (list: readonly BitPair[], p: BitPair) =>
  list.some((q) => q.w === p.w && q.a === p.a);

/** Checks `supported`: every op listed, each a list of distinct `[w, a]` bit tuples. */
export function checkSupported(issues: Issues, value: unknown, path: string): SupportedMap {
  const out: SupportedMap = {};
  const obj = checkObject(issues, value, path, PROFILE_OPS);
  if (!obj) return out;
  for (const op of PROFILE_OPS) {
    const list = op in obj ? checkArray(issues, obj[op], keyPath(path, op)) : undefined;
    if (!list) continue;
    const pairs: BitPair[] = [];
    list.forEach((item, i) => {
      const p = indexPath(keyPath(path, op), i);
      if (!Array.isArray(item) || item.length !== 2) {
        issues.push({ path: p, message: `must be a [w, a] bit pair, got ${describe(item)}` });
        return;
      }
      const [w, a] = item;
      if (!checkBits(issues, w, `${p}[0]`) || !checkBits(issues, a, `${p}[1]`)) return;
      if (WEIGHTLESS_OPS.includes(op) && w !== a) {
        issues.push({
          path: p,
          message: `${op} has no weights: write [${a}, ${a}], got [${w}, ${a}]`,
        });
      } else if (hasPair(pairs, { w, a })) {
        issues.push({ path: p, message: `duplicates pair [${w}, ${a}]` });
      } else pairs.push({ w, a });
    });
    out[op] = pairs;
  }
  return out;
}

/** Checks a `[{w, a, value}]` table; returns its pairs. */
function checkBitValues(
  issues: Issues,
  value: unknown,
  path: string,
  location: "analytic.macsPerCycle.*[]" | "energy.pjPerMac[]",
): BitPair[] {
  const pairs: BitPair[] = [];
  const keys = PROFILE_KEYS[location];
  (checkArray(issues, value, path) ?? []).forEach((item, i) => {
    const p = indexPath(path, i);
    const e = checkObject(issues, item, p, keys.required, keys.optional);
    if (!e) return;
    const okW = checkBits(issues, e.w, keyPath(p, "w"));
    const okA = checkBits(issues, e.a, keyPath(p, "a"));
    checkPositive(issues, e.value, keyPath(p, "value"));
    if (!okW || !okA) return;
    const pair = { w: e.w as number, a: e.a as number };
    if (hasPair(pairs, pair)) {
      issues.push({ path: p, message: `duplicates pair ${formatPair(pair)}` });
    } else pairs.push(pair);
  });
  return pairs;
}

/** Checks `analytic`; every supported pair must have a rate, and every rate a supported pair. */
export function checkAnalytic(
  issues: Issues,
  value: unknown,
  path: string,
  supported: SupportedMap,
): void {
  const keys = PROFILE_KEYS["analytic"];
  const obj = checkObject(issues, value, path, keys.required, keys.optional);
  if (!obj) return;
  checkNonNegative(issues, obj.fixedCyclesPerLayer, keyPath(path, "fixedCyclesPerLayer"));
  checkPositive(issues, obj.bytesPerCycle, keyPath(path, "bytesPerCycle"));
  if (!("macsPerCycle" in obj)) return;
  const mpcPath = keyPath(path, "macsPerCycle");
  const mpc = checkObject(issues, obj.macsPerCycle, mpcPath, PROFILE_OPS);
  if (!mpc) return;
  for (const op of PROFILE_OPS) {
    if (!(op in mpc)) continue;
    const opPath = keyPath(mpcPath, op);
    const have = checkBitValues(issues, mpc[op], opPath, "analytic.macsPerCycle.*[]");
    const sup = supported[op];
    if (!sup) continue;
    for (const p of sup) {
      if (!hasPair(have, p)) {
        issues.push({ path: opPath, message: `has no entry for supported pair ${formatPair(p)}` });
      }
    }
    for (const p of have) {
      if (!hasPair(sup, p)) {
        issues.push({ path: opPath, message: `pair ${formatPair(p)} is not in supported.${op}` });
      }
    }
  }
}

/** Checks `energy` (optional); every supported lookup pair must have a pJ/MAC figure. */
export function checkEnergy(
  issues: Issues,
  value: unknown,
  path: string,
  supported: SupportedMap,
): void {
  const keys = PROFILE_KEYS["energy"];
  const obj = checkObject(issues, value, path, keys.required, keys.optional);
  if (!obj) return;
  checkNonNegative(issues, obj.pjPerByteSram, keyPath(path, "pjPerByteSram"));
  checkNonNegative(issues, obj.pjPerByteFlash, keyPath(path, "pjPerByteFlash"));
  if (!("pjPerMac" in obj)) return;
  const tablePath = keyPath(path, "pjPerMac");
  const have = checkBitValues(issues, obj.pjPerMac, tablePath, "energy.pjPerMac[]");
  for (const op of PROFILE_OPS) {
    for (const p of supported[op] ?? []) {
      if (!hasPair(have, p)) {
        issues.push({
          path: tablePath,
          message: `has no entry for ${formatPair(p)} (supported by ${op})`,
        });
      }
    }
  }
}

/** Checks one measured row; `sourceIds` are the ids of `provenance.sources`. */
export function checkMeasuredRow(
  issues: Issues,
  value: unknown,
  path: string,
  supported: SupportedMap,
  sourceIds: readonly string[],
): void {
  const keys = PROFILE_KEYS["measured[]"];
  const row = checkObject(issues, value, path, keys.required, keys.optional);
  if (!row) return;
  const opOk = checkOneOf(issues, row.op, keyPath(path, "op"), PROFILE_OPS);
  const shapeKeys = PROFILE_KEYS["measured[].shape"];
  const shape = checkObject(issues, row.shape, keyPath(path, "shape"), shapeKeys.required);
  for (const k of shapeKeys.required) {
    if (shape && k in shape) checkPositiveInt(issues, shape[k], keyPath(path, `shape.${k}`));
  }
  const wOk = checkBits(issues, row.wbits, keyPath(path, "wbits"));
  const aOk = checkBits(issues, row.abits, keyPath(path, "abits"));
  if (opOk && wOk && aOk) {
    const op = row.op as ProfileOp;
    const pair = lookupPair(op, row.wbits as number, row.abits as number);
    const sup = supported[op];
    if (sup && !hasPair(sup, pair)) {
      issues.push({
        path,
        message: `bit pair ${formatPair(pair)} is not in supported.${op} (${
          sup.map(formatPair).join(", ") || "none"
        })`,
      });
    }
  }
  if ("batch" in row) checkPositiveInt(issues, row.batch, keyPath(path, "batch"));
  if ("epilogue" in row) {
    (checkArray(issues, row.epilogue, keyPath(path, "epilogue")) ?? []).forEach((op, i) =>
      checkOneOf(issues, op, indexPath(keyPath(path, "epilogue"), i), EPILOGUE_OPS)
    );
  }
  const latKeys = PROFILE_KEYS["measured[].latency"];
  const lat = checkObject(
    issues,
    row.latency,
    keyPath(path, "latency"),
    latKeys.required,
    latKeys.optional,
  );
  if (lat) {
    if ("meanMs" in lat) checkPositive(issues, lat.meanMs, keyPath(path, "latency.meanMs"));
    if ("medianMs" in lat) checkPositive(issues, lat.medianMs, keyPath(path, "latency.medianMs"));
    if ("stdMs" in lat) checkNonNegative(issues, lat.stdMs, keyPath(path, "latency.stdMs"));
    if ("count" in lat) checkPositiveInt(issues, lat.count, keyPath(path, "latency.count"));
  }
  if ("energyMj" in row) checkPositive(issues, row.energyMj, keyPath(path, "energyMj"));
  if ("source" in row && checkString(issues, row.source, keyPath(path, "source"))) {
    if (!sourceIds.includes(row.source)) {
      issues.push({
        path: keyPath(path, "source"),
        message: `must be the id of a provenance.sources entry (${
          sourceIds.join(", ") || "none"
        }), got ${describe(row.source)}`,
      });
    }
  }
}

/** Checks `measured`: every row, and that no two rows share a key. */
export function checkMeasured(
  issues: Issues,
  value: unknown,
  path: string,
  supported: SupportedMap,
  sourceIds: readonly string[],
): void {
  const rows = checkArray(issues, value, path);
  if (!rows) return;
  const valid: { row: MeasuredRow; index: number }[] = [];
  rows.forEach((row, i) => {
    const before = issues.length;
    checkMeasuredRow(issues, row, indexPath(path, i), supported, sourceIds);
    if (issues.length > before) return;
    const twin = valid.find((v) => sameMeasuredKey(v.row, row as MeasuredRow));
    if (twin) {
      issues.push({
        path: indexPath(path, i),
        message: `has the same key (op, shape, bits, batch, epilogue) as ${path}[${twin.index}]`,
      });
    } else valid.push({ row: row as MeasuredRow, index: i });
  });
}
