/**
 * Provisions what a fresh machine lacks for Tailor's main job and tests: the Debian packages
 * `nats-server` and `dataset-fashion-mnist`. Installs them with apt-get when running as root;
 * otherwise stops with the exact command to run. Idempotent and quiet when all is present.
 *
 * Usage: `deno task setup` (the `test` and `search` tasks run it first).
 *
 * @module
 */
import { FASHION_MNIST_FILES, missingRequirements, type Requirement } from "./requirements.ts";

async function run(cmd: string, args: string[]): Promise<boolean> {
  const child = new Deno.Command(cmd, {
    args,
    stdin: "null",
    stdout: "inherit",
    stderr: "inherit",
    env: { DEBIAN_FRONTEND: "noninteractive" },
  }).spawn();
  const status = await child.status;
  return status.success;
}

function isRoot(): boolean {
  try {
    return Deno.uid() === 0;
  } catch {
    return false;
  }
}

async function main(): Promise<number> {
  const missing = await missingRequirements();
  if (missing.length === 0) return 0;
  const packages = [...new Set(missing.map((r: Requirement) => r.debianPackage))];
  const what = missing.map((r) => r.description).join(", ");
  if (!isRoot()) {
    console.error(
      `tailor setup: missing ${what}. Install it with: sudo apt-get install -y ${
        packages.join(" ")
      }`,
    );
    return 1;
  }
  console.error(`tailor setup: missing ${what}; installing ${packages.join(" ")} with apt-get`);
  const updated = await run("apt-get", ["update", "-q"]);
  const installed = updated &&
    await run("apt-get", ["install", "-y", "-q", "--no-install-recommends", ...packages]);
  const still = await missingRequirements();
  if (!installed || still.length > 0) {
    console.error(
      `tailor setup: could not install ${packages.join(" ")} (still missing: ${
        still.map((r) => r.description).join(", ") || "none"
      }). Run: apt-get update && apt-get install -y ${packages.join(" ")}`,
    );
    return 1;
  }
  console.error(`tailor setup: installed ${packages.join(" ")}`);
  return 0;
}

if (import.meta.main) {
  Deno.exit(await main());
}

export { FASHION_MNIST_FILES };
