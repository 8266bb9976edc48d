import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { isDomainError, type DomainError, type ErrorCode } from '../../shared/errors.ts'

/**
 * PDS errors on the wire: `{"code","message","requestId"}` with the HTTP status, and the request id also in the
 * `x-ca-request-id` header (set on every response by the plugin). PDS's documentation shows `Code`/`Message`/`RequestId`,
 * but the official PDS SDKs read lowercase `code`/`message` from the body and the id from `x-ca-request-id`
 * (aliyun/alibabacloud-pds-sdk: the JS SDK's `initAxiosError`, the Python client's error branch), so that is what we
 * send. No `x-ca-error-*` headers: the SDKs take those to mean an API-gateway error and ignore the body.
 */
export class PdsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
    this.name = 'PdsError'
  }
}

export interface PdsErrorBody {
  code: string
  message: string
  requestId: string
}

interface Mapped {
  status: number
  code: string
}

const fixed = (status: number, code: string) => (): Mapped => ({ status, code })

/** Upload problems travel as `validation.failed` with a `reason`; PDS names them separately. */
function validation(e: DomainError): Mapped {
  switch (e.details.reason) {
    case 'upload.not_found':
      return { status: 404, code: 'NotFound.UploadId' }
    case 'upload.completed':
    case 'upload.completing':
      return { status: 409, code: 'StateConflict' }
    case 'upload.part_missing':
      return { status: 400, code: 'InvalidParameterMissing' }
    default:
      return { status: 400, code: 'InvalidParameter' }
  }
}

/** Every domain code has a PDS status and code; the Record makes the compiler ask for one when a code is added. */
export const DOMAIN_TO_PDS: Record<ErrorCode, (e: DomainError) => Mapped> = {
  'validation.failed': validation,
  'auth.unauthenticated': fixed(401, 'AccessTokenInvalid'),
  'auth.forbidden': fixed(403, 'ForbiddenNoPermission'),
  'auth.too_many_attempts': fixed(429, 'TooManyRequests'),
  'library.not_found': fixed(404, 'NotFound.Domain'),
  'space.not_found': fixed(404, 'NotFound.Drive'),
  'space.not_empty': fixed(409, 'StateConflict'),
  'user.not_found': fixed(404, 'NotFound.User'),
  'node.not_found': fixed(404, 'NotFound.FileId'),
  'node.invalid_name': fixed(400, 'InvalidParameter.Name'),
  'node.name_conflict': fixed(409, 'AlreadyExist.File'),
  'node.not_a_folder': fixed(400, 'InvalidParameter.ParentFileId'),
  'node.is_folder': fixed(400, 'InvalidParameter.FileId'),
  'node.in_trash': fixed(403, 'ForbiddenFileInTheRecycleBin'),
  'node.move_into_itself': fixed(400, 'InvalidParameter.ToParentFileId'),
  'node.root_immutable': fixed(400, 'InvalidParameter.FileId'),
  'trash.entry_not_found': fixed(404, 'NotFound.FileId'),
  'trash.entry_purging': fixed(404, 'NotFound.FileId'),
  'trash.entry_held': fixed(403, 'ForbiddenNoPermission'),
  'trash.restore_conflict': fixed(409, 'AlreadyExist.File'),
  'trash.parent_missing': fixed(404, 'NotFound.ParentFileId'),
  'trash.too_many': fixed(400, 'InvalidParameterOutOfRange'),
  'quota.exceeded': fixed(400, 'QuotaExhausted.Drive'),
  'upload.size_mismatch': fixed(400, 'InvalidParameter.Size'),
  'upload.checksum_mismatch': fixed(400, 'InvalidParameter.ContentHash'),
  'range.not_satisfiable': fixed(416, 'InvalidRange'),
  'cursor.invalid': fixed(400, 'InvalidParameter.Marker'),
  'album.not_found': fixed(404, 'NotFound.Album'),
  'album.too_many': fixed(400, 'InvalidParameterOutOfRange'),
  'task.not_found': fixed(404, 'NotFound.AsyncTask'),
  'task.not_cancellable': fixed(409, 'StateConflict'),
  'service.busy': fixed(429, 'TooManyRequests'),
}

/** The PDS code for a domain code (used for task failures, which carry domain codes). */
export function pdsCodeOf(code: string): string {
  const map = DOMAIN_TO_PDS[code as ErrorCode]
  return map ? map({ code, details: {} } as unknown as DomainError).code : 'InternalError'
}

/** Any error → PDS status and body. Unknown errors are a generic 500; their cause is the caller's to log. */
export function toPdsError(err: unknown, requestId: string): { status: number; body: PdsErrorBody; internal: boolean } {
  if (err instanceof PdsError) return { status: err.status, body: { code: err.code, message: err.message, requestId }, internal: false }
  if (isDomainError(err)) {
    const m = DOMAIN_TO_PDS[err.code]?.(err) ?? { status: 500, code: 'InternalError' }
    return { status: m.status, body: { code: m.code, message: err.message, requestId }, internal: m.status >= 500 }
  }
  const fe = err as FastifyError
  if (fe && typeof fe.statusCode === 'number' && fe.statusCode < 500) {
    const code = fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'InvalidParameterOutOfRange' : fe.code?.startsWith('FST_ERR_CTP') ? 'InvalidRequestJSONFormat' : 'InvalidParameter'
    return { status: fe.statusCode === 415 ? 400 : fe.statusCode, body: { code, message: fe.message, requestId }, internal: false }
  }
  return { status: 500, body: { code: 'InternalError', message: 'The request has been failed due to some unknown error.', requestId }, internal: true }
}

export const REQUEST_ID_HEADER = 'x-ca-request-id'

export function requestIdOf(reply: FastifyReply): string {
  return String(reply.getHeader(REQUEST_ID_HEADER) ?? '')
}

/** The dialect's error handler (registered in its own Fastify context). */
export function pdsErrorHandler(err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply): void {
  const { status, body, internal } = toPdsError(err, requestIdOf(reply))
  if (internal) req.log.error({ err }, 'pds: unhandled error')
  void reply.status(status).header('content-type', 'application/json; charset=utf-8').send(body)
}
