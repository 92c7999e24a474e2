/**
 * What Tailor needs from the machine, and how to check for it.
 *
 * @module
 */

/** One machine requirement, satisfied by a Debian package. */
export interface Requirement {
  readonly description: string;
  readonly debianPackage: string;
  readonly present: () => Promise<boolean>;
}

/** The Fashion-MNIST files the Debian package `dataset-fashion-mnist` installs. */
export const FASHION_MNIST_FILES: readonly string[] = [
  "train-images-idx3-ubyte.gz",
  "train-labels-idx1-ubyte.gz",
  "t10k-images-idx3-ubyte.gz",
  "t10k-labels-idx1-ubyte.gz",
];

const DATASET_DIR = "/usr/share/datasets/fashion-mnist";

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

async function onPath(binary: string): Promise<boolean> {
  const dirs = (Deno.env.get("PATH") ?? "").split(":").concat(["/usr/sbin", "/usr/bin"]);
  for (const dir of dirs) {
    if (dir && await exists(`${dir}/${binary}`)) return true;
  }
  return false;
}

/** Every requirement of the main job and the test suite. */
export const REQUIREMENTS: readonly Requirement[] = [
  {
    description: "nats-server",
    debianPackage: "nats-server",
    present: () => onPath("nats-server"),
  },
  {
    description: `Fashion-MNIST (${DATASET_DIR})`,
    debianPackage: "dataset-fashion-mnist",
    present: async () => {
      for (const f of FASHION_MNIST_FILES) {
        if (!await exists(`${DATASET_DIR}/${f}`)) return false;
      }
      return true;
    },
  },
];

/** The requirements not met on this machine. */
export async function missingRequirements(): Promise<Requirement[]> {
  const out: Requirement[] = [];
  for (const r of REQUIREMENTS) {
    if (!await r.present()) out.push(r);
  }
  return out;
}
