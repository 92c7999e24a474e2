/**
 * Starts a real `nats-server` on a free loopback port, for tests, benchmarks and local
 * development: optional JetStream in a temporary directory, `stop()` and `restart()` (same
 * port and store, for fault tests).
 *
 * @module
 */

/** The server binary looked up on PATH. @default "nats-server" */
export const NATS_SERVER_BIN = "nats-server";
/** How long to wait for the server to accept connections. @default 10000 */
export const DEFAULT_START_TIMEOUT_MS = 10_000;

/** Options of `startNatsServer`. */
export interface NatsServerOptions {
  /** Enable JetStream with a temporary store directory. @default false */
  readonly jetstream?: boolean;
  /** Max payload in bytes (server default 1 MiB when absent). */
  readonly maxPayload?: number;
  /** More command-line arguments (e.g. `["--auth", TOKEN]`). @default [] */
  readonly extraArgs?: readonly string[];
  /** Binary to run. @default NATS_SERVER_BIN */
  readonly bin?: string;
  /** Startup timeout in ms. @default DEFAULT_START_TIMEOUT_MS */
  readonly timeoutMs?: number;
}

/** A running server. */
export interface NatsServer {
  /** `nats://127.0.0.1:PORT`. */
  readonly url: string;
  readonly port: number;
  /** The JetStream store directory, if JetStream is on. */
  readonly storeDir: string | null;
  /** Stops the server (and removes the store); idempotent. */
  stop(): Promise<void>;
  /** Stops and starts the server again on the same port and store. */
  restart(): Promise<void>;
}

/** `nats-server` is not installed. */
export class NatsServerMissingError extends Error {
  constructor(bin: string, options?: { cause?: unknown }) {
    super(`Cannot start ${bin}: it is not installed (apt-get install nats-server)`, options);
    this.name = "NatsServerMissingError";
  }
}

/** A free TCP port on 127.0.0.1 (bound, read, released). */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

async function waitForPort(port: number, child: Deno.ChildProcess, timeoutMs: number) {
  const deadline = performance.now() + timeoutMs;
  let exited = false;
  child.status.then(() => (exited = true));
  while (performance.now() < deadline) {
    if (exited) throw new Error(`nats-server on port ${port} exited during startup`);
    try {
      const c = await Deno.connect({ hostname: "127.0.0.1", port });
      c.close();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  throw new Error(`nats-server did not accept connections on port ${port} within ${timeoutMs} ms`);
}

/**
 * Starts `nats-server -a 127.0.0.1 -p PORT [-js -sd DIR]` and waits until it accepts
 * connections. Throws `NatsServerMissingError` when the binary is missing.
 *
 * @example
 * ```ts ignore
 * import { startNatsServer } from "./nats_server.ts";
 * const server = await startNatsServer({ jetstream: true });
 * console.log(server.url);
 * await server.stop();
 * ```
 */
export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServer> {
  const bin = options.bin ?? NATS_SERVER_BIN;
  const timeoutMs = options.timeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  const port = freePort();
  const storeDir = options.jetstream ? await Deno.makeTempDir({ prefix: "tailor-nats-" }) : null;
  let configFile: string | null = null;
  const args = ["-a", "127.0.0.1", "-p", String(port)];
  if (storeDir) args.push("-js", "-sd", storeDir);
  if (options.maxPayload !== undefined) {
    configFile = await Deno.makeTempFile({ prefix: "tailor-nats-", suffix: ".conf" });
    await Deno.writeTextFile(configFile, `max_payload: ${options.maxPayload}\n`);
    args.push("-c", configFile);
  }
  args.push(...(options.extraArgs ?? []));
  let child: Deno.ChildProcess | null = null;
  const spawn = async () => {
    try {
      child = new Deno.Command(bin, { args, stdin: "null", stdout: "null", stderr: "null" })
        .spawn();
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) {
        throw new NatsServerMissingError(bin, { cause: err });
      }
      throw err;
    }
    try {
      await waitForPort(port, child, timeoutMs);
    } catch (err) {
      await kill();
      throw err;
    }
  };
  const kill = async () => {
    const c = child;
    child = null;
    if (!c) return;
    try {
      c.kill("SIGTERM");
    } catch { /* already gone */ }
    await c.status;
  };
  const cleanup = async () => {
    for (const path of [storeDir, configFile]) {
      if (path) await Deno.remove(path, { recursive: true }).catch(() => {});
    }
  };
  // A process that exits without stop() (Deno.exit, the end of its script) takes its server
  // and temporary files with it instead of leaving them running.
  const onUnload = () => {
    try {
      (child as Deno.ChildProcess | null)?.kill("SIGTERM");
    } catch { /* already gone */ }
    for (const path of [storeDir, configFile]) {
      try {
        if (path) Deno.removeSync(path, { recursive: true });
      } catch { /* already removed */ }
    }
  };
  try {
    await spawn();
  } catch (err) {
    await cleanup();
    throw err;
  }
  globalThis.addEventListener("unload", onUnload);
  let stopped = false;
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      globalThis.removeEventListener("unload", onUnload);
      await kill();
      await cleanup();
    },
    restart: async () => {
      if (stopped) {
        throw new Error(`Cannot restart the nats-server on port ${port}: it was stopped`);
      }
      await kill();
      await spawn();
    },
  };
}
