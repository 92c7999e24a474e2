/**
 * One data-parallel worker process of the `scale` benchmark: pulls the model's parameters
 * from the parameter server over NATS, computes the gradient of one batch (the graph
 * executor in training mode, softmax cross-entropy), pushes it, and repeats. Prints one JSON
 * line with the timing of every step on stdout.
 *
 * ```
 * deno run -A bench/scale_worker.ts --nats URL --run R --trial T --worker W --index I \
 *   [--model resnet8] [--batch 64] [--steps 10] [--warmup 3] [--shards 1] [--fp16]
 * ```
 *
 * @module
 */
import process from "node:process";
import { parseArgs } from "node:util";
import { connectNatsBus } from "../actors/bus/nats.ts";
import { ParamClient } from "../actors/param_client.ts";
import type { ParamTensor } from "../actors/param_store.ts";
import { createSubjects } from "../actors/protocol.ts";
import { initBackend, tf } from "../engine/backend.ts";
import { batches } from "../engine/data/batches.ts";
import { syntheticDataset } from "../engine/data/synthetic.ts";
import { batchToTensors } from "../engine/data/to_tensors.ts";
import { forward } from "../engine/exec/forward.ts";
import { isTrainableWeight, type WeightName, type Weights } from "../engine/exec/weights.ts";
import { weightsFromLayersModel } from "../engine/exec/weights.ts";
import { graphFromLayersModel } from "../engine/models/from_layers.ts";
import type { Graph } from "../engine/models/ir.ts";
import { buildZooModel, type ZooName } from "../engine/models/zoo.ts";

/** Timing of one worker step, ms (`start` on the shared wall clock). */
export interface StepTiming {
  readonly start: number;
  readonly pullMs: number;
  readonly computeMs: number;
  readonly pushMs: number;
  readonly accepted: boolean;
}

/** What a worker prints. */
export interface WorkerReport {
  readonly worker: string;
  readonly batchSize: number;
  /** Timed steps (warm-up steps excluded). */
  readonly steps: readonly StepTiming[];
  readonly end: number;
  /** CPU time (user + system) of this process over the timed steps, ms. */
  readonly cpuMs: number;
}

/** A zoo model as graph, weights and its trainable variables by `layer/weight` name. */
export function zooTrainable(
  name: ZooName,
  seed = 0,
): { graph: Graph; weights: Weights; vars: Map<string, tf.Variable> } {
  const model = buildZooModel(name, { seed });
  const graph = graphFromLayersModel(model);
  const weights = weightsFromLayersModel(model, graph);
  model.dispose();
  const vars = new Map<string, tf.Variable>();
  for (const [layer, tensors] of Object.entries(weights)) {
    for (const [w, v] of Object.entries(tensors) as [WeightName, tf.Variable][]) {
      if (isTrainableWeight(w)) vars.set(`${layer}/${w}`, v);
    }
  }
  return { graph, weights, vars };
}

/** The initial trainable parameters of a zoo model, as the parameter server holds them. */
export function zooParams(name: ZooName, seed = 0): Record<string, ParamTensor> {
  const { vars } = zooTrainable(name, seed);
  const out: Record<string, ParamTensor> = {};
  for (const [n, v] of vars) {
    out[n] = { shape: v.shape, data: v.dataSync() as Float32Array };
    v.dispose();
  }
  return out;
}

const wall = () => performance.timeOrigin + performance.now();

async function main(): Promise<void> {
  const { values: a } = parseArgs({
    options: {
      nats: { type: "string" },
      run: { type: "string" },
      trial: { type: "string", default: "t0" },
      worker: { type: "string" },
      index: { type: "string", default: "0" },
      model: { type: "string", default: "resnet8" },
      batch: { type: "string", default: "64" },
      steps: { type: "string", default: "10" },
      warmup: { type: "string", default: "3" },
      shards: { type: "string", default: "1" },
      fp16: { type: "boolean", default: false },
    },
  });
  if (!a.nats || !a.run || !a.worker) throw new TypeError("Need --nats, --run and --worker");
  await initBackend("wasm");
  const batchSize = Number(a.batch);
  const total = Number(a.warmup) + Number(a.steps);
  const { graph, weights, vars } = zooTrainable(a.model as ZooName);
  const byVar = new Map([...vars].map(([n, v]) => [v.name, n]));
  const ds = syntheticDataset({ n: batchSize * 4, seed: 100 + Number(a.index) });
  const bus = await connectNatsBus({ servers: a.nats, name: a.worker });
  const client = new ParamClient(bus, {
    run: a.run,
    trialId: a.trial,
    workerId: a.worker,
    subjects: createSubjects(),
    shards: Number(a.shards),
    fp16: a.fp16,
  });
  const steps: StepTiming[] = [];
  let it = batches(ds, { batchSize, seed: 0 });
  let cpu0 = process.cpuUsage();
  for (let step = 0; step < total; step++) {
    if (step === total - Number(a.steps)) cpu0 = process.cpuUsage();
    const t0 = wall();
    const pulled = await client.pull();
    if (pulled.changed) {
      for (const [n, v] of vars) {
        tf.tidy(() => v.assign(tf.tensor(pulled.params[n]!, v.shape)));
      }
    }
    const t1 = wall();
    let next = it.next();
    if (next.done) next = (it = batches(ds, { batchSize, seed: step })).next();
    const { x, y } = batchToTensors(next.value!, ds);
    const { value, grads } = tf.variableGrads(
      () => tf.losses.softmaxCrossEntropy(y, forward(graph, weights, x, { training: true })),
      [...vars.values()],
    );
    const arrays: Record<string, Float32Array> = {};
    for (const [vname, g] of Object.entries(grads)) {
      arrays[byVar.get(vname)!] = g.dataSync() as Float32Array;
    }
    tf.dispose([x, y, value, ...Object.values(grads)]);
    const t2 = wall();
    const ack = await client.push(arrays, { step });
    const t3 = wall();
    if (step >= total - Number(a.steps)) {
      steps.push({
        start: t0,
        pullMs: t1 - t0,
        computeMs: t2 - t1,
        pushMs: t3 - t2,
        accepted: ack.accepted,
      });
    }
  }
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const report: WorkerReport = { worker: a.worker, batchSize, steps, end: wall(), cpuMs };
  console.log(JSON.stringify(report));
  await bus.close();
}

if (import.meta.main) await main();
