import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { expectClose } from '../util/check.js';

const { ops } = kiln;

describe('GradientTape', () => {
  test('watches trainable variables automatically and constants only when asked', () => {
    const v = new kiln.Variable(kiln.tensor([1, 2, 3], [3], 'float64'));
    const c = kiln.tensor([4, 5, 6], [3], 'float64');
    const tape = new kiln.GradientTape({ persistent: true });
    const y = tape.record(() => ops.sum(ops.mul(v, c)));
    expectClose(tape.gradient(y, v)!, [4, 5, 6], [3]);
    expect(tape.gradient(y, c)).toBeNull();

    const tape2 = new kiln.GradientTape();
    tape2.watch(c);
    const y2 = tape2.record(() => ops.sum(ops.mul(v, c)));
    const [gv, gc] = tape2.gradient(y2, [v, c]);
    expectClose(gv!, [4, 5, 6], [3]);
    expectClose(gc!, [1, 2, 3], [3]);
  });

  test('non-trainable variables are not watched unless asked', () => {
    const v = new kiln.Variable(kiln.scalar(2, 'float64'), 'frozen', false);
    const tape = new kiln.GradientTape({ persistent: true });
    const y = tape.record(() => ops.square(v));
    expect(tape.gradient(y, v)).toBeNull();
    const tape2 = new kiln.GradientTape();
    tape2.watch(v);
    const y2 = tape2.record(() => ops.square(v));
    expect(tape2.gradient(y2, v)!.item()).toBeCloseTo(4, 12);
  });

  test('watchAccessedVariables false ignores variables that are not watched explicitly', () => {
    const v = new kiln.Variable(kiln.scalar(3, 'float64'));
    const tape = new kiln.GradientTape({ watchAccessedVariables: false });
    const y = tape.record(() => ops.square(v));
    expect(tape.gradient(y, v)).toBeNull();
  });

  test('the gradient of a non-scalar target is the gradient of its sum', () => {
    const x = kiln.tensor([1, 2, 3], [3], 'float64');
    const tape = new kiln.GradientTape();
    tape.watch(x);
    const y = tape.record(() => ops.square(x));
    expectClose(tape.gradient(y, x)!, [2, 4, 6], [3]);
  });

  test('an output gradient seeds the backward pass', () => {
    const x = kiln.tensor([1, 2, 3], [3], 'float64');
    const tape = new kiln.GradientTape();
    tape.watch(x);
    const y = tape.record(() => ops.square(x));
    expectClose(tape.gradient(y, x, kiln.tensor([1, 0, -1], [3], 'float64'))!, [2, 0, -6], [3]);
  });

  test('unconnected sources give null and stopGradient blocks the path', () => {
    const a = new kiln.Variable(kiln.scalar(2, 'float64'));
    const b = new kiln.Variable(kiln.scalar(5, 'float64'));
    const tape = new kiln.GradientTape({ persistent: true });
    const y = tape.record(() => ops.add(ops.square(a), ops.mul(kiln.stopGradient(a), 3)));
    expect(tape.gradient(y, b)).toBeNull();
    expect(tape.gradient(y, a)!.item()).toBeCloseTo(4, 12); // 2a only: the stopped path adds nothing
  });

  test('a non-persistent tape refuses a second gradient call; a persistent one allows it', () => {
    const x = new kiln.Variable(kiln.scalar(1.5, 'float64'));
    const tape = new kiln.GradientTape();
    const y = tape.record(() => ops.exp(x));
    tape.gradient(y, x);
    expect(() => tape.gradient(y, x)).toThrow(kiln.ValueError);
    const p = new kiln.GradientTape({ persistent: true });
    const z = p.record(() => ops.exp(x));
    expect(p.gradient(z, x)!.item()).toBeCloseTo(Math.exp(1.5), 12);
    expect(p.gradient(z, x)!.item()).toBeCloseTo(Math.exp(1.5), 12);
  });

  test('gradients come back in the structure of the sources (single, array, record)', () => {
    const w = new kiln.Variable(kiln.tensor([[1, 2], [3, 4]], [2, 2], 'float64'), 'w');
    const b = new kiln.Variable(kiln.tensor([1, 1], [2], 'float64'), 'b');
    const x = kiln.tensor([[1, -1]], [1, 2], 'float64');
    const tape = new kiln.GradientTape({ persistent: true });
    const y = tape.record(() => ops.sum(ops.add(ops.matmul(x, w), b)));
    const rec = tape.gradient(y, { w, b });
    expectClose(rec.w!, [1, 1, -1, -1], [2, 2]);
    expectClose(rec.b!, [1, 1], [2]);
    const arr = tape.gradient(y, [b]);
    expect(arr).toHaveLength(1);
  });

  test('a variable read several times accumulates the gradient of every read', () => {
    const v = new kiln.Variable(kiln.scalar(3, 'float64'));
    const tape = new kiln.GradientTape();
    const y = tape.record(() => ops.mul(v, v));
    expect(tape.gradient(y, v)!.item()).toBeCloseTo(6, 12);
  });

  test('nested tapes give second-order gradients: position 4.9 t² has acceleration 9.8 (DLwP 3.5.4)', () => {
    const time = new kiln.Variable(kiln.scalar(0));
    const outer = new kiln.GradientTape();
    const inner = new kiln.GradientTape();
    let speed: kiln.Tensor | null = null;
    outer.record(() => {
      const position = inner.record(() => ops.mul(4.9, ops.pow(time, 2)));
      speed = inner.gradient(position, time);
    });
    const acceleration = outer.gradient(speed!, time)!;
    expect(Math.abs(acceleration.item() - 9.8)).toBeLessThan(1e-5);
  });

  test('third-order gradients through three nested tapes', () => {
    const x = new kiln.Variable(kiln.scalar(2, 'float64'));
    const t1 = new kiln.GradientTape(), t2 = new kiln.GradientTape(), t3 = new kiln.GradientTape();
    let d1: kiln.Tensor | null = null, d2: kiln.Tensor | null = null;
    t1.record(() => {
      t2.record(() => {
        const y = t3.record(() => ops.pow(x, 4)); // x⁴
        d1 = t3.gradient(y, x); // 4x³
      });
      d2 = t2.gradient(d1!, x); // 12x²
    });
    expect(t1.gradient(d2!, x)!.item()).toBeCloseTo(24 * 2, 10); // 24x
  });
});
