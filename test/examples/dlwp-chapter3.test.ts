import { expect, test } from 'vitest';
import { trainLinearClassifier } from '../../examples/linear-classifier.js';

test('the DLwP linear classifier on two Gaussian blobs ends below 0.04 loss after 40 steps', () => {
  const { losses, accuracy } = trainLinearClassifier();
  expect(losses).toHaveLength(40);
  expect(losses[39]).toBeLessThan(0.04);
  expect(losses[39]).toBeLessThan(losses[0]);
  expect(accuracy).toBeGreaterThan(0.97);
});

test('a different seed trains just as well (the result is not tuned to one draw)', () => {
  const { losses } = trainLinearClassifier({ seed: 7 });
  expect(losses[39]).toBeLessThan(0.04);
});
