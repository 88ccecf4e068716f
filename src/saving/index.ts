// kiln.saving: whole-model files (save / loadModel), weight files, and the container format underneath.
export { saveModel, loadModel, type LoadModelOptions } from './model-file.js';
export { saveWeights, loadWeights } from './weights-file.js';
export { readContainer, writeContainer, FORMAT_VERSION, type Container, type ContainerEntry } from './container.js';
