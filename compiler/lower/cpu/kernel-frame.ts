// The frame every lowered kernel shares: it checks the buffer count and every buffer's element count against
// what the step expects (returning without touching memory when they differ), loads the typed buffer pointers
// and the [begin, end) range of outer iterations the caller asks for, clamped to the step's extent.
import { CompileError } from '../../../src/core/errors.js';
import { sizeOf } from '../../../src/core/tensor.js';
import type { Value } from '../../ir/func-graph.js';
import { llvmType, type IRBuilder } from './ir-builder.js';

/** Buffer pointers and the work range of one kernel. */
export interface KernelFrame {
  /** The typed pointer of operand `v`. */
  pointer(v: Value): string;
  /** First outer iteration to run (i64), ≥ 0. */
  readonly begin: string;
  /** One past the last outer iteration (i64), ≤ the extent. */
  readonly end: string;
}

/** Emits the checks and loads at the top of the kernel over `operands` with `extent` outer iterations. */
export function emitFrame(b: IRBuilder, operands: readonly Value[], extent: number): KernelFrame {
  const count = operands.length;
  b.emit(`br i1 ${b.op(`icmp eq i64 %n, ${count}`, 'nok')}, label %check, label %bail`);
  b.label('bail');
  b.emit('ret void');
  b.label('check');
  let ok = 'true';
  operands.forEach((v, i) => {
    const slot = b.op(`getelementptr i64, i64* %sizes, i64 ${i}`, 'szp');
    const size = b.op(`load i64, i64* ${slot}`, 'sz');
    ok = b.op(`and i1 ${ok}, ${b.op(`icmp eq i64 ${size}, ${sizeOf(v.shape)}`, 'szok')}`, 'ok');
  });
  b.emit(`br i1 ${ok}, label %run, label %bail`);
  b.label('run');
  const pointers = new Map<Value, string>();
  operands.forEach((v, i) => {
    if (pointers.has(v)) return;
    const slot = b.op(`getelementptr i8*, i8** %buffers, i64 ${i}`, 'bufp');
    const raw = b.op(`load i8*, i8** ${slot}`, 'raw');
    pointers.set(v, b.op(`bitcast i8* ${raw} to ${llvmType(v.dtype)}*`, 'buf'));
  });
  const arg = (j: number): string => {
    const slot = b.op(`getelementptr i64, i64* %sizes, i64 ${count + j}`, 'argp');
    return b.op(`load i64, i64* ${slot}`, 'arg');
  };
  const [from, to] = [arg(0), arg(1)];
  const begin = b.op(`select i1 ${b.op(`icmp slt i64 ${from}, 0`)}, i64 0, i64 ${from}`, 'begin');
  const end = b.op(`select i1 ${b.op(`icmp sgt i64 ${to}, ${extent}`)}, i64 ${extent}, i64 ${to}`, 'end');
  return {
    pointer: (v) => {
      const p = pointers.get(v);
      if (!p) throw new CompileError(`kernel frame: %${v.id} is read or written but is not an operand`);
      return p;
    },
    begin,
    end,
  };
}
