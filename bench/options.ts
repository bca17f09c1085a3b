/**
 * The bench's flags, parsed and checked in one place: `npm run bench` (bench/run.ts) and
 * `spline-lab bench` (src-main/cli/benchCommand.ts) accept exactly the same ones, and the CLI
 * can reject a bad flag with its usual one-line error before it starts a bench process.
 */
import { parseArgs } from 'node:util'

export const BENCH_MODELS = ['mlp', 'cnn', 'vgg11'] as const
export type BenchModelName = (typeof BENCH_MODELS)[number]

/** The parts of a run; `kernels` is the per-kernel table and whole-model gradient errors. */
export const SECTIONS = ['training', 'epoch', 'spline', 'store', 'kernels'] as const
export type Section = (typeof SECTIONS)[number]

export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist'
export const FULL_EPOCH = 60_000

export const BENCH_FLAGS = {
  quick: { type: 'boolean' },
  json: { type: 'boolean' },
  rounds: { type: 'string' },
  models: { type: 'string' },
  sections: { type: 'string' },
  'no-torch': { type: 'boolean' },
  'no-cpu': { type: 'boolean' },
  'no-kernels': { type: 'boolean' },
  profile: { type: 'boolean' },
  threads: { type: 'string' },
  warmup: { type: 'string' },
  window: { type: 'string' },
  windows: { type: 'string' },
  'epoch-images': { type: 'string' },
  'spline-epochs': { type: 'string' },
  data: { type: 'string' },
  out: { type: 'string' },
  report: { type: 'string' },
  // internal: what a bench child process measures (JSON)
  child: { type: 'string' },
} as const

export const BENCH_USAGE = `bench   [--quick] [--json] [--rounds N] [--models mlp,cnn,vgg11] [--sections ${SECTIONS.join(',')}]
          [--no-torch] [--no-cpu] [--no-kernels] [--profile] [--threads N] [--warmup S --window S --windows N]
          [--epoch-images N] [--spline-epochs N] [--data DIR] [--out DIR] [--report FILE]`

export interface BenchOptions {
  quick: boolean
  json: boolean
  rounds: number
  models: BenchModelName[]
  sections: Section[]
  torch: boolean
  cpu: boolean
  profile: boolean
  /** thread count of the threaded rows (and PyTorch's second run); null: all cores, at most 8 */
  threads: number | null
  timing: { warmupSeconds: number; windows: number; windowSeconds: number }
  /** training images in the Fashion-MNIST epoch row (60,000 = a full epoch) */
  epochImages: number
  /** epochs the spline watch records (the run config's default epoch count) */
  splineEpochs: number
  dataDir: string
  /** where results go; null: bench/results in the repository */
  outDir: string | null
  report: string | null
  child: string | null
}

export class BenchUsageError extends Error {}

function count(flag: string, raw: string | undefined, fallback: number, min = 1): number {
  if (raw === undefined) return fallback
  const n = Number(raw)
  if (raw.trim() === '' || !Number.isInteger(n) || n < min) throw new BenchUsageError(`--${flag}: '${raw}' is not a whole number ≥ ${min}`)
  return n
}

function seconds(flag: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback
  const n = Number(raw)
  if (raw.trim() === '' || !Number.isFinite(n) || n < 0 || n > 600) throw new BenchUsageError(`--${flag}: '${raw}' is not a number of seconds (0–600)`)
  return n
}

function subset<T extends string>(flag: string, raw: string | undefined, all: readonly T[]): T[] {
  if (raw === undefined) return [...all]
  const items = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  const bad = items.find((m) => !(all as readonly string[]).includes(m))
  if (bad !== undefined || items.length === 0) throw new BenchUsageError(`--${flag}: '${bad ?? raw}' is not one of ${all.join(', ')}`)
  return all.filter((m) => items.includes(m))
}

export function parseBenchArgs(argv: string[]): BenchOptions {
  let values: Partial<Record<keyof typeof BENCH_FLAGS, string | boolean>>
  try {
    ;({ values } = parseArgs({ args: argv, options: BENCH_FLAGS, strict: true, allowPositionals: false }))
  } catch (err) {
    // node's messages can span lines; a usage error is one line
    throw new BenchUsageError((err instanceof Error ? err.message : String(err)).split('\n').join(' '))
  }
  const str = (k: keyof typeof BENCH_FLAGS): string | undefined => (typeof values[k] === 'string' ? (values[k] as string) : undefined)
  const quick = values.quick === true
  let sections = subset('sections', str('sections'), SECTIONS)
  if (values['no-kernels'] === true) sections = sections.filter((s) => s !== 'kernels')
  return {
    quick,
    json: values.json === true,
    rounds: count('rounds', str('rounds'), quick ? 1 : 3),
    models: subset('models', str('models'), BENCH_MODELS),
    sections,
    torch: values['no-torch'] !== true,
    cpu: values['no-cpu'] !== true,
    profile: values.profile === true,
    threads: str('threads') === undefined ? null : Math.min(8, count('threads', str('threads'), 1)),
    timing: {
      warmupSeconds: seconds('warmup', str('warmup'), 1.5),
      windows: count('windows', str('windows'), 3),
      windowSeconds: seconds('window', str('window'), 1),
    },
    // --quick times a tenth of an epoch: the ratio to PyTorch, not the full wall time.
    epochImages: Math.min(FULL_EPOCH, count('epoch-images', str('epoch-images'), quick ? 6_400 : FULL_EPOCH, 64)),
    splineEpochs: count('spline-epochs', str('spline-epochs'), 30, 2),
    dataDir: str('data') ?? FASHION_MNIST_DIR,
    outDir: str('out') ?? null,
    report: str('report') ?? null,
    child: str('child') ?? null,
  }
}
