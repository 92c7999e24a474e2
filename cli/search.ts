/**
 * `deno task search`: the hardware-aware search. Not built yet (issue 5); this entry point says
 * so plainly instead of pretending, and points to what works today.
 *
 * @module
 */
if (import.meta.main) {
  console.error(
    "tailor search: the hardware-aware search is not implemented yet (see issue 5). " +
      "What works today: `deno task train`, `deno task eval`, `deno task cost`, `deno task bench`.",
  );
  Deno.exit(1);
}
