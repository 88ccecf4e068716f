// CPU lowering of plan steps to LLVM IR: a fused loop becomes one flat loop over its space (or rows around an
// inner loop when an operand is broadcast along some dims), a fused reduction a loop over its kept (output)
// positions around a loop over the reduced positions (prologue ops per input element, the accumulator, then the
// epilogue ops on the result), and a library call's epilogue a loop over the library call's output. Each is one
// kernel in the calling convention of native/jit/jit.h; float math is strict (no fast-math flags), so results
// match the eager kernels.
import { CompileError } from '../../../src/core/errors.js';
import { sizeOf } from '../../../src/core/tensor.js';
import type { Node, Value } from '../../ir/func-graph.js';
import { fmtType } from '../../ir/printer.js';
import type { ExecutionPlan, Step } from '../../plan/plan.js';
import { ELEMENTWISE } from './elementwise.js';
import { operandDims, emitOffset } from './indexing.js';
import { IRBuilder, literal, llvmType } from './ir-builder.js';
import { emitFrame, type KernelFrame } from './kernel-frame.js';
import { REDUCTIONS, reducedAxes, type Accumulator } from './reduce.js';

/** One JIT kernel for one plan step: LLVM IR text defining `symbol` with the kernel signature above. */
export interface LoweredKernel {
  readonly symbol: string;
  readonly ir: string;
  /**
   * The kernel's buffers, in order: the step's inputs then its outputs. For a library call's epilogue: the
   * library call's result first (the executor may place it in the buffer of the step's last output: the
   * kernel reads element i of every operand before it writes element i of any output), then the other values
   * the epilogue reads, then the step's outputs other than the library call's result.
   */
  readonly operands: readonly Value[];
  /** The kernel's integer arguments: [begin, end) of its outer iterations (a caller may split the range). */
  readonly ints: readonly number[];
}

/** A loop level: the space its values have, and how an operand's offset is formed from the loop indices. */
interface Level {
  readonly space: readonly number[];
  /** Element offset of an operand of `shape` (broadcast to the space) at the current iteration. */
  offset(shape: readonly number[]): string;
  /** Scalars computed at this level, by value. */
  readonly env: Map<Value, string>;
}

class StepLowering {
  readonly b = new IRBuilder();
  private readonly computed: Set<Value>;
  frame!: KernelFrame;
  /** Appended to every load and store (the access group of a parallel loop), or ''. */
  memoryTag = '';

  constructor(readonly step: Step, readonly where: string) {
    this.computed = new Set(step.nodes.flatMap((n) => n.outputs));
    for (const n of step.nodes)
      if (n !== step.root && !ELEMENTWISE.has(n.op))
        throw new CompileError(`${where}: no CPU lowering for primitive "${n.op}"`);
  }

  /** A flat level over `space` whose operand offsets come from the one flat index `i`. */
  flatLevel(space: readonly number[], i: string): Level {
    const axes = space.map((_, a) => a);
    return { space, env: new Map(), offset: (shape) => emitOffset(this.b, i, operandDims(shape, space, axes)) };
  }

  /** The element of `v` at the level's current iteration: computed here, a scalar constant, or a load. */
  read(v: Value, level: Level): string {
    const known = level.env.get(v);
    if (known !== undefined) return known;
    if (this.computed.has(v))
      throw new CompileError(`${this.where}: %${v.id} ${fmtType(v)} is read outside the loop that computes it`);
    let ref: string;
    if (v.def.kind === 'constant' && sizeOf(v.shape) === 1) {
      // Scalar constants become immediates (LLVM folds them into the vector code).
      ref = literal(Number(v.def.tensor.dataSync()[0]), v.dtype);
    } else {
      const t = llvmType(v.dtype);
      const offset = level.offset(v.shape);
      const at = this.b.op(`getelementptr inbounds ${t}, ${t}* ${this.frame.pointer(v)}, i64 ${offset}`, 'p');
      ref = this.b.op(`load ${t}, ${t}* ${at}${this.memoryTag}`, 'x');
    }
    level.env.set(v, ref);
    return ref;
  }

  /** Emits `nodes` (elementwise, in order) at `level`. */
  evaluate(nodes: readonly Node[], level: Level): void {
    for (const n of nodes) {
      const out = n.outputs[0];
      if (out.shape.length !== level.space.length || out.shape.some((d, k) => d !== level.space[k]))
        throw new CompileError(`${this.where}: ${n.op} gives ${fmtType(out)}, not the loop's space ` +
          `[${level.space.join(', ')}]`);
      const args = n.inputs.map((v) => ({ ref: this.read(v, level), dtype: v.dtype }));
      level.env.set(out, ELEMENTWISE.get(n.op)!({ b: this.b, args, out: out.dtype, attrs: n.attrs }));
    }
  }

  /** Stores `values` (computed at `level`) at the contiguous offset `at`. */
  store(values: readonly Value[], level: Level, at: string): void {
    for (const v of values) {
      const t = llvmType(v.dtype);
      const p = this.b.op(`getelementptr inbounds ${t}, ${t}* ${this.frame.pointer(v)}, i64 ${at}`, 'q');
      this.b.emit(`store ${t} ${this.read(v, level)}, ${t}* ${p}${this.memoryTag}`);
    }
  }

  finish(symbol: string, operands: readonly Value[], extent: number): LoweredKernel {
    this.b.emit('ret void');
    return { symbol, ir: this.b.module(symbol), operands, ints: [0, extent] };
  }
}

/**
 * Operand offsets over `space` split between an outer index `o` over the axes `outer` (computed once per outer
 * iteration) and an inner index over the axes `inner`.
 */
function splitSpace(b: IRBuilder, space: readonly number[], outer: readonly number[], inner: readonly number[],
                    o: string): { prepare(shapes: readonly (readonly number[])[]): void; level(j: string): Level } {
  const outerPart = new Map<string, string>();
  const outerOffset = (shape: readonly number[]): string => {
    const key = shape.join(',');
    let off = outerPart.get(key);
    if (off === undefined) outerPart.set(key, off = emitOffset(b, o, operandDims(shape, space, outer)));
    return off;
  };
  return {
    prepare: (shapes) => shapes.forEach(outerOffset),
    level: (j) => ({
      space, env: new Map(),
      offset: (shape) => {
        const innerOff = emitOffset(b, j, operandDims(shape, space, inner));
        const outerOff = outerOffset(shape);
        if (innerOff === '0' || outerOff === '0') return innerOff === '0' ? outerOff : innerOff;
        return b.op(`add nuw nsw i64 ${outerOff}, ${innerOff}`, 'off');
      },
    }),
  };
}

/**
 * The inner axes of a loop nest over `space` in which every operand reads contiguously or one broadcast element
 * (the longest such suffix), or null when a single flat loop already does (no operand is broadcast along a
 * subset of the dims).
 */
function innerAxes(space: readonly number[], reads: readonly Value[]): number[] | null {
  const all = space.map((_, a) => a);
  // One dim left after merging: the operand steps through it contiguously or stays on one element.
  const simple = (axes: readonly number[]) => reads.every((v) => operandDims(v.shape, space, axes).length <= 1);
  if (simple(all)) return null;
  let k = space.length - 1;
  while (k > 0 && simple(all.slice(k - 1))) k--;
  return all.slice(k);
}

/**
 * The loop over `space` running `nodes`: reads operands through their broadcast strides, stores `outputs`.
 * One flat loop when every operand is contiguous or a scalar; otherwise rows (outer axes) around a loop over
 * the inner axes, so a bias or a row statistic is read contiguously or as a scalar there and still vectorizes.
 */
function lowerLoop(lowering: StepLowering, symbol: string, space: readonly number[], nodes: readonly Node[],
                   operands: readonly Value[], outputs: readonly Value[]): LoweredKernel {
  const { b } = lowering;
  const reads = operands.filter((v) => !outputs.includes(v) && !(v.def.kind === 'constant' && sizeOf(v.shape) === 1));
  const inner = innerAxes(space, reads);
  const outer = space.map((_, a) => a).filter((a) => !inner?.includes(a));
  const extent = inner ? sizeOf(outer.map((a) => space[a])) : sizeOf(space);
  lowering.frame = emitFrame(b, operands, extent);
  // Every element is computed from operand elements at its own index (in-place outputs included): iterations
  // are independent, so the loops are marked parallel and vectorize without alias checks.
  lowering.memoryTag = b.accessGroup();
  b.loop(lowering.frame.begin, lowering.frame.end, [], (i) => {
    if (!inner) {
      const level = lowering.flatLevel(space, i);
      lowering.evaluate(nodes, level);
      lowering.store(outputs, level, i);
      return [];
    }
    const split = splitSpace(b, space, outer, inner, i);
    split.prepare([...reads.map((v) => v.shape), space]);
    b.loop('0', String(sizeOf(inner.map((a) => space[a]))), [], (j) => {
      const level = split.level(j);
      lowering.evaluate(nodes, level);
      lowering.store(outputs, level, level.offset(space));
      return [];
    }, true);
    return [];
  }, true);
  return lowering.finish(symbol, operands, extent);
}

/** Most kept positions a leading-axes reduction accumulates in a stack array (its accumulators: ≤ 32 KiB). */
const MAX_COLUMN_ACCUMULATORS = 4096;

/**
 * A plain reduction over leading axes (a column sum: reduced axes first, kept axes last, no prologue or epilogue):
 * rows outside, kept positions inside, one accumulator per kept position in a stack array. Each position still
 * folds its elements in row order with the same accumulator, so the result is bit for bit the strided loop's, but
 * the inner loop reads contiguously and vectorizes across positions.
 */
function lowerColumnReduce(lowering: StepLowering, symbol: string, acc: Accumulator, redN: number,
                           outN: number): LoweredKernel {
  const { b, step } = lowering;
  const root = step.root!;
  const x = root.inputs[0], result = root.outputs[0];
  const [state] = acc.init(x.dtype);
  const t = llvmType(x.dtype);
  const operands = [...step.inputs, ...step.outputs];
  lowering.frame = emitFrame(b, operands, outN);
  lowering.memoryTag = b.accessGroup();
  const tag = lowering.memoryTag;
  const slots = b.op(`alloca [${outN} x ${state.type}], align 64`, 'accs');
  const slot = (j: string) => b.op(`getelementptr inbounds [${outN} x ${state.type}], [${outN} x ${state.type}]* ${slots}, i64 0, i64 ${j}`, 'accp');
  const { begin, end } = lowering.frame;
  b.loop(begin, end, [], (j) => {
    b.emit(`store ${state.type} ${state.init}, ${state.type}* ${slot(j)}${tag}`);
    return [];
  }, true);
  b.loop('0', String(redN), [], (r) => {
    const row = b.op(`mul nuw nsw i64 ${r}, ${outN}`, 'row');
    b.loop(begin, end, [], (j) => {
      const p = slot(j);
      const before = b.op(`load ${state.type}, ${state.type}* ${p}${tag}`, 'acc');
      const at = b.op(`getelementptr inbounds ${t}, ${t}* ${lowering.frame.pointer(x)}, i64 ${b.op(`add nuw nsw i64 ${row}, ${j}`, 'off')}`, 'xp');
      const elem = b.op(`load ${t}, ${t}* ${at}${tag}`, 'x');
      const [after] = acc.step(b, [before], elem, r, x.dtype);
      b.emit(`store ${state.type} ${after}, ${state.type}* ${p}${tag}`);
      return [];
    }, true);
    return [];
  });
  b.loop(begin, end, [], (j) => {
    const level = lowering.flatLevel(result.shape, j);
    level.env.set(result, acc.result(b, [b.op(`load ${state.type}, ${state.type}* ${slot(j)}${tag}`, 'acc')], x.dtype));
    lowering.store(step.outputs, level, j);
    return [];
  }, true);
  return lowering.finish(symbol, operands, outN);
}

function lowerReduce(lowering: StepLowering, symbol: string): LoweredKernel {
  const { b, step } = lowering;
  const root = step.root!;
  const acc = REDUCTIONS.get(root.op);
  if (!acc) throw new CompileError(`${lowering.where}: no CPU lowering for reduction "${root.op}"`);
  const x = root.inputs[0], result = root.outputs[0];
  const space = x.shape, outSpace = result.shape;
  const reduced = reducedAxes(root.attrs);
  const kept = space.map((_, a) => a).filter((a) => !reduced.includes(a));
  const [outN, redN] = [sizeOf(kept.map((a) => space[a])), sizeOf(reduced.map((a) => space[a]))];
  const leading = reduced.length > 0 && [...reduced].sort((p, q) => p - q).every((a, i) => a === i);
  if (leading && kept.length > 0 && step.nodes.length === 1 && acc.init(x.dtype).length === 1 && redN > 1 &&
      outN > 1 && outN <= MAX_COLUMN_ACCUMULATORS && step.outputs.length === 1 && step.outputs[0] === result)
    return lowerColumnReduce(lowering, symbol, acc, redN, outN);
  const post = new Set(step.epilogue);
  const prologue = step.nodes.filter((n) => n !== root && !post.has(n));
  const inPrologue = new Set(prologue.flatMap((n) => n.outputs));
  const operands = [...step.inputs, ...step.outputs];
  const innerReads = step.inputs.filter((v) => v === x || prologue.some((n) => n.inputs.includes(v)));
  lowering.frame = emitFrame(b, operands, outN);
  b.loop(lowering.frame.begin, lowering.frame.end, [], (o) => {
    const split = splitSpace(b, space, kept, reduced, o);
    split.prepare([...innerReads.map((v) => v.shape), space]);
    const [final] = [b.loop('0', String(redN), acc.init(x.dtype), (j, state) => {
      const level = split.level(j);
      lowering.evaluate(prologue, level);
      const elem = lowering.read(x, level);
      lowering.store(step.outputs.filter((v) => inPrologue.has(v)), level, level.offset(space));
      return acc.step(b, state, elem, j, x.dtype);
    })];
    const level = lowering.flatLevel(outSpace, o);
    level.env.set(result, acc.result(b, final, x.dtype));
    lowering.evaluate(step.epilogue, level);
    lowering.store(step.outputs.filter((v) => !inPrologue.has(v)), level, o);
    return [];
  });
  return lowering.finish(symbol, operands, outN);
}

/** An LLVM identifier for the kernel of step `index` of graph `graph`. */
function symbolOf(plan: ExecutionPlan, step: Step): string {
  return `kiln_${plan.graph.name.replace(/[^A-Za-z0-9_]/g, '_')}_s${step.index}`;
}

/**
 * The CPU kernel of `step`: fusedLoop, fusedReduce, and the epilogue of a libraryCall (operating in place on
 * the library call's output buffer plus the epilogue's inputs); null for steps that are plain library or kernel
 * calls. Throws CompileError naming any primitive without a CPU lowering.
 */
export function lowerStep(step: Step, plan: ExecutionPlan): LoweredKernel | null {
  const where = `lowerStep @${plan.graph.name} s${step.index} (${step.kind})`;
  const symbol = symbolOf(plan, step);
  switch (step.kind) {
    case 'fusedLoop': {
      const lowering = new StepLowering(step, where);
      return lowerLoop(lowering, symbol, step.space, step.nodes, [...step.inputs, ...step.outputs], step.outputs);
    }
    case 'fusedReduce':
      return lowerReduce(new StepLowering(step, where), symbol);
    case 'libraryCall': {
      if (step.epilogue.length === 0) return null;
      const lowering = new StepLowering({ ...step, nodes: step.epilogue, root: null }, where);
      const result = step.root!.outputs[0];
      const reads = step.inputs.filter((v) => step.epilogue.some((n) => n.inputs.includes(v)));
      const outputs = step.outputs.filter((v) => v !== result);
      return lowerLoop(lowering, symbol, result.shape, step.epilogue, [result, ...reads, ...outputs], outputs);
    }
    default:
      return null;
  }
}
