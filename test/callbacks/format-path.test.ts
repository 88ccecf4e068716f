import { describe, expect, test } from 'vitest';
import { formatPath } from '../../src/callbacks/format-path.js';

// Expected strings are what Python 3's str.format prints for the same template and values.
describe('formatPath (Python str.format subset)', () => {
  test('integer and fixed-point fields with width, zero padding and precision', () => {
    expect(formatPath('ckpt-{epoch:02d}-{val_loss:.4f}.kiln', { epoch: 3, val_loss: 0.123456 }))
      .toBe('ckpt-03-0.1235.kiln');
    expect(formatPath('{epoch:03d}', { epoch: 12 })).toBe('012');
    expect(formatPath('{x:08.3f}', { x: -3.14159 })).toBe('-003.142');
    expect(formatPath('{x:+.2f}', { x: 2 })).toBe('+2.00');
  });

  test('exponent, general and percent forms', () => {
    expect(formatPath('{x:.2e}', { x: 12345.678 })).toBe('1.23e+04');
    expect(formatPath('{x:e}', { x: 0.5 })).toBe('5.000000e-01');
    expect(formatPath('{x:g}', { x: 0.0001234 })).toBe('0.0001234');
    expect(formatPath('{x:g}', { x: 0.00001234 })).toBe('1.234e-05');
    expect(formatPath('{x:.3g}', { x: 1234567 })).toBe('1.23e+06');
    expect(formatPath('{x:g}', { x: 100 })).toBe('100');
    expect(formatPath('{x:.1%}', { x: 0.256 })).toBe('25.6%');
  });

  test('plain fields, alignment, literal braces', () => {
    expect(formatPath('{epoch}-{loss}', { epoch: 2, loss: 0.5 })).toBe('2-0.5');
    expect(formatPath('{e:>4d}|{e:<4d}|{e:^5d}|{e:*^5d}', { e: 7 })).toBe('   7|7   |  7  |**7**');
    expect(formatPath('{{epoch}}-{epoch}', { epoch: 1 })).toBe('{epoch}-1');
  });

  test('a missing name or a wrong format code is an error naming it', () => {
    expect(() => formatPath('{val_acc:.2f}', { loss: 1 })).toThrow(/no value named "val_acc"; available: loss/);
    expect(() => formatPath('{loss:d}', { loss: 0.5 })).toThrow(/format code "d" of \{loss\} needs an integer/);
  });
});
