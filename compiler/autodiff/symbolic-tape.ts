// Reverse mode on symbolic tensors. While a function is being traced, a SymbolicTape sits between dispatch and
// the tracer: every op still records into the graph, and the tape also remembers the ones that depend on a
// source. Its backward pass calls the primitives' own gradient rules (the ones GradientTape uses) on symbolic
// tensors, so the gradient lands in the same graph; an enclosing SymbolicTape records that backward pass in turn
// (higher-order gradients).
import { isFloat } from '../../src/core/dtype.js';
import { ValueError } from '../../src/core/errors.js';
import { Tensor } from '../../src/core/tensor.js';
import { Variable, setVariableTracer, type VariableTracer } from '../../src/core/variable.js';
import { setTraceHook, type TraceHook } from '../../src/ops/dispatch.js';
import type { Attrs, Primitive, TensorInfo } from '../../src/ops/registry.js';
import { add } from '../../src/ops/prims/binary.js';
import { cast } from '../../src/ops/prims/cast.js';
import { ones, zerosLike } from '../../src/ops/creation.js';
import { backpropagate, type TapeEntry } from '../../src/autodiff/backprop.js';

/** What gradients can be taken with respect to: a symbolic tensor of the traced graph or a variable. */
export type SymbolicSource = Tensor | Variable;

/**
 * Records, while `run()` executes inside a trace, the ops that depend on the sources, and differentiates a
 * target with respect to them. `op` names the caller in error messages.
 */
export class SymbolicTape implements TraceHook, VariableTracer {
  private readonly entries: TapeEntry[] = [];
  /** Ids of tensors that depend on a source. */
  private readonly watched = new Set<number>();
  /** For each variable source, the tensors its reads returned (a gradient flows to each of them). */
  private readonly reads = new Map<Variable, Set<Tensor>>();
  private hook: TraceHook | null = null;
  private variables: VariableTracer | null = null;

  constructor(private readonly op: string, private readonly sources: readonly SymbolicSource[]) {
    sources.forEach((s, i) => {
      if (!isFloat(s.dtype))
        throw new ValueError(`${op}: source ${i} has dtype ${s.dtype}; only float values have gradients`);
      if (s instanceof Variable) this.reads.set(s, new Set());
      else if (s instanceof Tensor && s.isSymbolic) this.watched.add(s.id);
      else throw new ValueError(`${op}: source ${i} is ${s instanceof Tensor ? 'a concrete tensor' : typeof s}; ` +
        'inside a traced function sources must be symbolic tensors of that function or Variables');
    });
  }

  /** Runs `fn` with this tape recording (must be called while tracing). */
  run<T>(fn: () => T): T {
    const hook = setTraceHook(this);
    const variables = setVariableTracer(this);
    if (!hook || !variables) {
      setTraceHook(hook);
      setVariableTracer(variables);
      throw new ValueError(`${this.op}: a SymbolicTape records only while a function is being traced`);
    }
    this.hook = hook;
    this.variables = variables;
    try {
      return fn();
    } finally {
      setTraceHook(hook);
      setVariableTracer(variables);
      this.hook = null;
      this.variables = null;
    }
  }

  /** @internal TraceHook: records into the graph, and on the tape when an input depends on a source. */
  record(prim: Primitive, inputs: Tensor[], attrs: Attrs, out: TensorInfo[]): Tensor[] {
    const outputs = this.hook!.record(prim, inputs, attrs, out);
    if (prim.grad && inputs.some((x) => this.watched.has(x.id))) {
      this.entries.push({ prim, inputs, outputs, attrs });
      for (const o of outputs) this.watched.add(o.id);
    }
    return outputs;
  }

  /** @internal TraceHook: a variable read through an op argument. */
  readVariable(v: Variable): Tensor {
    return this.noteRead(v, this.hook!.readVariable(v));
  }

  /** @internal VariableTracer: a read through Variable.read()/peek(). */
  read(v: Variable): Tensor {
    return this.noteRead(v, this.variables!.read(v));
  }

  /** @internal VariableTracer: writes go straight to the tracer. */
  write(v: Variable, value: Tensor, begin?: readonly number[]): void {
    this.variables!.write(v, value, begin);
  }

  private noteRead(v: Variable, t: Tensor): Tensor {
    const seen = this.reads.get(v);
    if (seen) {
      seen.add(t);
      this.watched.add(t.id);
    }
    return t;
  }

  /**
   * Gradients of `target` (summed if not scalar; weighted by `seed` when given) with respect to each source,
   * in order. A source the target does not depend on gets zeros, so the result always has one tensor per source.
   * Call after run(): the backward ops record into the graph (and on any enclosing tape), not on this one.
   */
  gradient(target: Tensor, seed?: Tensor): Tensor[] {
    const grads = new Map<number, Tensor>();
    if (isFloat(target.dtype) && this.watched.has(target.id))
      grads.set(target.id, seed ? cast(seed, target.dtype) : ones(target.shape, target.dtype));
    backpropagate(this.entries, grads, (x) => this.watched.has(x.id));
    return this.sources.map((s) => {
      const parts = s instanceof Variable ? [...this.reads.get(s)!].map((t) => grads.get(t.id))
        : [grads.get(s.id)];
      let acc: Tensor | null = null;
      for (const g of parts) if (g) acc = acc ? add(acc, g) : g;
      return acc ?? zerosLike(s);
    });
  }
}
