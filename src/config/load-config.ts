import { isIP } from 'node:net'
import path from 'node:path'

/** Parsed once at start-up into a frozen object; nothing else reads process.env. */
export interface Config {
  /** trustProxy: which peers may set X-Forwarded-For (false: none, a number: that many hops, or addresses/CIDRs). */
  http: { host: string; port: number; publicUrl: string | null; trustProxy: false | number | string[] }
  dataDir: string
  db: { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string; schema: string | null; poolSize: number; preparedStatements: boolean }
  jobs: { worker: boolean; leaseMs: number; pollMs: number; retentionPeriodMs: number }
  purge: { entryBatch: number; nodeBatch: number }
  blobs:
    | { kind: 'disk'; rootDir: string }
    | { kind: 's3'; endpoint?: string; bucket: string; region: string; accessKeyId: string; secretAccessKey: string; forcePathStyle: boolean; prefix: string; stagingDir: string }
  log: { level: string }
  /** Added to the system clock. For drills and cluster tests that must see retention expire; 0 in production. */
  clockOffsetMs: number
}

export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const errors: string[] = []
  const int = (name: string, def: number, min: number, max: number): number => {
    const raw = env[name]
    if (raw === undefined || raw === '') return def
    const n = Number(raw)
    if (!Number.isInteger(n) || n < min || n > max) {
      errors.push(`${name} must be an integer from ${min} to ${max} (got ${JSON.stringify(raw)})`)
      return def
    }
    return n
  }
  const dataDir = path.resolve(env.TROVE_DATA_DIR || './data')
  const config: Config = {
    http: { host: env.TROVE_HOST || '127.0.0.1', port: int('TROVE_PORT', 8080, 0, 65535), publicUrl: env.TROVE_PUBLIC_URL || null, trustProxy: parseTrustProxy(env.TROVE_TRUST_PROXY, errors) },
    dataDir,
    db: env.TROVE_DATABASE_URL
      ? {
          kind: 'postgres',
          url: env.TROVE_DATABASE_URL,
          schema: env.TROVE_DATABASE_SCHEMA || null,
          poolSize: int('TROVE_DATABASE_POOL', 10, 1, 200),
          preparedStatements: env.TROVE_DATABASE_PREPARED_STATEMENTS !== '0',
        }
      : { kind: 'sqlite', file: path.join(dataDir, 'trove.sqlite') },
    jobs: {
      worker: env.TROVE_WORKER !== '0',
      leaseMs: int('TROVE_TASK_LEASE_MS', 30_000, 1000, 3_600_000),
      pollMs: int('TROVE_TASK_POLL_MS', 500, 10, 60_000),
      retentionPeriodMs: int('TROVE_RETENTION_PERIOD_MS', 3_600_000, 1000, 86_400_000),
    },
    blobs: env.TROVE_S3_BUCKET
      ? {
          kind: 's3',
          endpoint: env.TROVE_S3_ENDPOINT || undefined,
          bucket: env.TROVE_S3_BUCKET,
          region: env.TROVE_S3_REGION || 'us-east-1',
          accessKeyId: env.TROVE_S3_ACCESS_KEY_ID ?? '',
          secretAccessKey: env.TROVE_S3_SECRET_ACCESS_KEY ?? '',
          // S3-compatible servers on a custom endpoint rarely have wildcard DNS for virtual-host buckets.
          forcePathStyle: env.TROVE_S3_FORCE_PATH_STYLE ? env.TROVE_S3_FORCE_PATH_STYLE !== '0' : !!env.TROVE_S3_ENDPOINT,
          prefix: env.TROVE_S3_PREFIX ?? '',
          stagingDir: path.join(dataDir, 'staging'),
        }
      : { kind: 'disk', rootDir: path.join(dataDir, 'blobs') },
    purge: { entryBatch: int('TROVE_PURGE_ENTRY_BATCH', 1000, 1, 10_000), nodeBatch: int('TROVE_PURGE_NODE_BATCH', 2000, 1, 50_000) },
    log: { level: env.TROVE_LOG_LEVEL || 'info' },
    clockOffsetMs: int('TROVE_CLOCK_OFFSET_MS', 0, -3_153_600_000_000, 3_153_600_000_000),
  }
  if (env.TROVE_DATABASE_URL && !/^postgres(ql)?:\/\//.test(env.TROVE_DATABASE_URL)) errors.push('TROVE_DATABASE_URL must be a postgres:// URL')
  if (env.TROVE_DATABASE_SCHEMA && !/^[a-z_][a-z0-9_]{0,62}$/.test(env.TROVE_DATABASE_SCHEMA)) errors.push('TROVE_DATABASE_SCHEMA must be a lowercase SQL identifier')
  if (env.TROVE_S3_BUCKET && (!env.TROVE_S3_ACCESS_KEY_ID || !env.TROVE_S3_SECRET_ACCESS_KEY)) errors.push('TROVE_S3_ACCESS_KEY_ID and TROVE_S3_SECRET_ACCESS_KEY are required with TROVE_S3_BUCKET')
  if (!env.TROVE_S3_BUCKET && env.TROVE_S3_ENDPOINT) errors.push('TROVE_S3_ENDPOINT is set but TROVE_S3_BUCKET is not')
  if (errors.length) throw new Error(`Invalid configuration:\n  - ${errors.join('\n  - ')}`)
  return Object.freeze(config)
}

/**
 * `TROVE_TRUST_PROXY`: unset, a hop count (`1` = one load balancer in front), or a comma list of proxy addresses or
 * CIDRs. Only then is `X-Forwarded-For` believed, so the per-address sign-in limit sees clients, not the proxy.
 */
function parseTrustProxy(raw: string | undefined, errors: string[]): false | number | string[] {
  if (raw === undefined || raw.trim() === '' || raw === '0') return false
  if (/^[0-9]+$/.test(raw)) {
    const hops = Number(raw)
    if (hops <= 10) return hops
  }
  const list = raw.split(',').map((a) => a.trim()).filter(Boolean)
  const bad = list.filter((a) => {
    const [ip, bits, ...rest] = a.split('/')
    const family = isIP(ip)
    if (!family || rest.length) return true
    return bits !== undefined && !(/^[0-9]+$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128))
  })
  if (!list.length || bad.length) {
    errors.push(`TROVE_TRUST_PROXY must be a hop count from 1 to 10 or a comma list of IP addresses or CIDRs (got ${JSON.stringify(raw)})`)
    return false
  }
  return list
}
