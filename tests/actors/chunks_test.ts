import assert from "node:assert/strict";
import { splitTensors, TensorAssembler } from "../../actors/chunks.ts";
import type { WireTensor } from "../../actors/protocol.ts";

const tensors: Record<string, WireTensor> = {
  a: { dtype: "float32", shape: [10, 30], data: Float32Array.from({ length: 300 }, (_, i) => i) },
  b: { dtype: "int32", shape: [7], data: Int32Array.from({ length: 7 }, (_, i) => -i) },
  c: { dtype: "float32", shape: [0], data: new Float32Array(0) },
};

Deno.test("splitTensors() keeps every chunk within maxBytes and reassembles exactly", () => {
  const max = 400;
  const chunks = splitTensors(tensors, max);
  assert.ok(chunks.length > 3);
  for (const parts of chunks) {
    const bytes = parts.reduce((s, p) => s + 96 + p.name.length + p.slice.data.byteLength, 0);
    assert.ok(bytes <= max, `chunk of ${bytes} bytes`);
  }
  const asm = new TensorAssembler();
  const order = chunks.map((_, i) => i).reverse(); // any arrival order
  order.forEach((i, k) => {
    const done = asm.add({ index: i, count: chunks.length }, chunks[i]!);
    assert.equal(done, k === order.length - 1);
  });
  assert.deepEqual(asm.tensors(), tensors);
});

Deno.test("splitTensors() slices without copying", () => {
  const [first] = splitTensors(tensors, 1 << 20);
  assert.equal(first![0]!.slice.data.buffer, tensors.a!.data.buffer);
});

Deno.test("TensorAssembler rejects duplicate chunks and parts that do not fit", () => {
  const chunks = splitTensors(tensors, 400);
  const asm = new TensorAssembler();
  asm.add({ index: 0, count: chunks.length }, chunks[0]!);
  assert.throws(() => asm.add({ index: 0, count: chunks.length }, chunks[0]!), RangeError);
  assert.throws(() => asm.add({ index: 1, count: chunks.length + 1 }, chunks[1]!), RangeError);
  assert.throws(() => asm.tensors(), RangeError);
  const bad = new TensorAssembler();
  const slice = { dtype: "float32" as const, shape: [4], data: new Float32Array(4) };
  assert.throws(
    () => bad.add({ index: 0, count: 1 }, [{ name: "x", shape: [3], offset: 0, slice }]),
    RangeError,
  );
});

Deno.test("splitTensors() rejects a chunk size too small for one element", () => {
  assert.throws(() => splitTensors(tensors, 50), RangeError);
});
