/**
 * A third floor for the small request/reply: `bench/bus_floor.c`, the Python floor's two
 * processes in C, compiled on the spot by the machine's C compiler (`$CC`, else `cc`). Its
 * `block` mode waits in a blocking read like the Python floor, without the interpreter; its
 * `spin` mode polls the socket without ever sleeping, so the requester pays no wake-up: the
 * difference between the two is what waking a sleeping thread costs on this machine, a cost
 * that any event-loop client (Deno's, Node.js's) pays on every reply.
 *
 * @module
 */
import { hostPort } from "./bus_floor.ts";
import { type ProcessFloor, spawnFloor } from "./bus_floor_process.ts";

/** How the C floor's requester waits for its reply. */
export type CFloorMode = "block" | "spin";

/** One C round trip at a time, and the teardown. */
export type CFloor = ProcessFloor;

const SOURCE = new URL("./bus_floor.c", import.meta.url).pathname;

/** Compiles `bus_floor.c` into `dir`; the binary's path. Throws with the compiler's output. */
export async function compileCFloor(dir: string): Promise<string> {
  const cc = Deno.env.get("CC") || "cc";
  const binary = `${dir}/bus_floor`;
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(cc, { args: ["-O2", "-o", binary, SOURCE], stdin: "null" })
      .output();
  } catch (err) {
    throw new Error(`no C compiler (${cc}): ${err instanceof Error ? err.message : err}`);
  }
  if (!out.success) {
    const why = new TextDecoder().decode(out.stderr).trim().split("\n").slice(0, 5).join("\n");
    throw new Error(`${cc} could not compile ${SOURCE}:\n${why}`);
  }
  return binary;
}

let binary: Promise<string> | null = null;

/**
 * The C floor's binary, compiled on first use into a temp directory that goes when the
 * process exits; later calls share it (a failed compile is not retried).
 */
function cFloorBinary(): Promise<string> {
  binary ??= (async () => {
    const dir = await Deno.makeTempDir({ prefix: "tailor-cfloor-" });
    const removeDir = () => {
      try {
        Deno.removeSync(dir, { recursive: true });
      } catch { /* already gone */ }
    };
    globalThis.addEventListener("unload", removeDir);
    try {
      return await compileCFloor(dir);
    } catch (err) {
      globalThis.removeEventListener("unload", removeDir);
      removeDir();
      throw err;
    }
  })();
  return binary;
}

/**
 * Starts the C floor (compiled on first use) on the server at `url` (`nats://host:port`, no
 * credentials): requests of `requestBytes` on `subject`, replies of `replyBytes`, the
 * requester waiting as `mode` says. Throws when there is no compiler or the floor does not
 * come up.
 */
export async function openCFloor(
  url: string,
  subject: string,
  requestBytes: number,
  replyBytes: number,
  mode: CFloorMode,
): Promise<CFloor> {
  const args = [...hostPort(url), subject, `${requestBytes}`, `${replyBytes}`, mode];
  return spawnFloor(await cFloorBinary(), args, `C floor (${mode})`);
}
