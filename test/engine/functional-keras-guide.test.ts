// The Keras functional API guide's examples, with the built-in layers: the ticket model (multi-input,
// multi-output, masked embeddings into LSTMs) and a nested autoencoder.
import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { getMask, type Functional, type Tensor } from '../../src/index.js';
import { randomTensor } from '../util/check.js';

const { Dense, Embedding, LSTM, Concatenate, Flatten, Reshape } = kiln.layers;

function values(t: Tensor): number[] {
  return Array.from(t.dataSync());
}

describe('the Keras guide\'s ticket model', () => {
  const numWords = 20, numTags = 4, numDepartments = 3;

  function build() {
    const title = kiln.input({ shape: [null], name: 'title', dtype: 'int32' });
    const body = kiln.input({ shape: [null], name: 'body', dtype: 'int32' });
    const tags = kiln.input({ shape: [numTags], name: 'tags' });
    const titleEmbedding = new Embedding({ inputDim: numWords, outputDim: 6, maskZero: true });
    const bodyEmbedding = new Embedding({ inputDim: numWords, outputDim: 6, maskZero: true });
    const titleLstm = new LSTM({ units: 5 }), bodyLstm = new LSTM({ units: 3 });
    const titleSeq = titleEmbedding.apply(title);
    const concat = new Concatenate();
    const x = concat.apply([titleLstm.apply(titleSeq), bodyLstm.apply(bodyEmbedding.apply(body)), tags]);
    const priority = new Dense({ units: 1, name: 'priority' }).apply(x);
    const department = new Dense({ units: numDepartments, name: 'department' }).apply(x);
    const model = kiln.model({ inputs: [title, body, tags], outputs: { priority, department }, name: 'ticket' });
    return { model, titleSeq, x, parts: { titleEmbedding, bodyEmbedding, titleLstm, bodyLstm, concat } };
  }

  test('symbolic shapes keep the unknown batch and time dims; the mask stops at the LSTM', () => {
    const { titleSeq, x } = build();
    expect(titleSeq.shape).toEqual([-1, -1, 6]);
    expect(getMask(titleSeq)!.shape).toEqual([-1, -1]);
    expect(x.shape).toEqual([-1, 5 + 3 + numTags]);
    expect(getMask(x)).toBeNull();
  });

  test('outputs equal the layers called by hand on padded sequences of any length', () => {
    const { model, parts } = build();
    for (const len of [4, 7]) {
      const ids = (seed: number): Tensor => {
        const r = randomTensor([2, len], seed, 'float64', 1, numWords - 0.01);
        // Zero padding at the end of the second sample: masked steps.
        return kiln.tensor(Array.from(r.dataSync(), (v, i) => (i >= len + 2 ? 0 : Math.floor(v))), [2, len], 'int32');
      };
      const t = ids(len), b = ids(len + 10), g = randomTensor([2, numTags], 3, 'float32');
      const { priority, department } = model.apply({ title: t, body: b, tags: g }) as Record<string, Tensor>;
      const x = parts.concat.apply([
        parts.titleLstm.apply(parts.titleEmbedding.apply(t)), parts.bodyLstm.apply(parts.bodyEmbedding.apply(b)), g,
      ]) as Tensor;
      expect(values(priority)).toEqual(values(model.getLayer('priority').apply(x) as Tensor));
      expect(values(department)).toEqual(values(model.getLayer('department').apply(x) as Tensor));
      expect(department.shape).toEqual([2, numDepartments]);
    }
  });

  test('the summary lists every layer with its connections and the JSON round-trips', () => {
    const { model } = build();
    const text = model.summary({ printFn: null });
    expect(text).toMatch(/title \(InputLayer\)\s+│ \(None, None\)\s+│\s+0 │ -/);
    expect(text).toContain('priority (Dense)');
    const copy = kiln.modelFromJSON(model.toJSON()) as Functional;
    expect(copy.toJSON()).toBe(model.toJSON());
    expect(copy.outputNames).toEqual(['priority', 'department']);
  });
});

describe('the Keras guide\'s nested autoencoder', () => {
  test('encoder and decoder models compose into an autoencoder that computes decoder(encoder(x))', () => {
    const encoderInput = kiln.input({ shape: [4, 4], name: 'img' });
    const code = new Dense({ units: 3, activation: 'relu' }).apply(new Flatten().apply(encoderInput));
    const encoder = kiln.model({ inputs: encoderInput, outputs: code, name: 'encoder' });
    const decoderInput = kiln.input({ shape: [3], name: 'encoded_img' });
    const decoded = new Reshape({ targetShape: [4, 4] }).apply(new Dense({ units: 16 }).apply(decoderInput));
    const decoder = kiln.model({ inputs: decoderInput, outputs: decoded, name: 'decoder' });
    const autoencoderInput = kiln.input({ shape: [4, 4], name: 'autoencoder_img' });
    const autoencoder = kiln.model({
      inputs: autoencoderInput, outputs: decoder.apply(encoder.apply(autoencoderInput)), name: 'autoencoder',
    });
    expect(autoencoder.layers.map((l) => l.name)).toEqual(['autoencoder_img', 'encoder', 'decoder']);
    expect(autoencoder.outputs[0].shape).toEqual([-1, 4, 4]);
    const x = randomTensor([3, 4, 4], 11, 'float32');
    expect(values(autoencoder.apply(x) as Tensor)).toEqual(values(decoder.apply(encoder.apply(x)) as Tensor));
    expect(autoencoder.countParams()).toBe(encoder.countParams() + decoder.countParams());
  });
});
