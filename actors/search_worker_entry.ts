/**
 * Web Worker entry of the local search (`deno task search` without `--nats`): a worker
 * actor with the search's job handlers, on its own wasm backend (one core each).
 *
 * @module
 */
import { initBackend } from "../engine/backend.ts";
import { searchHandlers } from "./search_handlers.ts";
import { serveWebWorker } from "./web_worker_host.ts";

serveWebWorker(async (bus, subjects) => {
  await initBackend();
  return searchHandlers(bus, subjects);
});
