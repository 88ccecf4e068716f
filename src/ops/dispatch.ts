// Dispatch of every public op: symbolic inputs record an IR node through the tracing hook; concrete inputs run
// the eager kernel and are recorded on the active gradient tapes.
import { ValueError } from '../core/errors.js';
import { Tensor, type TensorLike } from '../core/tensor.js';
import { Variable } from '../core/variable.js';
import type { DType } from '../core/dtype.js';
import type { Attrs, Primitive, TensorInfo } from './registry.js';
import { cachedScalar } from './scalar-cache.js';

/** Implemented by compiler/trace while a function is being traced. */
export interface TraceHook {
  /** Records a node; returns its symbolic outputs. */
  record(prim: Primitive, inputs: Tensor[], attrs: Attrs, out: TensorInfo[]): Tensor[];
  /** A symbolic value standing for a variable's current value in the traced graph. */
  readVariable(v: Variable): Tensor;
}

/** Implemented by src/autodiff: records an executed op on every tape that watches one of its inputs. */
export interface TapeHook {
  readonly active: boolean;
  record(prim: Primitive, inputs: Tensor[], outputs: Tensor[], attrs: Attrs): void;
}

/** Implemented by src/engine: raw ops on symbolic tensors of the functional API become automatic op-layers. */
export interface LayerGraphHook {
  /** True when `t` is a symbolic tensor of the functional API. */
  owns(t: Tensor): boolean;
  /** Applies the primitive as an op-layer; returns its symbolic outputs. */
  record(prim: Primitive, inputs: Tensor[], attrs: Attrs): Tensor[];
  /** Applies a whole shape-dependent op (see defineShapeDependentOp) as an op-layer; returns its symbolic output. */
  recordShapeDependent(name: string, args: readonly unknown[]): Tensor;
}

let traceHook: TraceHook | null = null;
let layerGraphHook: LayerGraphHook | null = null;
let tapeHook: TapeHook | null = null;

/** @internal Installs (or removes) the tracing hook; returns the previous one. */
export function setTraceHook(h: TraceHook | null): TraceHook | null {
  const prev = traceHook;
  traceHook = h;
  return prev;
}

/** @internal Installs the functional API's op-layer hook. */
export function setLayerGraphHook(h: LayerGraphHook): void {
  layerGraphHook = h;
}

type ShapeDependentOp = (...args: never[]) => Tensor;
const shapeDependentOps = new Map<string, ShapeDependentOp>();

/**
 * Declares a composite op whose result depends on dim sizes read on the host (mean's element count). Symbolic
 * tensors of the functional API have no size yet for unknown dims (the batch), so on them the whole op becomes
 * one op-layer that runs it once the sizes are known, instead of baking a placeholder size into the graph.
 */
export function defineShapeDependentOp<A extends unknown[]>(name: string, fn: (...args: A) => Tensor): (...args: A) => Tensor {
  shapeDependentOps.set(name, fn as unknown as ShapeDependentOp);
  return (...args: A): Tensor => {
    const hook = layerGraphHook;
    if (hook && args.some((a) => a instanceof Tensor && hook.owns(a))) return hook.recordShapeDependent(name, args);
    return fn(...args);
  };
}

/** @internal The function declared under `name` with defineShapeDependentOp. */
export function getShapeDependentOp(name: string): ((...args: unknown[]) => Tensor) | undefined {
  return shapeDependentOps.get(name) as ((...args: unknown[]) => Tensor) | undefined;
}

/** @internal */
export function setTapeHook(h: TapeHook): void {
  tapeHook = h;
}

/** True while a function is being traced. */
export function isTracing(): boolean {
  return traceHook !== null;
}

/** True while a GradientTape records executed ops (kiln.jit then runs graphs through dispatch). */
export function isTapeRecording(): boolean {
  return tapeHook?.active ?? false;
}

/** An op input: a tensor, a variable (read), or a number (a scalar of `dtype`). */
export type OpInput = TensorLike | Variable;

/** Turns an op input into a tensor; numbers become scalars of `dtype`. */
export function toTensor(x: OpInput, dtype: DType = 'float32'): Tensor {
  if (x instanceof Tensor) return x;
  if (x instanceof Variable) return traceHook ? traceHook.readVariable(x) : x.read();
  if (typeof x === 'number') return cachedScalar(x, dtype);
  throw new ValueError(`expected a Tensor, Variable or number, got ${describe(x)}`);
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array (use kiln.tensor() to make a tensor)';
  return typeof x === 'object' ? (x as object).constructor?.name ?? 'object' : typeof x;
}

/** Runs a primitive on tensors (the single entry point of all ops). */
export function apply<A extends Attrs>(prim: Primitive<A>, inputs: Tensor[], attrs: A): Tensor[] {
  let symbolic = false;
  for (const t of inputs) if (t.symbolic) symbolic = true;
  // Before infer: functional-API tensors have unknown (-1) dims that only the op-layer's tracing resolves.
  if (symbolic && layerGraphHook && inputs.some((t) => layerGraphHook!.owns(t)))
    return layerGraphHook.record(prim as unknown as Primitive, inputs, attrs);
  const out = prim.infer(inputs, attrs);
  // State and random ops are recorded while tracing even without symbolic inputs: they must run at every
  // execution of the graph, not once at trace time.
  if (symbolic || (traceHook && (prim.kind === 'state' || prim.kind === 'random'))) {
    if (!traceHook) throw new ValueError(`${prim.name}: symbolic input outside of tracing`);
    return traceHook.record(prim as unknown as Primitive, inputs, attrs, out);
  }
  for (const t of inputs) t.concreteStorage(prim.name);
  const outputs = prim.eager(inputs, attrs, out);
  if (tapeHook?.active && prim.grad) tapeHook.record(prim as unknown as Primitive, inputs, outputs, attrs);
  return outputs;
}

/** apply() for single-output primitives. */
export function apply1<A extends Attrs>(prim: Primitive<A>, inputs: Tensor[], attrs: A): Tensor {
  return apply(prim, inputs, attrs)[0];
}
