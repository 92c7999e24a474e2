/**
 * A request/reply floor that runs in a child process (`bus_floor.py`, `bus_floor.c`): each
 * stdin line "N" runs N round trips there and answers one stdout line of N times in
 * microseconds, measured inside the child, so that the pipe is not in the figure. The child
 * prints "ready" once connected and stops both its processes at the end of its input.
 *
 * @module
 */
import { TUNED_MALLOC_ENV } from "./allocator.ts";

/** One round trip at a time through a child floor, and the teardown. */
export interface ProcessFloor {
  /** Runs one round trip; its time in microseconds, as the child measured it. */
  readonly roundTrip: () => Promise<number>;
  readonly close: () => Promise<void>;
}

/** Reads stdout line by line. */
class Lines {
  #buf = "";
  readonly #reader: ReadableStreamDefaultReader<string>;
  constructor(
    stream: ReadableStream<Uint8Array>,
    readonly label: string,
    readonly why: () => Promise<string>,
  ) {
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
      if (done) {
        const why = await this.why();
        throw new Error(`the ${this.label} stopped${why ? `: ${why}` : ""}`);
      }
      this.#buf += value;
    }
  }
  cancel(): Promise<void> {
    return this.#reader.cancel().catch(() => {});
  }
}

/**
 * Spawns `command args` (with the tuned allocator) and waits for its "ready". Throws when it
 * does not start or stops first, with its last stderr line; `label` names it in errors
 * ("Python floor").
 */
export async function spawnFloor(
  command: string,
  args: readonly string[],
  label: string,
): Promise<ProcessFloor> {
  const child = new Deno.Command(command, {
    args: [...args],
    env: TUNED_MALLOC_ENV,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // Its last stderr line says why it stopped, when it did.
  const stderr = new Response(child.stderr).text().then(
    (t) => t.trim().split("\n").at(-1) ?? "",
    () => "",
  );
  const lines = new Lines(child.stdout, label, () => stderr);
  const writer = child.stdin.getWriter();
  const te = new TextEncoder();
  const close = async () => {
    await writer.close().catch(() => {});
    await lines.cancel();
    await child.status;
  };
  try {
    if ((await lines.next()) !== "ready") throw new Error(`the ${label} did not start`);
  } catch (err) {
    await close();
    throw err;
  }
  return {
    roundTrip: async () => {
      await writer.write(te.encode("1\n"));
      const us = Number(await lines.next());
      if (!Number.isFinite(us)) throw new Error(`the ${label} answered no time`);
      return us;
    },
    close,
  };
}
