/**
 * An exponential moving average of variables (Polyak averaging): after every optimizer step
 * `average ← decay · average + (1 − decay) · value`, started from the values at
 * construction; {@linkcode WeightAverage.apply} writes the averages into the variables.
 *
 * @module
 */
import { tf } from "../backend.ts";

/** Exponential moving average of a list of variables. */
export class WeightAverage {
  readonly #vars: readonly tf.Variable[];
  readonly #averages: tf.Variable[];
  readonly #decay: number;

  /**
   * Starts the averages at the variables' current values. Throws a RangeError for a decay
   * outside (0, 1).
   *
   * @example
   * ```ts
   * import { initBackend, tf } from "../backend.ts";
   * import { WeightAverage } from "./weight_average.ts";
   * await initBackend();
   * const w = tf.variable(tf.scalar(0));
   * const avg = new WeightAverage([w], 0.5);
   * tf.tidy(() => w.assign(tf.scalar(4)));
   * avg.update(); // 0.5 · 0 + 0.5 · 4
   * avg.apply();
   * console.log(w.dataSync()[0]); // 2
   * avg.dispose();
   * ```
   */
  constructor(vars: readonly tf.Variable[], decay: number) {
    if (!(decay > 0 && decay < 1)) {
      throw new RangeError(`Cannot average weights with decay ${decay}: expected (0, 1)`);
    }
    this.#vars = vars;
    this.#decay = decay;
    this.#averages = vars.map((v) => {
      const copy = v.clone();
      const average = tf.variable(copy, false); // holds its own reference to the data
      copy.dispose();
      return average;
    });
  }

  /** One step of the average towards the variables' current values. */
  update(): void {
    tf.tidy(() => {
      this.#averages.forEach((a, i) => {
        a.assign(tf.add(tf.mul(a, this.#decay), tf.mul(this.#vars[i]!, 1 - this.#decay)));
      });
    });
  }

  /** Writes the averages into the variables. */
  apply(): void {
    this.#averages.forEach((a, i) => this.#vars[i]!.assign(a));
  }

  /** Frees the averages. */
  dispose(): void {
    this.#averages.forEach((a) => a.dispose());
  }
}
