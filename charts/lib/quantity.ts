/**
 * Kubernetes quantities as numbers, for arithmetic (quota sums, heap sizing) and back.
 * CPU is counted in millicores, memory and storage in bytes.
 */

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50 };
const DECIMAL: Record<string, number> = { '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15 };

/** "250m" → 250, "2" → 2000, "1.5" → 1500. */
export function parseCpu(q: string): number {
  const m = /^([0-9]+(?:\.[0-9]+)?)(m?)$/.exec(q);
  if (!m) throw new Error(`"${q}" is not a CPU quantity (allowed: 250m, 2, 1.5)`);
  return m[2] === 'm' ? Number(m[1]) : Math.round(Number(m[1]) * 1000);
}

/** "512Mi" → 536870912, "1G" → 1e9. */
export function parseMemory(q: string): number {
  const m = /^([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?$/.exec(q);
  if (!m) throw new Error(`"${q}" is not a memory quantity (allowed: 512Mi, 2Gi, 1G)`);
  const unit = m[2] ?? '';
  return Math.round(Number(m[1]) * (BINARY[unit] ?? DECIMAL[unit]));
}

/** Millicores → the shortest exact form: 2000 → "2", 2500 → "2500m". */
export function formatCpu(millicores: number): string {
  const m = Math.ceil(millicores);
  return m % 1000 === 0 ? String(m / 1000) : `${m}m`;
}

/** Bytes → whole Gi when exact, else whole Mi (rounded up). */
export function formatMemory(bytes: number): string {
  if (bytes % BINARY.Gi === 0) return `${bytes / BINARY.Gi}Gi`;
  return `${Math.ceil(bytes / BINARY.Mi)}Mi`;
}
