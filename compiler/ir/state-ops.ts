// The primitives through which traced functions update variables: `assignVariable` (a state node, run by
// whoever executes the graph) and `updateSlice` (the pure value a slice assignment produces).
import { ShapeError, ValueError, fmtShape } from '../../src/core/errors.js';
import { definePrimitive } from '../../src/ops/registry.js';

/**
 * assignVariable(target, value): sets the variable whose state value is `target` to `value` (same shape and
 * dtype). No outputs; later reads in the same graph use `value` directly (SSA), so order only matters for
 * what the variable holds after the graph ran.
 */
export const assignVariablePrim = definePrimitive({
  name: 'assignVariable',
  kind: 'state',
  infer: ([target, value]) => {
    if (value.dtype !== target.dtype)
      throw new ValueError(`assignVariable: expected dtype ${target.dtype}, got ${value.dtype}`);
    if (value.shape.length !== target.shape.length || value.shape.some((d, i) => d !== target.shape[i]))
      throw new ShapeError(`assignVariable: expected shape ${fmtShape(target.shape)}, got ${fmtShape(value.shape)}`);
    return [];
  },
  eager: () => {
    // The executor owns the variables: it maps the target state value to its Variable and assigns.
    throw new ValueError('assignVariable: runs only as a node of a graph (use Variable.assign eagerly)');
  },
});

/** updateSlice(target, value) {begin}: a copy of `target` with `value` written at offset `begin`. */
export const updateSlicePrim = definePrimitive<{ begin: number[] }>({
  name: 'updateSlice',
  kind: 'movement',
  infer: ([target, value], { begin }) => {
    if (value.dtype !== target.dtype)
      throw new ValueError(`updateSlice: expected dtype ${target.dtype}, got ${value.dtype}`);
    const r = target.shape.length;
    if (value.shape.length !== r || begin.length !== r ||
        begin.some((b, i) => !Number.isInteger(b) || b < 0 || b + value.shape[i] > target.shape[i]))
      throw new ShapeError(`updateSlice: value ${fmtShape(value.shape)} at ${fmtShape(begin)} does not fit in ` +
        `${fmtShape(target.shape)}`);
    return [{ shape: target.shape, dtype: target.dtype }];
  },
  // The kernel copies target, then writes value into the box at `begin` (steps 1).
  kernelCall: ([target, value], { begin }) => ({
    kernel: 'updateSlice',
    args: [target.shape.length, target.shape, value.shape, begin, begin.map(() => 1)],
  }),
});
