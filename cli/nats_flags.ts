/**
 * NATS connection flags shared by `search --nats`, `worker` and `coordinator`:
 * `--nats URL [--creds FILE] [--nkey-seed FILE] [--tls-ca FILE] [--tls-cert FILE]
 * [--tls-key FILE]`, with `NATS_TOKEN`, `NATS_USER` / `NATS_PASSWORD` from the environment
 * (secrets never go on the command line, and are never printed).
 *
 * @module
 */
import { connectNatsBus, type NatsBus } from "../actors/bus/nats.ts";
import type { FlagSpec } from "./args.ts";

/** The parseArgs table of the NATS flags. */
export const NATS_FLAGS = {
  nats: { type: "string" },
  creds: { type: "string" },
  "nkey-seed": { type: "string" },
  "tls-ca": { type: "string" },
  "tls-cert": { type: "string" },
  "tls-key": { type: "string" },
} as const satisfies FlagSpec;

/** Connects to NATS with the given flags (`name` identifies the client to the server). */
export async function connectFromFlags(
  f: Partial<Record<keyof typeof NATS_FLAGS, string | undefined>>,
  name: string,
): Promise<NatsBus> {
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
