/**
 * `cost`: how fast a whole-network cost query runs (it sits inside search loops), and, when
 * the closed-loop benchmark is present, how well the `local-wasm` profile predicts measured
 * latency on this machine.
 *
 * @module
 */
import type { BenchRecord } from "../record.ts";
import type { Suite } from "../suite.ts";

/** Models of the cost-query cases (`--models` selects among them). */
const COST_MODELS = ["resnet8", "mobilenet-tiny"] as const;

/** The cost suite. */
export const costSuite: Suite = {
  name: "cost",
  description: "cost query time (--models resnet8,mobilenet-tiny); latency prediction error " +
    "of local-wasm vs measured (every model)",
  checkCases(cases) {
    const unknown = cases.find((c) => !(COST_MODELS as readonly string[]).includes(c));
    if (unknown !== undefined) {
      throw new RangeError(
        `Cannot bench model "${unknown}" in suite cost: known models are ${COST_MODELS.join(", ")}`,
      );
    }
  },
  async run(options) {
    const { benchCostQuery } = await import("../cost_query.ts");
    const cases = options.cases?.filter((c) => (COST_MODELS as readonly string[]).includes(c)) as
      | typeof COST_MODELS[number][]
      | undefined;
    const records: BenchRecord[] = (await benchCostQuery({
      ...(cases && cases.length > 0 ? { cases } : {}),
      ...(options.reps ? { reps: options.reps } : {}),
    })) as unknown as BenchRecord[];
    try {
      const mod = await import("../cost_closed_loop.ts");
      records.push(...(await mod.benchCostClosedLoop({ log: options.log })));
    } catch (e) {
      options.log(`cost: closed-loop latency check unavailable: ${(e as Error).message}`);
    }
    return records;
  },
};
