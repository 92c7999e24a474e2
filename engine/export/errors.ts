/**
 * The one error a broken export raises.
 *
 * @module
 */

/** What is wrong with a file of an export. */
export type ExportProblem = "missing" | "truncated" | "checksum" | "version" | "malformed";

/**
 * An export directory that cannot be loaded faithfully: a file is missing, shorter or
 * longer than recorded, fails its checksum, has an unsupported format version, or is
 * malformed. `file` names the file (relative to the export directory).
 */
export class ExportFormatError extends Error {
  /** The file at fault, e.g. `weights.bin`. */
  readonly file: string;
  /** The kind of problem. */
  readonly problem: ExportProblem;
  /** Builds the error; the message reads `Cannot load export: FILE: DETAIL`. */
  constructor(file: string, problem: ExportProblem, detail: string, options?: ErrorOptions) {
    super(`Cannot load export: ${file}: ${detail}`, options);
    this.name = "ExportFormatError";
    this.file = file;
    this.problem = problem;
  }
}
