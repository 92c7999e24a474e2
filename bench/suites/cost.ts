/**
 * `cost`: how fast a whole-network cost query runs (it sits inside search loops), and, when
 * the closed-loop benchmark is present, how well the `local-wasm` profile predicts measured
 * latency on this machine.
 *
 * @module
 */
import type { BenchRecord } from "../record.ts";
import type { Suite } from "../suite.ts";

/** The cost suite. */
export const costSuite: Suite = {
  name: "cost",
  description: "cost query time; latency prediction error of local-wasm vs measured",
  async run(options) {
    const { benchCostQuery } = await import("../cost_query.ts");
    const cases = options.cases?.filter((c) => c === "resnet8" || c === "mobilenet-tiny") as
      | ("resnet8" | "mobilenet-tiny")[]
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
