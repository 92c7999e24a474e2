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
import { TUNED_MALLOC_ENV } from "./allocator.ts";

/** One Python round trip at a time, and the teardown. */
export interface PythonFloor {
  /** Runs one round trip; its time in microseconds, as Python measured it. */
  readonly roundTrip: () => Promise<number>;
  readonly close: () => Promise<void>;
}

const SCRIPT = new URL("./bus_floor.py", import.meta.url).pathname;

/** Reads stdout line by line. */
class Lines {
  #buf = "";
  readonly #reader: ReadableStreamDefaultReader<string>;
  constructor(stream: ReadableStream<Uint8Array>) {
    this.#reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  }
  async next(): Promise<string> {
    while (true) {
      const end = this.#buf.indexOf("\n");
      if (end >= 0) {
        const line = this.#buf.slice(0, end);
        this.#buf = this.#buf.slice(end + 1);
        return line;
      }
      const { value, done } = await this.#reader.read();
      if (done) throw new Error("the Python floor stopped");
      this.#buf += value;
    }
  }
  cancel(): Promise<void> {
    return this.#reader.cancel().catch(() => {});
  }
}

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
  const u = new URL(url.replace(/^nats:/, "http:"));
  const args = [SCRIPT, u.hostname, u.port || "4222", subject, `${requestBytes}`, `${replyBytes}`];
  let lastError: unknown = new Error(`no Python among ${PYTHON_CANDIDATES.join(", ")}`);
  for (const python of PYTHON_CANDIDATES) {
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(python, {
        args,
        env: TUNED_MALLOC_ENV,
        stdin: "piped",
        stdout: "piped",
        stderr: "null",
      })
        .spawn();
    } catch (err) {
      lastError = err;
      continue;
    }
    const lines = new Lines(child.stdout);
    const writer = child.stdin.getWriter();
    const te = new TextEncoder();
    const close = async () => {
      await writer.close().catch(() => {});
      await lines.cancel();
      await child.status;
    };
    try {
      if ((await lines.next()) !== "ready") throw new Error("the Python floor did not start");
    } catch (err) {
      lastError = err;
      await close();
      continue;
    }
    return {
      roundTrip: async () => {
        await writer.write(te.encode("1\n"));
        const us = Number(await lines.next());
        if (!Number.isFinite(us)) throw new Error("the Python floor answered no time");
        return us;
      },
      close,
    };
  }
  throw lastError;
}
