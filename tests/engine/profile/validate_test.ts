import assert from "node:assert/strict";
import { ProfileError } from "../../../engine/profile/errors.ts";
import { parseProfile, validateProfile } from "../../../engine/profile/validate.ts";
import { brokenProfile, tinyProfile } from "./fixtures.ts";

/** The messages of all issues, as `path: message`. */
function issuesOf(json: unknown): string[] {
  return validateProfile(json).map((i) => `${i.path}: ${i.message}`);
}

Deno.test("validateProfile() accepts the fixture profile", () => {
  assert.deepEqual(issuesOf(tinyProfile()), []);
});

Deno.test("validateProfile() names the path and value of a wrongly typed field", () => {
  const issues = issuesOf(brokenProfile((j) => (j.memory.sramBytes = "512k")));
  assert.deepEqual(issues, ['memory.sramBytes: must be a positive integer, got "512k"']);
});

Deno.test("validateProfile() rejects negative numbers with their path", () => {
  const issues = issuesOf(brokenProfile((j) => {
    j.clockHz = -5;
    j.measured[0].latency.stdMs = -0.1;
    j.analytic.bytesPerCycle = 0;
  }));
  assert.deepEqual(issues, [
    "clockHz: must be a positive number, got -5",
    "measured[0].latency.stdMs: must be a non-negative number, got -0.1",
    "analytic.bytesPerCycle: must be a positive number, got 0",
  ]);
});

Deno.test("validateProfile() accepts an optional positive latency.medianMs and nothing else new", () => {
  const ok = brokenProfile((j) => (j.measured[0].latency.medianMs = 0.24));
  assert.deepEqual(issuesOf(ok), []);
  const issues = issuesOf(brokenProfile((j) => {
    j.measured[0].latency.medianMs = 0;
    j.measured[0].latency.p90Ms = 0.3;
  }));
  assert.equal(issues.length, 2);
  assert.ok(issues.includes("measured[0].latency.medianMs: must be a positive number, got 0"));
  assert.ok(issues.some((i) => i.startsWith("measured[0].latency.p90Ms")), issues.join("; "));
});

Deno.test("validateProfile() checks a row's epilogue and keys rows by it", () => {
  assert.deepEqual(
    issuesOf(brokenProfile((j) => (j.measured[0].epilogue = ["batchnorm", "relu6"]))),
    [],
  );
  const bad = issuesOf(brokenProfile((j) => (j.measured[0].epilogue = ["batchnorm", "gelu"])));
  assert.deepEqual(bad, [
    'measured[0].epilogue[1]: must be one of batchnorm, relu, relu6, softmax, got "gelu"',
  ]);
  // Same op, shape and bits with two epilogues: two rows. Twice the same epilogue: a duplicate.
  const two = (e2: string[]) =>
    issuesOf(brokenProfile((j) => {
      j.measured[0].epilogue = ["relu"];
      j.measured.push({ ...j.measured[0], epilogue: e2 });
    }));
  assert.deepEqual(two(["batchnorm", "relu"]), []);
  assert.equal(two(["relu"]).length, 1);
});

Deno.test("validateProfile() rejects an unknown op in supported and in a measured row", () => {
  const issues = issuesOf(brokenProfile((j) => {
    j.supported.lstm = [[8, 8]];
    j.measured[0].op = "lstm";
  }));
  assert.ok(issues.some((m) => m.startsWith("supported.lstm: is not a known key")), issues.join());
  assert.ok(
    issues.includes(
      'measured[0].op: must be one of conv2d, depthwise, dense, add, pool, got "lstm"',
    ),
  );
});

Deno.test("validateProfile() lists every missing required field", () => {
  const issues = issuesOf(brokenProfile((j) => {
    delete j.clockHz;
    delete j.provenance.notes.clockHz;
    delete j.provenance.date;
    delete j.measured[0].shape.groups;
  }));
  assert.deepEqual(issues.sort(), [
    "clockHz: is required",
    "measured[0].shape.groups: is required",
    "provenance.date: is required",
  ]);
});

Deno.test("validateProfile() rejects malformed and out-of-range bit pairs", () => {
  const issues = issuesOf(brokenProfile((j) => {
    j.supported.conv2d = [[8, 8], [8], [4, 8], [0, 8], [8, 8]];
  }));
  assert.ok(
    issues.includes("supported.conv2d[1]: must be a [w, a] bit pair, got [8]"),
    issues.join(),
  );
  assert.ok(
    issues.includes("supported.conv2d[3][0]: must be a bit-width, an integer 1..32, got 0"),
  );
  assert.ok(issues.includes("supported.conv2d[4]: duplicates pair [8, 8]"));
});

Deno.test("validateProfile() requires w === a for weightless ops", () => {
  const issues = issuesOf(brokenProfile((j) => (j.supported.add = [[4, 8]])));
  assert.ok(
    issues.includes("supported.add[0]: add has no weights: write [8, 8], got [4, 8]"),
    issues.join(),
  );
});

Deno.test("validateProfile() rejects a measured row whose bits the op does not support", () => {
  const issues = issuesOf(brokenProfile((j) => (j.measured[0].abits = 4)));
  assert.deepEqual(issues, ["measured[0]: bit pair w8a4 is not in supported.conv2d (w8a8, w4a8)"]);
});

Deno.test("validateProfile() requires an analytic rate and an energy figure for every supported pair", () => {
  const issues = issuesOf(brokenProfile((j) => {
    j.analytic.macsPerCycle.dense = [{ w: 8, a: 8, value: 1 }, { w: 2, a: 2, value: 4 }];
    j.energy.pjPerMac = [{ w: 8, a: 8, value: 0.3 }];
  }));
  assert.ok(issues.includes("analytic.macsPerCycle.dense: has no entry for supported pair w4a8"));
  assert.ok(issues.includes("analytic.macsPerCycle.dense: pair w2a2 is not in supported.dense"));
  assert.ok(issues.includes("energy.pjPerMac: has no entry for w4a8 (supported by conv2d)"));
});

Deno.test("validateProfile() rejects unknown source ids, duplicate row keys and bad notes", () => {
  const issues = issuesOf(brokenProfile((j) => {
    j.measured.push(structuredClone(j.measured[0]));
    j.measured[0].source = "nowhere";
    j.provenance.notes["memory.dramBytes"] = "S datasheet";
    j.provenance.notes["clockHz"] = "measured on the bench";
  }));
  assert.ok(
    issues.some((m) =>
      m.startsWith(
        'measured[0].source: must be the id of a provenance.sources entry (lab), got "nowhere"',
      )
    ),
    issues.join("\n"),
  );
  assert.ok(
    issues.includes(
      'provenance.notes["memory.dramBytes"]: must be the JSON path of a value in this profile',
    ),
  );
  assert.ok(
    issues.some((m) =>
      m.startsWith('provenance.notes["clockHz"]: must start with a tag M, S or D')
    ),
  );
});

Deno.test("validateProfile() detects two measured rows with the same key", () => {
  const issues = issuesOf(brokenProfile((j) => j.measured.push(structuredClone(j.measured[0]))));
  assert.deepEqual(issues, [
    "measured[1]: has the same key (op, shape, bits, batch, epilogue) as measured[0]",
  ]);
});

Deno.test("validateProfile() rejects a wrong format, bad date and non-object root", () => {
  assert.deepEqual(issuesOf([]), [": must be an object, got []"]);
  const issues = issuesOf(brokenProfile((j) => {
    j.format = "tailor-profile/v2";
    j.provenance.date = "2025-02-30";
  }));
  assert.deepEqual(issues, [
    'format: must be "tailor-profile/v1", got "tailor-profile/v2"',
    'provenance.date: must be an ISO date YYYY-MM-DD, got "2025-02-30"',
  ]);
});

Deno.test("parseProfile() throws a ProfileError carrying every issue and the source", () => {
  const json = brokenProfile((j) => {
    j.memory.sramBytes = "512k";
    j.kind = "fpga";
  });
  let err: unknown;
  try {
    parseProfile(json, "board.json");
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof ProfileError);
  assert.equal(err.issues.length, 2);
  assert.equal(err.source, "board.json");
  assert.match(err.message, /board\.json: 2 issues/);
  assert.match(err.message, /memory\.sramBytes: must be a positive integer, got "512k"/);
});

Deno.test("parseProfile() returns a copy that does not alias the input", () => {
  const json = tinyProfile();
  const profile = parseProfile(json);
  assert.deepEqual(profile, json);
  assert.notEqual(profile.memory, json.memory);
});
