/**
 * The parameter-server actor of one shard of a differentiable trial. It answers `param-pull`
 * requests on `subjects.paramPull(run, trial, shard)` with its parameters (chunked below the
 * bus's max payload; encoded once per version and kept for the current and previous
 * version, so a pull that spans a step still completes), or an empty "unchanged" reply when
 * the worker's version is current. It reassembles `grad-push` chunks from
 * `subjects.gradPush(run, trial, shard)` and answers the last chunk with a `grad-ack` — in
 * synchronous mode only once the step that includes the gradient is done. Any bad message is
 * reported as an `error` event on `subjects.events(run)` (and, for a request, answered with
 * that event), and the server carries on.
 *
 * @module
 */
import type { Bus, BusMessage } from "./bus/bus.ts";
import { decode, DecodeError, encode } from "./codec.ts";
import type { OptimizerConfig, SlotState } from "./param_optimizer.ts";
import { assignShards } from "./param_shards.ts";
import {
  GradRejectedError,
  type ParamMode,
  type ParamSnapshot,
  ParamStore,
  type ParamTensor,
} from "./param_store.ts";
import { errorEvent, RejectError } from "./param_wire.ts";
import { PROTOCOL_VERSION, type Subjects, type WorkMessage } from "./protocol.ts";
import { handlePull, ReplyCache } from "./param_pull_handler.ts";
import { GradTransfers } from "./param_transfers.ts";

/** Partial gradient transfers kept at once; the oldest is dropped beyond. @default 64 */
export const MAX_PENDING_TRANSFERS = 64;

/** Options of {@linkcode startParamServer}. */
export interface ParamServerOptions {
  readonly run: string;
  readonly trialId: string;
  /** @default 0 */
  readonly shard?: number;
  readonly subjects: Subjects;
  /** The shard's parameters (copied). */
  readonly params: Readonly<Record<string, ParamTensor>>;
  readonly optimizer: OptimizerConfig;
  readonly mode: ParamMode;
  /** Starting version (e.g. from a checkpoint). @default 0 */
  readonly version?: number;
  /** Optimizer state from a checkpoint (`snapshot().optimizer`). */
  readonly optimizerState?: Readonly<Record<string, SlotState>>;
  /** @default MAX_PENDING_TRANSFERS */
  readonly maxPendingTransfers?: number;
  /** Clock of event timestamps. @default Date.now */
  readonly clock?: () => number;
}

/** Counters of a running server. */
export interface ParamServerStats {
  pulls: number;
  unchanged: number;
  pushes: number;
  accepted: number;
  rejected: number;
  errors: number;
  steps: number;
}

/** A running parameter-server shard. */
export interface ParamServer {
  readonly shard: number;
  /** Names of the parameters this shard owns. */
  readonly names: readonly string[];
  version(): number;
  /** Parameters, optimizer state and version (a deep copy, for checkpoints). */
  snapshot(): ParamSnapshot;
  stats(): Readonly<ParamServerStats>;
  /** Unsubscribes; gradients waiting for a synchronous step are dropped unanswered. */
  stop(): void;
}

type Ack = (accepted: boolean, version: number, reason?: string) => void;

/**
 * Starts one shard's server on `bus`.
 *
 * @example
 * ```ts
 * import { InProcessBus } from "./bus/in_process.ts";
 * import { startParamServer } from "./param_server.ts";
 * import { createSubjects } from "./protocol.ts";
 * const bus = new InProcessBus();
 * const server = startParamServer(bus, {
 *   run: "r1", trialId: "t0", subjects: createSubjects(),
 *   params: { w: { shape: [2], data: new Float32Array([1, 2]) } },
 *   optimizer: { kind: "sgd", lr: 0.1 }, mode: { kind: "sync", workers: 2 },
 * });
 * console.assert(server.version() === 0);
 * server.stop();
 * await bus.close();
 * ```
 */
export function startParamServer(bus: Bus, options: ParamServerOptions): ParamServer {
  const { run, trialId, subjects } = options;
  const shard = options.shard ?? 0;
  const clock = options.clock ?? Date.now;
  const maxTransfers = options.maxPendingTransfers ?? MAX_PENDING_TRANSFERS;
  const source = `param-server/${trialId}/${shard}`;
  const store = new ParamStore(options.params, {
    optimizer: options.optimizer,
    mode: options.mode,
    ...(options.version === undefined ? {} : { version: options.version }),
  });
  if (options.optimizerState) store.restoreOptimizer(options.optimizerState);
  const stats: ParamServerStats = {
    pulls: 0,
    unchanged: 0,
    pushes: 0,
    accepted: 0,
    rejected: 0,
    errors: 0,
    steps: 0,
  };
  const transfers = new GradTransfers(store.params, maxTransfers);
  const cache = new ReplyCache({ run, trialId, shard });
  let waiters: Ack[] = [];

  const report = (err: unknown, msg: BusMessage | null): void => {
    stats.errors++;
    const known = err instanceof DecodeError || err instanceof GradRejectedError ||
      err instanceof RejectError;
    const reason = known ? err.reason : "internal";
    const text = err instanceof Error ? err.message : String(err);
    const bytes = encode(errorEvent(run, source, reason, text, clock()));
    bus.publish(subjects.events(run), bytes);
    if (msg?.reply) msg.respond(bytes);
  };

  const expect = <T extends WorkMessage["type"]>(data: Uint8Array, type: T) => {
    const m = decode(data, { maxBytes: bus.maxPayload });
    if (m.type !== type) {
      throw new RejectError("unexpected-type", `expected ${type}, got ${m.type}`);
    }
    const w = m as Extract<WorkMessage, { type: T }> & { run: string; trialId: string };
    if (w.run !== run) throw new RejectError("unknown-run", `run ${w.run} is not served here`);
    if (w.trialId !== trialId) {
      throw new RejectError("unknown-trial", `trial ${w.trialId} is not served here`);
    }
    if ((w as { shard?: number }).shard !== shard) {
      throw new RejectError("wrong-shard", `this is shard ${shard}`);
    }
    return w;
  };

  const onPull = (msg: BusMessage): void => {
    try {
      const m = expect(msg.data, "param-pull");
      stats.pulls++;
      const reply = handlePull(
        m,
        store.version,
        (v) => cache.frames(v, store.version, store.params, bus.maxPayload),
      );
      if (reply.unchanged) stats.unchanged++;
      msg.respond(reply.bytes);
    } catch (err) {
      report(err, msg);
    }
  };

  const onPush = (msg: BusMessage): void => {
    let m;
    try {
      m = expect(msg.data, "grad-push");
    } catch (err) {
      return report(err, msg);
    }
    const { transfer: t, error } = transfers.add(m);
    if (error) report(error, null);
    const complete = !t.failed && t.asm.isComplete();
    if (!msg.reply && !complete) return;
    transfers.close(m);
    stats.pushes++;
    const ack: Ack = (accepted, version, reason) => {
      msg.respond(encode({
        type: "grad-ack",
        v: PROTOCOL_VERSION,
        run,
        trialId,
        shard,
        transfer: m.chunk.transfer,
        step: m.step,
        version,
        accepted,
        ...(reason === undefined ? {} : { reason }),
      }));
    };
    try {
      if (t.failed) throw t.failed;
      if (!complete) {
        throw new GradRejectedError("incomplete", `transfer ${m.chunk.transfer} lacks chunks`);
      }
      const out = store.submit(m.workerId, m.baseVersion, t.asm.tensors());
      if (out.status === "waiting") {
        waiters.push(ack);
        return;
      }
      stats.steps++;
      const release = waiters;
      waiters = [];
      for (const a of [...release, ack]) {
        stats.accepted++;
        a(true, out.version);
      }
    } catch (err) {
      stats.rejected++;
      if (err !== t.failed) report(err, null);
      ack(false, store.version, err instanceof Error ? err.message : String(err));
    }
  };

  const subs = [
    bus.subscribe(subjects.paramPull(run, trialId, shard), onPull),
    bus.subscribe(subjects.gradPush(run, trialId, shard), onPush),
  ];
  return {
    shard,
    names: [...store.params.keys()],
    version: () => store.version,
    snapshot: () => store.snapshot(),
    stats: () => ({ ...stats }),
    stop() {
      for (const s of subs) s.unsubscribe();
      waiters = [];
      transfers.clear();
      cache.clear();
    },
  };
}

/**
 * Starts `shards` servers for one trial, assigning variables by `assignShards` (greedy by
 * size); shard `i` owns `assignShards(shapes, shards)[i]`.
 */
export function startParamServers(
  bus: Bus,
  options: Omit<ParamServerOptions, "shard"> & { readonly shards: number },
): ParamServer[] {
  const shapes = Object.fromEntries(Object.entries(options.params).map(([n, p]) => [n, p.shape]));
  return assignShards(shapes, options.shards).map((names, shard) =>
    startParamServer(bus, {
      ...options,
      shard,
      params: Object.fromEntries(names.map((n) => [n, options.params[n]!])),
    })
  );
}
