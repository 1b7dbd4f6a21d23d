// One training iteration of the loss lab's GAN in TF.js, mirroring `Trainer::iteration`
// (src/train.rs): a D step (G's forward outside the tape, as Burn's `no_grad`), a G step
// (non-saturating cost, ‖∇G‖), Adam (2e-4, β 0.5 / 0.999, ε 1e-8), batch norm on batch
// statistics with PyTorch's running-statistics update (src/model/norm.rs), D(G(z)) once more
// after the update on batch statistics, and every statistic read back. The nets are the lab's
// `ModelConfig::new(28, 1, 100, width, width)`. Weights are freshly initialised (DCGAN init),
// not ours: this times the same work, it does not check equal results.

/* global tf */
const EPS = 1e-5, MOMENTUM = 0.1, SLOPE = 0.2, STD = 0.02;

/** idx3 .gz images → { count, size, gz, batch(step, b): Float32Array in [−1, 1], NHWC }. */
export async function loadImages(url) {
  const gz = new Uint8Array(await (await fetch(url)).arrayBuffer());
  const stream = new Blob([gz]).stream().pipeThrough(new DecompressionStream("gzip"));
  const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
  const view = new DataView(bytes.buffer);
  if (view.getUint32(0) !== 2051) throw new Error(`${url} is not an idx3 image file`);
  const [count, size] = [view.getUint32(4), view.getUint32(8)];
  const pixels = bytes.subarray(16), plane = size * size;
  return {
    count, size, gz, // gz: the file as fetched, for our `Dataset.decode`
    batch(step, b) {
      const start = ((step * b) % (count - b)) * plane, out = new Float32Array(b * plane);
      for (let i = 0; i < out.length; i++) out[i] = pixels[start + i] / 127.5 - 1;
      return out;
    },
  };
}

const normal = (shape, mean = 0) => tf.tidy(() => tf.add(tf.mul(tf.randomNormal(shape), STD), mean));

function norm(features) {
  return {
    gamma: tf.variable(normal([features], 1)), beta: tf.variable(tf.zeros([features])),
    mean: tf.variable(tf.zeros([features]), false), variance: tf.variable(tf.ones([features]), false),
  };
}

// mode "train": batch statistics, and the running ones move (queued in `updates`, applied
// after the tape); "batch": batch statistics only.
function batchNorm(x, n, mode, updates) {
  const { mean, variance } = tf.moments(x, [0, 1, 2]);
  if (mode === "train") updates.push([n, tf.keep(mean), tf.keep(variance), x.size / x.shape[3]]);
  return tf.batchNorm(x, mean, variance, n.beta, n.gamma, EPS);
}

function applyUpdates(updates) {
  tf.tidy(() => {
    for (const [n, mean, variance, count] of updates) {
      n.mean.assign(tf.add(tf.mul(n.mean, 1 - MOMENTUM), tf.mul(mean, MOMENTUM)));
      const unbiased = tf.mul(variance, count / Math.max(count - 1, 1));
      n.variance.assign(tf.add(tf.mul(n.variance, 1 - MOMENTUM), tf.mul(unbiased, MOMENTUM)));
    }
  });
  tf.dispose(updates.flatMap(([, m, v]) => [m, v]));
  updates.length = 0;
}

/** The lab's G and D at `width`, 28×28×1, latent 100, and `step()`: one iteration. */
export async function buildTrainer({ width, batch, latent = 100, images }) {
  await import("/tfjs/tfjs-core/register_all_gradients.js"); // see index.html
  const g = [
    { input: latent, output: 2 * width, k: 7, stride: 1, padding: 0, size: 7 },
    { input: 2 * width, output: width, k: 4, stride: 2, padding: 1, size: 14 },
    { input: width, output: 1, k: 4, stride: 2, padding: 1, size: 28 },
  ].map((l, i, all) => ({ ...l, w: tf.variable(normal([l.k, l.k, l.output, l.input])), norm: i + 1 < all.length ? norm(l.output) : null }));
  const d = [
    { input: 1, output: width, k: 4, stride: 2, padding: 1 },
    { input: width, output: 2 * width, k: 4, stride: 2, padding: 1 },
    { input: 2 * width, output: 1, k: 7, stride: 1, padding: 0 },
  ].map((l, j, all) => ({ ...l, w: tf.variable(normal([l.k, l.k, l.input, l.output])), norm: j > 0 && j + 1 < all.length ? norm(l.output) : null }));
  const trained = (layers) => layers.flatMap((l) => [l.w, ...(l.norm ? [l.norm.gamma, l.norm.beta] : [])]);
  const [gVars, dVars] = [trained(g), trained(d)];

  const generator = (z, mode, updates) => {
    const n = z.shape[0];
    let x = tf.reshape(z, [n, 1, 1, latent]);
    for (const l of g) {
      x = tf.conv2dTranspose(x, l.w, [n, l.size, l.size, l.output], l.stride, l.padding);
      x = l.norm ? tf.relu(batchNorm(x, l.norm, mode, updates)) : tf.tanh(x);
    }
    return x;
  };
  const discriminator = (x, mode, updates) => {
    d.forEach((l, j) => {
      x = tf.conv2d(x, l.w, l.stride, l.padding);
      if (l.norm) x = batchNorm(x, l.norm, mode, updates);
      if (j + 1 < d.length) x = tf.leakyRelu(x, SLOPE);
    });
    return tf.reshape(x, [-1]);
  };
  const optD = tf.train.adam(2e-4, 0.5, 0.999, 1e-8), optG = tf.train.adam(2e-4, 0.5, 0.999, 1e-8);
  const softplusMean = (x) => tf.mean(tf.softplus(x));
  let iteration = 0;

  async function step() {
    const updates = [];
    const real = tf.tensor4d(images.batch(iteration++, batch), [batch, images.size, images.size, 1]);
    const [zD, zG] = [tf.randomNormal([batch, latent]), tf.randomNormal([batch, latent])];
    const fake = tf.tidy(() => generator(zD, "train", updates));
    applyUpdates(updates);
    let realLogits, fakeLogits, gLogits;
    const dLoss = optD.minimize(() => {
      realLogits = tf.keep(discriminator(real, "train", updates));
      fakeLogits = tf.keep(discriminator(fake, "train", updates));
      return tf.add(softplusMean(tf.neg(realLogits)), softplusMean(fakeLogits));
    }, true, dVars);
    applyUpdates(updates);
    const { value: gCost, grads } = tf.variableGrads(() => {
      gLogits = tf.keep(discriminator(generator(zG, "train", updates), "train", updates));
      return softplusMean(tf.neg(gLogits));
    }, gVars);
    applyUpdates(updates);
    const gradNorm = tf.tidy(() => tf.sqrt(tf.addN(Object.values(grads).map((x) => tf.sum(tf.square(x))))));
    optG.applyGradients(grads);
    const stats = tf.tidy(() => {
      const after = tf.mean(tf.sigmoid(discriminator(generator(zG, "batch"), "batch")));
      const fakeBatch = tf.sigmoid(gLogits);
      const scalars = [dLoss, gCost, tf.mean(tf.sigmoid(realLogits)), tf.mean(fakeBatch), after, gradNorm];
      return tf.concat([...scalars.map((s) => tf.reshape(s, [1])), fakeBatch]);
    });
    const values = await stats.data();
    tf.dispose([real, zD, zG, fake, dLoss, gCost, realLogits, fakeLogits, gLogits, gradNorm, stats, ...Object.values(grads)]);
    if (!values.every(Number.isFinite)) throw new Error("TF.js training produced a value that is not finite");
    return values;
  }
  const dispose = () => {
    tf.dispose([...g, ...d].flatMap((l) => [l.w, ...Object.values(l.norm ?? {})]));
    optD.dispose();
    optG.dispose();
  };
  return { step, dispose };
}
