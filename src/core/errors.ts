/** Base class of every error Kiln throws on purpose. */
export class KilnError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Incompatible shapes, wrong rank, out-of-range axis. */
export class ShapeError extends KilnError {}

/** Wrong dtype, bad argument value, unknown name. */
export class ValueError extends KilnError {}

/** A tensor's values were read on the host while tracing; names the op and the source location. */
export class TraceError extends KilnError {}

/** Use of a disposed tensor or variable. */
export class DisposedError extends KilnError {}

/** A malformed graph or a failure to compile one (names the graph and the node). */
export class CompileError extends KilnError {}

/** A saved file that cannot be written or read back (names the file and the field at fault). */
export class SavingError extends KilnError {}

/** Formats a shape the way error messages show it: [2, 3]. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** A compiled artifact (manifest, weights file or library) that is malformed, corrupted or from another version. */
export class ArtifactError extends KilnError {}
