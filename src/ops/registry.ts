// The one op registry: every primitive is defined once (shape+dtype rule, gradient rule in ops, eager kernel)
// and everything else (dispatch, tapes, tracing, the interpreter, later the lowerings) looks it up here.
import type { DType } from '../core/dtype.js';
import type { Tensor } from '../core/tensor.js';

/** Shape and dtype of a value, concrete or symbolic. */
export interface TensorInfo {
  readonly shape: readonly number[];
  readonly dtype: DType;
}

/** Attributes of an op node: JSON-like values (numbers, strings, booleans, arrays of them). */
export type Attrs = Record<string, unknown>;

/** What fusion and lowering may do with an op. */
export type OpKind =
  | 'elementwise' | 'reduction' | 'contraction' | 'convolution' | 'pooling' | 'movement' | 'random' | 'state' | 'other';

/** A primitive of the IR. */
export interface Primitive<A extends Attrs = Attrs> {
  readonly name: string;
  readonly kind: OpKind;
  /** Output shapes and dtypes; throws ShapeError / ValueError naming the op. */
  infer(inputs: readonly TensorInfo[], attrs: A): TensorInfo[];
  /**
   * Gradients of the inputs given output gradients, written in public ops (so tapes nest and graph autodiff
   * reuses it). Absent: the op is not differentiable (its inputs get no gradient through it).
   */
  grad?(inputs: Tensor[], outputs: Tensor[], dys: Tensor[], attrs: A): (Tensor | null)[];
  /** Runs on concrete tensors; `out` are the inferred output infos. Returns the output tensors. */
  eager(inputs: Tensor[], attrs: A, out: TensorInfo[]): Tensor[];
}

const registry = new Map<string, Primitive>();

/** Defines and registers a primitive; names are unique. */
export function definePrimitive<A extends Attrs>(p: Primitive<A>): Primitive<A> {
  if (registry.has(p.name)) throw new Error(`kiln: primitive "${p.name}" defined twice`);
  registry.set(p.name, p as unknown as Primitive);
  return p;
}

/** The primitive registered under `name`. */
export function getPrimitive(name: string): Primitive {
  const p = registry.get(name);
  if (!p) throw new Error(`kiln: unknown primitive "${name}"`);
  return p;
}

/** All registered primitives (for tests and lowerings that must cover every one). */
export function allPrimitives(): Primitive[] {
  return [...registry.values()];
}
