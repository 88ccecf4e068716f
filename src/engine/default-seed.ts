// Keras `make_default_seed`: objects made without a seed draw one from the global generator, so that
// kiln.ops.setRandomSeed makes initializers and dropout reproducible.
import { randomUniform } from '../ops/random.js';
import { outsideTrace } from './init-scope.js';

/** A seed in [1, 1e9) drawn from the global generator (eagerly, even while tracing). */
export function defaultSeed(): number {
  return outsideTrace(() => randomUniform([], { minval: 1, maxval: 1e9, dtype: 'int32' }).item());
}
