/**
 * A second floor for the small request/reply: `bench/bus_floor.py`, two Python processes
 * with blocking sockets speaking the bare NATS protocol through the same server. Beside the
 * Deno raw floor (`bus_floor.ts`, whose reads wake through Deno's event loop), it shows what
 * the server and this machine's loopback cost with no event loop at all. Each round trip is
 * asked for over a pipe and timed inside Python; the pipe is not in the figure.
 *
 * @module
 */
import { PYTHON_CANDIDATES } from "./torch_peer.ts";
import { hostPort } from "./bus_floor.ts";
import { type ProcessFloor, spawnFloor } from "./bus_floor_process.ts";

/** One Python round trip at a time, and the teardown. */
export type PythonFloor = ProcessFloor;

const SCRIPT = new URL("./bus_floor.py", import.meta.url).pathname;

/**
 * Starts the Python floor on the server at `url` (`nats://host:port`, no credentials):
 * requests of `requestBytes` on `subject`, replies of `replyBytes`. Throws when no Python
 * starts or the floor does not come up.
 */
export async function openPythonFloor(
  url: string,
  subject: string,
  requestBytes: number,
  replyBytes: number,
): Promise<PythonFloor> {
  const args = [SCRIPT, ...hostPort(url), subject, `${requestBytes}`, `${replyBytes}`];
  let lastError: unknown = new Error(`no Python among ${PYTHON_CANDIDATES.join(", ")}`);
  for (const python of PYTHON_CANDIDATES) {
    try {
      return await spawnFloor(python, args, "Python floor");
    } catch (err) {
      // A Python that ran and stopped says more than one that is not installed.
      if (!(err instanceof Deno.errors.NotFound)) lastError = err;
    }
  }
  throw lastError;
}
