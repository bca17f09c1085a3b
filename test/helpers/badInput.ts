/**
 * A catalogue of hostile inputs: run configs that must be refused (with the field the error must
 * name), requests that must be refused (with the error code), and valid requests the fuzzer mutates.
 */
const ok = { dataset: 'builtin:xshape', model: 'mlp' }
const big = 'x'.repeat(1_000_000)

/** [label, config, what the message must name] */
export const BAD_CONFIGS: [string, unknown, RegExp][] = [
  // wrong types
  ['epochs as a string', { ...ok, epochs: '10' }, /config\.epochs/],
  ['ratio as a string', { ...ok, ratio: '0.5' }, /config\.ratio/],
  ['hidden as a string', { ...ok, hidden: '20,20' }, /config\.hidden/],
  ['fractional hidden width', { ...ok, hidden: [1.5] }, /config\.hidden/],
  ['model as a number', { ...ok, model: 5 }, /config\.model/],
  ['dataset null', { ...ok, dataset: null }, /config\.dataset/],
  ['batch size true', { ...ok, batchSize: true }, /config\.batchSize/],
  ['eb as a string', { ...ok, eb: 'fast' }, /config\.eb/],
  ['milestones as a number', { ...ok, lrMilestones: 0.5 }, /config\.lrMilestones/],
  ['config an array', [ok], /config/],
  ['config a string', 'dataset=builtin:xshape', /config/],
  ['config null', null, /config/],
  // missing fields
  ['nothing', {}, /config\.(dataset|model)/],
  ['no dataset', { model: 'mlp' }, /config\.dataset/],
  ['no model', { dataset: 'builtin:xshape' }, /config\.model/],
  // out of range
  ['ratio 1.5', { ...ok, ratio: 1.5 }, /config\.ratio/],
  ['ratio −0.1', { ...ok, ratio: -0.1 }, /config\.ratio/],
  ['epochs −1', { ...ok, epochs: -1 }, /config\.epochs/],
  ['epochs 0', { ...ok, epochs: 0 }, /config\.epochs/],
  ['epochs 1001', { ...ok, epochs: 1001 }, /config\.epochs/],
  ['epochs 2.5', { ...ok, epochs: 2.5 }, /config\.epochs/],
  ['batch 0', { ...ok, batchSize: 0 }, /config\.batchSize/],
  ['lr 0', { ...ok, lr: 0 }, /config\.lr/],
  ['lr −1', { ...ok, lr: -1 }, /config\.lr/],
  ['momentum 1', { ...ok, momentum: 1 }, /config\.momentum/],
  ['width 0', { ...ok, width: 0 }, /config\.width/],
  ['width 5', { ...ok, width: 5 }, /config\.width/],
  ['P 2', { ...ok, P: 2 }, /config\.P/],
  ['ebCap 0', { ...ok, ebCap: 0 }, /config\.ebCap/],
  ['probe grid 3', { ...ok, probeGrid: 3 }, /config\.probeGrid/],
  ['seed −1', { ...ok, seed: -1 }, /config\.seed/],
  ['seed 2³¹', { ...ok, seed: 2 ** 31 }, /config\.seed/],
  ['no hidden layers', { ...ok, hidden: [] }, /config\.hidden/],
  ['17 hidden layers', { ...ok, hidden: Array(17).fill(4) }, /config\.hidden/],
  ['hidden width 0', { ...ok, hidden: [0] }, /config\.hidden/],
  ['hidden width 10⁹', { ...ok, hidden: [1e9] }, /config\.hidden/],
  ['train limit 0', { ...ok, trainLimit: 0 }, /config\.trainLimit/],
  ['train limit 10²⁰', { ...ok, trainLimit: 1e20 }, /config\.trainLimit/],
  ['probe budget 10 bits', { ...ok, probeBudgetBits: 10 }, /config\.probeBudgetBits/],
  ['eb window 0', { ...ok, eb: { window: 0, epsilon: 0.1 } }, /config\.eb\.window/],
  ['eb epsilon 1', { ...ok, eb: { window: 3, epsilon: 1 } }, /config\.eb\.epsilon/],
  ['BN-EB queue 1', { ...ok, bnEb: { queue: 1, threshold: 0.1 } }, /config\.bnEb\.queue/],
  ['keepCheckpoints none', { ...ok, keepCheckpoints: 'none' }, /config\.keepCheckpoints/],
  // not numbers (IPC can carry them; JSON cannot)
  ['lr NaN', { ...ok, lr: NaN }, /config\.lr/],
  ['ratio NaN', { ...ok, ratio: NaN }, /config\.ratio/],
  ['epochs NaN', { ...ok, epochs: NaN }, /config\.epochs/],
  ['width Infinity', { ...ok, width: Infinity }, /config\.width/],
  ['weight decay −Infinity', { ...ok, weightDecay: -Infinity }, /config\.weightDecay/],
  // huge strings
  ['a 1 MB name', { ...ok, name: big }, /config\.name/],
  ['a 1 MB dataset id', { ...ok, dataset: `ds:${big}` }, /config\.dataset/],
  ['a 1 MB model name', { ...ok, model: big }, /config\.model/],
  // unknown names
  ['model resnet9000', { ...ok, model: 'resnet9000' }, /config\.model: must be one of/],
  ['model MLP (case)', { ...ok, model: 'MLP' }, /config\.model/],
  ['model "mlp " (space)', { ...ok, model: 'mlp ' }, /config\.model/],
  ['model __proto__', { ...ok, model: '__proto__' }, /config\.model/],
  ['method rm -rf', { ...ok, method: 'rm -rf' }, /config\.method/],
  ['criterion magic', { ...ok, criterion: 'magic' }, /config\.criterion/],
  ['dataset builtin:nope', { ...ok, dataset: 'builtin:nope' }, /config\.dataset/],
  ['dataset a path', { ...ok, dataset: '/etc/passwd' }, /config\.dataset/],
  ['backend webgl', { ...ok, backend: 'webgl' }, /config\.backend/],
  // unknown and prototype keys
  ['an unknown key', { ...ok, learningRate: 0.1 }, /Unrecognized key/],
  ['a __proto__ key', JSON.parse('{"dataset":"builtin:xshape","model":"mlp","__proto__":{"polluted":1}}'), /Unrecognized key/],
  ['a constructor key', JSON.parse('{"dataset":"builtin:xshape","model":"mlp","constructor":{"prototype":{"polluted":1}}}'), /Unrecognized key/],
]

/** [label, method, params, expected error code] */
export const BAD_REQUESTS: [string, string, unknown, string][] = [
  ['an unknown method', 'runs.destroy', {}, 'bad-request'],
  ['a method of 10 kB', 'x'.repeat(10_000), {}, 'bad-request'],
  ['a prototype method', '__proto__', {}, 'bad-request'],
  ['a constructor method', 'constructor', {}, 'bad-request'],
  ['params an array', 'runs.list', [], 'bad-request'],
  ['params a string', 'runs.get', 'r1', 'bad-request'],
  ['runs.list with extra keys', 'runs.list', { all: true }, 'bad-request'],
  ['runs.get without a run id', 'runs.get', {}, 'bad-request'],
  ['runs.get with a numeric run id', 'runs.get', { runId: 5 }, 'bad-request'],
  ['runs.get with a 65-character run id', 'runs.get', { runId: 'r'.repeat(65) }, 'bad-request'],
  ['runs.get of no such run', 'runs.get', { runId: 'nope' }, 'not-found'],
  ['runs.delete of a path', 'runs.delete', { runId: '../../etc' }, 'not-found'],
  ['runs.resume of a path', 'runs.resume', { runId: '../../etc' }, 'not-found'],
  ['runs.resume with an empty id', 'runs.resume', { runId: '' }, 'bad-request'],
  ['runs.cancel of no such run', 'runs.cancel', { runId: 'nope' }, 'not-found'],
  ['a sweep with ratio 1.5', 'runs.sweep', { config: ok, methods: ['dense'], ratios: [1.5], seeds: 1 }, 'bad-request'],
  ['a sweep with 0 seeds', 'runs.sweep', { config: ok, methods: ['dense'], ratios: [0.5], seeds: 0 }, 'bad-request'],
  ['a sweep with 21 seeds', 'runs.sweep', { config: ok, methods: ['dense'], ratios: [0.5], seeds: 21 }, 'bad-request'],
  ['a sweep with no methods', 'runs.sweep', { config: ok, methods: [], ratios: [0.5], seeds: 1 }, 'bad-request'],
  ['a sweep with 13 ratios', 'runs.sweep', { config: ok, methods: ['dense'], ratios: Array(13).fill(0.1), seeds: 1 }, 'bad-request'],
  ['an import of a number', 'datasets.import', { path: 5 }, 'bad-request'],
  ['an import of an empty path', 'datasets.import', { path: '   ' }, 'bad-request'],
  ['an import of a 5000-character path', 'datasets.import', { path: `/${'a'.repeat(5000)}` }, 'bad-request'],
  ['an import with unknown options', 'datasets.import', { path: '/x', options: { evil: 1 } }, 'bad-request'],
  ['a dataset delete of a path', 'datasets.delete', { datasetId: '../../etc' }, 'bad-request'],
  ['an imported dataset that does not exist', 'runs.start', { config: { ...ok, dataset: 'ds:0123456789abcdef' } }, 'bad-request'],
]

/** Valid requests, mutated by the fuzzer (imports are answered by a stub there). */
export const VALID_TEMPLATES: { method: string; params: unknown }[] = [
  { method: 'runs.list', params: {} },
  { method: 'runs.get', params: { runId: 'nope' } },
  {
    method: 'runs.start',
    params: { config: { dataset: 'builtin:xshape', model: 'mlp', epochs: 3, ratio: 0.5, hidden: [8, 8], eb: { window: 3, epsilon: 0.16 } } },
  },
  { method: 'runs.sweep', params: { config: { dataset: 'builtin:spirals', model: 'mlp' }, methods: ['dense', 'spline-eb'], ratios: [0.3], seeds: 1 } },
  { method: 'runs.cancel', params: { runId: 'nope' } },
  { method: 'runs.delete', params: { runId: 'nope' } },
  { method: 'runs.resume', params: { runId: 'nope' } },
  { method: 'datasets.list', params: {} },
  { method: 'datasets.import', params: { path: 5, options: { testFraction: 0.2 } } },
  { method: 'datasets.delete', params: { datasetId: 'ds:0123456789abcdef' } },
  { method: 'system.info', params: {} },
]
