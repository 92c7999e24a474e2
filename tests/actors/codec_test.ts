import assert from "node:assert/strict";
import { decode, DecodeError, encode, encodeParts } from "../../actors/codec.ts";
import {
  type GradPushMessage,
  type JobResultMessage,
  type ProgressEvent,
  PROTOCOL_VERSION,
} from "../../actors/protocol.ts";

const v = PROTOCOL_VERSION;

function gradPush(data: Float32Array, shape = [data.length]): GradPushMessage {
  return {
    type: "grad-push",
    v,
    run: "r1",
    trialId: "t0",
    shard: 0,
    workerId: "w1",
    step: 3,
    baseVersion: 2,
    chunk: { transfer: "x1", index: 0, count: 1 },
    parts: [{
      name: "conv1/w",
      shape,
      offset: 0,
      slice: { dtype: "float32", shape: [data.length], data },
    }],
  };
}

function progressEvent(): ProgressEvent {
  return {
    type: "progress",
    v,
    run: "r1",
    at: 1,
    trialId: "t0",
    phase: "supernet",
    done: 3,
    total: 10,
  };
}

function reason(bytes: Uint8Array, options = {}): string {
  try {
    decode(bytes, options);
  } catch (err) {
    assert.ok(err instanceof DecodeError, `expected DecodeError, got ${err}`);
    return err.reason;
  }
  assert.fail("decode() accepted bad bytes");
}

Deno.test("decode(encode(m)) returns identical tensor data as a zero-copy view when aligned", () => {
  const data = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i));
  const bytes = encode(gradPush(data, [10, 100]));
  const back = decode(bytes) as GradPushMessage;
  const slice = back.parts[0]!.slice;
  assert.deepEqual(slice.data, data);
  assert.deepEqual(back.parts[0]!.shape, [10, 100]);
  assert.equal(slice.data.buffer, bytes.buffer, "expected a view into the received bytes");
});

Deno.test("encodeParts() gives encode()'s bytes, the tensor's as a view of its own data", () => {
  // 3 floats: 12 bytes, padded to 16 in the frame.
  const data = new Float32Array([1, 2, 3]);
  const parts = encodeParts(gradPush(data));
  const joined = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (joined.set(p, at), at + p.length), 0);
  assert.deepEqual(joined, encode(gradPush(data)));
  assert.equal(parts.length, 3, "header, tensor, padding");
  assert.equal(parts[1]!.buffer, data.buffer, "the tensor was copied");
  assert.equal(parts[2]!.length, 4);
  assert.equal(parts[0]!.length % 8, 0, "the tensor must start 8-byte aligned");
  const e = progressEvent();
  assert.deepEqual(encodeParts(e), [encode(e)]);
});

Deno.test("decode() copies tensor data that sits at an unaligned address", () => {
  const data = new Float32Array([1, 2, 3]);
  const bytes = encode(gradPush(data));
  const shifted = new Uint8Array(bytes.length + 1).subarray(1);
  shifted.set(bytes);
  const slice = (decode(shifted) as GradPushMessage).parts[0]!.slice;
  assert.deepEqual(slice.data, data);
  assert.notEqual(slice.data.buffer, shifted.buffer);
});

Deno.test("encode() round-trips int32 and float16 tensors and JSON results", () => {
  const m: JobResultMessage = {
    type: "job-result",
    v,
    run: "r1",
    trialId: "t0",
    jobId: "j9",
    workerId: "w1",
    ok: true,
    result: { acc: 0.91, bits: [4, 8], note: null },
    tensors: {
      idx: { dtype: "int32", shape: [2, 2], data: new Int32Array([1, -2, 3, -4]) },
      h: { dtype: "float16", shape: [3], data: new Uint16Array([0x3c00, 0, 0x7c00]) },
      empty: { dtype: "float32", shape: [0], data: new Float32Array(0) },
    },
  };
  assert.deepEqual(decode(encode(m)), m);
});

Deno.test("monitoring events travel as JSON any client can read", () => {
  const e = progressEvent();
  const bytes = encode(e);
  assert.deepEqual(JSON.parse(new TextDecoder().decode(bytes)), e);
  assert.deepEqual(decode(bytes), e);
});

Deno.test("encode() rejects a tensor whose data does not match its shape with RangeError", () => {
  const m = gradPush(new Float32Array(3));
  const bad = {
    ...m,
    parts: [{ ...m.parts[0]!, slice: { dtype: "float32", shape: [4], data: new Float32Array(3) } }],
  } as GradPushMessage;
  assert.throws(() => encode(bad), RangeError);
  const wrongType = {
    ...m,
    parts: [{ ...m.parts[0]!, slice: { dtype: "int32", shape: [3], data: new Float32Array(3) } }],
  } as GradPushMessage;
  assert.throws(() => encode(wrongType), RangeError);
});

Deno.test("decode() rejects garbage, truncated, oversized and empty bytes with DecodeError", () => {
  const good = encode(gradPush(new Float32Array(16)));
  assert.equal(reason(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9])), "garbage");
  assert.equal(reason(new TextEncoder().encode("{not json")), "garbage");
  assert.equal(reason(good.subarray(0, good.length - 8)), "truncated");
  assert.equal(reason(good.subarray(0, 12)), "truncated");
  assert.equal(reason(good.subarray(0, 3)), "truncated");
  assert.equal(reason(new Uint8Array(0)), "truncated");
  assert.equal(reason(good, { maxBytes: good.length - 1 }), "oversized");
  const extra = new Uint8Array(good.length + 8);
  extra.set(good);
  assert.equal(reason(extra), "garbage");
  const header = good.slice();
  header[9] = 0xc1; // never valid msgpack
  assert.equal(reason(header), "garbage");
});

Deno.test("decode() rejects unknown types, other versions and missing fields", () => {
  const json = (x: unknown) => new TextEncoder().encode(JSON.stringify(x));
  assert.equal(reason(json({ type: "launch-missiles", v })), "unknown-type");
  assert.equal(reason(json({ type: "log", v: 99, run: "r", at: 1 })), "unknown-version");
  assert.equal(reason(json({ type: "log", v, run: "r", at: 1, level: "info" })), "invalid-field");
  const wrongVersion = { ...gradPush(new Float32Array(2)), v: 2 } as unknown as GradPushMessage;
  assert.equal(reason(encode(wrongVersion)), "unknown-version");
});

Deno.test("decode() rejects a tensor whose shape disagrees with its bytes", () => {
  const bytes = encode(gradPush(new Float32Array(4)));
  // The header stores shape [4] as msgpack fixarray 0x91 0x04, the part's full shape first and
  // the slice's shape last; make the slice's [5].
  const i = bytes.findLastIndex((b, k) => b === 0x91 && bytes[k + 1] === 0x04);
  assert.ok(i > 0);
  const bad = bytes.slice();
  bad[i + 1] = 0x05;
  assert.equal(reason(bad), "shape-mismatch");
  const part = gradPush(new Float32Array(4), [3]); // slice longer than the full tensor
  assert.equal(reason(encode(part)), "shape-mismatch");
});

Deno.test("decode() of a frame without tensors keeps the nesting limit and plain objects", () => {
  const ack = {
    type: "grad-ack",
    v,
    run: "r1",
    trialId: "t0",
    shard: 0,
    transfer: "x",
    step: 1,
    version: 2,
    accepted: true,
  } as const;
  assert.deepEqual(decode(encode(ack)), ack);
  let deep: unknown = 1;
  for (let i = 0; i < 70; i++) deep = [deep];
  // An unchecked extra field: only the codec's own depth limit can reject it.
  const nested = { ...ack, extra: deep } as unknown as typeof ack;
  assert.equal(reason(encode(nested)), "invalid-field");
  const job = {
    type: "job",
    v,
    run: "r1",
    trialId: "t0",
    jobId: "j1",
    kind: "trial",
    attempt: 0,
    spec: { when: new Date(0), bytes: new Uint8Array([1, 2]) },
  };
  const back = decode(encode(job as never)) as unknown as { spec: Record<string, unknown> };
  assert.equal(Object.getPrototypeOf(back.spec.when), Object.prototype);
  assert.deepEqual(back.spec.bytes, { 0: 1, 1: 2 });
});
