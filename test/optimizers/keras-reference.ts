// Independent float64 implementations of the Keras 3 optimizer equations on plain JS arrays, for tests.
// They follow keras/src/optimizers/*.py line by line (clipping, then weight decay, then the update step).

/** The hyperparameters the reference understands (a superset over optimizers). */
export interface RefOptions {
  kind: 'sgd' | 'rmsprop' | 'adam' | 'adagrad';
  lr: number;
  momentum?: number;
  nesterov?: boolean;
  rho?: number;
  centered?: boolean;
  epsilon?: number;
  beta1?: number;
  beta2?: number;
  amsgrad?: boolean;
  initialAccumulatorValue?: number;
  weightDecay?: number;
  clipnorm?: number;
  clipvalue?: number;
  globalClipnorm?: number;
  /** The learning rate at a step (overrides lr). */
  schedule?: (step: number) => number;
}

const norm = (g: number[]) => Math.sqrt(g.reduce((a, x) => a + x * x, 0));

/** Keras clipping of one step's gradients. */
export function refClip(grads: number[][], o: RefOptions): number[][] {
  if (o.clipnorm) {
    const c = o.clipnorm;
    return grads.map((g) => {
      const n = norm(g);
      return g.map((x) => (x * c) / Math.max(n, c));
    });
  }
  if (o.globalClipnorm) {
    const c = o.globalClipnorm;
    const n = Math.sqrt(grads.reduce((a, g) => a + norm(g) ** 2, 0));
    const scale = c * Math.min(1 / n, 1 / c);
    return grads.map((g) => g.map((x) => x * scale));
  }
  if (o.clipvalue) {
    const c = o.clipvalue;
    return grads.map((g) => g.map((x) => Math.min(Math.max(x, -c), c)));
  }
  return grads;
}

/** Runs the optimizer over `steps` (each: one gradient per variable); returns the weights after every step. */
export function refOptimize(initial: number[][], steps: number[][][], o: RefOptions): number[][][] {
  const w = initial.map((v) => [...v]);
  const zeros = () => w.map((v) => v.map(() => 0));
  const m = zeros(), v = zeros(), vHat = zeros(), avg = zeros();
  const acc = w.map((x) => x.map(() => o.initialAccumulatorValue ?? 0.1));
  const history: number[][][] = [];
  steps.forEach((rawGrads, t) => {
    const lr = o.schedule ? o.schedule(t) : o.lr;
    const grads = refClip(rawGrads, o);
    if (o.weightDecay !== undefined)
      w.forEach((x) => x.forEach((xi, i) => (x[i] = xi - xi * o.weightDecay! * lr)));
    w.forEach((x, k) => {
      const g = grads[k];
      for (let i = 0; i < x.length; i++) {
        switch (o.kind) {
          case 'sgd': {
            const mu = o.momentum ?? 0;
            if (mu === 0) x[i] -= lr * g[i];
            else {
              m[k][i] = m[k][i] * mu - g[i] * lr;
              x[i] += o.nesterov ? m[k][i] * mu - g[i] * lr : m[k][i];
            }
            break;
          }
          case 'rmsprop': {
            const rho = o.rho ?? 0.9, eps = o.epsilon ?? 1e-7, mu = o.momentum ?? 0;
            v[k][i] = rho * v[k][i] + (1 - rho) * g[i] * g[i];
            let denom = v[k][i] + eps;
            if (o.centered) {
              avg[k][i] = rho * avg[k][i] + (1 - rho) * g[i];
              denom = v[k][i] - avg[k][i] * avg[k][i] + eps;
            }
            const inc = (lr * g[i]) / Math.sqrt(denom);
            if (mu > 0) {
              m[k][i] = mu * m[k][i] + inc;
              x[i] -= m[k][i];
            } else x[i] -= inc;
            break;
          }
          case 'adam': {
            const b1 = o.beta1 ?? 0.9, b2 = o.beta2 ?? 0.999, eps = o.epsilon ?? 1e-7, s = t + 1;
            const alpha = (lr * Math.sqrt(1 - b2 ** s)) / (1 - b1 ** s);
            m[k][i] += (g[i] - m[k][i]) * (1 - b1);
            v[k][i] += (g[i] * g[i] - v[k][i]) * (1 - b2);
            let vv = v[k][i];
            if (o.amsgrad) vv = vHat[k][i] = Math.max(vHat[k][i], v[k][i]);
            x[i] -= (m[k][i] * alpha) / (Math.sqrt(vv) + eps);
            break;
          }
          case 'adagrad': {
            const eps = o.epsilon ?? 1e-7;
            acc[k][i] += g[i] * g[i];
            x[i] -= (lr * g[i]) / Math.sqrt(acc[k][i] + eps);
            break;
          }
        }
      }
    });
    history.push(w.map((x) => [...x]));
  });
  return history;
}
