//! G's stride-2 4×4 transposed convolution (padding 1) as four 2×2 stride-1 convolutions whose
//! outputs interleave (sub-pixel convolution, depth-to-space; Shi et al. 2016, Odena et al.
//! 2016). It is exactly the same function of the same weights, so the same checkpoints load
//! and the same gradients flow; it only avoids the col2im scatter of a transposed convolution,
//! which is where much of a CPU backend's generator time goes (docs/BENCHMARKS.md).
//!
//! Output row `2m + r` of the transposed convolution takes input rows `m − 1, m` (r = 0, kernel
//! rows 3 and 1) or `m, m + 1` (r = 1, kernel rows 2 and 0): kernel row `3 − r − 2t` for tap
//! `t`. The same holds for columns, so each of the four phases `(ry, rx)` is a 2×2 convolution
//! of the input with those kernel entries, padded by one on the side the phase reaches.
//!
//! On Burn's CPU backend it is slower for G's shapes, forward and backward (bench/RESULTS.md,
//! "Sub-pixel transposed convolution"): an im2col over `in · 9` columns costs more than a
//! col2im over `out · 16` when `out = in / 2`, as in every G layer. So the transposed
//! convolution stays the default, and [`Upsample`] picks per thread.

use std::cell::Cell;

use burn::nn::conv::ConvTranspose2d;
use burn::tensor::Tensor;
use burn::tensor::module::conv2d;
use burn::tensor::ops::ConvOptions;

/// Kernel `[in, out, 4, 4]` entries of phase `r` along `dim`: indices `3 − r`, then `1 − r`.
fn taps(weight: Tensor<4>, dim: usize, r: usize) -> Tensor<4> {
    Tensor::cat(
        vec![
            weight.clone().narrow(dim, 3 - r, 1),
            weight.narrow(dim, 1 - r, 1),
        ],
        dim,
    )
}

/// `conv_transpose2d(x, weight)` with stride 2, padding 1, a 4×4 kernel and no bias:
/// `x` `[B, in, H, W]`, `weight` `[in, out, 4, 4]` → `[B, out, 2H, 2W]`. One 3×3 convolution
/// to `4 · out` channels (each phase's 2×2 taps placed in a 3×3 kernel, zeros elsewhere), then
/// depth-to-space. (Four 2×2 convolutions, one per phase, measured slower still.)
pub fn conv_transpose_stride2(x: Tensor<4>, weight: Tensor<4>) -> Tensor<4> {
    let [b, _, h, w] = x.dims();
    let [cin, out, ..] = weight.dims();
    let mut kernels = Vec::new();
    for ry in 0..2 {
        for rx in 0..2 {
            // [out, in, 2, 2]; phase r's taps sit at rows r, r + 1 of the 3×3 window centred on
            // the output's input row (r = 0: rows m − 1, m; r = 1: rows m, m + 1).
            let k = taps(taps(weight.clone(), 2, ry), 3, rx).swap_dims(0, 1);
            kernels.push(k.pad((rx, 1 - rx, ry, 1 - ry), 0.0));
        }
    }
    // [4, out, in, 3, 3] → [out, 4, in, 3, 3] so channel c·4 + p is phase p of channel c.
    let kernel: Tensor<5> = Tensor::stack(kernels, 0);
    let kernel = kernel.swap_dims(0, 1).reshape([out * 4, cin, 3, 3]);
    let y = conv2d(x, kernel, None, ConvOptions::new([1, 1], [1, 1], [1, 1], 1));
    // [B, out·4, H, W] → [B, out, ry, rx, H, W] → [B, out, H, ry, W, rx]
    let y: Tensor<6> = y.reshape([b, out, 2, 2, h, w]);
    y.permute([0, 1, 4, 2, 5, 3])
        .reshape([b, out, 2 * h, 2 * w])
}

/// How G's stride-2 layers double their feature maps: the same function either way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Upsample {
    /// Burn's transposed convolution (the default: faster on the backends measured).
    Transposed,
    /// [`conv_transpose_stride2`].
    SubPixel,
}

thread_local! {
    /// This thread's choice (a wasm instance has one thread; the CLI builds its passes on the
    /// main thread): a kernel choice, like autotuning, not part of any model. Per thread, so
    /// tests running side by side do not see each other's.
    static SUB_PIXEL: Cell<bool> = const { Cell::new(false) };
}

impl Upsample {
    pub const ALL: [Upsample; 2] = [Upsample::Transposed, Upsample::SubPixel];

    /// The name the CLI's `--upsample` and the page's `?upsample=` take.
    pub fn name(self) -> &'static str {
        match self {
            Upsample::Transposed => "transposed",
            Upsample::SubPixel => "sub-pixel",
        }
    }

    pub fn parse(name: &str) -> Result<Self, String> {
        Upsample::ALL
            .into_iter()
            .find(|u| u.name() == name)
            .ok_or_else(|| {
                let names: Vec<&str> = Upsample::ALL.map(Upsample::name).to_vec();
                format!(
                    "unknown upsampling “{name}” (expected {})",
                    names.join(" or ")
                )
            })
    }

    /// Makes this the way every generator on this thread upsamples from now on.
    pub fn choose(self) {
        SUB_PIXEL.set(self == Upsample::SubPixel);
    }

    pub fn current() -> Self {
        match SUB_PIXEL.get() {
            true => Upsample::SubPixel,
            false => Upsample::Transposed,
        }
    }
}

/// `conv` on `x`, sub-pixel where chosen and the layer is one it computes (stride 2, 4×4,
/// padding 1, no bias).
pub fn upsample(conv: &ConvTranspose2d, x: Tensor<4>) -> Tensor<4> {
    let fits = conv.stride == [2, 2]
        && conv.kernel_size == [4, 4]
        && conv.padding == [1, 1]
        && conv.padding_out == [0, 0]
        && conv.dilation == [1, 1]
        && conv.groups == 1
        && conv.bias.is_none();
    if fits && Upsample::current() == Upsample::SubPixel {
        conv_transpose_stride2(x, conv.weight.val())
    } else {
        conv.forward(x)
    }
}
