// The one op registry: every primitive is defined once (shape+dtype rule, gradient rule in ops, eager kernel)
// and everything else (dispatch, tapes, tracing, the interpreter, later the lowerings) looks it up here.
import type { DType } from '../core/dtype.js';
import { kernel } from '../core/native.js';
import { Tensor } from '../core/tensor.js';

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

/** One native kernel call: the registry name of the kernel and its numeric arguments, in order. */
export interface KernelCallSpec {
  readonly kernel: string;
  readonly args: readonly (number | readonly number[])[];
}

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
  /**
   * The one native kernel call that computes the outputs from the inputs: contiguous buffers, every output
   * element written (executors reuse arena memory without zeroing it). Absent when the op needs more than one
   * call; the default eager and the plan executor (runtime/executable) run the op through it.
   */
  kernelCall?(inputs: readonly TensorInfo[], attrs: A, out: readonly TensorInfo[]): KernelCallSpec;
  /** Runs on concrete tensors; `out` are the inferred output infos. Returns the output tensors. */
  eager(inputs: Tensor[], attrs: A, out: TensorInfo[]): Tensor[];
}

/** What definePrimitive takes: a primitive whose eager may be left out when kernelCall describes it. */
export type PrimitiveDefinition<A extends Attrs> = Omit<Primitive<A>, 'eager'> & { eager?: Primitive<A>['eager'] };

/** The default eager of a primitive with a kernelCall: allocate the outputs, make the call. */
function kernelEager<A extends Attrs>(kernelCall: NonNullable<Primitive<A>['kernelCall']>):
    Primitive<A>['eager'] {
  return (inputs, attrs, out) => {
    const call = kernelCall(inputs, attrs, out);
    const outs = out.map((o) => Tensor.alloc(o.shape, o.dtype));
    kernel(call.kernel).call(inputs.map((t) => t.dataSync()), outs.map((t) => t.dataSync()), ...call.args);
    return outs;
  };
}

const registry = new Map<string, Primitive>();

/** Defines and registers a primitive; names are unique. Without an eager, kernelCall runs it. */
export function definePrimitive<A extends Attrs>(def: PrimitiveDefinition<A>): Primitive<A> {
  if (registry.has(def.name)) throw new Error(`kiln: primitive "${def.name}" defined twice`);
  const { eager, kernelCall } = def;
  if (!eager && !kernelCall) throw new Error(`kiln: primitive "${def.name}" has neither eager nor kernelCall`);
  const p: Primitive<A> = { ...def, eager: eager ?? kernelEager(kernelCall!) };
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
