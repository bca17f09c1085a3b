/**
 * Statistics a comparison can report: mean, sample standard deviation, Student's t quantiles, and
 * paired differences with their 95 % confidence interval (criteria compared on the same seeds).
 * Pure, no dependencies: the renderer and the reports both run it.
 */

export function mean(xs: readonly number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN
}

/** sample standard deviation (n − 1); 0 for a single value, so one seed draws no error bar */
export function std(xs: readonly number[]): number {
  if (xs.length < 2) return 0
  const m = mean(xs)
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1))
}

/** ln Γ(x), Lanczos (g = 7, 9 terms): ~15 digits for x > 0 */
function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012,
    9.9843695780195716e-6, 1.5056327351493116e-7,
  ]
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x)
  x -= 1
  let a = c[0]!
  const t = x + 7.5
  for (let i = 1; i < 9; i++) a += c[i]! / (x + i)
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a)
}

/** the regularized incomplete beta I_x(a, b), by its continued fraction (Numerical Recipes' betacf) */
function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0
  if (x >= 1) return 1
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x))
  if (x > (a + 1) / (a + b + 2)) return 1 - incompleteBeta(1 - x, b, a)
  const tiny = 1e-300
  let c = 1
  let d = 1 - ((a + b) * x) / (a + 1)
  d = 1 / (Math.abs(d) < tiny ? tiny : d)
  let f = d
  for (let m = 1; m <= 300; m++) {
    for (const num of [(m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m)), (-(a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1))]) {
      d = 1 + num * d
      d = 1 / (Math.abs(d) < tiny ? tiny : d)
      c = 1 + num / c
      if (Math.abs(c) < tiny) c = tiny
      f *= c * d
    }
    if (Math.abs(c * d - 1) < 1e-15) break
  }
  return (front * f) / a
}

/** P(T ≤ t) for Student's t with df degrees of freedom */
export function tCdf(t: number, df: number): number {
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5)
  return t >= 0 ? 1 - tail : tail
}

/** the q-quantile of Student's t with df degrees of freedom (bisection on the CDF) */
export function tQuantile(q: number, df: number): number {
  if (!(q > 0 && q < 1) || !(df > 0)) return Number.NaN
  if (q < 0.5) return -tQuantile(1 - q, df)
  let lo = 0
  let hi = 1
  while (tCdf(hi, df) < q) hi *= 2
  for (let i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
    const mid = (lo + hi) / 2
    if (tCdf(mid, df) < q) lo = mid
    else hi = mid
  }
  return (lo + hi) / 2
}

export interface PairedStat {
  /** pairs (seeds in common) */
  n: number
  /** mean of the differences a − b */
  mean: number
  /** their sample standard deviation */
  sd: number
  /** the 95 % confidence interval of the mean difference (t distribution, n − 1 df); null below 2 pairs */
  ci: [number, number] | null
}

/** Mean paired difference with its two-sided 95 % t interval: mean ± t₀.₉₇₅,ₙ₋₁ · sd / √n. */
export function pairedStat(diffs: readonly number[]): PairedStat {
  const n = diffs.length
  const m = mean(diffs)
  const sd = std(diffs)
  if (n < 2) return { n, mean: m, sd, ci: null }
  const half = (tQuantile(0.975, n - 1) * sd) / Math.sqrt(n)
  return { n, mean: m, sd, ci: [m - half, m + half] }
}
