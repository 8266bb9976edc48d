import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { DomainError, isDomainError, type ErrorCode } from '../../shared/errors.ts'
import { langOf, type Ctx, type Lang } from './deps.ts'

/**
 * KooDrive's error codes (https://support.huaweicloud.com/intl/en-us/api-koodrive/ErrorCode.html and its zh-CN twin):
 * 8-digit strings in `{"code","msg"}` with HTTP 400. Authentication is refused with 401 and the API-gateway code.
 */
export const MESSAGES = {
  '13000102': { en: 'Verify parameters failed.', zh: '参数检验失败' },
  '13000201': { en: 'Internal invocation failed.', zh: '内部调用失败' },
  '13000301': { en: 'Space not found.', zh: '空间不存在或状态异常' },
  '13000302': { en: 'File is not in the specified space.', zh: '文件不在指定的空间下' },
  '13000303': { en: 'This operation cannot be performed because the file is not in the recycle bin.', zh: '文件不在回收站,不支持该操作' },
  '13000304': { en: 'Target directory is abnormal.', zh: '目标目录异常' },
  '13000305': { en: 'Target directory is in the recycle bin.', zh: '目标目录在回收站' },
  '13000306': { en: 'File is in the recycle bin.', zh: '待操作文件在回收站' },
  '13000307': { en: 'Nested directories.', zh: '目录相互嵌套' },
  '13000308': { en: 'File metadata error.', zh: '文件元数据不正确' },
  '13000309': { en: 'Resource not found.', zh: '资源不存在' },
  '13000311': { en: 'Insufficient space.', zh: '空间不足' },
  '13000312': { en: 'File already in the target folder.', zh: '文件已经在目标文件夹' },
  '13000401': { en: 'Upload task not found.', zh: '不存在的上传任务' },
  '13000402': { en: 'File upload incomplete.', zh: '文件完整性校验不通过' },
  '13000403': { en: 'Change file status failed.', zh: '变更文件状态失败' },
  '13000404': { en: 'Parent directory is in the recycle bin.', zh: '上传的父目录在回收站中' },
  '13000405': { en: 'Duplicate file name.', zh: '文件名重复' },
  '13000406': { en: 'This operation cannot be performed on the folder.', zh: '不能对文件夹进行此操作' },
  '13000407': { en: 'The file download address does not exist.', zh: '文件下载地址不存在' },
  '13000410': { en: 'The current user has no permission to operate this space.', zh: '当前用户没有权限操作该空间' },
  'APIGW.0301': { en: 'Incorrect authentication information.', zh: '认证信息错误' },
} as const

export type KooCode = keyof typeof MESSAGES

export const SUCCESS = { en: 'success', zh: '成功' } as const

export function message(code: KooCode, lang: Lang): string {
  return lang === 'zh-CN' ? MESSAGES[code].zh : MESSAGES[code].en
}

/** An error decided by the dialect itself (its own parameter rules, or a refined reason). */
export class KooError extends Error {
  constructor(
    readonly kooCode: KooCode,
    detail = '',
    readonly status = kooCode === 'APIGW.0301' ? 401 : 400,
  ) {
    super(detail || MESSAGES[kooCode].en)
    this.name = 'KooError'
  }
}

export const badParam = (detail: string) => new KooError('13000102', detail)

/** Every domain code has its KooDrive code; the Record makes the compiler ask when a domain code is added. */
export const FROM_DOMAIN: Record<ErrorCode, { code: KooCode; status: number }> = {
  'validation.failed': { code: '13000102', status: 400 },
  'auth.unauthenticated': { code: 'APIGW.0301', status: 401 },
  'auth.forbidden': { code: '13000410', status: 400 },
  // Raised only by password sign-in, which KooDrive does not have: an authentication refusal, with the 429 status.
  'auth.too_many_attempts': { code: 'APIGW.0301', status: 429 },
  'library.not_found': { code: '13000309', status: 400 },
  'space.not_found': { code: '13000301', status: 400 },
  'space.not_empty': { code: '13000102', status: 400 },
  'user.not_found': { code: '13000309', status: 400 },
  'node.not_found': { code: '13000309', status: 400 },
  'node.invalid_name': { code: '13000102', status: 400 },
  'node.name_conflict': { code: '13000405', status: 400 },
  'node.not_a_folder': { code: '13000304', status: 400 },
  'node.is_folder': { code: '13000406', status: 400 },
  'node.in_trash': { code: '13000306', status: 400 },
  'node.move_into_itself': { code: '13000307', status: 400 },
  'node.root_immutable': { code: '13000102', status: 400 },
  'trash.entry_not_found': { code: '13000303', status: 400 },
  'trash.entry_purging': { code: '13000403', status: 400 },
  'trash.entry_held': { code: '13000403', status: 400 },
  'trash.restore_conflict': { code: '13000405', status: 400 },
  'trash.parent_missing': { code: '13000304', status: 400 },
  'trash.too_many': { code: '13000102', status: 400 },
  'quota.exceeded': { code: '13000311', status: 400 },
  'upload.size_mismatch': { code: '13000402', status: 400 },
  'upload.checksum_mismatch': { code: '13000402', status: 400 },
  'range.not_satisfiable': { code: '13000102', status: 416 },
  'cursor.invalid': { code: '13000102', status: 400 },
  'album.not_found': { code: '13000309', status: 400 },
  'album.too_many': { code: '13000102', status: 400 },
  'task.not_found': { code: '13000309', status: 400 },
  'task.not_cancellable': { code: '13000403', status: 400 },
  'service.busy': { code: '13000201', status: 503 },
}

/**
 * Why an item is missing or refused, as found out by the dialect (the core only says "not found" for a node in the
 * bin). Kept beside the domain code in job results, so the KooDrive code can be given when the job is read.
 */
export type Reason = 'in_trash' | 'parent_in_trash' | 'target_in_trash' | 'already_in_target' | 'not_in_trash' | 'upload_not_found' | 'upload_incomplete'

export const FROM_REASON: Record<Reason, KooCode> = {
  in_trash: '13000306',
  parent_in_trash: '13000404',
  target_in_trash: '13000305',
  already_in_target: '13000312',
  not_in_trash: '13000303',
  upload_not_found: '13000401',
  upload_incomplete: '13000402',
}

/** The KooDrive code of a domain code, refined by a reason when there is one. */
export function kooCodeOf(code: string, reason?: string): KooCode {
  if (reason && reason in FROM_REASON) return FROM_REASON[reason as Reason]
  return (FROM_DOMAIN as Record<string, { code: KooCode }>)[code]?.code ?? '13000201'
}

function reasonOfDomain(e: DomainError): Reason | undefined {
  if (e.code !== 'validation.failed') return undefined
  if (e.details.reason === 'upload.not_found') return 'upload_not_found'
  if (e.details.reason === 'upload.incomplete') return 'upload_incomplete'
  return undefined
}

/** Status, code and message for anything thrown inside the dialect. */
export function toKoo(err: unknown): { status: number; code: KooCode; internal: boolean } {
  if (err instanceof KooError) return { status: err.status, code: err.kooCode, internal: false }
  if (isDomainError(err)) {
    const reason = reasonOfDomain(err)
    const m = FROM_DOMAIN[err.code]
    return { status: m.status, code: reason ? FROM_REASON[reason] : m.code, internal: m.status >= 500 }
  }
  const fe = err as FastifyError
  // Schema validation, malformed JSON, an empty JSON body, a body too large: the request's fault.
  if (fe && (fe.validation || (fe.statusCode && fe.statusCode < 500))) return { status: 400, code: '13000102', internal: false }
  return { status: 500, code: '13000201', internal: true }
}

/** The dialect's error handler: `{"code","msg"}` in the caller's language; X-Traceid echoed; 5xx causes logged. */
export function kooErrorHandler(err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply): void {
  const lang = req.koo?.lang ?? langOf(req.headers.language)
  const { status, code, internal } = toKoo(err)
  if (internal) req.log.error({ err }, 'KooDrive dialect error')
  const trace = req.headers['x-traceid']
  if (typeof trace === 'string' && trace.length <= 256) void reply.header('X-Traceid', trace)
  void reply.status(status).send({ code, msg: message(code, lang) })
}

export type Role = 'file' | 'parent' | 'target'

const ROLE_REASON: Record<Role, Reason> = { file: 'in_trash', parent: 'parent_in_trash', target: 'target_in_trash' }

/**
 * The reason a node the core could not find is missing: it exists but is not visible, so it (or a folder above it) is
 * in the recycle bin. Undefined when it really does not exist.
 */
export async function binReason(k: Ctx, spaceId: string, nodeId: string, role: Role): Promise<Reason | undefined> {
  const found = await k.c.nodes.inspect(k.actor, spaceId, nodeId).catch(() => null)
  return found && !found.visible ? ROLE_REASON[role] : undefined
}

/**
 * Runs a core call; a `node.not_found` about one of the given ids becomes the KooDrive code for why it is missing
 * (13000306 file in the bin, 13000404 parent in the bin, 13000305 target in the bin).
 */
export async function refining<T>(k: Ctx, spaceId: string, ids: Partial<Record<Role, string>>, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (e) {
    const reason = await reasonFor(k, spaceId, ids, e)
    if (reason) throw new KooError(FROM_REASON[reason], e instanceof Error ? e.message : '')
    throw e
  }
}

/** The refined reason of a domain error about one of `ids`, if any. */
export async function reasonFor(k: Ctx, spaceId: string, ids: Partial<Record<Role, string>>, e: unknown): Promise<Reason | undefined> {
  if (!isDomainError(e) || e.code !== 'node.not_found') return undefined
  const missing = String(e.details.id ?? '')
  for (const role of ['file', 'parent', 'target'] as Role[]) {
    const id = ids[role]
    if (id !== undefined && id === missing) return binReason(k, spaceId, id, role)
  }
  return undefined
}
