import assert from "node:assert/strict";
import { parseConfiguration, prunedChannels } from "../../../engine/cost/config.ts";

Deno.test("parseConfiguration() defaults width to 1", () => {
  const c = parseConfiguration({ version: 1, layers: { conv1: { wbits: 4, abits: 8 } } });
  assert.deepEqual(c.layers.conv1, { wbits: 4, abits: 8, width: 1 });
});

Deno.test("parseConfiguration() takes a search's result.json as is: its chosen layers", () => {
  const chosen = { layers: { conv1: { wbits: 4, abits: 8, width: 0.5 } }, accuracy: 0.9 };
  const uniform = { layers: { conv1: { wbits: 8, abits: 8, width: 1 } } };
  const result = { format: "tailor-result/v1", run: "r", chosen: { ...chosen, uniform } };
  assert.deepEqual(parseConfiguration(result).layers, chosen.layers);
  assert.throws(
    () => parseConfiguration({ format: "tailor-result/v1", chosen: { layers: { conv1: 8 } } }),
    /chosen\.layers\.conv1: must be an object/,
  );
  assert.throws(() => parseConfiguration({ format: "tailor-result/v1" }), /or pass a result\.json/);
});

Deno.test("parseConfiguration() names the path and value of a bad field", () => {
  assert.throws(
    () => parseConfiguration({ layers: { conv1: { wbits: 4, abits: 8, width: 1.5 } } }),
    /layers\.conv1\.width: must be a width fraction in \(0, 1\], got 1\.5/,
  );
  assert.throws(
    () => parseConfiguration({ layers: { conv1: { wbits: "8", abits: 8 } } }),
    /layers\.conv1\.wbits: must be an integer bit-width/,
  );
  assert.throws(
    () => parseConfiguration({ layers: { c: { wbits: 8, abits: 8, w: 1 } } }),
    /unknown key/,
  );
  assert.throws(() => parseConfiguration([]), TypeError);
});

Deno.test("prunedChannels() rounds and keeps at least one channel", () => {
  assert.equal(prunedChannels(16, 0.25), 4);
  assert.equal(prunedChannels(10, 0.25), 3); // round(2.5) = 3
  assert.equal(prunedChannels(3, 0.1), 1);
});
