/**
 * Hostile messages for the end-to-end tests: garbage, truncated frames, an oversized
 * message, wrong protocol versions and a result of an unknown run, on every subject the
 * actors listen to (jobs of every kind, results, events, heartbeats, parameter subjects).
 */
import { encode } from "../../actors/codec.ts";
import {
  createSubjects,
  type HeartbeatMessage,
  JOB_KINDS,
  type JobMessage,
  type JobResultMessage,
  type Message,
} from "../../actors/protocol.ts";

const te = new TextEncoder();

function noise(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** The bodies: none of them is a message any actor should act on. */
export function garbageBodies(run: string, maxPayload: number): Uint8Array[] {
  const job: JobMessage = {
    type: "job",
    v: 1,
    run,
    trialId: "t9",
    jobId: "intruder-0",
    kind: "trial",
    attempt: 1,
    spec: { search: null },
  };
  const result: JobResultMessage = {
    type: "job-result",
    v: 1,
    run,
    trialId: "t9",
    jobId: "intruder-0",
    workerId: "intruder",
    ok: true,
    result: null,
  };
  const beat: HeartbeatMessage = {
    type: "heartbeat",
    v: 1,
    workerId: "w1",
    at: Date.now(),
    state: "idle",
    concurrency: 1,
    jobs: [],
  };
  const wrongVersion = (m: Message) => encode({ ...m, v: 2 } as unknown as Message);
  const half = (b: Uint8Array) => b.slice(0, Math.floor(b.length / 2));
  const oversized = noise(maxPayload - 4096, 7);
  oversized.set([0x54, 0x4c, 0x52, 0x01], 0); // the frame magic, then noise
  return [
    new Uint8Array(0),
    noise(64, 1),
    Uint8Array.of(0x54, 0x4c, 0x52, 0x01, 0xff, 0xff, 0xff, 0x7f, 1, 2, 3),
    half(encode(job)),
    half(encode(result)),
    half(encode(beat)),
    wrongVersion(job),
    wrongVersion(result),
    wrongVersion(beat),
    encode({ ...result, run: "ghost" }), // a valid result of an unknown run
    te.encode('{"type":"progress","v":99,"run":"' + run + '"}'),
    te.encode('{"type":"progress","v":1,"ru'),
    te.encode("not json at all"),
    oversized,
  ];
}

/** Every (subject, body) pair: each body on each subject the actors of `run` listen to. */
export function garbageMessages(
  run: string,
  maxPayload: number,
): { subject: string; data: Uint8Array }[] {
  const s = createSubjects();
  const targets = [
    ...[...JOB_KINDS, "bogus"].flatMap((k) => [s.jobs(run, k), s.jobs("ghost", k)]),
    s.results(run),
    s.results("ghost"),
    s.events(run),
    s.heartbeat("w1"),
    s.heartbeat("w2"),
    s.heartbeat("intruder"),
    s.paramPull(run, "t0", 0),
    s.gradPush(run, "t0", 0),
  ];
  const bodies = garbageBodies(run, maxPayload);
  return targets.flatMap((subject) => bodies.map((data) => ({ subject, data })));
}
