// InputSpec: what a layer accepts (rank bounds, sizes of given axes, dtype), checked by Layer.apply before and
// after build, as Keras `InputSpec` and `assert_input_compatibility`.
import type { DType } from '../core/dtype.js';
import { ShapeError, ValueError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';

/** A shape whose dimensions may be unknown (null), e.g. the batch axis of a symbolic input. */
export type Shape = readonly (number | null)[];

/** Formats a shape with unknown dims: [null, 784]. */
export function fmtDims(shape: Shape): string {
  return `[${shape.map((d) => (d === null ? 'null' : String(d))).join(', ')}]`;
}

/** Options of an InputSpec; every field is optional and unchecked when absent. */
export interface InputSpecOptions {
  /** Expected dtype. */
  dtype?: DType;
  /** Expected shape (null dims match anything); implies ndim. */
  shape?: Shape;
  /** Expected rank. */
  ndim?: number;
  /** Smallest accepted rank. */
  minNdim?: number;
  /** Largest accepted rank. */
  maxNdim?: number;
  /** Sizes of given axes (negative axes count from the end), e.g. {[-1]: 784}. */
  axes?: Record<number, number | null>;
}

/** Constraints on one input of a layer (Keras `InputSpec`). */
export class InputSpec {
  readonly dtype: DType | null;
  readonly shape: Shape | null;
  readonly ndim: number | null;
  readonly minNdim: number | null;
  readonly maxNdim: number | null;
  readonly axes: Readonly<Record<number, number | null>>;

  constructor(options: InputSpecOptions = {}) {
    this.dtype = options.dtype ?? null;
    this.shape = options.shape ? [...options.shape] : null;
    this.ndim = this.shape ? this.shape.length : options.ndim ?? null;
    this.minNdim = options.minNdim ?? null;
    this.maxNdim = options.maxNdim ?? null;
    this.axes = { ...(options.axes ?? {}) };
    const maxAxis = Math.max(...Object.keys(this.axes).map(Number), -1);
    if (this.ndim !== null && maxAxis >= this.ndim)
      throw new ValueError(`InputSpec: axis ${maxAxis} is out of range for ndim ${this.ndim}`);
  }
}

/**
 * Checks inputs against a layer's spec(s); `owner` names the layer in messages (`Dense "dense_1"`).
 * A single spec applies to a single input; a list of specs applies one to one.
 */
export function assertInputCompatibility(owner: string, spec: InputSpec | readonly InputSpec[] | null,
                                         inputs: readonly Tensor[]): void {
  if (!spec) return;
  const specs = Array.isArray(spec) ? spec : [spec as InputSpec];
  if (specs.length !== inputs.length)
    throw new ValueError(`${owner}: expects ${specs.length} input(s), got ${inputs.length}`);
  specs.forEach((s, i) => checkOne(owner, s, inputs[i], specs.length === 1 ? 'input' : `input ${i}`));
}

function checkOne(owner: string, spec: InputSpec, x: Tensor, what: string): void {
  const rank = x.shape.length;
  const got = `(${what} shape ${fmtDims(x.shape)})`;
  if (spec.ndim !== null && rank !== spec.ndim)
    throw new ShapeError(`${owner}: expected ${what} of rank ${spec.ndim}, got rank ${rank} ${got}`);
  if (spec.minNdim !== null && rank < spec.minNdim)
    throw new ShapeError(`${owner}: expected ${what} of rank ≥ ${spec.minNdim}, got rank ${rank} ${got}`);
  if (spec.maxNdim !== null && rank > spec.maxNdim)
    throw new ShapeError(`${owner}: expected ${what} of rank ≤ ${spec.maxNdim}, got rank ${rank} ${got}`);
  if (spec.dtype !== null && x.dtype !== spec.dtype)
    throw new ValueError(`${owner}: expected ${what} of dtype ${spec.dtype}, got ${x.dtype} ${got}`);
  for (const [key, size] of Object.entries(spec.axes)) {
    const axis = Number(key);
    const a = axis < 0 ? rank + axis : axis;
    if (size === null) continue;
    if (a < 0 || a >= rank)
      throw new ShapeError(`${owner}: expected ${what} to have an axis ${axis} of size ${size}, got rank ${rank} ${got}`);
    // A symbolic tensor's unknown dim (-1) may still turn out right: the real call checks it.
    if (x.shape[a] !== size && x.shape[a] !== -1)
      throw new ShapeError(`${owner}: expected axis ${axis} of ${what} to have size ${size}, got ${x.shape[a]} ${got}`);
  }
  if (spec.shape && spec.shape.some((d, i) => d !== null && d !== x.shape[i] && x.shape[i] !== -1))
    throw new ShapeError(`${owner}: expected ${what} shape ${fmtDims(spec.shape)}, got ${fmtDims(x.shape)}`);
}
