// The execution plan: a FuncGraph partitioned into steps (library calls with fused epilogues, fused loops,
// fused reductions, movement, views, state updates) in run order, plus where every materialized value lives.
// This is what a backend lowers and what runtime/executable (and the reference run-plan.ts) executes.
import type { FuncGraph, Node, Value } from '../ir/func-graph.js';
import { fmtType } from '../ir/printer.js';

/** What a step is, which decides how a backend runs it. */
export type StepKind =
  /** One library call (matmul, conv, pooling: oneDNN) and an optional epilogue chain applied to its result. */
  | 'libraryCall'
  /** Elementwise ops and broadcasts over one iteration space: one loop nest, no intermediate buffers. */
  | 'fusedLoop'
  /** One reduction with elementwise producers (prologue, input space) and consumers (epilogue, output space). */
  | 'fusedReduce'
  /** A data-movement primitive (transpose, slice, concat, gather, pad, ...): a copy into its output. */
  | 'movement'
  /** A reshape: no work, the output aliases its input's bytes. */
  | 'view'
  /** assignVariable: copies a value into a variable's persistent buffer. */
  | 'state'
  /** Any other primitive (random, cumsum, ...), run by its own kernel. */
  | 'kernel';

/** One step of a plan. */
export interface Step {
  /** Position in the plan (steps run in this order). */
  readonly index: number;
  readonly kind: StepKind;
  /** The step's nodes in graph order (a topological order of the step). */
  readonly nodes: readonly Node[];
  /** The library call or the reduction the step is built around; null for other kinds. */
  readonly root: Node | null;
  /** Nodes applied after the root, on the root's output space (libraryCall: a chain; fusedReduce: a DAG). */
  readonly epilogue: readonly Node[];
  /** The loop's iteration space: fusedLoop: its output shape; fusedReduce: the reduced input's shape. */
  readonly space: readonly number[];
  /** Values the step reads that it does not compute, in order of first use. */
  readonly inputs: readonly Value[];
  /** Values the step computes and stores (used by later steps, graph outputs, or unused results). */
  readonly outputs: readonly Value[];
}

/** Where a materialized value lives while a plan runs. */
export type Location =
  | { readonly where: 'input'; readonly index: number }
  | { readonly where: 'state'; readonly index: number }
  | { readonly where: 'constant'; readonly index: number }
  /** A graph output's own buffer (outputs are not in the arena, so they can be handed to the caller). */
  | { readonly where: 'output'; readonly index: number }
  /** `bytes` at byte `offset` of the arena (offset is 64-byte aligned). */
  | { readonly where: 'arena'; readonly offset: number; readonly bytes: number };

/** A step output that overwrites an input whose last use is that step. */
export interface InPlaceReuse {
  readonly step: number;
  readonly output: Value;
  readonly input: Value;
}

/** The memory plan: a location per materialized value and the arena's size. */
export interface MemoryPlan {
  /** Every value that is read or written by a step, except those fused away inside a step. */
  readonly locations: ReadonlyMap<Value, Location>;
  /** Bytes of the one arena holding every intermediate (its peak use). */
  readonly arenaBytes: number;
  /** Sum of the (aligned) sizes of all arena values: what the arena would take without reuse. */
  readonly intermediateBytes: number;
  /** The largest total size of simultaneously live arena values: a lower bound for arenaBytes. */
  readonly liveBytesBound: number;
  readonly inPlace: readonly InPlaceReuse[];
}

/** A graph's steps in run order and their memory plan. */
export interface ExecutionPlan {
  readonly graph: FuncGraph;
  readonly steps: readonly Step[];
  readonly memory: MemoryPlan;
}

function fmtLocation(loc: Location | undefined): string {
  if (!loc) return '?';
  switch (loc.where) {
    case 'input': return `in${loc.index}`;
    case 'state': return `w${loc.index}`;
    case 'constant': return `c${loc.index}`;
    case 'output': return `out${loc.index}`;
    default: return `off${loc.offset}`;
  }
}

function fmtBytes(n: number): string {
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(2)} MiB`;
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(1)} KiB`;
  return `${n} B`;
}

/** One epilogue op as `relu` or `add(%4@w1)`: the op and the operands it takes besides the running value. */
function fmtPost(node: Node, inside: ReadonlySet<Value>, at: (v: Value) => string): string {
  const others = node.inputs.filter((v) => !inside.has(v));
  return others.length ? `${node.op}(${others.map(at).join(', ')})` : node.op;
}

function fmtStep(step: Step, at: (v: Value) => string): string {
  const ins = step.inputs.map(at).join(', ');
  const outs = step.outputs.map(at).join(', ');
  const ops = step.nodes.map((n) => n.op).join(', ');
  const computed = new Set<Value>(step.nodes.flatMap((n) => n.outputs));
  switch (step.kind) {
    case 'libraryCall': {
      const root = step.root!;
      const post = step.epilogue.length ? `, post=[${step.epilogue.map((n) => fmtPost(n, computed, at)).join(', ')}]` : '';
      return `${root.op}(${root.inputs.map(at).join(', ')}) -> ${outs}${post}`;
    }
    case 'fusedLoop':
      return `fused_${step.index}[${step.space.join(',')}](${ins}) -> ${outs}  {${ops}}`;
    case 'fusedReduce': {
      const root = step.root!;
      const pro = step.nodes.filter((n) => n !== root && !step.epilogue.includes(n)).map((n) => n.op);
      const parts = [...(pro.length ? [`pre: ${pro.join(', ')}`] : []), `${root.op} ${JSON.stringify(root.attrs)}`,
        ...(step.epilogue.length ? [`post: ${step.epilogue.map((n) => n.op).join(', ')}`] : [])];
      return `reduce_${step.index}[${step.space.join(',')}](${ins}) -> ${outs}  {${parts.join('; ')}}`;
    }
    case 'state':
      return `assign(${at(step.nodes[0].inputs[0])} ← ${at(step.nodes[0].inputs[1])})`;
    case 'view':
      return `view ${ops}(${ins}) -> ${outs}`;
    default:
      return `${ops}(${ins}) -> ${outs}`;
  }
}

/**
 * Prints a plan: a header with the arena's size, then one line per step, values as `%id@location`
 * (`in0` input, `w3` state, `c1` constant, `out0` graph output, `off128` arena offset), e.g.
 * `s0: matmul(%0@in0, %1@w0) -> %9@off0, post=[add(%2@w1), relu]`.
 */
export function printPlan(plan: ExecutionPlan): string {
  const { memory, graph } = plan;
  // Values are numbered as printGraph numbers them (inputs, state, constants, node outputs), so a plan reads
  // next to its graph.
  const numbers = new Map<Value, number>();
  for (const v of [...graph.inputs, ...graph.state, ...graph.constants, ...graph.nodes.flatMap((n) => n.outputs)])
    numbers.set(v, numbers.size);
  const at = (v: Value): string => `%${numbers.get(v) ?? `?${v.id}`}@${fmtLocation(memory.locations.get(v))}`;
  const kinds = new Map<StepKind, number>();
  for (const s of plan.steps) kinds.set(s.kind, (kinds.get(s.kind) ?? 0) + 1);
  const lines = [
    `plan @${graph.name}: ${plan.steps.length} steps (${[...kinds].map(([k, n]) => `${n} ${k}`).join(', ')})`,
    `  arena ${fmtBytes(memory.arenaBytes)} for ${fmtBytes(memory.intermediateBytes)} of intermediates ` +
      `(live bound ${fmtBytes(memory.liveBytesBound)}, ${memory.inPlace.length} in place)`,
  ];
  for (const s of plan.steps) {
    const types = s.outputs.length ? `  : ${s.outputs.map(fmtType).join(', ')}` : '';
    lines.push(`  s${s.index}: ${fmtStep(s, at)}${types}`);
  }
  lines.push(`  return ${graph.outputs.map(at).join(', ')}`);
  return lines.join('\n');
}
