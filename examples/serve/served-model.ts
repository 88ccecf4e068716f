// What the service needs from a model: per-row shapes, a row limit and a batched predict over flat float32 rows.
// fromArtifact adapts a compiled artifact (kiln.loadPredictor); anything else with this shape can be served too.
import * as kiln from '../../src/index.js';

/** A batched float32 model with one input and one output of fixed per-row shapes. */
export interface ServedModel {
  /** Shape of one input row (without the batch dim); a request row holds its product of values. */
  readonly inputShape: readonly number[];
  /** Shape of one output row (without the batch dim). */
  readonly outputShape: readonly number[];
  /** Most rows one predict call takes. */
  readonly maxBatch: number;
  /** Outputs of `rows` rows laid out one after another in `input`: rows × product(outputShape) values. */
  predict(input: Float32Array, rows: number): Float32Array | Promise<Float32Array>;
}

/** Number of values in one row of `shape`. */
export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function rowShape(label: string, what: string, infos: readonly kiln.ArtifactTensorInfo[]): number[] {
  if (infos.length !== 1)
    throw new kiln.ValueError(`${label}: the service takes a model with 1 ${what}, this one has ${infos.length}`);
  const row = infos[0].shape.slice(1);
  if (row.some((d) => d === null))
    throw new kiln.ValueError(`${label}: ${what} "${infos[0].name}" has an unknown dim in ${JSON.stringify(row)}`);
  return row as number[];
}

/**
 * A ServedModel over a loaded artifact. Runs go through Predictor.run on buffers allocated once per batch size; an
 * artifact compiled for a fixed batch gets its rows padded with zeros up to that batch.
 */
export function fromArtifact(predictor: kiln.Predictor): ServedModel {
  const label = `Predictor "${predictor.manifest.name}"`;
  const inputShape = rowShape(label, 'input', predictor.inputs);
  const outputShape = rowShape(label, 'output', predictor.outputs);
  const inRow = sizeOf(inputShape), outRow = sizeOf(outputShape);
  const fixed = predictor.fixedBatch ? new Float32Array(predictor.maxBatch * inRow) : null;
  return {
    inputShape, outputShape, maxBatch: predictor.maxBatch,
    predict(input: Float32Array, rows: number): Float32Array {
      const batch = fixed ? predictor.maxBatch : rows;
      let x = input;
      if (fixed) {
        fixed.fill(0);
        fixed.set(input);
        x = fixed;
      }
      const y = new Float32Array(batch * outRow);
      predictor.run([x], [y], batch);
      return y.subarray(0, rows * outRow);
    },
  };
}
