// The shipped DCGAN generator rebuilt in TF.js from its safetensors file, in two forms:
//   (a) "conv2dTranspose": the network as written (conv-transpose, batch norm, ReLU, tanh);
//   (b) "sub-pixel": batch norm folded into the weights, the 1×1 → k×k layer a matMul, the
//       stride-1 layers plain convs, and the stride-2 layers 3×3 convs over sub-pixel-packed
//       maps, unpacked once by depthToSpace (XNNPACK runs convs fast, conv-transposes slowly).
// The architecture follows src/model/mod.rs (`generator_layers`): main.0 is k×k (k = 7 for 28
// pixels, else 4) stride 1 padding 0; `g_extra` 3×3 stride 1 padding 1; then 4×4 stride 2
// padding 1. Each but the last is followed by batch norm (eval: running stats, ε = 1e-5, as
// src/model/norm.rs) and ReLU; the last by tanh. Weights are Burn's / PyTorch's conv-transpose
// layout [in, out, kh, kw]. Everything here is NHWC, as TF.js wants.

/* global tf */
const EPS = 1e-5;

// IEEE half → float (safetensors f16 is little-endian).
function f16(bits) {
  const s = bits & 0x8000 ? -1 : 1, e = (bits >> 10) & 0x1f, m = bits & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** safetensors bytes → Map(name → {shape, data: Float32Array}); F16 and F32 tensors only. */
export function parseSafetensors(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  const base = 8 + headerLength, out = new Map();
  for (const [name, t] of Object.entries(header)) {
    if (name === "__metadata__" || !["F16", "F32"].includes(t.dtype)) continue;
    const [start, end] = t.data_offsets;
    const size = t.dtype === "F16" ? 2 : 4, count = (end - start) / size;
    const data = new Float32Array(count);
    for (let i = 0; i < count; i++) {
      const at = base + start + i * size;
      data[i] = size === 2 ? f16(view.getUint16(at, true)) : view.getFloat32(at, true);
    }
    out.set(name, { shape: t.shape, data });
  }
  return out;
}

/** The layer list (as `ModelConfig::generator_layers`), read back from the kernel shapes. */
export function generatorSpec(tensors) {
  const layers = [];
  for (let i = 0; tensors.has(`main.${3 * i}.weight`); i++) {
    const { shape, data } = tensors.get(`main.${3 * i}.weight`);
    const [input, output, k] = shape;
    const [stride, padding] = i === 0 ? [1, 0] : k === 3 ? [1, 1] : [2, 1];
    const norm = tensors.has(`main.${3 * i + 1}.running_mean`)
      ? Object.fromEntries(["weight", "bias", "running_mean", "running_var"]
        .map((n) => [n, tensors.get(`main.${3 * i + 1}.${n}`).data]))
      : null;
    layers.push({ input, output, k, stride, padding, weight: data, norm });
  }
  if (layers.length < 2 || layers.at(-1).norm || layers.slice(0, -1).some((l) => !l.norm)) {
    throw new Error("these weights are not a generator of src/model's family");
  }
  let size = 1;
  for (const l of layers) l.size = size = (size - 1) * l.stride - 2 * l.padding + l.k;
  return { latent: layers[0].input, channels: layers.at(-1).output, imageSize: size, layers };
}

// W[i, o, y, x] of a layer, flat [in, out, k, k].
const at = (l, i, o, y, x) => l.weight[((i * l.output + o) * l.k + y) * l.k + x];

// Batch norm in eval mode as a per-channel affine map: x·scale + shift.
function affine(l) {
  if (!l.norm) return { scale: new Float32Array(l.output).fill(1), shift: new Float32Array(l.output) };
  const { weight, bias, running_mean: mean, running_var: variance } = l.norm;
  const scale = weight.map((g, o) => g / Math.sqrt(variance[o] + EPS));
  return { scale, shift: bias.map((b, o) => b - mean[o] * scale[o]) };
}

function repeat(values, times) {
  const out = new Float32Array(values.length * times);
  for (let t = 0; t < times; t++) out.set(values, t * values.length);
  return out;
}

/** Form (a): tf.conv2dTranspose with the kernel as TF.js wants it, [kh, kw, out, in]. */
export function buildTranspose(spec) {
  const layers = spec.layers.map((l) => {
    const filter = new Float32Array(l.k * l.k * l.output * l.input);
    for (let y = 0, j = 0; y < l.k; y++) for (let x = 0; x < l.k; x++)
      for (let o = 0; o < l.output; o++) for (let i = 0; i < l.input; i++) filter[j++] = at(l, i, o, y, x);
    const norm = l.norm && Object.fromEntries(Object.entries(l.norm).map(([n, v]) => [n, tf.tensor1d(v)]));
    return { ...l, filter: tf.tensor4d(filter, [l.k, l.k, l.output, l.input]), norm };
  });
  const forward = (z) => {
    const n = z.shape[0];
    let x = tf.reshape(z, [n, 1, 1, spec.latent]); // tf-core alone has no chained ops
    for (const l of layers) {
      x = tf.conv2dTranspose(x, l.filter, [n, l.size, l.size, l.output], l.stride, l.padding);
      if (l.norm) x = tf.relu(tf.batchNorm(x, l.norm.running_mean, l.norm.running_var, l.norm.bias, l.norm.weight, EPS));
    }
    return tf.tanh(x);
  };
  const dispose = () => layers.forEach((l) => tf.dispose([l.filter, ...Object.values(l.norm ?? {})]));
  return { forward, dispose };
}

/**
 * Form (b): batch norm folded into the weights, and no transposed convolution. The first layer
 * (1×1 input) is a matMul. After it, every map is kept "phase-packed" on the first map's grid:
 * a map of side G·F is held as [n, G, G, F²·C], pixel (F·qy + sy, F·qx + sx) at cell (qy, qx),
 * channels (sy·F + sx)·C + c (depthToSpace's order). A 4×4 stride-2 padding-1 conv-transpose from packing F
 * to 2F is then one 3×3 padding-1 conv over the grid (output pixel Y = 2F·a + b reads input
 * pixels F·a − 1 … F·a + F, in grid cells a − 1 … a + 1), and one depthToSpace(F) at the end
 * unpacks the image. The grid's zero padding is exactly the image's, so nothing is cropped.
 */
export function buildSubPixel(spec) {
  let f = 1; // packing factor of the map entering the layer
  const steps = spec.layers.map((l, index) => {
    const { scale, shift } = affine(l);
    const activation = l.norm ? "relu" : "linear";
    if (index === 0) {
      if (l.stride !== 1 || l.padding !== 0) throw new Error("sub-pixel form: the first layer must be stride 1, padding 0");
      // 1×1 input: out[y, x, o] = Σ_i z_i W[i, o, y, x], a [latent, k·k·out] matMul.
      const b = new Float32Array(l.input * l.k * l.k * l.output);
      for (let i = 0, j = 0; i < l.input; i++) for (let y = 0; y < l.k; y++)
        for (let x = 0; x < l.k; x++) for (let o = 0; o < l.output; o++) b[j++] = at(l, i, o, y, x) * scale[o];
      const w = tf.tensor2d(b, [l.input, l.k * l.k * l.output]), bias = tf.tensor1d(repeat(shift, l.k * l.k));
      return { tensors: [w, bias], run: (x) => tf.reshape(tf.fused.matMul({ a: x, b: w, bias, activation }), [-1, l.k, l.k, l.output]) };
    }
    if (l.stride === 1) {
      // A stride-1 conv-transpose is a conv with the kernel flipped and padding k − 1 − p.
      if (f !== 1) throw new Error("sub-pixel form: stride-1 layers only before the stride-2 ones");
      const w = new Float32Array(l.k * l.k * l.input * l.output);
      for (let y = 0, j = 0; y < l.k; y++) for (let x = 0; x < l.k; x++) for (let i = 0; i < l.input; i++)
        for (let o = 0; o < l.output; o++) w[j++] = at(l, i, o, l.k - 1 - y, l.k - 1 - x) * scale[o];
      const filter = tf.tensor4d(w, [l.k, l.k, l.input, l.output]), bias = tf.tensor1d(shift);
      const pad = l.k - 1 - l.padding;
      return { tensors: [filter, bias], run: (x) => tf.fused.conv2d({ x, filter, strides: 1, pad, bias, activation }) };
    }
    if (l.k !== 4 || l.stride !== 2 || l.padding !== 1) throw new Error("sub-pixel form: only 4×4 stride 2 padding 1");
    // Conv-transpose: output pixel Y takes input pixel M through kernel row Y + p − s·M. With
    // Y = 2F·a + b and M = F·(a + t − 1) + s that row is b + 1 − 2F·(t − 1) − 2s.
    const [fi, fo, ci, co] = [f, 2 * f, l.input, l.output];
    const inC = fi * fi * ci, outC = fo * fo * co;
    const w = new Float32Array(9 * inC * outC);
    const row = (t, s, b) => b + 1 - 2 * fi * (t - 1) - 2 * s;
    for (let ty = 0; ty < 3; ty++) for (let tx = 0; tx < 3; tx++)
      for (let sy = 0; sy < fi; sy++) for (let sx = 0; sx < fi; sx++)
        for (let by = 0; by < fo; by++) for (let bx = 0; bx < fo; bx++) {
          const [ky, kx] = [row(ty, sy, by), row(tx, sx, bx)];
          if (ky < 0 || ky > 3 || kx < 0 || kx > 3) continue;
          for (let i = 0; i < ci; i++) for (let o = 0; o < co; o++) {
            const input = (sy * fi + sx) * ci + i, output = (by * fo + bx) * co + o;
            w[((ty * 3 + tx) * inC + input) * outC + output] = at(l, i, o, ky, kx) * scale[o];
          }
        }
    f = fo;
    const filter = tf.tensor4d(w, [3, 3, inC, outC]), bias = tf.tensor1d(repeat(shift, fo * fo));
    return { tensors: [filter, bias], run: (x) => tf.fused.conv2d({ x, filter, strides: 1, pad: 1, bias, activation }) };
  });
  const unpack = f;
  const forward = (z) => {
    const packed = steps.reduce((x, s) => s.run(x), z);
    return tf.tanh(unpack > 1 ? tf.depthToSpace(packed, unpack) : packed);
  };
  const dispose = () => steps.forEach((s) => tf.dispose(s.tensors));
  return { forward, dispose };
}

/** NHWC values in [−1, 1] → RGBA bytes, rounded as src/data.rs's `denormalise` does. */
export function toRgba(values, channels) {
  const pixels = values.length / channels, out = new Uint8ClampedArray(pixels * 4);
  for (let p = 0; p < pixels; p++) {
    for (let c = 0; c < 3; c++) {
      const v = Math.min(1, Math.max(-1, values[p * channels + (c % channels)]));
      out[4 * p + c] = Math.round((v + 1) * 127.5);
    }
    out[4 * p + 3] = 255;
  }
  return out;
}
