/**
 * The authorisation matrix: for every route a dialect owns (from the route registry) and each way of being the wrong
 * caller, a request that must be refused in the dialect's own error format without revealing anything about the other
 * tenant, not even whether an id exists. The rows (what each route needs, and a valid request for it) are the dialect's
 * `matrix` table; a route without a row is reported as unclassified and fails the test.
 *
 * Columns, for a request to tenant A's objects:
 *   no token · malformed token · expired token · token of another library · token limited to another space of A ·
 *   token of A without the needed grant (every other grant) · dialect-specific credential mistakes · A's admin (must
 *   succeed: proves the request was valid, so the refusals are about authorisation and nothing else).
 * "Another library" and "another space" send the same request three times — real ids, ids that exist nowhere, and A's
 * real space with absent objects — and the three answers must be identical once the ids themselves are masked.
 */
import assert from 'node:assert/strict'
import { GRANTS } from '../../../src/access/grants.ts'
import type { Dialect, Draft, MatrixRow } from './dialect.ts'
import { routesOf, toWire } from './dialect.ts'
import type { RouteInfo } from './route-registry.ts'
import type { Fixtures, Res, Who, World } from './world.ts'

export interface MatrixCells {
  dialect: string
  route: string
  label?: string
  needs: string
  none: string
  malformed: string
  expired: string
  otherLibrary: string
  otherSpace: string
  withoutGrant: string
  extra: string
  owner: string
  /** The column being checked (after a failure: the one that failed). */
  at?: Column
  /** A known, reported defect this row shows (its test is a TODO until fixed). */
  knownIssue?: string
}

export type Column = 'none' | 'malformed' | 'expired' | 'otherLibrary' | 'otherSpace' | 'withoutGrant' | 'extra' | 'owner'

export function newCells(dialect: Dialect, route: RouteInfo, row: MatrixRow): MatrixCells {
  return {
    dialect: dialect.name,
    route: route.key,
    label: row.label,
    needs: needsOf(row),
    none: '—',
    malformed: '—',
    expired: '—',
    otherLibrary: '—',
    otherSpace: '—',
    withoutGrant: '—',
    extra: '—',
    owner: '—',
    knownIssue: row.knownIssue,
  }
}

export interface MatrixContext {
  w: World
  /** A token of tenant A issued with a 300 s period, then the clock moved past it. */
  expired: Who
  /** Read-only fixtures shared by rows that change nothing. */
  shared: Fixtures
}

const TEN_YEARS = 315_360_000

/** Ids and names that exist nowhere, one per field, so a request can ask for "the same thing, but absent". */
export type Absence = 'library' | 'space' | 'objects'

/**
 * `library`: nothing exists (another library id, user, space, objects); `space`: tenant A's library, but a space and
 * objects that do not exist; `objects`: A's real space, absent objects.
 */
export function absentFixtures(fx: Fixtures, what: Absence): Fixtures {
  let n = 990_000_000
  const id = () => String(++n)
  const lib = what === 'library'
  const space = what !== 'objects'
  return {
    ...fx,
    libraryId: lib ? 'nosuchlib0' : fx.libraryId,
    userId: lib ? 'no-such-user' : fx.userId,
    spaceId: space ? id() : fx.spaceId,
    rootId: space ? id() : fx.rootId,
    folderId: id(),
    folderName: 'absent-folder',
    fileId: id(),
    fileName: 'absent-file.txt',
    nestedFileId: id(),
    nestedPath: 'absent-folder/absent-nested.txt',
    imageId: id(),
    entryFileId: id(),
    entryFileNodeId: id(),
    entryFolderId: id(),
    entryFolderNodeId: id(),
    albumId: id(),
    taskId: id(),
    extra: Object.fromEntries(Object.entries(fx.extra).map(([k, v]) => [k, /^\d+$/.test(v) ? id() : `absent${k}${v.length > 12 ? v.slice(0, v.length - 12).replace(/[^A-Za-z0-9]/g, 'x') : ''}`])),
  }
}

const ID_FIELDS = ['libraryId', 'userId', 'spaceId', 'rootId', 'folderId', 'folderName', 'fileId', 'fileName', 'nestedFileId', 'nestedPath', 'imageId', 'entryFileId', 'entryFileNodeId', 'entryFolderId', 'entryFolderNodeId', 'albumId', 'taskId'] as const

/** The answer with every id or name of the given fixtures masked (and the dialect's per-request noise removed). */
function masked(d: Dialect, res: Res, fxs: Fixtures[]): string {
  let text = d.normalize ? d.normalize(res) : res.text
  const values = [...new Set(fxs.flatMap((fx) => [...ID_FIELDS.map((k) => String(fx[k])), ...Object.values(fx.extra)]))].filter((v) => v.length > 0).sort((a, b) => b.length - a.length)
  for (const v of values) {
    const escaped = v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    text = text.replace(new RegExp(`(?<![A-Za-z0-9])${escaped}(?![A-Za-z0-9])`, 'g'), '#id')
    const enc = encodeURIComponent(v)
    if (enc !== v) text = text.split(enc).join('#id')
  }
  return `${res.status} ${text}`
}

/** Strings that would show tenant A (or its space s1) to someone who must not see it. */
function secretsOf(fx: Fixtures, w: World, scope: 'tenant' | 'space'): string[] {
  const out = [...fx.names, `"spaceId":"${fx.spaceId}"`, `/spaces/${fx.spaceId}/`, 'tenant-a-space-1']
  if (scope === 'tenant') out.push(w.a.libraryId, 'tenant-a-space-2')
  return out
}

async function send(w: World, d: Draft): Promise<Res> {
  return w.send(toWire(d))
}

function withAuth(dialect: Dialect, draft: Draft, who: Who, w: World): Draft {
  const copy: Draft = { ...draft, query: [...draft.query], headers: { ...draft.headers } }
  dialect.authenticate(copy, who, w)
  return copy
}

function isOk(status: number): boolean {
  return status >= 200 && status < 400
}

function needsOf(r: MatrixRow): string {
  switch (r.requirement.kind) {
    case 'public':
      return `public (${r.requirement.why})`
    case 'self':
      return `any token${r.requirement.why ? ` (${r.requirement.why})` : ''}`
    case 'read':
      return 'read (no grant)'
    case 'refused':
      return `refused to all (${r.requirement.why})`
    case 'grant':
      return `\`${r.requirement.grant}\``
  }
}

function grantsWithout(g: string): string[] {
  return GRANTS.filter((x) => x !== g && x !== 'admin' && (g === 'admin' || x !== 'space_admin'))
}

/**
 * Runs one row. Throws an AssertionError naming the column on the first refusal that is wrong; returns the cells.
 */
export async function runRow(dialect: Dialect, route: RouteInfo, row: MatrixRow, m: MatrixContext, cells: MatrixCells = newCells(dialect, route, row)): Promise<MatrixCells> {
  const { w } = m
  const expectError = (res: Res, statuses: number[], what: string) => {
    assert.ok(statuses.includes(res.status), `${what}: expected ${statuses.join('/')}, got ${res.status} ${res.text.slice(0, 300)}`)
    if (route.method !== 'HEAD') {
      const wrong = dialect.errorFormat(res)
      assert.equal(wrong, null, `${what}: not a ${dialect.name} error (${wrong}): ${res.status} ${res.text.slice(0, 300)}`)
    }
    return String(res.status)
  }
  const base = row.requirement.kind === 'read' || row.requirement.kind === 'self' || row.requirement.kind === 'public' ? m.shared : await w.fixtures('a')
  const fx = row.prepare ? await row.prepare(base, w) : base
  const draft = row.build(fx, w)
  assert.equal(draft.method, route.method, `${route.key}: the row builds a ${draft.method} request`)
  const issue = (o: Parameters<World['issue']>[0]) => w.issue({ periodSeconds: TEN_YEARS, ...o })
  const unauth = dialect.denyStatus.unauthenticated

  if (row.requirement.kind === 'public') {
    cells.at = 'none'
    // Wrong credentials of another kind (a password, a library secret, a signature): the same answer whether what they
    // name exists or not, and never a success.
    const variants = [fx, absentFixtures(fx, 'library'), absentFixtures(fx, 'space'), absentFixtures(fx, 'objects')]
    const answers: string[] = []
    let status = ''
    for (const v of variants) {
      const res = await send(w, row.build(v, w))
      assert.ok(res.status < 500, `wrong credentials: ${res.status} ${res.text.slice(0, 300)}`)
      if (res.status >= 400 && route.method !== 'HEAD') assert.equal(dialect.errorFormat(res), null, `not a ${dialect.name} error: ${res.text.slice(0, 300)}`)
      answers.push(masked(dialect, res, variants))
      status = String(res.status)
    }
    for (let i = 1; i < answers.length; i++) assert.equal(answers[i], answers[0], `wrong credentials: a real target and an absent one (${['', 'library', 'space', 'objects'][i]}) must get the same answer`)
    cells.none = `${status} ≡ absent`
    cells.at = undefined
    return cells
  }

  // 1. No credentials at all.
  cells.at = 'none'
  cells.none = expectError(await send(w, draft), unauth, 'no token')

  // 2. Malformed credentials.
  cells.at = 'malformed'
  const admin = await issue({ userId: fx.userId, grants: ['admin'] })
  const badTokens = ['', 'x', 'not a token', 'f'.repeat(64), admin.token.slice(0, -1) + (admin.token.endsWith('a') ? 'b' : 'a'), admin.token + admin.token, 'x'.repeat(8192), '%00', '../../etc/passwd']
  const seen = new Set<string>()
  for (const t of badTokens) seen.add(expectError(await send(w, withAuth(dialect, draft, { ...admin, token: t }, w)), unauth, `malformed token ${JSON.stringify(t.slice(0, 20))}`))
  if (dialect.authHeaders.includes('authorization')) {
    const basic = withAuth(dialect, draft, admin, w)
    basic.headers.authorization = `Basic ${Buffer.from(`${admin.userId}:${admin.token}`).toString('base64')}`
    seen.add(expectError(await send(w, basic), unauth, 'Basic instead of Bearer'))
  }
  cells.malformed = [...seen].sort().join('/')

  // 3. Expired.
  cells.at = 'expired'
  cells.expired = expectError(await send(w, withAuth(dialect, draft, m.expired, w)), unauth, 'expired token')

  // 4 and 5. Another library, and another space of the same library.
  const other = await issue({ libraryId: w.b.libraryId, userId: w.b.admin.userId, grants: ['admin'] })
  const limited = await issue({ userId: fx.userId, grants: ['admin'], spaceIds: [w.a.space2Id] })
  const foreign = async (who: Who, label: string, scope: 'tenant' | 'space'): Promise<string> => {
    if (row.target === 'library') {
      const res = await send(w, withAuth(dialect, draft, who, w))
      assert.ok(res.status < 500, `${label}: ${res.status} ${res.text.slice(0, 300)}`)
      for (const s of secretsOf(fx, w, scope)) assert.ok(!res.text.includes(s), `${label}: the answer shows ${s}: ${res.text.slice(0, 500)}`)
      return isOk(res.status) ? `${res.status}, own data only` : String(res.status)
    }
    // The same request for what exists and for what does not: another library's caller may compare with ids of
    // nothing at all; a caller of A limited to another space, with A's spaces that do not exist.
    const absences: Absence[] = scope === 'tenant' ? ['library', 'space', 'objects'] : ['space', 'objects']
    const variants = [fx, ...absences.map((a) => absentFixtures(fx, a))]
    const answers: string[] = []
    let status = ''
    for (const [i, v] of variants.entries()) {
      const res = await send(w, withAuth(dialect, row.build(v, w), who, w))
      status = expectError(res, [...dialect.denyStatus.hidden, ...unauth], `${label} (${i === 0 ? 'real ids' : `absent ${absences[i - 1]}`})`)
      answers.push(masked(dialect, res, variants))
    }
    for (let i = 1; i < answers.length; i++) assert.equal(answers[i], answers[0], `${label}: real ids and absent ${absences[i - 1]} must get the same answer`)
    return `${status} ≡ absent`
  }
  cells.at = 'otherLibrary'
  cells.otherLibrary = await foreign(other, 'token of another library', 'tenant')
  cells.at = 'otherSpace'
  cells.otherSpace = await foreign(limited, 'token limited to another space', 'space')

  // 6. Without the needed grant.
  cells.at = 'withoutGrant'
  if (row.requirement.kind === 'grant') {
    const lacking = await issue({ userId: fx.userId, grants: grantsWithout(row.requirement.grant) })
    const res = await send(w, withAuth(dialect, draft, lacking, w))
    if (row.refusedPerItem && isOk(res.status)) {
      assert.ok(await row.refusedPerItem(res, lacking, w), `token without \`${row.requirement.grant}\`: a batch must refuse every item: ${res.status} ${res.text.slice(0, 300)}`)
      cells.withoutGrant = `${res.status}, every item refused`
    } else {
      cells.withoutGrant = expectError(res, dialect.denyStatus.forbidden, `token without \`${row.requirement.grant}\``)
    }
  } else if (row.requirement.kind === 'read') {
    const reader = await issue({ userId: fx.userId, grants: [] })
    const res = await send(w, withAuth(dialect, draft, reader, w))
    assert.ok(isOk(res.status), `a token without grants must be able to read: ${res.status} ${res.text.slice(0, 300)}`)
    cells.withoutGrant = `${res.status} (read)`
  }

  // 7. Dialect-specific credential mistakes.
  cells.at = 'extra'
  if (dialect.credentialMistakes) {
    const mistakes = dialect.credentialMistakes(draft, admin, w)
    const statuses = new Set<string>()
    for (const { label, draft: bad } of mistakes) statuses.add(expectError(await send(w, bad), unauth, label))
    cells.extra = `${[...statuses].join('/')} (all ${mistakes.length})`
  }

  // 8. The owner: the same request succeeds (or, for a request refused to all, is refused the same way), so every
  // refusal above was about who asked.
  cells.at = 'owner'
  const res = await send(w, withAuth(dialect, draft, await issue({ userId: fx.userId, grants: ['admin'] }), w))
  if (row.requirement.kind === 'refused') {
    assert.ok(row.okStatus?.includes(res.status), `the owner's request is refused with ${row.okStatus?.join('/')}: got ${res.status} ${res.text.slice(0, 400)}`)
    if (route.method !== 'HEAD') assert.equal(dialect.errorFormat(res), null, res.text.slice(0, 300))
  } else {
    assert.ok(row.okStatus ? row.okStatus.includes(res.status) : isOk(res.status), `the owner's request must succeed: ${res.status} ${res.text.slice(0, 400)}`)
  }
  cells.owner = String(res.status)
  cells.at = undefined
  return cells
}

export interface MatrixPlan {
  rows: { route: RouteInfo; row: MatrixRow }[]
  unclassified: string[]
}

/** Every route of the dialect with its row(s); derived HEAD routes share their GET's handler and hooks. */
export function planMatrix(d: Dialect, routes: RouteInfo[]): MatrixPlan {
  const rows: MatrixPlan['rows'] = []
  const unclassified: string[] = []
  for (const route of routesOf(d, routes)) {
    if (route.derivedHead) continue
    const entry = d.matrix?.[route.key]
    if (!entry) {
      unclassified.push(route.key)
      continue
    }
    for (const row of Array.isArray(entry) ? entry : [entry]) rows.push({ route, row })
  }
  const stale = Object.keys(d.matrix ?? {}).filter((k) => !routesOf(d, routes).some((r) => r.key === k))
  for (const k of stale) unclassified.push(`${k} (in the table, but no such route is registered)`)
  return { rows, unclassified }
}

export function matrixMarkdown(cells: MatrixCells[]): string {
  const head = '| endpoint | needs | no token | malformed | expired | other library | other space | without grant | dialect-specific | owner |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |'
  const esc = (s: string) => s.replace(/\|/g, '\\|')
  const byDialect = new Map<string, MatrixCells[]>()
  for (const c of cells) byDialect.set(c.dialect, [...(byDialect.get(c.dialect) ?? []), c])
  const parts: string[] = []
  for (const [dialect, list] of byDialect) {
    parts.push(`### ${dialect}\n\n${head}`)
    for (const c of list) {
      const cell = (k: Column) => (c.at === k ? '✗ see below' : esc(c[k]))
      parts.push(
        `| \`${esc(c.route)}\`${c.label ? ` (${esc(c.label)})` : ''} | ${esc(c.needs)} | ${cell('none')} | ${cell('malformed')} | ${cell('expired')} | ${cell('otherLibrary')} | ${cell('otherSpace')} | ${cell('withoutGrant')} | ${cell('extra')} | ${cell('owner')} |`,
      )
    }
    parts.push('')
    const known = list.filter((c) => c.knownIssue && c.at)
    if (known.length) {
      parts.push('Known defects (their rows are TODO tests until fixed):\n')
      for (const c of known) parts.push(`- \`${c.route}\`${c.label ? ` (${c.label})` : ''}: ${c.knownIssue}`)
      parts.push('')
    }
  }
  return parts.join('\n')
}
