/**
 * The architecture parameters of the relaxation, factorised like the space's genes: per
 * layer one logit vector over its supported `(wbits, abits)` pairs (a joint softmax, since
 * profiles support specific pairs), per width gene one logit vector over its widths.
 * Banned options (e.g. alone above the SRAM budget) carry a constant logit offset.
 *
 * @module
 */
import { tf } from "../backend.ts";
import type { Rng } from "../rng.ts";
import type { SearchSpace } from "../space/assemble.ts";
import { BANNED_LOGIT, type PathMode, sampleGate } from "./gumbel.ts";
import type { Gates } from "./supernet.ts";

/** Options banned from the start: per layer its pairs, per width gene its widths. */
export interface Bans {
  readonly pairs: readonly (readonly boolean[])[];
  readonly widths: ReadonlyMap<number, readonly boolean[]>;
}

/** Logits over the choices of a space. */
export interface Architecture {
  readonly space: SearchSpace;
  /** Per layer: logits over its pairs. */
  readonly bitLogits: readonly tf.Variable[];
  /** Per width gene with more than one width: logits over its widths. */
  readonly widthLogits: ReadonlyMap<number, tf.Variable>;
  /** Every logit variable (the optimizer's `varList`). */
  variables(): tf.Variable[];
  /** Softmax probabilities (bans applied); the caller owns the gates. */
  probabilities(): Gates;
  /** One step's gates: Gumbel-softmax at `tau`, with `paths` active options. */
  sample(opts: { readonly tau: number; readonly rng: Rng; readonly paths: PathMode }): Gates;
  /** Per layer: probabilities over its options (pair-major), from `gates`. */
  optionProbs(gates: Gates): tf.Tensor1D[];
  /** One-hot gates of a choice (option index per layer); the caller owns them. */
  oneHot(choice: ArrayLike<number>): Gates;
  /** Releases the variables and constants. */
  dispose(): void;
}

/**
 * Creates zero logits (uniform probabilities over the allowed options).
 *
 * @example
 * ```ts ignore
 * const arch = createArchitecture(space);
 * const p = arch.optionProbs(arch.probabilities());
 * ```
 */
export function createArchitecture(space: SearchSpace, bans?: Bans): Architecture {
  const zeros = (n: number): tf.Variable => tf.tidy(() => tf.variable(tf.zeros([n]), true));
  const bitLogits = space.pairs.map((p) => zeros(p.length));
  const widthLogits = new Map<number, tf.Variable>();
  space.genes.forEach((g, i) => {
    if (g.kind === "width" && g.size > 1) widthLogits.set(i, zeros(g.size));
  });
  const offsetOf = (ban: readonly boolean[] | undefined): tf.Tensor1D | undefined =>
    ban?.some((b) => b) ? tf.tensor1d(ban.map((b) => (b ? BANNED_LOGIT : 0))) : undefined;
  const bitOffsets = space.pairs.map((_, l) => offsetOf(bans?.pairs[l]));
  const widthOffsets = new Map(
    [...widthLogits.keys()].map((g) => [g, offsetOf(bans?.widths.get(g))]),
  );
  const logits = (v: tf.Variable, off: tf.Tensor1D | undefined): tf.Tensor1D =>
    (off === undefined ? v : tf.add(v, off)) as tf.Tensor1D;
  const all = (): tf.Variable[] => [...bitLogits, ...widthLogits.values()];

  function gatesFrom(make: (z: tf.Tensor1D, i: number) => tf.Tensor1D): Gates {
    const bits = bitLogits.map((v, l) => tf.tidy(() => make(logits(v, bitOffsets[l]), l)));
    const widths = new Map(
      [...widthLogits].map((
        [g, v],
        i,
      ) => [g, tf.tidy(() => make(logits(v, widthOffsets.get(g)), bits.length + i))]),
    );
    return { bits, widths };
  }

  return {
    space,
    bitLogits,
    widthLogits,
    variables: all,
    probabilities: () => gatesFrom((z) => tf.softmax(z) as tf.Tensor1D),
    sample(opts) {
      const values = tf.tidy(() =>
        all().map((v, i) => {
          const off = i < bitLogits.length
            ? bitOffsets[i]
            : widthOffsets.get([...widthLogits.keys()][i - bitLogits.length]!);
          return logits(v, off).dataSync() as Float32Array;
        })
      );
      return gatesFrom((z, i) => sampleGate(z, values[i]!, opts));
    },
    optionProbs(gates) {
      return space.layers.map((_, l) =>
        tf.tidy(() => {
          const pi = gates.bits[l]!;
          const q = gates.widths.get(space.widthGene[l]!);
          if (q === undefined) return pi.clone();
          return tf.reshape(tf.outerProduct(pi, q), [-1]) as tf.Tensor1D;
        })
      );
    },
    oneHot(choice) {
      const bits = space.layers.map((_, l) => {
        const nw = space.widths[l]!.length;
        return oneHotVector(Math.floor(choice[l]! / nw), space.pairs[l]!.length);
      });
      const widths = new Map([...widthLogits.keys()].map((g) => {
        const l = space.genes[g]!.layers[0]!;
        const w = choice[l]! % space.widths[l]!.length;
        return [g, oneHotVector(w, space.genes[g]!.size)];
      }));
      return { bits, widths };
    },
    dispose() {
      for (const v of all()) v.dispose();
      for (const o of [...bitOffsets, ...widthOffsets.values()]) o?.dispose();
    },
  };
}

function oneHotVector(i: number, n: number): tf.Tensor1D {
  if (!(Number.isInteger(i) && i >= 0 && i < n)) {
    throw new RangeError(`Option ${i} not in [0, ${n})`);
  }
  const v = new Float32Array(n);
  v[i] = 1;
  return tf.tensor1d(v);
}
