import type { DType, TypedArray } from './dtype.js';
import { ShapeError, ValueError, fmtShape } from './errors.js';
import { Storage, Tensor } from './tensor.js';

let nextVariableId = 1;

/** Hooks through which tapes and tracing observe variable reads and writes (set by autodiff and compiler). */
export interface VariableObserver {
  onRead(v: Variable, value: Tensor): void;
}
const observers: VariableObserver[] = [];

/** @internal */
export function addVariableObserver(o: VariableObserver): void {
  observers.push(o);
}

/**
 * While a function is traced, variable reads give the graph's symbolic value and writes record state updates
 * instead of running (set by compiler/trace).
 */
export interface VariableTracer {
  /** The variable's current value in the graph being traced. */
  read(v: Variable): Tensor;
  /** Records `v = value`, or a write of `value` into the slice at `begin` when given. */
  write(v: Variable, value: Tensor, begin?: readonly number[]): void;
}
let tracer: VariableTracer | null = null;

/** @internal Installs (or removes) the variable tracer; returns the previous one. */
export function setVariableTracer(t: VariableTracer | null): VariableTracer | null {
  const prev = tracer;
  tracer = t;
  return prev;
}

/** A tensor-shaped slot of a slice of a variable: `v.slice(begin, size).assign(x)`. */
export interface VariableSlice {
  /** Writes `value` (broadcast to the slice's shape) into the slice. */
  assign(value: Tensor | number): void;
}

/** Hooks that the op layer provides (copy with broadcast, cast, strided write) without an import cycle. */
export interface VariableOps {
  toTensor(value: Tensor | number, dtype: DType): Tensor;
  add(a: Tensor, b: Tensor): Tensor;
  sub(a: Tensor, b: Tensor): Tensor;
  broadcastTo(x: Tensor, shape: readonly number[]): Tensor;
  writeSlice(target: Tensor, begin: readonly number[], value: Tensor): Tensor;
}
let variableOps: VariableOps | null = null;

/** @internal */
export function setVariableOps(ops: VariableOps): void {
  variableOps = ops;
}

/**
 * Mutable state: a name, a dtype, a fixed shape and a current value. Reading gives an immutable tensor;
 * `assign*` replace the value (tensors read earlier keep theirs). Trainable variables are watched by
 * gradient tapes automatically. Inside compiled functions, variables become persistent buffers.
 */
export class Variable {
  readonly id = nextVariableId++;
  /** @internal */ current: Tensor;
  /**
   * @internal False while no tensor outside this variable can see its current buffer (read, peek and assign make
   * it true): a compiled step may then update the buffer in place instead of writing a new one.
   */
  exposed = true;

  constructor(initial: Tensor, readonly name = `variable_${nextVariableId - 1}`, public trainable = true) {
    if (initial.isSymbolic) throw new ValueError(`Variable "${name}": initial value must be concrete`);
    this.current = Variable.own(initial);
  }

  /** A tensor sharing t's storage that no tidy scope tracks: a variable's value outlives scopes. */
  private static own(t: Tensor): Tensor {
    const s = t.concreteStorage('Variable');
    s.refs++;
    const owned = new Tensor(t.shape, t.dtype, null);
    owned.storage = s;
    return owned;
  }

  get shape(): readonly number[] {
    return this.current.shape;
  }
  get dtype(): DType {
    return this.current.dtype;
  }
  get rank(): number {
    return this.current.rank;
  }

  /** The current value (notifies tapes and tracing). */
  read(): Tensor {
    if (tracer) return tracer.read(this);
    for (const o of observers) o.onRead(this, this.current);
    this.exposed = true;
    return this.current;
  }

  /** The current value without notifying tapes (for saving, printing, optimizers' own reads); symbolic while tracing. */
  peek(): Tensor {
    if (tracer) return tracer.read(this);
    this.exposed = true;
    return this.current;
  }

  /** @internal The current buffer when nothing outside the variable can see it (see `exposed`), else null. */
  privateData(): TypedArray | null {
    return this.exposed ? null : this.current.dataSync();
  }

  /** @internal Makes `data`, a buffer the caller hands over and no tensor views, the value (as assign would). */
  adoptData(data: TypedArray): void {
    const given = new Tensor(this.shape, this.dtype, null);
    given.storage = new Storage(data);
    this.replace(given);
    this.exposed = false;
  }

  /** Replaces the value with `value` (same shape; numbers and broadcastable tensors are broadcast). */
  assign(value: Tensor | number): void {
    const ops = this.ops();
    let t = ops.toTensor(value, this.dtype);
    if (t.dtype !== this.dtype)
      throw new ValueError(`Variable "${this.name}".assign: expected dtype ${this.dtype}, got ${t.dtype}`);
    if (t.shape.length !== this.shape.length || t.shape.some((d, i) => d !== this.shape[i])) {
      try {
        t = ops.broadcastTo(t, this.shape);
      } catch {
        throw new ShapeError(`Variable "${this.name}".assign: expected shape ${fmtShape(this.shape)}, ` +
          `got ${fmtShape(t.shape)}`);
      }
    }
    if (tracer) tracer.write(this, t);
    else this.replace(t);
  }

  /** value += delta */
  assignAdd(delta: Tensor | number): void {
    this.assign(this.ops().add(this.peek(), this.ops().toTensor(delta, this.dtype)));
  }

  /** value -= delta */
  assignSub(delta: Tensor | number): void {
    this.assign(this.ops().sub(this.peek(), this.ops().toTensor(delta, this.dtype)));
  }

  /** A slice starting at `begin` with `size` (-1: to the end) that can be assigned to. */
  slice(begin: readonly number[], size: readonly number[]): VariableSlice {
    if (begin.length !== this.rank || size.length !== this.rank)
      throw new ShapeError(`Variable "${this.name}".slice: expected begin and size of length ${this.rank}, ` +
        `got ${begin.length} and ${size.length}`);
    const sliceShape = size.map((s, i) => (s === -1 ? this.shape[i] - begin[i] : s));
    sliceShape.forEach((s, i) => {
      if (begin[i] < 0 || s < 0 || begin[i] + s > this.shape[i])
        throw new ShapeError(`Variable "${this.name}".slice: begin ${fmtShape(begin)} size ${fmtShape(size)} ` +
          `out of range for shape ${fmtShape(this.shape)}`);
    });
    return {
      assign: (value) => {
        const ops = this.ops();
        let t = ops.toTensor(value, this.dtype);
        if (t.dtype !== this.dtype)
          throw new ValueError(`Variable "${this.name}" slice assign: expected dtype ${this.dtype}, got ${t.dtype}`);
        try {
          t = ops.broadcastTo(t, sliceShape);
        } catch {
          throw new ShapeError(`Variable "${this.name}" slice assign: expected shape ${fmtShape(sliceShape)}, ` +
            `got ${fmtShape(t.shape)}`);
        }
        if (tracer) tracer.write(this, t, begin);
        else this.replace(ops.writeSlice(this.current, begin, t));
      },
    };
  }

  private replace(t: Tensor): void {
    const old = this.current.storage;
    this.current = Variable.own(t);
    this.exposed = true;
    old?.release();
  }

  private ops(): VariableOps {
    if (!variableOps) throw new Error('kiln: ops not loaded');
    return variableOps;
  }

  toString(): string {
    return `Variable "${this.name}" ${fmtShape(this.shape)} ${this.dtype}`;
  }
}

