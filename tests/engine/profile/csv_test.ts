import assert from "node:assert/strict";
import { MeasurementsCsvError, parseMeasurementsCsv } from "../../../engine/profile/csv.ts";

const HEADER =
  "op,in_h,in_w,cin,cout,kernel,stride,groups,wbits,abits,latency_ms_mean,latency_ms_std,count,energy_mj";

function csvIssues(text: string): string[] {
  try {
    parseMeasurementsCsv(text, "t.csv");
  } catch (e) {
    if (e instanceof MeasurementsCsvError) {
      return e.issues.map((i) => `${i.line}:${i.column}: ${i.message}`);
    }
    throw e;
  }
  return [];
}

Deno.test("parseMeasurementsCsv() reads rows with all documented columns", () => {
  const rows = parseMeasurementsCsv(
    `# board X\n${HEADER}\nconv2d,32,32,16,32,3,1,1,8,8,1.92,0.03,50,0.41\n\ndepthwise,16,16,32,32,3,2,32,4,8,0.35,0.01,50,\n`,
    "t.csv",
  );
  assert.deepEqual(rows, [
    {
      op: "conv2d",
      shape: { inH: 32, inW: 32, cin: 16, cout: 32, kernel: 3, stride: 1, groups: 1 },
      wbits: 8,
      abits: 8,
      latency: { meanMs: 1.92, stdMs: 0.03, count: 50 },
      energyMj: 0.41,
    },
    {
      op: "depthwise",
      shape: { inH: 16, inW: 16, cin: 32, cout: 32, kernel: 3, stride: 2, groups: 32 },
      wbits: 4,
      abits: 8,
      latency: { meanMs: 0.35, stdMs: 0.01, count: 50 },
    },
  ]);
});

Deno.test("parseMeasurementsCsv() accepts columns in any order and defaults std, count, batch", () => {
  const rows = parseMeasurementsCsv(
    "latency_ms_mean,op,in_h,in_w,cin,cout,kernel,stride,groups,wbits,abits,batch\n2.5,dense,1,1,64,10,1,1,1,8,8,4\n",
  );
  assert.deepEqual(rows[0]?.latency, { meanMs: 2.5, stdMs: 0, count: 1 });
  assert.equal(rows[0]?.batch, 4);
  assert.equal(rows[0]?.op, "dense");
});

Deno.test("parseMeasurementsCsv() reads an optional latency_ms_median column", () => {
  const rows = parseMeasurementsCsv(
    "op,in_h,in_w,cin,cout,kernel,stride,groups,wbits,abits,latency_ms_mean,latency_ms_median\n" +
      "dense,1,1,64,10,1,1,1,8,8,2.5,2.25\n",
  );
  assert.deepEqual(rows[0]?.latency, { meanMs: 2.5, medianMs: 2.25, stdMs: 0, count: 1 });
});

Deno.test("parseMeasurementsCsv() reports bad cells with line number and column", () => {
  const issues = csvIssues(
    `${HEADER}\nconv2d,32,32,16,32,3,1,1,8,8,1.9,0,5,\nconv3d,32,x,16,32,3,1,1,8,40,-1,0,5,\n`,
  );
  assert.deepEqual(issues, [
    '3:op: must be one of conv2d, depthwise, dense, add, pool, got "conv3d"',
    '3:in_w: must be a positive integer, got "x"',
    "3:abits: must be a bit-width, an integer 1..32, got 40",
    "3:latency_ms_mean: must be a positive number, got -1",
  ]);
});

Deno.test("parseMeasurementsCsv() reports missing and unknown columns and short lines", () => {
  assert.deepEqual(csvIssues("op,in_h,speed\n"), [
    "1:speed: unknown column (known: op, in_h, in_w, cin, cout, kernel, stride, groups, wbits, abits, latency_ms_mean, latency_ms_std, count, energy_mj, batch, latency_ms_median)",
    ...["in_w", "cin", "cout", "kernel", "stride", "groups", "wbits", "abits", "latency_ms_mean"]
      .map((c) => `1:${c}: required column is missing`),
  ]);
  assert.deepEqual(csvIssues(`${HEADER}\nconv2d,1,2\n`), ["2:: has 3 cells, the header has 14"]);
  assert.deepEqual(csvIssues("# only a comment\n"), ["1:: no header line"]);
});

Deno.test("parseMeasurementsCsv() says the header is missing when the first line is data", () => {
  const issues = csvIssues("conv2d,32,32,16,32,3,1,1,8,8,1.9\nconv2d,16,16,8,8,3,1,1,8,8,0.5\n");
  assert.equal(issues.length, 1);
  assert.match(issues[0]!, /^1:: the header line is missing: .*expected op,in_h,in_w,/);
});

Deno.test("MeasurementsCsvError's message names the file, line and column", () => {
  assert.throws(
    () => parseMeasurementsCsv(`${HEADER}\nconv2d,32,32,16,32,3,1,1,8,8,0,0,5,\n`, "board.csv"),
    /board\.csv:2: column latency_ms_mean: must be a positive number, got 0/,
  );
});
