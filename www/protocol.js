// @ts-check
// The messages between the facade (www/core.js) and a core worker (www/core-worker.js), as
// JSDoc types: `npm run check-types` checks both files against them and against wasm-bindgen's
// generated declarations of the core ("gan-core"). The payloads the core makes (statistics,
// measurements, limits, a run's info) are not written here: their types are derived from the
// Rust structs themselves (tsify, the core's `typescript` feature) into those declarations,
// and imported below. Nothing here runs.

/**
 * @typedef {"generation" | "generation-1" | "studio" | "tools" | `plane-${number}` | `lab-${number}`} Role
 * One worker's job: generation (explorer, grid, interpolation; generation-1 takes half of a
 * large batch on the CPU), the studio's run, the explorer's tools, the lab in data space
 * (plane), or one of the loss lab's workers.
 */

/**
 * @typedef {import("gan-core").LabLimits} LabLimits
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
 * @typedef {import("gan-core").RunInfo} StudioInfo
 * The lab in data space: its set-up as the controls hold it (a number, or the text typed).
 * @typedef {{ [K in keyof import("gan-core").PlaneSetup]?: import("gan-core").PlaneSetup[K] | string }} PlaneOptions
 * @typedef {"webgpu" | "cpu"} Backend
 */

/**
 * One iteration's statistics (train::IterationStats) and a quality measurement
 * (metrics::Measured), as the core declares them.
 * @typedef {import("gan-core").IterationStats} IterationStats
 * @typedef {import("gan-core").Measured} Measured
 * One's own images gathered: what the core's gatherer says of the set (its size and the
 * files it could not use), with the set's name and idx bytes, or null and the problem.
 * @typedef {{ name: string | null, problem: string | null, idx: Uint8Array | null }
 *   & import("gan-core").GatheredSet} Gathered
 */

/**
 * @typedef {{ latent: number, imageSize: number, channels: number }} GeneratorInfo
 * @typedef {GeneratorInfo & { backend: Backend, label: string, banner: string | null }} BackendChoice
 */

/**
 * What each request takes and what it resolves.
 * @typedef {{
 *   init: [{ module: WebAssembly.Module, glue: string, lock: string, upsample: string | null }, {}],
 *   selectBackend: [{ want: "auto" | Backend, weights: Uint8Array, prior: string }, BackendChoice],
 *   useBackend: [{ backend: Backend }, { backend: Backend }],
 *   loadGenerator: [{ weights: Uint8Array }, GeneratorInfo],
 *   generate: [{ z: Float32Array }, Uint8ClampedArray],
 *   directions: [{ weights: Uint8Array, method: string, count: number, prior: string }, import("gan-core").Directions],
 *   classDirections: [{ weights: Uint8Array, classifier: Uint8Array, names: string[], prior: string }, import("gan-core").Directions],
 *   nearestStart: [{ key: string, name: string, classifier: Uint8Array | null }, { count: number, byFeatures: boolean }],
 *   nearestExtend: [{ key: string, chunk: number }, { remaining: number }],
 *   nearestQuery: [{ key: string, rgba: Uint8Array, size: number, k: number }, { neighbours: import("gan-core").Neighbour[], images: Uint8Array }],
 *   checkEncoder: [{ weights: Uint8Array, encoder: Uint8Array }, {}],
 *   projectStart: [{ weights: Uint8Array, rgba: Uint8Array, prior: string, seed: number, encoder: Uint8Array | null }, {}],
 *   projectStep: [{ steps: number }, import("gan-core").Projected],
 *   projectImage: [{ file: File, size: number }, Uint8Array],
 *   dataset: [{ name: string, bytes: Uint8Array }, { count: number }],
 *   planeCreate: [{ setup: PlaneOptions, keep: number[] }, import("gan-core").PlaneInfo],
 *   planeUndo: [{}, import("gan-core").PlaneFrame],
 *   planeStep: [{ iterations: number }, import("gan-core").PlaneFrame],
 *   planeStage: [{}, import("gan-core").PlaneFrame],
 *   planeFrame: [{}, import("gan-core").PlaneFrame],
 *   planeProbe: [{ run: number, xy: Float32Array }, import("gan-core").PlaneProbe],
 *   labHeadStart: [{ name: string, options: LabOptions }, { remaining: number }],
 *   labAdvance: [{ steps: number }, { remaining: number }],
 *   labHandOver: [{}, Uint8Array],
 *   labRestore: [{ name: string, snapshot: Uint8Array, cost: LabCost }, { iteration: number, imageSize: number }],
 *   labStep: [{ cost: LabCost }, IterationStats],
 *   labSamples: [{ cost: LabCost }, Uint8ClampedArray],
 *   labSnapshot: [{ cost: LabCost }, Uint8Array],
 *   labClear: [{}, {}],
 *   studioCreate: [{ name: string, options: StudioOptions }, StudioInfo],
 *   studioRestore: [{ name: string, snapshot: Uint8Array }, StudioInfo],
 *   studioStep: [{}, IterationStats],
 *   studioTrain: [{ steps: number, budgetMs: number }, IterationStats[]],
 *   studioSamples: [{}, Uint8ClampedArray],
 *   studioSnapshot: [{}, Uint8Array],
 *   studioGenerator: [{}, Uint8Array],
 *   studioQuality: [{ name: string, samples: number, classifier: Uint8Array | null }, Measured],
 *   studioGather: [{ files: File[], names: string[], size: number, fit: "crop" | "pad" }, Gathered],
 *   memory: [{}, { wasmBytes: number }],
 * }} Ops
 * @typedef {keyof Ops} Op
 */

/**
 * @typedef {{ id: number, op: Op, args: any }} Request
 * What kind of error a refusal is, where the page acts on the kind (src/web/lib.rs, ErrorKind);
 * any other error's `name` ("Error", "TypeError", …) passes as it is.
 * @typedef {"RunDiverged" | string} ErrorKind
 * @typedef {{ id: number, ok: true, value: any }
 *   | { id: number, ok: false, error: string, kind: ErrorKind, fatal: boolean }} Reply
 * @typedef {{ event: "progress", text: string, fraction?: number }
 *   | { event: "device-lost", reason: string, message: string }} Notice
 */

export {};
