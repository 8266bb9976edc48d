import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { isDomainError, type ErrorCode } from '../shared/errors.ts'

/** Every domain code has a status; the Record makes the compiler ask for one when a code is added. */
export const STATUS: Record<ErrorCode, number> = {
  'validation.failed': 400,
  'auth.unauthenticated': 401,
  'auth.forbidden': 403,
  'auth.too_many_attempts': 429,
  'library.not_found': 404,
  'space.not_found': 404,
  'space.not_empty': 409,
  'user.not_found': 404,
  'node.not_found': 404,
  'node.invalid_name': 400,
  'node.name_conflict': 409,
  'node.not_a_folder': 400,
  'node.is_folder': 400,
  'node.in_trash': 409,
  'node.move_into_itself': 400,
  'node.root_immutable': 400,
  'trash.entry_not_found': 404,
  'trash.entry_purging': 409,
  'trash.entry_held': 409,
  'trash.restore_conflict': 409,
  'trash.parent_missing': 409,
  'trash.too_many': 400,
  'quota.exceeded': 507,
  'upload.size_mismatch': 400,
  'upload.checksum_mismatch': 400,
  'range.not_satisfiable': 416,
  'cursor.invalid': 400,
  'album.not_found': 404,
  'album.too_many': 400,
  'task.not_found': 404,
  'task.not_cancellable': 409,
  'service.busy': 503,
}

export interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> }
}

/** The native API's error handler: JSON with a stable code; 5xx messages are generic and the cause is logged. */
export function nativeErrorHandler(err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply): void {
  if (isDomainError(err)) {
    const status = STATUS[err.code]
    if (status >= 500) req.log.warn({ err }, 'domain error')
    // RFC 9110: a 416 says how big the representation is.
    if (err.code === 'range.not_satisfiable') void reply.header('content-range', `bytes */${err.details.sizeBytes}`)
    // RFC 6585: a 429 may say how long to wait; the sign-in throttle always knows.
    if (err.code === 'auth.too_many_attempts') void reply.header('retry-after', String(err.details.retryAfterSeconds ?? 1))
    void reply.status(status).send({ error: { code: err.code, message: err.message, details: err.details } } satisfies ErrorBody)
    return
  }
  const fe = err as FastifyError
  if (fe.validation) {
    void reply.status(400).send({ error: { code: 'validation.failed', message: `Invalid request: ${fe.message}` } } satisfies ErrorBody)
    return
  }
  if (fe.statusCode && fe.statusCode < 500) {
    void reply.status(fe.statusCode).send({ error: { code: 'request.invalid', message: fe.message } } satisfies ErrorBody)
    return
  }
  req.log.error({ err }, 'unhandled error')
  void reply.status(500).send({ error: { code: 'internal', message: 'Internal server error' } } satisfies ErrorBody)
}
