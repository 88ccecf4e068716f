import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { checkGradients, expectClose, randomTensor, uniformValues } from '../util/check.js';
import { checkWeightGradients, maskOf } from './rnn-reference.js';

const { MultiHeadAttention } = kiln.layers;

interface MhaWeights { qk: number[]; qb: number[]; kk: number[]; kb: number[]; vk: number[]; vb: number[]; ok: number[]; ob: number[] }

/** float64 reference of Keras MultiHeadAttention in plain loops; `allowed(b, t, s)` is the combined mask. */
function mhaRef(q: ArrayLike<number>, [B, T, Dq]: number[], v: ArrayLike<number>, [, S, Dv]: number[],
                k: ArrayLike<number>, Dk: number, w: MhaWeights, N: number, H: number, Hv: number, O: number,
                allowed: ((b: number, t: number, s: number) => boolean) | null) {
  const proj = (x: ArrayLike<number>, L: number, D: number, kern: number[], bias: number[], size: number): number[] => {
    const out = new Array<number>(B * L * N * size).fill(0);
    for (let b = 0; b < B; b++) for (let l = 0; l < L; l++) for (let n = 0; n < N; n++) for (let h = 0; h < size; h++) {
      let acc = bias[n * size + h];
      for (let d = 0; d < D; d++) acc += x[(b * L + l) * D + d] * kern[(d * N + n) * size + h];
      out[((b * L + l) * N + n) * size + h] = acc;
    }
    return out;
  };
  const qp = proj(q, T, Dq, w.qk, w.qb, H), kp = proj(k, S, Dk, w.kk, w.kb, H), vp = proj(v, S, Dv, w.vk, w.vb, Hv);
  const scores = new Array<number>(B * N * T * S).fill(0);
  const out = new Array<number>(B * T * O).fill(0);
  for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) {
    const ctx = new Array<number>(N * Hv).fill(0);
    for (let n = 0; n < N; n++) {
      const logits: number[] = [];
      for (let s = 0; s < S; s++) {
        let dot = 0;
        for (let h = 0; h < H; h++) dot += qp[((b * T + t) * N + n) * H + h] * kp[((b * S + s) * N + n) * H + h];
        logits.push(allowed && !allowed(b, t, s) ? -1e9 : dot / Math.sqrt(H));
      }
      const mx = Math.max(...logits);
      const e = logits.map((l) => Math.exp(l - mx));
      const z = e.reduce((a, c) => a + c, 0);
      for (let s = 0; s < S; s++) {
        const p = allowed && !allowed(b, t, s) ? 0 : e[s] / z;
        scores[((b * N + n) * T + t) * S + s] = p;
        for (let h = 0; h < Hv; h++) ctx[n * Hv + h] += p * vp[((b * S + s) * N + n) * Hv + h];
      }
    }
    for (let o = 0; o < O; o++) {
      let acc = w.ob[o];
      for (let i = 0; i < N * Hv; i++) acc += ctx[i] * w.ok[i * O + o];
      out[(b * T + t) * O + o] = acc;
    }
  }
  return { out, scores };
}

/** A built float64 layer with seeded weights. */
function seeded(options: Partial<kiln.layers.MultiHeadAttentionOptions>, qShape: number[], vShape: number[], kShape = vShape) {
  const layer = new MultiHeadAttention({ numHeads: 2, keyDim: 3, dtype: 'float64', ...options });
  layer.apply([kiln.zeros(qShape, 'float64'), kiln.zeros(vShape, 'float64'), kiln.zeros(kShape, 'float64')]);
  const ws = layer.getWeights();
  const vals = ws.map((t, i) => uniformValues(t.size, 30 + i, -0.7, 0.7));
  layer.setWeights(ws.map((t, i) => kiln.tensor(vals[i], [...t.shape], 'float64')));
  const [qk, qb, kk, kb, vk, vb, ok, ob] = vals;
  return { layer, w: { qk, qb, kk, kb, vk, vb, ok, ob } };
}

describe('MultiHeadAttention values', () => {
  test('self-attention without masks matches the reference, and the scores too', () => {
    const { layer, w } = seeded({ valueDim: 2 }, [2, 3, 4], [2, 3, 4]);
    const x = randomTensor([2, 3, 4], 1);
    const ref = mhaRef(x.dataSync(), [2, 3, 4], x.dataSync(), [2, 3, 4], x.dataSync(), 4, w, 2, 3, 2, 4, null);
    const [out, scores] = layer.attend(x, x, { returnAttentionScores: true });
    expectClose(out, ref.out, [2, 3, 4], 1e-12, 1e-10);
    expectClose(scores, ref.scores, [2, 2, 3, 3], 1e-12, 1e-10);
    expectClose(layer.apply([x, x]) as Tensor, ref.out, [2, 3, 4], 1e-12, 1e-10);
  });

  test('cross-attention with a separate key and an outputShape', () => {
    const { layer, w } = seeded({ outputShape: 5 }, [2, 2, 3], [2, 4, 6], [2, 4, 1]);
    const q = randomTensor([2, 2, 3], 2), v = randomTensor([2, 4, 6], 3), k = randomTensor([2, 4, 1], 4);
    const ref = mhaRef(q.dataSync(), [2, 2, 3], v.dataSync(), [2, 4, 6], k.dataSync(), 1, w, 2, 3, 3, 5, null);
    expectClose(layer.attend(q, v, { key: k }), ref.out, [2, 2, 5], 1e-12, 1e-10);
  });

  test('query, value and explicit attention masks are combined with AND; fully masked rows attend to nothing', () => {
    const { layer, w } = seeded({}, [2, 3, 2], [2, 4, 2]);
    const q = randomTensor([2, 3, 2], 5), v = randomTensor([2, 4, 2], 6);
    const qm = maskOf([[true, true, false], [true, true, true]]);
    const vm = maskOf([[true, false, true, true], [false, false, true, true]]);
    const am = Array.from({ length: 2 * 3 * 4 }, (_, i) => i % 5 !== 0);
    kiln.setMask(q, qm.tensor);
    kiln.setMask(v, vm.tensor);
    const allowed = (b: number, t: number, s: number): boolean => qm.rows[b][t] && vm.rows[b][s] && am[(b * 3 + t) * 4 + s];
    const ref = mhaRef(q.dataSync(), [2, 3, 2], v.dataSync(), [2, 4, 2], v.dataSync(), 2, w, 2, 3, 3, 2, allowed);
    const [out, scores] = layer.attend(q, v, {
      attentionMask: kiln.tensor(am.map(Number), [2, 3, 4], 'bool'), returnAttentionScores: true });
    expectClose(out, ref.out, [2, 3, 2], 1e-12, 1e-10);
    expectClose(scores, ref.scores, [2, 2, 3, 4], 1e-12, 1e-10);
    // Row (b=0, t=2) is masked by the query mask: all its scores are 0.
    expect(Array.from(scores.dataSync()).slice(8, 12)).toEqual([0, 0, 0, 0]);
    expect(kiln.getMask(out)).toBe(qm.tensor);
    expect(kiln.getMask(scores)).toBeNull();
  });

  test('useCausalMask lets query t attend to keys s ≤ t only', () => {
    const { layer, w } = seeded({}, [1, 4, 3], [1, 4, 3]);
    const x = randomTensor([1, 4, 3], 7);
    const ref = mhaRef(x.dataSync(), [1, 4, 3], x.dataSync(), [1, 4, 3], x.dataSync(), 3, w, 2, 3, 3, 3,
      (_b, t, s) => s <= t);
    const [out, scores] = layer.attend(x, x, { useCausalMask: true, returnAttentionScores: true });
    expectClose(out, ref.out, [1, 4, 3], 1e-12, 1e-10);
    expectClose(scores, ref.scores, [1, 2, 4, 4], 1e-12, 1e-10);
  });

  test('dropout acts on the scores in training only; the returned scores are taken before dropout', () => {
    const { layer } = seeded({ dropout: 0.5, seed: 2 }, [2, 3, 4], [2, 3, 4]);
    const x = randomTensor([2, 3, 4], 8);
    const [inf, sInf] = layer.attend(x, x, { returnAttentionScores: true, training: false });
    const [tr, sTr] = layer.attend(x, x, { returnAttentionScores: true, training: true });
    expectClose(sTr, Array.from(sInf.dataSync()), [2, 2, 3, 3], 1e-12, 0);
    expect(Array.from(tr.dataSync()).some((y, i) => Math.abs(y - inf.dataSync()[i]) > 1e-6)).toBe(true);
  });

  test('weights have the Keras shapes and names', () => {
    const layer = new MultiHeadAttention({ numHeads: 4, keyDim: 5, valueDim: 6, name: 'mha' });
    layer.attend(kiln.zeros([1, 2, 7]), kiln.zeros([1, 3, 8]));
    expect(layer.weights.map((w) => [w.name, [...w.shape]])).toEqual([
      ['mha/query/kernel', [7, 4, 5]], ['mha/query/bias', [4, 5]],
      ['mha/key/kernel', [8, 4, 5]], ['mha/key/bias', [4, 5]],
      ['mha/value/kernel', [8, 4, 6]], ['mha/value/bias', [4, 6]],
      ['mha/attentionOutput/kernel', [4, 6, 7]], ['mha/attentionOutput/bias', [7]],
    ]);
    const noBias = new MultiHeadAttention({ numHeads: 1, keyDim: 2, useBias: false });
    noBias.attend(kiln.zeros([1, 2, 3]), kiln.zeros([1, 2, 3]));
    expect(noBias.weights).toHaveLength(4);
  });
});

describe('MultiHeadAttention gradients', () => {
  test('gradients with respect to query, value and key match finite differences', () => {
    const { layer } = seeded({ valueDim: 2 }, [2, 2, 3], [2, 3, 2], [2, 3, 2]);
    const m = kiln.tensor([1, 1, 0, 1, 0, 1, 1, 1, 1, 0, 1, 1], [2, 2, 3], 'bool');
    checkGradients((q, v, k) => layer.attend(q, v, { key: k, attentionMask: m }),
      [randomTensor([2, 2, 3], 11), randomTensor([2, 3, 2], 12), randomTensor([2, 3, 2], 13)]);
  });

  test('gradients with respect to all eight weights match finite differences', () => {
    const { layer } = seeded({ keyDim: 2 }, [1, 2, 2], [1, 3, 2]);
    const q = randomTensor([1, 2, 2], 14), v = randomTensor([1, 3, 2], 15);
    checkWeightGradients(layer, () => layer.attend(q, v, { useCausalMask: true }));
  });
});

describe('MultiHeadAttention config and errors', () => {
  test('getConfig round-trips through deserializeLayer', () => {
    const layer = new MultiHeadAttention({ numHeads: 3, keyDim: 4, dropout: 0.1, useBias: false, outputShape: 6,
      kernelRegularizer: 'l2', seed: 5, name: 'att' });
    const config = JSON.parse(JSON.stringify(layer.getConfig()));
    expect(config).toMatchObject({ numHeads: 3, keyDim: 4, valueDim: 4, dropout: 0.1, useBias: false, outputShape: 6 });
    const again = kiln.deserializeLayer({ className: 'MultiHeadAttention', config });
    expect(again).toBeInstanceOf(MultiHeadAttention);
    expect(again.getConfig()).toEqual(layer.getConfig());
  });

  test('bad inputs are ShapeErrors naming the layer and the shapes', () => {
    const layer = new MultiHeadAttention({ numHeads: 2, keyDim: 2, name: 'm' });
    expect(() => layer.attend(kiln.zeros([2, 3]), kiln.zeros([2, 3, 4])))
      .toThrow('MultiHeadAttention "m": expected query of rank 3 [batch, time, features], got shape [2, 3]');
    expect(() => layer.attend(kiln.zeros([2, 3, 4]), kiln.zeros([2, 5, 4]), { key: kiln.zeros([2, 4, 4]) }))
      .toThrow('MultiHeadAttention "m": value and key must agree on all axes but the last, got value [2, 5, 4] and key [2, 4, 4]');
    expect(() => layer.apply([kiln.zeros([1, 2, 2])])).toThrow(kiln.ValueError);
    expect(() => new MultiHeadAttention({ numHeads: 0, keyDim: 2, name: 'z' }))
      .toThrow('MultiHeadAttention "z": numHeads must be a positive integer, got 0');
  });
});
