/**
 * Tailor: tailors a trained vision network to one piece of hardware — per-layer weight bits,
 * activation bits and channel widths under latency, energy, peak-SRAM and flash budgets read
 * from a measured hardware profile.
 *
 * This module is the public API; every symbol carries its documentation and an example
 * where it is defined.
 *
 * @example
 * ```ts ignore
 * import { initBackend, loadProfile, networkCost, graphFromLayersModel, resolveModel } from "./mod.ts";
 * await initBackend();
 * const graph = graphFromLayersModel(await resolveModel("resnet8"));
 * const cost = networkCost(graph, await loadProfile("cortex-m7-stm32h743"), { layers: {} });
 * console.log(cost.totals.latencyMs, cost.totals.peakSramBytes);
 * ```
 *
 * @module
 */

// Runtime
export { type BackendName, initBackend } from "./engine/backend.ts";

// Data
export { type Dataset, sliceDataset } from "./engine/data/dataset.ts";
export { IdxFormatError, parseIdx } from "./engine/data/idx.ts";
export {
  checkFashionMnistDir,
  DataNotFoundError,
  FASHION_MNIST_DIR,
  loadFashionMnist,
} from "./engine/data/fashion_mnist.ts";
export { syntheticDataset } from "./engine/data/synthetic.ts";
export { type Batch, batches, numBatches } from "./engine/data/batches.ts";

// Models and training
export type { Graph, GraphNode } from "./engine/models/ir.ts";
export { graphFromLayersModel, UnsupportedLayerError } from "./engine/models/from_layers.ts";
export { buildZooModel, ZOO_NAMES, type ZooName } from "./engine/models/zoo.ts";
export { loadLayersModel, resolveModel, saveLayersModel } from "./engine/models/load.ts";
export { evaluate, trainModel } from "./engine/train.ts";
export {
  type DataParallelOptions,
  ParallelTrainingError,
  trainDataParallel,
} from "./engine/train/data_parallel.ts";
export { forward } from "./engine/exec/forward.ts";
export { type Weights, weightsFromLayersModel } from "./engine/exec/weights.ts";

// Hardware profiles, costs, budgets
export type { HardwareProfile } from "./engine/profile/types.ts";
export { loadProfile } from "./engine/profile/load.ts";
export { parseProfile, validateProfile } from "./engine/profile/validate.ts";
export { networkCost } from "./engine/cost/network.ts";
export { peakSram } from "./engine/cost/memory.ts";
export { buildCostTable } from "./engine/cost/table.ts";
export { expectedCost } from "./engine/cost/expected.ts";
export type { Configuration, LayerChoice } from "./engine/cost/config.ts";
export {
  type Budget,
  BudgetInfeasibleError,
  checkFeasible,
  parseBudgets,
} from "./engine/cost/budget.ts";

// Quantization, pruning, export
export { fakeQuant } from "./engine/quant/fake_quant.ts";
export { computeQParams, type QParams } from "./engine/quant/qparams.ts";
export { quantize } from "./engine/quant/ptq.ts";
export { dataImpressions, needsImpressions } from "./engine/quant/impressions.ts";
export { qatFineTune } from "./engine/quant/qat.ts";
export { planBatchNormFolding } from "./engine/quant/fold_plan.ts";
export { pruneToRatio } from "./engine/prune/prune_to_ratio.ts";
export { surgery } from "./engine/prune/surgery.ts";
export { compensatePruned } from "./engine/prune/compensate.ts";
export { reconstructPruned } from "./engine/prune/reconstruct.ts";
export { closestPairs, mergeRedundant } from "./engine/prune/red_merge.ts";
export { exportModel, loadExport } from "./engine/export/disk.ts";

// Search
export { buildSearchSpace, EmptySearchSpaceError } from "./engine/space.ts";
export { dataDrivenSensitivity } from "./engine/sensitivity/data_driven.ts";
export { dataFreeSensitivity } from "./engine/sensitivity/data_free.ts";
export { createStrategy, STRATEGY_NAMES } from "./engine/strategies/registry.ts";
export { searchFront } from "./engine/strategies/front.ts";
export { makeSearchSpec, type SearchSpec } from "./engine/search/spec.ts";
export type { SearchResult } from "./engine/search/result.ts";
export { renderReport } from "./engine/search/report.ts";

// Actors
export { InProcessBus } from "./actors/bus/in_process.ts";
export { connectNatsBus } from "./actors/bus/nats.ts";
export { decode, DecodeError, encode, encodeParts } from "./actors/codec.ts";
export type { Payload } from "./actors/bus/payload.ts";
export { startWorker } from "./actors/worker.ts";
export { coordinateSearch } from "./actors/coordinator.ts";
