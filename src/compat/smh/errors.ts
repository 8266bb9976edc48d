import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { isDomainError, type DomainError, type ErrorCode } from '../../shared/errors.ts'

/**
 * SMH's error envelope: `{code, message, requestId}` with the request id also in `X-Request-Id`
 * (https://www.tencentcloud.com/document/product/1283/75444 sample; codes from tencentyun/smh-sdk-ios QCloudSMHErrorCode.m
 * and the SMH JS SDK ErrorHandler).
 */
export interface SmhErrorBody {
  code: string
  message: string
  requestId: string
}

/** An error raised by the adapter itself, already in SMH's vocabulary. */
export class SmhError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
    this.name = 'SmhError'
  }
}

type Mapping = { status: number; code: string } | ((e: DomainError) => { status: number; code: string })

/** Every domain code has an SMH status and code; the Record makes the compiler ask for a row when a code is added. */
export const SMH_ERRORS: Record<ErrorCode, Mapping> = {
  'validation.failed': (e) => {
    if (e.details.reason === 'upload.not_found') return { status: 404, code: 'UploadNotFound' }
    if (e.details.reason === 'upload.incomplete') return { status: 400, code: 'UploadIncomplete' }
    if (typeof e.details.userId === 'string') return { status: 400, code: 'InvalidUserId' }
    return { status: 400, code: 'ParamInvalid' }
  },
  'auth.unauthenticated': { status: 403, code: 'InvalidAccessToken' },
  'auth.forbidden': { status: 403, code: 'NoPermission' },
  // Raised only by password sign-in, which SMH does not have; the code is ours if it ever travels (e.g. in a task result).
  'auth.too_many_attempts': { status: 429, code: 'TooManyRequests' },
  'library.not_found': { status: 404, code: 'LibraryNotFound' },
  'space.not_found': { status: 404, code: 'SpaceNotFound' },
  'space.not_empty': { status: 409, code: 'SpaceNotEmpty' },
  'user.not_found': { status: 404, code: 'UserNotFound' },
  'node.not_found': { status: 404, code: 'PathNotFound' },
  'node.invalid_name': { status: 400, code: 'InvalidFilePath' },
  'node.name_conflict': { status: 409, code: 'SameNameDirectoryOrFileExists' },
  // A path step that is a file where a folder is needed: SMH reports the directory as missing.
  'node.not_a_folder': { status: 404, code: 'DirectoryNotFound' },
  'node.is_folder': { status: 404, code: 'FileNotFound' },
  'node.in_trash': { status: 404, code: 'PathNotFound' },
  'node.move_into_itself': { status: 400, code: 'SourceDirectoryIsParentOfDestination' },
  'node.root_immutable': { status: 400, code: 'RootDirectoryNotAllowed' },
  'trash.entry_not_found': { status: 404, code: 'RecycledItemNotFound' },
  // Being purged: gone as far as an SMH client can tell.
  'trash.entry_purging': { status: 404, code: 'RecycledItemNotFound' },
  // Holds are a Trove feature SMH does not have; the code is ours (documented in README.md).
  'trash.entry_held': { status: 409, code: 'RecycledItemOnHold' },
  'trash.restore_conflict': { status: 409, code: 'SameNameDirectoryOrFileExists' },
  'trash.parent_missing': { status: 404, code: 'DirectoryNotFound' },
  'trash.too_many': { status: 400, code: 'TooManyItems' },
  'quota.exceeded': { status: 400, code: 'QuotaLimitReached' },
  'upload.size_mismatch': { status: 400, code: 'ParamInvalid' },
  'upload.checksum_mismatch': { status: 400, code: 'BadCrc64' },
  'range.not_satisfiable': { status: 416, code: 'InvalidRange' },
  'cursor.invalid': { status: 404, code: 'MarkerNotFound' },
  'album.not_found': { status: 404, code: 'PathNotFound' },
  'album.too_many': { status: 400, code: 'TooManyItems' },
  'task.not_found': { status: 404, code: 'TaskNotFound' },
  'task.not_cancellable': { status: 409, code: 'TaskNotCancelable' },
  'service.busy': { status: 503, code: 'ServerOverloaded' },
}

export function smhCodeOf(e: DomainError): { status: number; code: string } {
  // Codes stored in task results may come from another build: anything unknown is an internal error.
  const m = SMH_ERRORS[e.code] as Mapping | undefined
  if (!m) return { status: 500, code: 'InternalServerError' }
  return typeof m === 'function' ? m(e) : m
}

/** Status, code and message for anything thrown in the dialect. */
export function toSmh(err: unknown): { status: number; code: string; message: string; log: boolean } {
  if (err instanceof SmhError) return { status: err.status, code: err.code, message: err.message, log: false }
  if (isDomainError(err)) {
    const { status, code } = smhCodeOf(err)
    return { status, code, message: err.message, log: status >= 500 }
  }
  const fe = err as FastifyError
  if (fe?.validation) return { status: 400, code: 'ParamInvalid', message: `Invalid request: ${fe.message}`, log: false }
  if (fe?.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return { status: 413, code: 'RequestEntityTooLarge', message: fe.message, log: false }
  if (fe?.statusCode && fe.statusCode < 500) return { status: fe.statusCode, code: 'BadRequest', message: fe.message, log: false }
  return { status: 500, code: 'InternalServerError', message: 'Internal server error', log: true }
}

export function requestIdOf(req: FastifyRequest): string {
  return (req as FastifyRequest & { smhRequestId?: string }).smhRequestId ?? req.id
}

export function smhErrorHandler(err: unknown, req: FastifyRequest, reply: FastifyReply): void {
  const out = toSmh(err)
  if (out.log) req.log.error({ err }, 'SMH dialect error')
  const body: SmhErrorBody = { code: out.code, message: out.message, requestId: requestIdOf(req) }
  void reply.status(out.status).header('content-type', 'application/json; charset=utf-8').send(body)
}
