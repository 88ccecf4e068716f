// Maps an ExecutionPlan to a native executor description: every value gets a slot where the memory plan put
// it (views alias their input's slot), every step becomes native steps: a JIT kernel for a fused step the CPU
// lowering handles, else one registry kernel per node (primitive.kernelCall) through arena scratch; state
// steps become copies into the variable's new buffer, unless the fused loop computing the new value writes it
// there itself (state-writes.ts); graph outputs not planned into their own buffer get a copy right after the step
// that makes them.
import { DTYPE_CODE } from '../../src/core/dtype.js';
import { CompileError } from '../../src/core/errors.js';
import type { JitModule } from '../../src/core/jit-native.js';
import { kernel } from '../../src/core/native.js';
import type { Node, Value } from '../../compiler/ir/func-graph.js';
import { fmtType } from '../../compiler/ir/printer.js';
import { linkKernels } from '../../compiler/lower/cpu/link-kernels.js';
import type { LoweredKernel } from '../../compiler/lower/cpu/lower-step.js';
import { valueBytes } from '../../compiler/plan/liveness.js';
import { ARENA_ALIGN } from '../../compiler/plan/plan-memory.js';
import type { ExecutionPlan, Step } from '../../compiler/plan/plan.js';
import { compileCached, type CodeSource } from './code-cache.js';
import { stateWrites, type StateWrites } from './state-writes.js';
import { SlotKind, StepKind, type ExecutorDescription, type ExecutorStep } from './native-executor.js';

/** Lowers a fused step to a JIT kernel, or null to run it node by node (compiler/lower/cpu lowerStep). */
export type StepLowerer = (step: Step, plan: ExecutionPlan) => LoweredKernel | null;

/** A description, the JIT modules its steps call (the executor keeps their code alive) and how steps were mapped. */
export interface PlanDescription {
  readonly description: ExecutorDescription;
  readonly modules: readonly JitModule[];
  /** Plan steps run as JIT kernels / node by node with registry kernels. */
  readonly jitSteps: number;
  readonly kernelSteps: number;
  /** Where the JIT kernels' code came from (the code cache); null when the plan has none. */
  readonly codeSource: CodeSource | null;
  /** The code cache key of that module; null when the plan has none or it was not compiled. */
  readonly codeKey: string | null;
  /** Per executor step, the index of the plan step it belongs to (for per-step profiles). */
  readonly stepOrigins: readonly number[];
}

const align = (n: number): number => Math.ceil(n / ARENA_ALIGN) * ARENA_ALIGN;

/** Options of describePlan. */
export interface DescribePlanOptions {
  /**
   * JIT-compile the lowered kernels (default true). False only describes the plan: its JIT steps name their
   * symbols with module handle 0 and `modules` is empty (for the AOT compiler, which emits the kernels itself).
   */
  compile?: boolean;
}

/** Builds the description of `plan`; `lower` (when given) turns fused steps into JIT kernels. */
export function describePlan(plan: ExecutionPlan, lower: StepLowerer | null,
                             options: DescribePlanOptions = {}): PlanDescription {
  return new Describer(plan, lower, options.compile ?? true).finish();
}

class Describer {
  private readonly op: string;
  private readonly slots: number[] = [];
  private readonly slotIds = new Map<string, number>();
  private readonly valueSlots = new Map<Value, number>();
  private readonly steps: ExecutorStep[] = [];
  private readonly modules: JitModule[] = [];
  private readonly lowered = new Map<Step, LoweredKernel>();
  private readonly assigned: number[];
  private readonly scratchBase: number;
  private arenaBytes: number;
  private jitSteps = 0;
  private kernelSteps = 0;
  private codeSource: CodeSource | null = null;
  private codeKey: string | null = null;
  private writes: StateWrites = { direct: new Map(), inPlace: [] };
  private readonly stepOrigins: number[] = [];

  constructor(private readonly plan: ExecutionPlan, private readonly lower: StepLowerer | null,
              private readonly compile: boolean) {
    this.op = `compilePlan @${plan.graph.name}`;
    this.assigned = plan.graph.state.map(() => 0);
    this.scratchBase = align(plan.memory.arenaBytes);
    this.arenaBytes = plan.memory.arenaBytes;
  }

  finish(): PlanDescription {
    const { graph, steps } = this.plan;
    for (const step of steps) {
      const kernelOf = step.kind === 'view' || step.kind === 'state' ? null : this.lowerStep(step);
      if (kernelOf) this.lowered.set(step, kernelOf);
    }
    if (this.lowered.size && this.compile) {
      const kernels = [...this.lowered.values()];
      // Resolves every kernel now, so that a failure shows here rather than in a run.
      const code = compileCached(linkKernels(kernels), (module) => {
        for (const k of kernels) module.kernel(k.symbol, { buffers: k.operands.length, ints: k.ints.length });
      });
      this.modules.push(code.module);
      this.codeSource = code.source;
      this.codeKey = code.key;
    }
    this.writes = stateWrites(this.plan, (s) => this.lowered.has(s));
    for (const [v, j] of this.writes.direct) this.valueSlots.set(v, this.slot(SlotKind.stateOut, j, v));
    for (const step of steps) {
      this.step(step);
      for (const v of step.outputs) this.copyToOutputs(v);
      while (this.stepOrigins.length < this.steps.length) this.stepOrigins.push(step.index);
    }
    // Outputs that are inputs, state or constants: their buffers do not change during an iteration.
    for (const v of new Set(graph.outputs))
      if (!steps.some((s) => s.outputs.includes(v))) this.copyToOutputs(v);
    while (this.stepOrigins.length < this.steps.length) this.stepOrigins.push(steps.length);
    const pairs = (vs: readonly Value[]): number[] => vs.flatMap((v) => [valueBytes(v), DTYPE_CODE[v.dtype]]);
    return {
      description: {
        arenaBytes: this.arenaBytes,
        inputs: pairs(graph.inputs),
        outputs: pairs(graph.outputs),
        state: pairs(graph.state),
        constants: pairs(graph.constants),
        assigned: this.assigned,
        inPlace: this.writes.inPlace.map((b) => (b ? 1 : 0)),
        slots: this.slots,
        steps: this.steps,
      },
      modules: this.modules,
      jitSteps: this.jitSteps,
      kernelSteps: this.kernelSteps,
      codeSource: this.codeSource,
      codeKey: this.codeKey,
      stepOrigins: this.stepOrigins,
    };
  }

  private slot(kind: number, at: number, v: Value): number {
    const key = `${kind}:${at}:${valueBytes(v)}:${DTYPE_CODE[v.dtype]}`;
    let id = this.slotIds.get(key);
    if (id === undefined) {
      id = this.slots.length / 4;
      this.slots.push(kind, at, valueBytes(v), DTYPE_CODE[v.dtype]);
      this.slotIds.set(key, id);
    }
    return id;
  }

  /** The slot holding `v` where the memory plan put it. */
  private slotOf(v: Value, step: number): number {
    const known = this.valueSlots.get(v);
    if (known !== undefined) return known;
    const loc = this.plan.memory.locations.get(v);
    if (!loc) throw new CompileError(`${this.op}: step ${step} uses %${v.id} ${fmtType(v)}, which has no location`);
    let id: number;
    switch (loc.where) {
      case 'arena':
        if (loc.bytes !== valueBytes(v))
          throw new CompileError(`${this.op}: %${v.id} ${fmtType(v)} has ${loc.bytes} bytes in the arena`);
        id = this.slot(SlotKind.arena, loc.offset, v);
        break;
      case 'input': id = this.slot(SlotKind.input, loc.index, v); break;
      case 'output': id = this.slot(SlotKind.output, loc.index, v); break;
      case 'state': id = this.slot(SlotKind.stateIn, loc.index, v); break;
      case 'constant': id = this.slot(SlotKind.constant, loc.index, v); break;
    }
    this.valueSlots.set(v, id);
    return id;
  }

  /** Graph outputs j holding `v` that the plan did not put in output j's own buffer get a copy. */
  private copyToOutputs(v: Value): void {
    const loc = this.plan.memory.locations.get(v);
    this.plan.graph.outputs.forEach((o, j) => {
      if (o !== v || (loc?.where === 'output' && loc.index === j)) return;
      this.steps.push({ kind: StepKind.copy, in: [this.slotOf(v, this.plan.steps.length)], out: [this.slot(SlotKind.output, j, v)] });
    });
  }

  private step(step: Step): void {
    const node = step.nodes[0];
    if (step.kind === 'view') {
      this.valueSlots.set(node.outputs[0], this.slotOf(node.inputs[0], step.index));
      return;
    }
    if (step.kind === 'state') {
      const [target, value] = node.inputs;
      const j = this.plan.graph.state.indexOf(target);
      if (j < 0) throw new CompileError(`${this.op}: step ${step.index} assigns %${target.id}, which is not graph state`);
      this.assigned[j] = 1;
      // Written by the loop that computes it: nothing to copy.
      if (this.writes.direct.get(value) === j) return;
      this.steps.push({ kind: StepKind.copy, in: [this.slotOf(value, step.index)], out: [this.slot(SlotKind.stateOut, j, target)] });
      return;
    }
    const lowered = this.lowered.get(step);
    if (!lowered) {
      this.kernelSteps++;
      this.nodeByNode(step, step.nodes, step.outputs);
      return;
    }
    this.jitSteps++;
    const local = new Map<Value, number>();
    if (step.kind === 'libraryCall') {
      // The library call writes its result where it lives, else into the last output's buffer when it has the
      // same size and dtype (the epilogue reads element i before writing it), else into scratch.
      const root = step.root!;
      const result = root.outputs[0];
      const last = step.outputs[step.outputs.length - 1];
      const at = this.plan.memory.locations.has(result) ? this.slotOf(result, step.index)
        : last && last !== result && valueBytes(last) === valueBytes(result) && last.dtype === result.dtype
          ? this.slotOf(last, step.index) : this.scratch(result, this.scratchBase);
      local.set(result, at);
      this.kernelCall(root, step, local);
    }
    const slots = lowered.operands.map((v) => local.get(v) ?? this.slotOf(v, step.index));
    let outs = 0;
    while (outs < lowered.operands.length &&
           step.outputs.includes(lowered.operands[lowered.operands.length - 1 - outs]) &&
           !local.has(lowered.operands[lowered.operands.length - 1 - outs])) outs++;
    this.steps.push({
      kind: StepKind.jit, module: this.modules[0]?.handle ?? 0, symbol: lowered.symbol,
      in: slots.slice(0, slots.length - outs), out: slots.slice(slots.length - outs), ints: [...lowered.ints],
      // The CPU lowering's ints are the [begin, end) of its outer loop, which callers may split.
      splitRange: true,
    });
  }

  /** The step's JIT kernel, or null when there is none or the lowering cannot handle it. */
  private lowerStep(step: Step): LoweredKernel | null {
    if (!this.lower) return null;
    try {
      return this.lower(step, this.plan);
    } catch (e) {
      // A primitive without a CPU lowering: the step runs node by node instead.
      if (e instanceof CompileError) return null;
      throw e;
    }
  }

  /** A scratch slot for `v` at `offset` past the plan's arena (the arena grows to hold it). */
  private scratch(v: Value, offset: number): number {
    this.arenaBytes = Math.max(this.arenaBytes, offset + valueBytes(v));
    return this.slot(SlotKind.arena, offset, v);
  }

  /**
   * Runs `nodes` one registry kernel each. A single node writes its outputs in place; several write every
   * value to scratch past the arena and the step's outputs are copied out last, after every read (a fused
   * loop's output may share its buffer with one of its inputs).
   */
  private nodeByNode(step: Step, nodes: readonly Node[], outputs: readonly Value[]): void {
    if (nodes.length === 1) {
      this.kernelCall(nodes[0], step, new Map());
      return;
    }
    const local = new Map<Value, number>();
    let offset = this.scratchBase;
    for (const n of nodes) {
      for (const v of n.outputs) {
        local.set(v, this.scratch(v, offset));
        offset += align(valueBytes(v));
      }
      this.kernelCall(n, step, local);
    }
    for (const v of outputs) this.steps.push({ kind: StepKind.copy, in: [local.get(v)!], out: [this.slotOf(v, step.index)] });
  }

  private kernelCall(n: Node, step: Step, local: ReadonlyMap<Value, number>): void {
    if (!n.prim.kernelCall)
      throw new CompileError(`${this.op}: step ${step.index} (${step.kind}) has primitive "${n.op}", which has no ` +
        'single native kernel call (kernelCall) and no CPU lowering');
    const call = n.prim.kernelCall(n.inputs, n.attrs, n.outputs);
    const args: number[] = [];
    for (const a of call.args) typeof a === 'number' ? args.push(a) : args.push(...a);
    this.steps.push({
      kind: StepKind.kernel, kernel: kernel(call.kernel).id, args,
      in: n.inputs.map((v) => local.get(v) ?? this.slotOf(v, step.index)),
      out: n.outputs.map((v) => local.get(v) ?? this.slotOf(v, step.index)),
    });
  }
}
