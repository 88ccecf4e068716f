// A small builder of LLVM 14 IR text (typed pointers): fresh SSA names, blocks, counted loops with carried
// values, and the declarations a function needs. The lowering writes IR text itself (no LLVM bindings in Node).
import type { DType } from '../../../src/core/dtype.js';

/** The LLVM type a dtype's elements have in memory and in registers (bool is one byte, 0 or 1). */
export function llvmType(dtype: DType): string {
  switch (dtype) {
    case 'float32': return 'float';
    case 'float64': return 'double';
    case 'int32': return 'i32';
    default: return 'i8';
  }
}

/** `x` as an LLVM constant of `dtype` (floats as exact hex doubles, which LLVM requires for inexact decimals). */
export function literal(x: number, dtype: DType): string {
  if (dtype === 'int32') return String(x | 0);
  if (dtype === 'bool') return x !== 0 ? '1' : '0';
  const bits = new DataView(new ArrayBuffer(8));
  bits.setFloat64(0, dtype === 'float32' ? Math.fround(x) : x);
  return `0x${bits.getBigUint64(0).toString(16).toUpperCase().padStart(16, '0')}`;
}

/** A value a loop carries from one iteration to the next. */
export interface Carried {
  readonly type: string;
  readonly init: string;
}

/** Builds one function's body plus the module-level declarations and helpers it uses. */
export class IRBuilder {
  private readonly lines: string[] = [];
  private readonly declarations = new Set<string>();
  private readonly helpers = new Map<string, string>();
  /** Unnamed metadata lines (`!N = ...`), numbered from 0 in this function's module. */
  private readonly metadata: string[] = [];
  private group: string | null = null;
  private counter = 0;
  /** The block instructions are being appended to (phis name their predecessors). */
  block = 'entry';

  /** A fresh SSA name `%hintN`. */
  fresh(hint = 't'): string {
    return `%${hint}${this.counter++}`;
  }

  /** Emits `%name = rhs` and returns the name. */
  op(rhs: string, hint = 't'): string {
    const name = this.fresh(hint);
    this.lines.push(`  ${name} = ${rhs}`);
    return name;
  }

  /** Emits an instruction without a result. */
  emit(instr: string): void {
    this.lines.push(`  ${instr}`);
  }

  /** Starts block `name`. */
  label(name: string): void {
    this.lines.push(`${name}:`);
    this.block = name;
  }

  /** A fresh block name. */
  freshLabel(hint: string): string {
    return `${hint}${this.counter++}`;
  }

  /** Declares an external function once, e.g. `declare float @llvm.exp.f32(float)`. */
  declare(declaration: string): void {
    this.declarations.add(declaration);
  }

  /** Defines a module-level helper function once under `name` (the text is its whole definition). */
  helper(name: string, definition: () => string): void {
    if (!this.helpers.has(name)) this.helpers.set(name, definition());
  }

  /** Adds one unnamed metadata node; returns its reference `!N`. */
  private node(text: (self: string) => string): string {
    const ref = `!${this.metadata.length}`;
    this.metadata.push(`${ref} = ${text(ref)}`);
    return ref;
  }

  /**
   * The suffix for a load or store in a parallel loop (`, !llvm.access.group !N`): the function's one access
   * group, whose accesses the parallel loops declare free of dependences between iterations.
   */
  accessGroup(): string {
    this.group ??= this.node(() => 'distinct !{}');
    return `, !llvm.access.group ${this.group}`;
  }

  /**
   * A loop `for (i = from; i < to; i++)` whose body may nest further loops. `carried` values enter as phis;
   * `body` returns their next values. Returns the carried values after the loop (their inits when it ran zero
   * times). A `parallel` loop promises that the accesses tagged with accessGroup() depend on no other iteration
   * (LLVM then vectorizes it without runtime alias checks, which fail for in-place operands).
   */
  loop(from: string, to: string, carried: readonly Carried[],
       body: (i: string, values: readonly string[]) => readonly string[], parallel = false): string[] {
    const pred = this.block;
    const bodyLabel = this.freshLabel('loop');
    const latch = `${bodyLabel}.latch`, exit = `${bodyLabel}.exit`;
    const guard = this.op(`icmp slt i64 ${from}, ${to}`, 'guard');
    this.emit(`br i1 ${guard}, label %${bodyLabel}, label %${exit}`);
    this.label(bodyLabel);
    const i = this.fresh('i'), next = this.fresh('inext');
    this.lines.push(`  ${i} = phi i64 [ ${from}, %${pred} ], [ ${next}, %${latch} ]`);
    const phiAt = carried.map((c) => {
      const name = this.fresh('acc');
      this.lines.push('');
      return { name, at: this.lines.length - 1, c };
    });
    const nexts = body(i, phiAt.map((p) => p.name));
    phiAt.forEach((p, k) => {
      this.lines[p.at] = `  ${p.name} = phi ${p.c.type} [ ${p.c.init}, %${pred} ], [ ${nexts[k]}, %${latch} ]`;
    });
    this.emit(`br label %${latch}`);
    this.label(latch);
    this.lines.push(`  ${next} = add nsw i64 ${i}, 1`);
    const more = this.op(`icmp slt i64 ${next}, ${to}`, 'more');
    let loopId = '';
    if (parallel) {
      this.accessGroup();
      const accesses = this.node(() => `!{!"llvm.loop.parallel_accesses", ${this.group}}`);
      loopId = `, !llvm.loop ${this.node((self) => `distinct !{${self}, ${accesses}}`)}`;
    }
    this.emit(`br i1 ${more}, label %${bodyLabel}, label %${exit}${loopId}`);
    this.label(exit);
    return phiAt.map((p, k) =>
      this.op(`phi ${p.c.type} [ ${p.c.init}, %${pred} ], [ ${nexts[k]}, %${latch} ]`, 'final'));
  }

  /** The module: declarations, helpers, then `define void @symbol(...)` with the kernel signature and this body. */
  module(symbol: string): string {
    return [
      ...this.declarations,
      ...this.helpers.values(),
      `define void @${symbol}(i8** %buffers, i64* %sizes, i64 %n) {`,
      'entry:',
      ...this.lines,
      '}',
      ...this.metadata,
      '',
    ].join('\n');
  }
}
