// Tracing: runs a function on symbolic tensors and records every op applied to them into a FuncGraph.
// Ops whose inputs are all concrete still run eagerly and enter the graph as constants (constant folding by
// construction); variables become graph state and their assignments become assignVariable nodes.
import { isDType } from '../../src/core/dtype.js';
import { ShapeError, TraceError, ValueError, fmtShape } from '../../src/core/errors.js';
import { Tensor, type SymbolicInfo } from '../../src/core/tensor.js';
import { Variable, setVariableTracer, type VariableTracer } from '../../src/core/variable.js';
import { apply, apply1, setTraceHook, type TraceHook } from '../../src/ops/dispatch.js';
import type { Attrs, Primitive, TensorInfo } from '../../src/ops/registry.js';
import { FuncGraph, type InputSpec, type OutputStructure, type Value } from '../ir/func-graph.js';
import { fmtType } from '../ir/printer.js';
import { assignVariablePrim, updateSlicePrim } from '../ir/state-ops.js';
import { userLocation } from '../../src/core/source-location.js';

/** What a traced function may return: a tensor, an array of tensors or a record of tensors. */
export type TraceOutput = Tensor | Tensor[] | Record<string, Tensor>;

/** Options of trace(). */
export interface TraceOptions {
  /** The graph's name (default: the function's name, else "fn"). */
  name?: string;
}

/** What a symbolic tensor carries: its graph and value. */
class TracedValue implements SymbolicInfo {
  constructor(readonly graph: FuncGraph, readonly value: Value) {}

  describe(): string {
    const v = this.value, g = this.graph;
    switch (v.def.kind) {
      case 'node': {
        const loc = v.def.node.location;
        return `output of ${v.def.node.op} ${fmtType(v)} in @${g.name}` + (loc ? ` (${v.def.node.op} called at ${loc})` : '');
      }
      case 'input':
        return `input ${v.def.index}${v.name ? ` "${v.name}"` : ''} ${fmtType(v)} of @${g.name}`;
      case 'state':
        return `value of variable "${v.def.variable.name}" ${fmtType(v)} in @${g.name}`;
      default:
        return `constant ${fmtType(v)} of @${g.name}`;
    }
  }
}

/** A tensor that owns a reference to t's storage, so that tidy() scopes cannot free a graph's constant. */
function retain(t: Tensor): Tensor {
  const s = t.concreteStorage('trace');
  s.refs++;
  const owned = new Tensor(t.shape, t.dtype, null);
  owned.storage = s;
  return owned;
}

/** Records ops (TraceHook) and variable reads and writes (VariableTracer) into one graph. */
class Tracer implements TraceHook, VariableTracer {
  private readonly constants = new Map<Tensor, Value>();
  /** Each variable's value at the current point of the trace (its state value, or what was last assigned). */
  private readonly current = new Map<Variable, Tensor>();
  private readonly stateTensors = new Map<Variable, Tensor>();

  constructor(readonly graph: FuncGraph) {}

  symbolic(v: Value): Tensor {
    return new Tensor(v.shape, v.dtype, null, new TracedValue(this.graph, v));
  }

  valueOf(t: Tensor, op: string): Value {
    if (t.symbolic) {
      if (!(t.symbolic instanceof TracedValue) || t.symbolic.graph !== this.graph)
        throw new TraceError(`${op}: input is the ${t.symbolic.describe()}, which belongs to another traced ` +
          `function than @${this.graph.name}; pass it in as an input instead`);
      return t.symbolic.value;
    }
    let c = this.constants.get(t);
    if (!c) {
      c = this.graph.addConstant(retain(t));
      this.constants.set(t, c);
    }
    return c;
  }

  record(prim: Primitive, inputs: Tensor[], attrs: Attrs, out: TensorInfo[]): Tensor[] {
    const values = inputs.map((t) => this.valueOf(t, prim.name));
    return this.graph.addNode(prim, values, attrs, out, userLocation()).outputs.map((v) => this.symbolic(v));
  }

  readVariable(v: Variable): Tensor {
    return this.read(v);
  }

  read(v: Variable): Tensor {
    let t = this.current.get(v);
    if (!t) {
      t = this.stateTensor(v);
      this.current.set(v, t);
    }
    return t;
  }

  write(v: Variable, value: Tensor, begin?: readonly number[]): void {
    const full = begin ? apply1(updateSlicePrim, [this.read(v), value], { begin: [...begin] }) : value;
    apply(assignVariablePrim, [this.stateTensor(v), full], {});
    this.current.set(v, full);
  }

  private stateTensor(v: Variable): Tensor {
    let t = this.stateTensors.get(v);
    if (!t) {
      t = this.symbolic(this.graph.addState(v));
      this.stateTensors.set(v, t);
    }
    return t;
  }
}

function checkSpec(name: string, spec: InputSpec, i: number): void {
  if (!Array.isArray(spec.shape) || spec.shape.some((d) => !Number.isInteger(d) || d < 0))
    throw new ShapeError(`trace @${name}: input ${i} shape must be a list of non-negative integers, ` +
      `got ${Array.isArray(spec.shape) ? fmtShape(spec.shape) : String(spec.shape)}`);
  if (spec.dtype !== undefined && !isDType(spec.dtype))
    throw new ValueError(`trace @${name}: input ${i} has unknown dtype ${JSON.stringify(spec.dtype)}`);
}

function flattenOutput(name: string, result: unknown): { tensors: Tensor[]; structure: OutputStructure } {
  const bad = (what: string) =>
    new ValueError(`trace @${name}: the function must return a Tensor, an array or a record of Tensors, got ${what}`);
  if (result instanceof Tensor) return { tensors: [result], structure: { kind: 'tensor' } };
  if (Array.isArray(result)) {
    result.forEach((t, i) => {
      if (!(t instanceof Tensor)) throw bad(`an array whose element ${i} is ${t instanceof Variable ? 'a Variable' : typeof t}`);
    });
    return { tensors: result as Tensor[], structure: { kind: 'array' } };
  }
  if (result !== null && typeof result === 'object' && Object.getPrototypeOf(result) === Object.prototype) {
    const entries = Object.entries(result);
    for (const [k, t] of entries) if (!(t instanceof Tensor)) throw bad(`a record whose "${k}" is ${typeof t}`);
    return { tensors: entries.map(([, t]) => t as Tensor), structure: { kind: 'record', keys: entries.map(([k]) => k) } };
  }
  throw bad(result === null ? 'null' : result instanceof Variable ? 'a Variable (return v.read())' : typeof result);
}

/**
 * Traces `fn` into a FuncGraph: calls it once on symbolic tensors of the given input specs (shape, dtype
 * default float32, optional name) and records the ops it applies. Concrete tensors it uses become constants,
 * variables it reads or assigns become graph state. Reading tensor values on the host inside `fn` throws
 * TraceError. Traces may nest; each records only into its own graph.
 */
export function trace(fn: (...inputs: Tensor[]) => TraceOutput, inputSpecs: readonly InputSpec[],
                      options: TraceOptions = {}): FuncGraph {
  const name = options.name ?? (fn.name || 'fn');
  inputSpecs.forEach((s, i) => checkSpec(name, s, i));
  const graph = new FuncGraph(name);
  const tracer = new Tracer(graph);
  const prevHook = setTraceHook(tracer);
  const prevVariables = setVariableTracer(tracer);
  try {
    const inputs = inputSpecs.map((s) => tracer.symbolic(graph.addInput(s)));
    const { tensors, structure } = flattenOutput(name, fn(...inputs));
    graph.outputs = tensors.map((t) => tracer.valueOf(t, `trace @${name} output`));
    graph.structure = structure;
  } finally {
    setTraceHook(prevHook);
    setVariableTracer(prevVariables);
  }
  return graph;
}

export { FuncGraph, type InputSpec } from '../ir/func-graph.js';
