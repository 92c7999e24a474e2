import assert from "node:assert/strict";
import {
  intFlag,
  numberFlag,
  oneLine,
  parseFlags,
  requireFlag,
  UsageError,
} from "../../cli/args.ts";

Deno.test("parseFlags() returns values and turns unknown flags into a UsageError", () => {
  const spec = { model: { type: "string" }, force: { type: "boolean" } } as const;
  assert.deepEqual({ ...parseFlags(["--model", "x", "--force"], spec) }, {
    model: "x",
    force: true,
  });
  assert.throws(() => parseFlags(["--nope"], spec), UsageError);
  assert.throws(() => parseFlags(["positional"], spec), UsageError);
});

Deno.test("intFlag() parses integers at or above min and names the flag otherwise", () => {
  assert.equal(intFlag("12", "epochs", { min: 1 }), 12);
  assert.equal(intFlag(undefined, "seed", { fallback: 0 }), 0);
  assert.throws(() => intFlag("1.5", "epochs", { min: 1 }), /--epochs must be an integer >= 1/);
  assert.throws(() => intFlag("0", "epochs", { min: 1 }), UsageError);
  assert.throws(() => intFlag("", "epochs"), UsageError);
});

Deno.test("numberFlag() and requireFlag() reject out-of-range and missing values", () => {
  assert.equal(numberFlag("0.002", "lr", { fallback: 1e-3 }), 0.002);
  assert.equal(numberFlag(undefined, "lr", { fallback: 1e-3 }), 1e-3);
  assert.throws(() => numberFlag("0", "lr", { fallback: 1 }), /--lr must be a number in \(0/);
  assert.equal(numberFlag("0", "ls", { fallback: 1, allowZero: true }), 0);
  assert.throws(() => numberFlag("2", "lr", { fallback: 1, max: 1 }), UsageError);
  assert.equal(requireFlag("a", "model"), "a");
  assert.throws(() => requireFlag(undefined, "model"), /missing required flag --model/);
});

Deno.test("oneLine() keeps every line of a message, joined readably", () => {
  assert.equal(
    oneLine("Invalid profile p.json: 2 issues\n  name: bad\n  kind: bad"),
    "Invalid profile p.json: 2 issues; name: bad; kind: bad",
  );
  assert.equal(oneLine("CSV x (1 issue):\n  x:1: no header"), "CSV x (1 issue): x:1: no header");
  assert.equal(oneLine("ambiguous.\nUse '--seed=-1'.\n"), "ambiguous. Use '--seed=-1'.");
});
