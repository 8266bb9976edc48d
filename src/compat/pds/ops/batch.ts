import { Type } from 'typebox'
import { ok, type PdsCtx, type PdsOp } from '../context.ts'
import { PdsError, toPdsError } from '../errors.ts'
import { parse } from '../validate.ts'

/**
 * Batch: 1–100 sub-requests `{id, method, url, headers?, body}`, each answered on its own with `{id, status, body}`
 * (a failing one does not stop the others). The batch itself is 200 once its envelope is valid.
 * https://www.alibabacloud.com/help/en/pds/drive-and-photo-service-dev/developer-reference/api-pds-2022-03-01-batch
 */
const RESOURCES = ['file', 'drive', 'user', 'group', 'membership', 'share_link', 'async_task'] as const

const Batch = Type.Object({
  resource: Type.Union(RESOURCES.map((r) => Type.Literal(r))),
  requests: Type.Array(
    Type.Object({
      id: Type.String({ minLength: 1, maxLength: 200 }),
      method: Type.Union(['POST', 'GET', 'PUT', 'DELETE', 'HEAD'].map((m) => Type.Literal(m))),
      url: Type.String({ minLength: 1, maxLength: 200 }),
      headers: Type.Optional(Type.Record(Type.String(), Type.String())),
      body: Type.Optional(Type.Unknown()),
    }),
    { minItems: 1, maxItems: 100 },
  ),
})

/** Which calls a batch may carry (the calls that address one item, plus task polling). */
const BATCHABLE = [
  '/file/get',
  '/file/update',
  '/file/move',
  '/file/copy',
  '/file/delete',
  '/file/create',
  '/file/get_download_url',
  '/recyclebin/trash',
  '/recyclebin/restore',
  '/async_task/get',
  '/drive/get',
]

export function batchOp(ops: Record<string, PdsOp>): PdsOp {
  return async (ctx: PdsCtx, raw) => {
    const b = parse(Batch, raw)
    const ids = new Set<string>()
    for (const r of b.requests) {
      if (ids.has(r.id)) throw new PdsError(400, 'InvalidParameter.Id', `Sub-request id ${r.id} is used twice`)
      ids.add(r.id)
    }
    const responses: Record<string, unknown>[] = []
    for (const r of b.requests) {
      const url = r.url.replace(/^\/v2(?=\/)/, '').replace(/\/+$/, '')
      const op = BATCHABLE.includes(url) ? ops[url] : undefined
      try {
        if (!op) throw new PdsError(404, 'InvalidParameterNotSupported', `${r.url} cannot be called in a batch`)
        if (r.method !== 'POST') throw new PdsError(405, 'InvalidParameterNotSupported', `${r.url} takes POST`)
        const res = await op(ctx, r.body ?? {})
        responses.push({ id: r.id, status: res.status, ...(res.body !== undefined ? { body: res.body } : {}) })
      } catch (e) {
        const err = toPdsError(e, '')
        if (err.internal) throw e
        const { requestId: _none, ...body } = err.body
        responses.push({ id: r.id, status: err.status, body })
      }
    }
    return ok({ responses })
  }
}
