// The global learning phase: the `training` value that Layer.apply uses when neither the caller nor an outer
// layer call gives one. fit() sets it to true, evaluate() and predict() to false.
let phase = false;

/** The current learning phase (false unless set). */
export function learningPhase(): boolean {
  return phase;
}

/** Sets the learning phase that layers called without `training` use. */
export function setLearningPhase(training: boolean): void {
  phase = training;
}
