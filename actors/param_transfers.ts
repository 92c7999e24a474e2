/**
 * Reassembly of chunked gradient pushes on the server side: one `TensorAssembler` per
 * (worker, transfer), with each part checked against the shard's parameters before any
 * memory is allocated for it, and a bound on the transfers kept at once.
 *
 * @module
 */
import { TensorAssembler } from "./chunks.ts";
import { GradRejectedError, type ParamTensor } from "./param_store.ts";
import type { GradPushMessage } from "./protocol.ts";

/** One transfer in progress. */
export interface GradTransfer {
  readonly asm: TensorAssembler;
  /** Why the transfer is refused, once a chunk did not fit. */
  failed?: GradRejectedError;
}

/** The outcome of adding one chunk. */
export interface AddResult {
  readonly transfer: GradTransfer;
  /** Set when this chunk made the transfer fail. */
  readonly error?: GradRejectedError;
}

/** Gradient transfers of one shard. */
export class GradTransfers {
  #params: ReadonlyMap<string, ParamTensor>;
  #max: number;
  #open = new Map<string, GradTransfer>();

  constructor(params: ReadonlyMap<string, ParamTensor>, maxOpen: number) {
    this.#params = params;
    this.#max = maxOpen;
  }

  #check(parts: GradPushMessage["parts"]): void {
    for (const p of parts) {
      const own = this.#params.get(p.name);
      if (!own) throw new GradRejectedError("unknown-variable", `no parameter "${p.name}" here`);
      if (p.shape.reduce((a, b) => a * b, 1) !== own.data.length) {
        throw new GradRejectedError(
          "shape-mismatch",
          `gradient of "${p.name}" has shape [${p.shape}], parameter [${own.shape}]`,
        );
      }
    }
  }

  /** Adds the chunk of `m` to its transfer (opening it; dropping the oldest beyond the max). */
  add(m: GradPushMessage): AddResult {
    const key = `${m.workerId}/${m.chunk.transfer}`;
    let t = this.#open.get(key);
    if (!t) {
      t = { asm: new TensorAssembler() };
      this.#open.set(key, t);
      if (this.#open.size > this.#max) this.#open.delete(this.#open.keys().next().value!);
    }
    if (t.failed) return { transfer: t };
    try {
      this.#check(m.parts);
      t.asm.add(m.chunk, m.parts);
      return { transfer: t };
    } catch (err) {
      t.failed = err instanceof GradRejectedError
        ? err
        : new GradRejectedError("bad-chunk", (err as Error).message);
      return { transfer: t, error: t.failed };
    }
  }

  /** Forgets the transfer of `m`. */
  close(m: GradPushMessage): void {
    this.#open.delete(`${m.workerId}/${m.chunk.transfer}`);
  }

  /** Forgets every transfer. */
  clear(): void {
    this.#open.clear();
  }
}
