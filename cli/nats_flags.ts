/**
 * NATS connection flags shared by `search --nats`, `worker` and `coordinator`:
 * `--nats URL [--creds FILE] [--nkey-seed FILE] [--tls-ca FILE] [--tls-cert FILE]
 * [--tls-key FILE]`, with `NATS_TOKEN`, `NATS_USER` / `NATS_PASSWORD` from the environment
 * (secrets never go on the command line, and are never printed).
 *
 * @module
 */
import { connectNatsBus, type NatsBus } from "../actors/bus/nats.ts";
import { fileErrorReason, type FlagSpec, UsageError } from "./args.ts";

/** The parseArgs table of the NATS flags. */
export const NATS_FLAGS = {
  nats: { type: "string" },
  creds: { type: "string" },
  "nkey-seed": { type: "string" },
  "tls-ca": { type: "string" },
  "tls-cert": { type: "string" },
  "tls-key": { type: "string" },
} as const satisfies FlagSpec;

/** The flags that name a file (credentials, keys, certificates). */
const FILE_FLAGS = ["creds", "nkey-seed", "tls-ca", "tls-cert", "tls-key"] as const;

/**
 * Throws a {@linkcode UsageError} naming the flag and the path when a credential or TLS file
 * cannot be read (its contents are never part of the message).
 */
async function checkFiles(f: Partial<Record<keyof typeof NATS_FLAGS, string | undefined>>) {
  for (const flag of FILE_FLAGS) {
    const path = f[flag];
    if (path === undefined) continue;
    let why: string | undefined;
    try {
      const st = await Deno.stat(path);
      if (!st.isFile) why = "not a file";
      else (await Deno.open(path, { read: true })).close();
    } catch (e) {
      why = fileErrorReason(e);
    }
    if (why !== undefined) throw new UsageError(`cannot read --${flag} ${path}: ${why}`);
  }
}

/**
 * Connects to NATS with the given flags (`name` identifies the client to the server); an
 * unreadable credential or TLS file is a {@linkcode UsageError} naming its flag.
 */
export async function connectFromFlags(
  f: Partial<Record<keyof typeof NATS_FLAGS, string | undefined>>,
  name: string,
): Promise<NatsBus> {
  await checkFiles(f);
  const env = (k: string) => Deno.env.get(k) || undefined;
  const seed = f["nkey-seed"] ? (await Deno.readTextFile(f["nkey-seed"])).trim() : undefined;
  const tls = f["tls-ca"] || f["tls-cert"] || f["tls-key"]
    ? {
      ...(f["tls-ca"] ? { caFile: f["tls-ca"] } : {}),
      ...(f["tls-cert"] ? { certFile: f["tls-cert"] } : {}),
      ...(f["tls-key"] ? { keyFile: f["tls-key"] } : {}),
    }
    : undefined;
  return await connectNatsBus({
    servers: f.nats!,
    name,
    ...(env("NATS_TOKEN") ? { token: env("NATS_TOKEN") } : {}),
    ...(env("NATS_USER") ? { user: env("NATS_USER"), pass: env("NATS_PASSWORD") } : {}),
    ...(f.creds ? { credsFile: f.creds } : {}),
    ...(seed ? { nkeySeed: seed } : {}),
    ...(tls ? { tls } : {}),
  });
}
