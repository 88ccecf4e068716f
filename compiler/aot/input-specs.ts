// The inputs an artifact is compiled for: per-row shapes, dtypes and names, from the model itself (a Functional
// model's inputs, a Sequential model's InputLayer) or from the caller when the model has no declared input.
import type { DType } from '../../src/core/dtype.js';
import { CompileError } from '../../src/core/errors.js';
import type { Model } from '../../src/engine/model.js';
import { Functional } from '../../src/engine/functional.js';

/** One model input: its shape without the batch dim, its dtype and name. */
export interface ModelInput {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: DType;
}

// A name that is safe in C string literals and headers.
export const printableName = (s: string, fallback: string): string => (/^[\x20-\x7e]+$/.test(s) ? s : fallback);

function rowShape(op: string, what: string, batchShape: readonly (number | null)[]): number[] {
  const row = batchShape.slice(1);
  if (row.some((d) => d === null || d < 0))
    throw new CompileError(`${op}: ${what} has unknown dims [${batchShape.join(', ')}]; artifacts need static shapes`);
  return row as number[];
}

/** The model's inputs; `given` (per-row shapes) is used when the model declares none. */
export function modelInputs(op: string, model: Model, given: readonly (readonly number[])[] | undefined): ModelInput[] {
  if (given) return given.map((shape, i) => ({ name: `input_${i}`, shape: [...shape], dtype: 'float32' }));
  if (model instanceof Functional)
    return model.inputs.map((t, i) => ({ name: printableName(model.inputNames[i], `input_${i}`),
      shape: rowShape(op, `input "${model.inputNames[i]}"`, t.shape), dtype: t.dtype }));
  const layers = (model.getConfig() as { layers?: { className?: string; config?: Record<string, unknown> }[] }).layers;
  const first = layers?.[0];
  if (first?.className === 'InputLayer' && Array.isArray(first.config?.batchShape)) {
    const config = first.config as { batchShape: (number | null)[]; dtype?: DType; name?: string };
    return [{ name: printableName(config.name ?? 'input_0', 'input_0'), shape: rowShape(op, 'the input', config.batchShape),
      dtype: config.dtype ?? 'float32' }];
  }
  throw new CompileError(`${op}: the model declares no input shape (start it with kiln.input(), or pass inputShapes)`);
}
