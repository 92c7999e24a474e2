/**
 * `scale`: data-parallel resnet8 training through the parameter server on NATS with 1, 2
 * and 4 worker processes: steps per second, speed-up and the parameter-server share of a
 * step.
 *
 * @module
 */
import type { Suite } from "../suite.ts";

/** The scale suite. */
export const scaleSuite: Suite = {
  name: "scale",
  description:
    "resnet8 data-parallel steps/s with 1, 2, 4 worker processes via the parameter server",
  async run(options) {
    const { benchScale } = await import("../scale.ts");
    return await benchScale({
      log: options.log,
      ...(options.reps === undefined ? {} : { steps: options.reps }),
      ...(options.warmup === undefined ? {} : { warmup: options.warmup }),
    });
  },
};
