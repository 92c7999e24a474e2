/**
 * The bookkeeping every training loop shares (training, data-parallel training, QAT, the
 * pruning fine-tune): the mean loss per epoch, a divergence check on every step's loss, a
 * progress event per step, a per-epoch history, and a yield to the event loop every
 * `YIELD_MS` of synchronous work so that timers and signal handlers (Ctrl-C clean-up) run.
 *
 * @module
 */

/** Milliseconds of synchronous training between yields to the event loop. */
export const YIELD_MS = 500;

/** Progress of a training run, reported after every step. */
export interface TrainProgress {
  /** Current epoch, 1-based. */
  readonly epoch: number;
  readonly epochs: number;
  /** Step within the epoch, 1-based. */
  readonly step: number;
  readonly stepsPerEpoch: number;
  /** Mean training loss over this epoch so far. */
  readonly loss: number;
  /** Learning rate of this step. */
  readonly lr: number;
  /** Seconds since training started. */
  readonly elapsedSeconds: number;
}

/** Per-epoch record of a training run. */
export interface EpochRecord {
  readonly epoch: number;
  /** Mean training loss over the epoch. */
  readonly loss: number;
  /** Seconds the epoch took. */
  readonly seconds: number;
}

/** Options of {@linkcode StepLog}. */
export interface StepLogOptions {
  readonly epochs: number;
  readonly stepsPerEpoch: number;
  /** Names the loop in the divergence error ("Training", "Fine-tuning"). */
  readonly what: string;
  readonly onProgress?: (p: TrainProgress) => void;
}

/**
 * Per-step and per-epoch bookkeeping of one training loop.
 *
 * @example
 * ```ts
 * import { StepLog } from "./step_log.ts";
 * const log = new StepLog({ epochs: 1, stepsPerEpoch: 2, what: "Training" });
 * log.startEpoch(1);
 * await log.step(0.5, 1e-3);
 * await log.step(0.3, 1e-3);
 * log.endEpoch();
 * console.assert(log.history[0]!.loss === 0.4 && log.steps === 2);
 * ```
 */
export class StepLog {
  readonly history: EpochRecord[] = [];
  readonly #o: StepLogOptions;
  readonly #start = performance.now();
  #lastYield = this.#start;
  #epoch = 0;
  #epochStart = this.#start;
  #lossSum = 0;
  #step = 0;
  #steps = 0;

  constructor(options: StepLogOptions) {
    this.#o = options;
  }

  /** Optimizer steps logged so far, over all epochs. */
  get steps(): number {
    return this.#steps;
  }

  /** Seconds since the log was created. */
  get elapsedSeconds(): number {
    return (performance.now() - this.#start) / 1000;
  }

  /** Starts epoch `epoch` (1-based). */
  startEpoch(epoch: number): void {
    this.#epoch = epoch;
    this.#epochStart = performance.now();
    this.#lossSum = 0;
    this.#step = 0;
  }

  /**
   * Logs one step's loss (a `RangeError` naming the epoch and step when it is not finite),
   * reports progress and yields to the event loop when `YIELD_MS` have passed.
   */
  async step(loss: number, lr: number): Promise<void> {
    this.#step++;
    if (!Number.isFinite(loss)) {
      throw new RangeError(
        `${this.#o.what} diverged: loss ${loss} at epoch ${this.#epoch}, step ${this.#step}`,
      );
    }
    this.#lossSum += loss;
    this.#steps++;
    if (performance.now() - this.#lastYield > YIELD_MS) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      this.#lastYield = performance.now();
    }
    this.#o.onProgress?.({
      epoch: this.#epoch,
      epochs: this.#o.epochs,
      step: this.#step,
      stepsPerEpoch: this.#o.stepsPerEpoch,
      loss: this.#lossSum / this.#step,
      lr,
      elapsedSeconds: this.elapsedSeconds,
    });
  }

  /** Closes the epoch: its mean loss over the steps logged and its duration. */
  endEpoch(): void {
    this.history.push({
      epoch: this.#epoch,
      loss: this.#lossSum / Math.max(1, this.#step),
      seconds: (performance.now() - this.#epochStart) / 1000,
    });
  }
}
