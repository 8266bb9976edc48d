import client from 'prom-client'
import type { Readable } from 'node:stream'
import { BlobSizeMismatchError, BlobTooLargeError, type BlobStore, type BlobKey, type ByteRange, type StagedBlob } from '../blobs/blob-store.ts'

/**
 * Prometheus metrics for `/metrics`. Counters are per process (Prometheus sums them across nodes); queue depth and
 * age are read from the shared database at scrape time, so every node reports the cluster's true backlog.
 */
export class Metrics {
  readonly registry = new client.Registry()
  readonly httpDuration = new client.Histogram({
    name: 'trove_http_request_duration_seconds',
    help: 'HTTP request latency by route',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [this.registry],
  })
  readonly purgedEntries = new client.Counter({ name: 'trove_purged_entries_total', help: 'Recycle entries permanently freed', registers: [this.registry] })
  readonly blobErrors = new client.Counter({ name: 'trove_blob_store_errors_total', help: 'Blob store operations that failed', labelNames: ['op'], registers: [this.registry] })

  constructor(queue: () => Promise<{ depth: number; oldestAgeSeconds: number }>) {
    client.collectDefaultMetrics({ register: this.registry, prefix: 'trove_' })
    const depth = new client.Gauge({ name: 'trove_task_queue_depth', help: 'Unfinished tasks', registers: [this.registry] })
    const age = new client.Gauge({ name: 'trove_task_queue_oldest_age_seconds', help: 'Age of the oldest unfinished task', registers: [this.registry] })
    const refresh = async () => {
      const q = await queue()
      depth.set(q.depth)
      age.set(q.oldestAgeSeconds)
    }
    this.refreshQueue = refresh
  }

  private refreshQueue: () => Promise<void>

  async render(): Promise<{ contentType: string; body: string }> {
    await this.refreshQueue().catch(() => undefined)
    return { contentType: this.registry.contentType, body: await this.registry.metrics() }
  }
}

/** Counts failures of the underlying store by operation, without changing its behaviour. */
export function countingBlobStore(inner: BlobStore, metrics: Metrics): BlobStore {
  const wrap = async <T>(op: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn()
    } catch (e) {
      // Too large / wrong size are the client's doing (quota, truncated upload), not a storage fault.
      if (!(e instanceof BlobTooLargeError || e instanceof BlobSizeMismatchError)) metrics.blobErrors.inc({ op })
      throw e
    }
  }
  return {
    stage: (body: Readable, opts) => wrap('stage', () => inner.stage(body, opts)),
    publish: (s: StagedBlob) => wrap('publish', () => inner.publish(s)),
    discard: (s: StagedBlob) => wrap('discard', () => inner.discard(s)),
    get: (key: BlobKey, range?: ByteRange) => wrap('get', () => inner.get(key, range)),
    stat: (key: BlobKey) => wrap('stat', () => inner.stat(key)),
    delete: (key: BlobKey) => wrap('delete', () => inner.delete(key)),
    list: () => inner.list(),
    sweepStaging: (ms: number) => wrap('sweepStaging', () => inner.sweepStaging(ms)),
  }
}
