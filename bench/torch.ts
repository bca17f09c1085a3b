/**
 * PyTorch from the same run, through bench/torch_bench.py under /usr/bin/python3 (Debian's
 * python3-torch): samples/s, the Fashion-MNIST epoch and parameter counts. A measuring stick
 * only — when Python, torch or the script is missing the bench says so and goes on.
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { EpochResult } from './epoch'
import type { ModelName } from './models'
import type { TorchResult } from './types'

export const PYTHON = '/usr/bin/python3'

/** The repository holding bench/torch_bench.py, from the built bench's folder (out/bench or out/main). */
export function findRoot(from: string): string | null {
  for (let dir = from, i = 0; i < 6; i++, dir = dirname(dir)) {
    if (existsSync(join(dir, 'bench', 'torch_bench.py'))) return dir
  }
  return null
}

type Outcome<T> = { ok: true; value: T } | { ok: false; why: string }

function python<T>(root: string | null, args: string[], threads: number): Outcome<T> {
  if (root === null) return { ok: false, why: 'bench/torch_bench.py not found next to the bench' }
  const r = spawnSync(PYTHON, [join(root, 'bench', 'torch_bench.py'), ...args, '--threads', String(threads)], {
    encoding: 'utf8',
    maxBuffer: 16 << 20,
    // OpenBLAS and OpenMP start their own pools; pin them to the same count as torch's.
    env: { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads) },
  })
  if (r.error || r.status !== 0) {
    const why = r.error?.message ?? (r.stderr.trim().split('\n').pop() || `status ${r.status}`)
    return { ok: false, why }
  }
  return { ok: true, value: JSON.parse(r.stdout) as T }
}

export function torchSamples(
  root: string | null,
  models: ModelName[],
  threads: number[],
  timing: { warmupSeconds: number; windows: number; windowSeconds: number },
): TorchResult[] | string {
  const out: TorchResult[] = []
  for (const n of threads) {
    const r = python<{ torch: string; threads: number; results: Omit<TorchResult, 'threads' | 'version'>[] }>(
      root,
      [
        '--models',
        models.join(','),
        '--warmup-seconds',
        String(timing.warmupSeconds),
        '--windows',
        String(timing.windows),
        '--window-seconds',
        String(timing.windowSeconds),
      ],
      n,
    )
    if (!r.ok) return `PyTorch not measured: ${r.why}`
    for (const x of r.value.results) out.push({ ...x, threads: r.value.threads, version: r.value.torch })
  }
  return out
}

export function torchEpoch(root: string | null, dataDir: string, images: number, threads: number): EpochResult | string {
  const r = python<{ torch: string; threads: number; epoch: Omit<EpochResult, 'label' | 'engine' | 'threads'> }>(
    root,
    ['--epoch', dataDir, '--epoch-images', String(images)],
    threads,
  )
  if (!r.ok) return `PyTorch epoch not measured: ${r.why}`
  return { ...r.value.epoch, label: `PyTorch ${r.value.torch}, ${threads} thread${threads > 1 ? 's' : ''}`, engine: 'PyTorch', threads }
}

export function torchParams(root: string | null, models: ModelName[]): Record<string, { params: number; paramSizes: number[] }> | string {
  const r = python<{ params: Record<string, { params: number; paramSizes: number[] }> }>(root, ['--params', '--models', models.join(',')], 1)
  return r.ok ? r.value.params : `PyTorch parameter counts not read: ${r.why}`
}
