// The IR: a FuncGraph is a straight-line SSA function over Values of static shape and dtype. Values come from
// graph inputs (placeholders), state (one per variable the function touches), constants (concrete tensors
// captured while tracing) or node outputs; each Node applies one registry primitive.
import type { DType } from '../../src/core/dtype.js';
import { CompileError } from '../../src/core/errors.js';
import type { Tensor } from '../../src/core/tensor.js';
import type { Variable } from '../../src/core/variable.js';
import type { Attrs, Primitive, TensorInfo } from '../../src/ops/registry.js';

/** Where a value comes from. */
export type ValueDef =
  | { readonly kind: 'input'; readonly index: number }
  | { readonly kind: 'state'; readonly variable: Variable }
  | { readonly kind: 'constant'; readonly tensor: Tensor }
  | { readonly kind: 'node'; readonly node: Node; readonly index: number };

/** An SSA value: defined once, with a static shape and dtype. */
export class Value implements TensorInfo {
  constructor(readonly graph: FuncGraph, readonly id: number, readonly shape: readonly number[],
              readonly dtype: DType, readonly def: ValueDef, readonly name?: string) {}
}

/** One application of a primitive. */
export class Node {
  /** The node's results (empty for state updates). */
  outputs: Value[] = [];

  constructor(readonly prim: Primitive, readonly inputs: Value[], readonly attrs: Attrs,
              /** `file:line:col` of the user code that called the op (captured while tracing), or null. */
              readonly location: string | null) {}

  /** The primitive's registry name. */
  get op(): string {
    return this.prim.name;
  }
}

/** A graph input's declared signature. */
export interface InputSpec {
  readonly shape: readonly number[];
  readonly dtype?: DType;
  readonly name?: string;
}

/** How the traced function returned its tensors (so callers can rebuild the same structure). */
export type OutputStructure =
  | { readonly kind: 'tensor' }
  | { readonly kind: 'array' }
  | { readonly kind: 'record'; readonly keys: readonly string[] };

/** A traced function: inputs, state, constants, nodes in execution order, outputs. */
export class FuncGraph {
  readonly inputs: Value[] = [];
  /** One value per variable read or assigned: the variable's value when the graph starts. */
  readonly state: Value[] = [];
  readonly constants: Value[] = [];
  readonly nodes: Node[] = [];
  outputs: Value[] = [];
  structure: OutputStructure = { kind: 'array' };
  private nextId = 0;

  constructor(readonly name: string) {}

  /** Adds a placeholder input. */
  addInput(spec: InputSpec): Value {
    const v = this.newValue(spec.shape, spec.dtype ?? 'float32', { kind: 'input', index: this.inputs.length },
      spec.name);
    this.inputs.push(v);
    return v;
  }

  /** Adds the state value of `variable` (its value at graph entry). */
  addState(variable: Variable): Value {
    const v = this.newValue(variable.shape, variable.dtype, { kind: 'state', variable }, variable.name);
    this.state.push(v);
    return v;
  }

  /** Adds a constant holding `tensor` (the graph keeps a reference; the tensor must stay alive). */
  addConstant(tensor: Tensor): Value {
    const v = this.newValue(tensor.shape, tensor.dtype, { kind: 'constant', tensor });
    this.constants.push(v);
    return v;
  }

  /** Appends a node applying `prim`; its outputs get the given shapes and dtypes. */
  addNode(prim: Primitive, inputs: Value[], attrs: Attrs, out: readonly TensorInfo[],
          location: string | null = null): Node {
    const node = new Node(prim, inputs, attrs, location);
    node.outputs = out.map((o, index) => this.newValue(o.shape, o.dtype, { kind: 'node', node, index }));
    this.nodes.push(node);
    return node;
  }

  /** The state value of `variable`, if the graph has one. */
  stateOf(variable: Variable): Value | undefined {
    return this.state.find((s) => s.def.kind === 'state' && s.def.variable === variable);
  }

  /** The variable a state value stands for. */
  variableOf(state: Value): Variable {
    if (state.def.kind !== 'state') throw new CompileError(`@${this.name}: value %${state.id} is not a state value`);
    return state.def.variable;
  }

  private newValue(shape: readonly number[], dtype: DType, def: ValueDef, name?: string): Value {
    return new Value(this, this.nextId++, [...shape], dtype, def, name);
  }
}
