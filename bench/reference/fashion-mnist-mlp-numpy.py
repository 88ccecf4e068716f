# An independent NumPy reference of what Keras 3 computes for the DLwP Fashion-MNIST MLP (Flatten → Dense 512 relu
# → Dense 10 softmax; glorot_uniform kernels, zero biases; RMSprop lr 1e-3, rho 0.9, eps 1e-7 inside the sqrt as in
# keras/src/optimizers/rmsprop.py; sparse categorical crossentropy averaged over each batch; batch 128, reshuffled
# every epoch, inputs / 255 in float32). It prints train loss/accuracy and test accuracy per epoch, to compare with
# examples/fashion-mnist-mlp.ts. Usage: python3 bench/reference/fashion-mnist-mlp-numpy.py SEED
import gzip
import sys

import numpy as np

DIR = '/usr/share/datasets/fashion-mnist/'


def images(name):
    with gzip.open(DIR + name) as f:
        return np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 784).astype(np.float32) / 255


def labels(name):
    with gzip.open(DIR + name) as f:
        return np.frombuffer(f.read(), np.uint8, offset=8).astype(np.int64)


x_train, y_train = images('train-images-idx3-ubyte.gz'), labels('train-labels-idx1-ubyte.gz')
x_test, y_test = images('t10k-images-idx3-ubyte.gz'), labels('t10k-labels-idx1-ubyte.gz')
rng = np.random.default_rng(int(sys.argv[1]) if len(sys.argv) > 1 else 0)


def glorot_uniform(fan_in, fan_out):
    limit = np.sqrt(6 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, (fan_in, fan_out)).astype(np.float32)


weights = [glorot_uniform(784, 512), np.zeros(512, np.float32), glorot_uniform(512, 10), np.zeros(10, np.float32)]
velocities = [np.zeros_like(w) for w in weights]
lr, rho, eps = np.float32(1e-3), np.float32(0.9), np.float32(1e-7)


def forward(x):
    h = np.maximum(x @ weights[0] + weights[1], 0)
    z = h @ weights[2] + weights[3]
    p = np.exp(z - z.max(1, keepdims=True))
    return h, p / p.sum(1, keepdims=True)


for epoch in range(5):
    order = rng.permutation(len(x_train))
    total_loss, correct = 0.0, 0
    for start in range(0, len(x_train), 128):
        idx = order[start:start + 128]
        x, y, n = x_train[idx], y_train[idx], len(idx)
        h, p = forward(x)
        total_loss -= np.log(np.clip(p[np.arange(n), y], 1e-7, 1 - 1e-7)).sum()
        correct += (p.argmax(1) == y).sum()
        dz = p.copy()
        dz[np.arange(n), y] -= 1
        dz /= n  # the mean over the batch
        dh = (dz @ weights[2].T) * (h > 0)
        grads = [x.T @ dh, dh.sum(0), h.T @ dz, dz.sum(0)]
        for k, g in enumerate(grads):
            velocities[k] = rho * velocities[k] + (1 - rho) * g * g
            weights[k] -= lr * g / np.sqrt(velocities[k] + eps)
    test_accuracy = (forward(x_test)[1].argmax(1) == y_test).mean()
    print(f'epoch {epoch + 1}: loss {total_loss / len(x_train):.4f} accuracy {correct / len(x_train):.4f} '
          f'test accuracy {test_accuracy:.4f}')
