import assert from "node:assert/strict";
import { RequestEndedError, RequestMux } from "../../../actors/bus/request_mux.ts";

Deno.test("RequestMux routes a reply to its request by the token in the reply subject", async () => {
  const mux = new RequestMux("_INBOX.t1");
  const a = mux.start("svc.a", 1000);
  const b = mux.start("svc.b", 1000);
  assert.notEqual(a.reply, b.reply);
  assert.ok(a.reply.startsWith("_INBOX.t1."));
  assert.equal(mux.deliver(b.reply, new Uint8Array([2]), false), true);
  assert.equal(mux.deliver(a.reply, new Uint8Array([1]), false), true);
  assert.deepEqual(await a.promise, new Uint8Array([1]));
  assert.deepEqual(await b.promise, new Uint8Array([2]));
  assert.equal(mux.size, 0);
});

Deno.test("RequestMux ignores replies outside its inbox, for unknown tokens and duplicates", async () => {
  const mux = new RequestMux("_INBOX.t2");
  const r = mux.start("svc", 1000);
  assert.equal(mux.deliver("_INBOX.other.1", new Uint8Array([9]), false), false);
  assert.equal(mux.deliver("_INBOX.t2.zzz", new Uint8Array([9]), false), false);
  assert.equal(mux.deliver(r.reply, new Uint8Array([1]), false), true);
  assert.equal(mux.deliver(r.reply, new Uint8Array([2]), false), false);
  assert.deepEqual(await r.promise, new Uint8Array([1]));
});

Deno.test("RequestMux rejects a request without a reply in time with reason timeout", async () => {
  const mux = new RequestMux("_INBOX.t3");
  const t0 = performance.now();
  const r = mux.start("svc.mute", 30);
  const err = await r.promise.then(() => null, (e: unknown) => e);
  assert.ok(err instanceof RequestEndedError);
  assert.equal(err.reason, "timeout");
  assert.ok(performance.now() - t0 >= 25, "timed out too early");
  assert.equal(mux.size, 0);
  assert.equal(mux.deliver(r.reply, new Uint8Array([1]), false), false);
});

Deno.test("RequestMux rejects on the server's no-responders status and on closeAll", async () => {
  const mux = new RequestMux("_INBOX.t4");
  const none = mux.start("svc.none", 1000);
  const open = mux.start("svc.open", 1000);
  assert.equal(mux.deliver(none.reply, new Uint8Array(0), true), true);
  mux.closeAll();
  const reasons = await Promise.all(
    [none.promise, open.promise].map((p) =>
      p.then(() => "resolved", (e: RequestEndedError) => e.reason)
    ),
  );
  assert.deepEqual(reasons, ["no-responders", "closed"]);
  assert.equal(mux.size, 0);
});

Deno.test("RequestMux.cancel() ends one request with the given reason", async () => {
  const mux = new RequestMux("_INBOX.t5");
  const r = mux.start("svc", 1000);
  mux.cancel(r.reply, "closed");
  await assert.rejects(r.promise, (e: RequestEndedError) => e.reason === "closed");
});

Deno.test("RequestMux times out each request at its own deadline when deadlines come out of order", async () => {
  const mux = new RequestMux("_INBOX.t6");
  const t0 = performance.now();
  const slow = mux.start("svc.slow", 300);
  const fast = mux.start("svc.fast", 30);
  const fastEnd = await fast.promise.then(() => null, (e: RequestEndedError) => e);
  const fastAt = performance.now() - t0;
  assert.equal(fastEnd?.reason, "timeout");
  assert.ok(fastAt >= 25 && fastAt < 250, `the 30 ms request ended after ${fastAt} ms`);
  assert.equal(mux.size, 1, "the 300 ms request must still be pending");
  const late = mux.start("svc.late", 40);
  const lateStart = performance.now();
  const lateEnd = await late.promise.then(() => null, (e: RequestEndedError) => e);
  assert.equal(lateEnd?.reason, "timeout");
  assert.ok(performance.now() - lateStart >= 35, "a request timed out before its deadline");
  assert.equal(mux.deliver(slow.reply, new Uint8Array([5]), false), true);
  assert.deepEqual(await slow.promise, new Uint8Array([5]));
  mux.closeAll();
});

Deno.test("RequestMux builds the errors of ended requests with errorFor", async () => {
  const mux = new RequestMux("_INBOX.t7", {
    errorFor: (reason, subject, timeoutMs) => new RangeError(`${reason} ${subject} ${timeoutMs}`),
  });
  const r = mux.start("svc.x", 20);
  await assert.rejects(
    r.promise,
    (e: Error) => e instanceof RangeError && e.message === "timeout svc.x 20",
  );
  const c = mux.start("svc.y", 1000);
  mux.closeAll();
  await assert.rejects(c.promise, (e: Error) => e.message === "closed svc.y 1000");
});
