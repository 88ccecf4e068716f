import { DTYPE_CODE, type DType, type TypedArray } from './dtype.js';
import { DisposedError, TraceError, ValueError, fmtShape } from './errors.js';
import { allocBuffer, releaseBuffer } from './buffers.js';
import { userLocation } from './source-location.js';

/** A native buffer shared by the tensors that view it (reshape shares, never copies). */
export class Storage {
  refs = 1;
  constructor(readonly data: TypedArray) {}
  get disposed(): boolean {
    return this.refs <= 0;
  }
  release(): void {
    if (this.refs <= 0) return;
    if (--this.refs === 0) releaseBuffer(this.data);
  }
}

/** Where a symbolic tensor comes from while tracing (compiler/ir fills it in). */
export interface SymbolicInfo {
  /** The graph the value belongs to. */
  readonly graph: object;
  /** Describes the producing op and source location, for TraceError messages. */
  describe(): string;
}

let nextId = 1;

/** Scopes opened by tidy(); each collects the tensors created inside it. */
const scopes: Tensor[][] = [];

/** @internal */
export function pushScope(): void {
  scopes.push([]);
}

/** @internal Pops the innermost scope and returns its tensors. */
export function popScope(): Tensor[] {
  return scopes.pop() ?? [];
}

/** @internal Registers a tensor with the innermost tidy scope. */
export function track(t: Tensor): void {
  if (scopes.length) scopes[scopes.length - 1].push(t);
}

/** Number of elements of a shape. */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * An immutable n-dimensional array. A concrete tensor views a 64-byte-aligned native buffer; a symbolic one
 * (while tracing) carries only shape and dtype and records the ops applied to it into a FuncGraph.
 * Native memory is reclaimed when the tensor is garbage-collected; dispose() and tidy() release it earlier
 * (except buffers of 1 KiB or less, which share slabs that only the garbage collector frees).
 */
export class Tensor {
  /** Unique id (used by tapes and graphs). */
  readonly id = nextId++;
  readonly size: number;
  /** @internal */ storage: Storage | null;
  /** @internal */ readonly symbolic: SymbolicInfo | null;

  /** @internal Use the creation ops (`kiln.tensor`, `kiln.zeros`, ...) instead. */
  constructor(readonly shape: readonly number[], readonly dtype: DType, storage: Storage | null,
              symbolic: SymbolicInfo | null = null) {
    this.size = sizeOf(shape);
    this.storage = storage;
    this.symbolic = symbolic;
    if (storage) track(this);
  }

  /** @internal A new concrete tensor over freshly allocated, zero-filled native memory. */
  static alloc(shape: readonly number[], dtype: DType): Tensor {
    return new Tensor(shape, dtype, new Storage(allocBuffer(DTYPE_CODE[dtype], sizeOf(shape))));
  }

  /** @internal A tensor viewing the same storage with another shape (same element count). */
  static view(of: Tensor, shape: readonly number[]): Tensor {
    const s = of.concreteStorage('reshape');
    s.refs++;
    return new Tensor(shape, of.dtype, s);
  }

  /** Number of dimensions. */
  get rank(): number {
    return this.shape.length;
  }

  /** True while tracing: the tensor has no values, only shape and dtype. */
  get isSymbolic(): boolean {
    return this.symbolic !== null;
  }

  /** True after dispose(). */
  get isDisposed(): boolean {
    return this.storage !== null && this.storage.disposed;
  }

  /** @internal The storage, or a clear error for symbolic and disposed tensors. */
  concreteStorage(reader: string): Storage {
    if (this.symbolic) {
      throw new TraceError(`${reader}() read the values of a symbolic tensor while tracing: ` +
        `${this.symbolic.describe()}; read at ${userLocation() ?? 'an unknown location'}`);
    }
    const s = this.storage!;
    if (s.disposed) throw new DisposedError(`${reader}(): tensor ${fmtShape(this.shape)} ${this.dtype} was disposed`);
    return s;
  }

  /**
   * The values as a typed array that views the native buffer without copying (row-major).
   * Do not write into it: tensors are immutable and may share buffers.
   */
  dataSync(): TypedArray {
    return this.concreteStorage('dataSync').data;
  }

  /** The values as (nested) JS arrays; bool as booleans. */
  array(): unknown {
    const data = this.dataSync();
    const toJs = (i: number): number | boolean => (this.dtype === 'bool' ? data[i] !== 0 : data[i]);
    if (this.rank === 0) return toJs(0);
    const build = (dim: number, offset: number, stride: number): unknown[] => {
      const n = this.shape[dim];
      const inner = stride / (n || 1);
      const out: unknown[] = [];
      for (let i = 0; i < n; i++)
        out.push(dim === this.rank - 1 ? toJs(offset + i) : build(dim + 1, offset + i * inner, inner));
      return out;
    };
    return build(0, 0, this.size);
  }

  /** The single value of a one-element tensor. */
  item(): number {
    const data = this.dataSync();
    if (this.size !== 1) throw new TraceError(`item(): tensor has ${this.size} elements, expected 1`);
    return data[0];
  }

  /** Tensors are immutable: always throws. Mutable state is a `kiln.Variable`. */
  assign(_value: unknown): never {
    throw new ValueError(`cannot assign to a constant tensor ${fmtShape(this.shape)} ${this.dtype}: tensors are ` +
      'immutable; wrap the value in kiln.Variable to get assign/assignAdd/assignSub');
  }

  /** Releases the native memory now (shared storage is freed when its last view is disposed). */
  dispose(): void {
    if (this.storage && !this.storage.disposed) {
      this.storage.release();
      this.storage = new Storage(this.storage.data);
      this.storage.refs = 0;
    }
  }

  toString(): string {
    if (this.symbolic) return `Tensor(symbolic ${fmtShape(this.shape)} ${this.dtype})`;
    if (this.isDisposed) return `Tensor(disposed ${fmtShape(this.shape)} ${this.dtype})`;
    return `Tensor(${fmtShape(this.shape)} ${this.dtype} ${JSON.stringify(this.array())})`;
  }
}

/** Something an op accepts as a tensor: a Tensor or a JS number (taken as a scalar). */
export type TensorLike = Tensor | number;
