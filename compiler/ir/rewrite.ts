// Graph rewriting for the passes: rebuilds a FuncGraph node by node into a fresh graph, letting a visitor copy,
// replace or drop each node. Building anew (instead of editing in place) keeps every graph append-only and in
// execution order, and lets the builder check that a replacement has exactly the type of what it replaces.
import { CompileError } from '../../src/core/errors.js';
import { Storage, Tensor } from '../../src/core/tensor.js';
import type { Attrs, Primitive } from '../../src/ops/registry.js';
import { FuncGraph, type Node, type Value } from './func-graph.js';
import { fmtCall, fmtType, valueNames } from './printer.js';
import { sameTensorInfo } from '../../src/ops/shape-utils.js';

/** What a visitor decides for one node: copy it, or replace its outputs by these values. */
export type Rewrite = 'copy' | readonly Value[];

/** The builder a visitor works with: the new graph and how source values map into it. */
export interface Rewriter {
  /** The graph being built. */
  readonly graph: FuncGraph;
  /** The new value standing for a value of the source graph. */
  value(source: Value): Value;
  /** Appends a copy of a source node with the given new-graph inputs (same attrs, types and location). */
  copy(node: Node, inputs: readonly Value[]): Value[];
  /** Appends a node (outputs typed by the primitive's infer(), location of the node being visited). */
  emit(prim: Primitive, inputs: readonly Value[], attrs: Attrs): Value[];
  /** A constant of the new graph holding `tensor`; the graph keeps its own reference (safe from tidy()). */
  constant(tensor: Tensor): Value;
  /** How a new value reads in debug logs: its source name (`%7`), or the expression that made it. */
  describe(v: Value): string;
  /** How a source node reads in debug logs, as printGraph prints it: `%7 = add(%1, %2)`. */
  source(node: Node): string;
}

/** Decides one node; `inputs` are its inputs already mapped into the new graph. */
export type NodeVisitor = (node: Node, inputs: readonly Value[], rw: Rewriter) => Rewrite;

/** A tensor sharing t's storage and holding its own reference, untracked by tidy scopes (as trace does). */
function owned(t: Tensor): Tensor {
  const s: Storage = t.concreteStorage('rewrite');
  s.refs++;
  const o = new Tensor(t.shape, t.dtype, null);
  o.storage = s;
  return o;
}

/** How a node reads in debug logs, as printGraph prints it (`%7 = add(%1, %2)`), given its graph's names. */
export function fmtNode(node: Node, names: ReadonlyMap<Value, string>): string {
  const name = (v: Value): string => names.get(v) ?? `%?${v.id}`;
  const outs = node.outputs.length ? `${node.outputs.map(name).join(', ')} = ` : '';
  return outs + fmtCall(node.op, node.inputs.map(name), node.attrs);
}

/**
 * Rebuilds `source` into a new graph of the same name, inputs, state and output structure, calling `visit` on
 * each node in order except those in `drop`. Constants are copied when used, so unused ones disappear. A
 * replacement must have the type of the output it replaces (CompileError otherwise), and the outputs of a
 * dropped node must stay unused.
 */
export function rewriteGraph(source: FuncGraph, visit: NodeVisitor, drop?: ReadonlySet<Node>): FuncGraph {
  const graph = new FuncGraph(source.name);
  const map = new Map<Value, Value>();
  const constants = new Map<Tensor, Value>();
  const labels = new Map<Value, string>();
  let sourceNames: Map<Value, string> | null = null;
  const names = (): Map<Value, string> => (sourceNames ??= valueNames(source));
  const sourceName = (v: Value): string => names().get(v) ?? `%?${v.id}`;
  let current: Node | null = null;
  const where = () => `rewrite @${source.name}` + (current ? ` at ${current.op}` : '');

  const keep = (v: Value, m: Value): void => {
    map.set(v, m);
    labels.set(m, sourceName(v));
  };
  for (const v of source.inputs) keep(v, graph.addInput({ shape: v.shape, dtype: v.dtype, name: v.name }));
  for (const v of source.state) keep(v, graph.addState(source.variableOf(v)));

  const rw: Rewriter = {
    graph,
    value(v) {
      const mapped = map.get(v);
      if (mapped) return mapped;
      if (v.def.kind === 'constant' && v.graph === source) {
        const c = rw.constant(v.def.tensor);
        keep(v, c);
        return c;
      }
      throw new CompileError(`${where()}: value ${sourceName(v)} (id ${v.id}) has no value in the new graph ` +
        `(its node was dropped, or it is not a value of @${source.name})`);
    },
    copy(node, inputs) {
      return graph.addNode(node.prim, [...inputs], node.attrs, node.outputs, node.location).outputs;
    },
    emit(prim, inputs, attrs) {
      const node = graph.addNode(prim, [...inputs], attrs, prim.infer(inputs, attrs), current?.location ?? null);
      const text = fmtCall(prim.name, inputs.map((v) => rw.describe(v)), attrs);
      node.outputs.forEach((o, i) => labels.set(o, node.outputs.length > 1 ? `${text}#${i}` : text));
      return node.outputs;
    },
    constant(tensor) {
      let c = constants.get(tensor);
      if (!c) {
        c = graph.addConstant(owned(tensor));
        constants.set(tensor, c);
        labels.set(c, `constant ${fmtType(c)}`);
      }
      return c;
    },
    describe: (v) => labels.get(v) ?? `%?${v.id}`,
    source: (node) => fmtNode(node, names()),
  };

  for (const node of source.nodes) {
    if (drop?.has(node)) continue;
    current = node;
    const inputs = node.inputs.map((v) => rw.value(v));
    const decision = visit(node, inputs, rw);
    const outs = decision === 'copy' ? rw.copy(node, inputs) : decision;
    if (outs.length !== node.outputs.length)
      throw new CompileError(`${where()}: ${outs.length} replacement values for ${node.outputs.length} outputs`);
    node.outputs.forEach((o, i) => {
      const r = outs[i];
      if (r.graph !== graph) throw new CompileError(`${where()}: replacement of ${sourceName(o)} is not a new-graph value`);
      if (!sameTensorInfo(r, o))
        throw new CompileError(`${where()}: replacement of ${sourceName(o)} ${fmtType(o)} has type ${fmtType(r)}`);
      map.set(o, r);
      if (!labels.has(r)) labels.set(r, sourceName(o));
    });
  }
  current = null;
  graph.outputs = source.outputs.map((v) => rw.value(v));
  graph.structure = source.structure;
  // A visitor may have stopped using a constant it was handed (a merged or folded input): drop those.
  const used = new Set<Value>(graph.outputs);
  for (const node of graph.nodes) for (const v of node.inputs) used.add(v);
  const kept = graph.constants.filter((c) => used.has(c));
  graph.constants.splice(0, graph.constants.length, ...kept);
  return graph;
}
