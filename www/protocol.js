// @ts-check
// The messages between the facade (www/core.js) and a core worker (www/core-worker.js), as
// JSDoc types: `npm run check-types` checks both files against them and against wasm-bindgen's
// generated declarations of the core. Nothing here runs.

/**
 * @typedef {"generation" | "generation-1" | "studio" | `lab-${number}`} Role
 * One worker's job: generation (explorer, grid, interpolation; generation-1 takes half of a
 * large batch on the CPU), the studio's run, or one of the lab's workers.
 */

/**
 * @typedef {{ min: number, max: number }} Range
 * @typedef {{ lr: Range, headStart: Range, dSteps: Range, gSteps: Range, batchSize: Range,
 *   width: Range }} LabLimits
 * A setting where a number belongs holds the number, or the text typed there (www/fields.js),
 * which the core refuses by name.
 * @typedef {number | string} Typed
 * @typedef {{ lr?: Typed, headStart?: Typed, dSteps?: Typed, gSteps?: Typed,
 *   batchSize?: Typed, width?: Typed, seed?: Typed }} LabOptions
 * @typedef {"saturating" | "non_saturating"} LabCost
 * @typedef {{ translation: boolean, cutout: boolean, colour: boolean }} Augment
 * @typedef {{ preset: string, lrD: Typed, lrG: Typed, beta1: Typed, beta2: Typed,
 *   batchSize: Typed, dSteps: Typed, gSteps: Typed, cost: string, prior: string,
 *   seed: Typed, augment: Augment, ema: Typed }} StudioOptions
 * @typedef {{ iteration: number, preset: string | null, config: StudioOptions,
 *   imageSize: number, channels: number, gWidth: number, dWidth: number }} StudioInfo
 * @typedef {"webgpu" | "cpu"} Backend
 */

/**
 * One iteration's statistics (the core's IterationStats, camelCase).
 * @typedef {{ iteration: number, dLoss: number, gCost: number, dReal: number,
 *   dFakeBefore: number, dFakeAfter: number, gGradNorm: number, dFakeBatch: number[] }} IterationStats
 */

/**
 * A quality measurement (the core's metrics::Measured, camelCase).
 * @typedef {{ classifierScore: number, frechetDistance: number, floor: number, samples: number,
 *   effectiveClasses: number, sharpness: number, classShares: number[] }} Measured
 * One's own images gathered: the set's name and idx bytes, or null and the problem.
 * @typedef {{ name: string | null, problem: string | null, idx: Uint8Array | null, count: number,
 *   channels: number, size: number, rejected: { name: string, reason: string }[] }} Gathered
 */

/**
 * @typedef {{ latent: number, imageSize: number, channels: number }} GeneratorInfo
 * @typedef {GeneratorInfo & { backend: Backend, label: string, banner: string | null }} BackendChoice
 */

/**
 * What each request takes and what it resolves.
 * @typedef {{
 *   init: [{ module: WebAssembly.Module, glue: string, lock: string }, {}],
 *   selectBackend: [{ want: "auto" | Backend, weights: Uint8Array, prior: string }, BackendChoice],
 *   useBackend: [{ backend: Backend }, { backend: Backend }],
 *   loadGenerator: [{ weights: Uint8Array }, GeneratorInfo],
 *   generate: [{ z: Float32Array }, Uint8ClampedArray],
 *   dataset: [{ name: string, bytes: Uint8Array }, { count: number }],
 *   headStart: [{ name: string, options: LabOptions }, { remaining: number }],
 *   advance: [{ steps: number }, { remaining: number }],
 *   handOver: [{}, Uint8Array],
 *   restoreRun: [{ name: string, snapshot: Uint8Array, cost: LabCost }, { iteration: number, imageSize: number }],
 *   step: [{ cost: LabCost }, IterationStats],
 *   samples: [{ cost: LabCost }, Uint8ClampedArray],
 *   snapshotRun: [{ cost: LabCost }, Uint8Array],
 *   clearLab: [{}, {}],
 *   studioCreate: [{ name: string, options: StudioOptions }, StudioInfo],
 *   studioRestore: [{ name: string, snapshot: Uint8Array }, StudioInfo],
 *   studioStep: [{}, IterationStats],
 *   studioSamples: [{}, Uint8ClampedArray],
 *   studioSnapshot: [{}, Uint8Array],
 *   studioGenerator: [{}, Uint8Array],
 *   studioQuality: [{ name: string, samples: number, classifier: Uint8Array | null }, Measured],
 *   gatherImages: [{ files: File[], names: string[], size: number, fit: "crop" | "pad" }, Gathered],
 *   memory: [{}, { wasmBytes: number }],
 * }} Ops
 * @typedef {keyof Ops} Op
 */

/**
 * @typedef {{ id: number, op: Op, args: any }} Request
 * @typedef {{ id: number, ok: true, value: any } | { id: number, ok: false, error: string, fatal: boolean }} Reply
 * @typedef {{ event: "progress", text: string, fraction?: number }
 *   | { event: "device-lost", reason: string, message: string }} Notice
 */

export {};
