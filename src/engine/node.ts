// The functional API's bookkeeping (Keras `Node` and `KerasTensor`): a symbolic tensor carries its history (the
// layer that made it, which call of that layer, which of its outputs); a Node records one call of a layer on
// symbolic tensors. Layer.apply on symbolic tensors lands in symbolicCall, which finds the output shapes by
// tracing the layer's apply() on placeholders, so no layer needs hand-written shape code.
import { trace } from '../../compiler/trace/trace.js';
import type { DType } from '../core/dtype.js';
import { TraceError, ValueError } from '../core/errors.js';
import { Tensor, type SymbolicInfo } from '../core/tensor.js';
import { flattenOutputs, type AnyLayer, type ApplyOptions, type LayerIO, type LayerOutput } from './layer.js';
import type { Shape } from './input-spec.js';
import { getMask, setMask } from './mask.js';

/** Every functional-API symbolic tensor belongs to this one "graph": the layer graph, not a FuncGraph. */
const LAYER_GRAPH = {};

/** Size of an unknown dimension in a symbolic tensor's shape (shown to users as null). */
export const UNKNOWN_DIM = -1;

/** Where a functional-API symbolic tensor comes from (Keras `_keras_history`). */
export class KerasHistory implements SymbolicInfo {
  readonly graph = LAYER_GRAPH;

  constructor(readonly layer: AnyLayer, readonly nodeIndex: number, readonly tensorIndex: number) {}

  /** The node (call of `layer`) that produced the tensor. */
  get node(): Node {
    return inboundNodes(this.layer)[this.nodeIndex];
  }

  describe(): string {
    return `output ${this.tensorIndex} of layer "${this.layer.name}" (call ${this.nodeIndex}) of the functional API`;
  }
}

// The mask of a symbolic tensor: only its shape matters (concrete masks are computed when the model runs).
class SymbolicMask implements SymbolicInfo {
  readonly graph = LAYER_GRAPH;

  describe(): string {
    return 'mask of a symbolic tensor of the functional API';
  }
}

/** One call of a layer on symbolic tensors (Keras `Node`). */
export class Node {
  constructor(
    /** The layer called. */
    readonly layer: AnyLayer,
    /** Position in the layer's inbound nodes. */
    readonly index: number,
    /** The symbolic inputs (empty for an InputLayer's node). */
    readonly inputs: readonly Tensor[],
    /** Whether the layer was given a list (rather than one tensor). */
    readonly listInput: boolean,
    /** The symbolic outputs. */
    readonly outputs: readonly Tensor[],
    /** Whether the layer returned a list (or a record). */
    readonly listOutput: boolean,
    /** The training flag given to this call, if any (it then overrides the model's). */
    readonly training: boolean | undefined,
    /** The keys of a record the layer returned (a functional model with dict outputs), in `outputs` order. */
    readonly outputKeys: readonly string[] | null = null,
  ) {}
}

/** The tensors a call gave, in `node.outputs` order (a record's by the node's keys). */
export function nodeOutputs(node: Node, out: LayerOutput): Tensor[] {
  if (node.outputKeys && !(out instanceof Tensor) && !Array.isArray(out)) return node.outputKeys.map((k) => out[k]);
  return flattenOutputs(out);
}

const nodes = new WeakMap<AnyLayer, Node[]>();

/** The nodes recorded by calls of `layer` on symbolic tensors, in call order (Keras `_inbound_nodes`). */
export function inboundNodes(layer: AnyLayer): Node[] {
  let list = nodes.get(layer);
  if (!list) nodes.set(layer, (list = []));
  return list;
}

/** True for a symbolic tensor of the functional API (Keras `KerasTensor`). */
export function isKerasTensor(x: unknown): boolean {
  return x instanceof Tensor && x.symbolic instanceof KerasHistory;
}

/** The history of a functional-API symbolic tensor. */
export function kerasHistory(t: Tensor): KerasHistory {
  if (!(t.symbolic instanceof KerasHistory))
    throw new ValueError(`expected a symbolic tensor of the functional API (from kiln.input() or a layer applied ` +
      `to one), got ${t.toString()}`);
  return t.symbolic;
}

/** A symbolic tensor's shape with unknown dims as null: [null, 784]. */
export function kerasShape(t: Tensor): Shape {
  return t.shape.map((d) => (d === UNKNOWN_DIM ? null : d));
}

/** A new symbolic tensor of the functional API (its unknown dims as UNKNOWN_DIM). */
export function makeKerasTensor(shape: readonly number[], dtype: DType, history: KerasHistory,
                                maskShape: readonly number[] | null = null): Tensor {
  const t = new Tensor(shape, dtype, null, history);
  if (maskShape) setMask(t, new Tensor(maskShape, 'bool', null, new SymbolicMask()));
  return t;
}

/** Appends a node to its layer's inbound nodes. */
export function recordNode(node: Node): void {
  const list = inboundNodes(node.layer);
  if (node.index !== list.length) throw new Error(`kiln: node ${node.index} of "${node.layer.name}" out of order`);
  list.push(node);
}

interface TensorSpec {
  shape: number[];
  dtype: DType;
}

interface CallSpec {
  outputs: TensorSpec[];
  masks: (number[] | null)[];
  listOutput: boolean;
  outputKeys: string[] | null;
}

function labelOf(layer: AnyLayer): string {
  return `${layer.constructor.name} "${layer.name}"`;
}

// Runs layer.apply on traced placeholders, unknown dims set to `size`; only shapes and dtypes come out.
function traceCall(layer: AnyLayer, xs: readonly Tensor[], listInput: boolean, training: boolean | undefined,
                   size: number): CallSpec {
  const concrete = (shape: readonly number[]): number[] => shape.map((d) => (d === UNKNOWN_DIM ? size : d));
  const masks = xs.map(getMask);
  const specs = [
    ...xs.map((x) => ({ shape: concrete(x.shape), dtype: x.dtype })),
    ...masks.flatMap((m) => (m ? [{ shape: concrete(m.shape), dtype: 'bool' as const }] : [])),
  ];
  let listOutput = false;
  let outputKeys: string[] | null = null;
  let nOut = 0;
  let outMasks: boolean[] = [];
  const run = (...ts: Tensor[]): Tensor[] => {
    const ins = ts.slice(0, xs.length);
    let k = xs.length;
    masks.forEach((m, i) => {
      if (m) setMask(ins[i], ts[k++]);
    });
    const out = layer.apply(listInput ? ins : ins[0], training === undefined ? {} : { training });
    listOutput = !(out instanceof Tensor);
    outputKeys = out instanceof Tensor || Array.isArray(out) ? null : Object.keys(out);
    const outs = flattenOutputs(out);
    nOut = outs.length;
    const ms = outs.map(getMask);
    outMasks = ms.map((m) => m !== null);
    return [...outs, ...ms.filter((m): m is Tensor => m !== null)];
  };
  let graph;
  try {
    graph = trace(run, specs, { name: layer.name });
  } catch (e) {
    if (!(e instanceof TraceError)) throw e;
    throw new TraceError(`${labelOf(layer)}: call() cannot be traced to find its output shape (${e.message}); ` +
      `declare the layer dynamic: true and implement computeOutputShape()`);
  }
  let k = nOut;
  return {
    outputs: graph.outputs.slice(0, nOut).map((v) => ({ shape: [...v.shape], dtype: v.dtype })),
    masks: outMasks.map((has) => (has ? [...graph.outputs[k++].shape] : null)),
    listOutput,
    outputKeys,
  };
}

// Dims that differ between two traces with different placeholder sizes depend on an unknown dim.
function mergeShapes(a: number[], b: number[]): number[] {
  return a.map((d, i) => (d === b[i] ? d : UNKNOWN_DIM));
}

// Placeholder sizes for unknown dims, tried pair by pair until both traces of a pair succeed. The first pair is
// large enough for common kernels and pools (a 3×3 'valid' conv fails on 2) and far enough apart that a dim
// computed from an unknown one differs between the two traces for any stride up to 9 (2 and 3 both pool to 1,
// which would look known), yet small, since a recurrent layer traces one step per time step. Larger pairs cover
// big kernels and deep nested models; the smallest, layers that need tiny sizes.
const PROBE_SIZES: readonly (readonly [number, number])[] = [[8, 17], [32, 71], [256, 521], [2, 3], [1, 4]];

// Traces the layer with two placeholder sizes for the unknown dims and keeps the dims the sizes do not change.
function probeCall(layer: AnyLayer, xs: readonly Tensor[], listInput: boolean,
                   training: boolean | undefined): CallSpec {
  if (!xs.some((x) => x.shape.includes(UNKNOWN_DIM) || (getMask(x)?.shape.includes(UNKNOWN_DIM) ?? false)))
    return traceCall(layer, xs, listInput, training, 1);
  let first: unknown = null;
  for (const [a, b] of PROBE_SIZES) {
    try {
      const spec = traceCall(layer, xs, listInput, training, a);
      const again = traceCall(layer, xs, listInput, training, b);
      spec.outputs.forEach((o, i) => (o.shape = mergeShapes(o.shape, again.outputs[i].shape)));
      spec.masks = spec.masks.map((m, i) => (m ? mergeShapes(m, again.masks[i]!) : null));
      return spec;
    } catch (e) {
      // A host read of a traced value is no matter of sizes: report it at once.
      if (e instanceof TraceError) throw e;
      first ??= e;
    }
  }
  throw first;
}

// A dynamic layer is never traced: its computeOutputShape gives the shapes, its dtype the dtype.
function dynamicCall(layer: AnyLayer, xs: readonly Tensor[], listInput: boolean): CallSpec {
  const shapes = xs.map(kerasShape);
  const inputShape = listInput ? shapes : shapes[0];
  const result = layer.computeOutputShape(inputShape);
  const listOutput = result.length > 0 && Array.isArray(result[0]);
  const outShapes = (listOutput ? result : [result]) as Shape[];
  const mask = layer.supportsMasking ? getMask(xs[0]) : null;
  return {
    outputs: outShapes.map((s) => ({ shape: s.map((d) => d ?? UNKNOWN_DIM), dtype: layer.dtype })),
    masks: outShapes.map(() => (mask ? [...mask.shape] : null)),
    listOutput,
    outputKeys: null,
  };
}

/**
 * Layer.apply on symbolic tensors (Keras `__call__` in the functional API): finds the output shapes, dtypes and
 * masks (by tracing, or computeOutputShape for a dynamic layer), records a Node and returns symbolic outputs.
 */
export function symbolicCall(layer: AnyLayer, inputs: LayerIO, options: ApplyOptions): LayerOutput {
  const listInput = Array.isArray(inputs);
  const xs = Array.isArray(inputs) ? inputs : [inputs];
  xs.forEach((x, i) => {
    if (!isKerasTensor(x))
      throw new ValueError(`${labelOf(layer)}: input ${i} is ${x.toString()}, but the other inputs are symbolic ` +
        `tensors of the functional API; all inputs of a layer call must come from kiln.input() or layers`);
  });
  if (options.mask !== undefined)
    throw new ValueError(`${labelOf(layer)}: explicit masks are not supported on symbolic inputs; masks travel ` +
      `with the tensors (from Embedding maskZero, Masking, ...)`);
  // As Keras: built from the symbolic shapes (unknown dims null), so weights never depend on placeholder sizes.
  layer.buildFromSymbolic(xs, listInput);
  let spec: CallSpec;
  if (layer.dynamic) {
    spec = dynamicCall(layer, xs, listInput);
  } else {
    spec = probeCall(layer, xs, listInput, options.training);
  }
  const index = inboundNodes(layer).length;
  const outputs = spec.outputs.map((o, i) =>
    makeKerasTensor(o.shape, o.dtype, new KerasHistory(layer, index, i), spec.masks[i]));
  recordNode(new Node(layer, index, xs, listInput, outputs, spec.listOutput, options.training, spec.outputKeys));
  if (spec.outputKeys) return Object.fromEntries(spec.outputKeys.map((key, i) => [key, outputs[i]]));
  return spec.listOutput ? outputs : outputs[0];
}
