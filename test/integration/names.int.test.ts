import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs/promises'
import path from 'node:path'
import { makeHarness, upload, mkdir, blobFiles, body } from '../support/harness.ts'
import { usage, namesIn, searchAll, rejectsWith, treeOf } from '../support/factories.ts'

const INVALID: [string, string][] = [
  ['dot-dot', '..'],
  ['dot', '.'],
  ['slash', 'a/b'],
  ['path traversal', '../escape.txt'],
  ['NUL byte', 'a\u0000b'],
  ['newline', 'a\nb'],
  ['carriage return', 'a\rb'],
  ['DEL', 'a\u007fb'],
  ['256 ASCII bytes', 'a'.repeat(256)],
  ['300+ bytes (ASCII)', 'x'.repeat(301)],
  ['302 bytes in 151 characters', 'é'.repeat(151)],
  ['256 bytes of emoji', '📁'.repeat(64)],
  ['leading space', ' lead.txt'],
  ['trailing space', 'trail.txt '],
  ['only spaces', '   '],
  ['empty', ''],
  ['lone surrogate', 'a\ud800b'],
]

/** What must not change when a name is refused. */
async function state(h: Awaited<ReturnType<typeof makeHarness>>) {
  const staging = await treeOf(path.join(h.dataDir, 'blobs', 'staging'))
  return { root: await namesIn(h, 'root'), usage: await usage(h), blobs: await blobFiles(h.dataDir), staging }
}

test('invalid names are refused with node.invalid_name for folders, uploads, renames and copies; nothing is created', async () => {
  const h = await makeHarness()
  try {
    const s = h.spaceId
    const dir = await mkdir(h, 'root', 'dir')
    const f = await upload(h, String(dir.id), 'f.txt', 'file')
    const before = await state(h)
    const inDir = await namesIn(h, String(dir.id))
    for (const [label, name] of INVALID) {
      await rejectsWith(h.c.nodes.createFolder(h.admin, s, 'root', name), 'node.invalid_name', `mkdir ${label}`)
      await rejectsWith(h.c.nodes.createFolder(h.admin, s, String(dir.id), name, 'rename'), 'node.invalid_name', `mkdir (rename) ${label}`)
      await rejectsWith(upload(h, 'root', name, `bytes for ${label}`), 'node.invalid_name', `upload ${label}`)
      await rejectsWith(
        h.c.nodes.upload(h.admin, s, { parentId: String(dir.id), name, body: body('x'), onConflict: 'overwrite' }),
        'node.invalid_name',
        `upload (overwrite) ${label}`,
      )
      await rejectsWith(h.c.nodes.update(h.admin, s, String(f.id), { name }), 'node.invalid_name', `rename file ${label}`)
      await rejectsWith(h.c.nodes.update(h.admin, s, String(dir.id), { name }), 'node.invalid_name', `rename folder ${label}`)
      await rejectsWith(h.c.nodes.copy(h.admin, s, String(f.id), { parentId: 'root', name }), 'node.invalid_name', `copy ${label}`)
    }
    assert.deepEqual(await state(h), before)
    assert.deepEqual(await namesIn(h, String(dir.id)), inDir)
    assert.equal((await h.c.nodes.get(h.admin, s, String(f.id))).name, 'f.txt')
    assert.equal((await h.c.nodes.get(h.admin, s, String(dir.id))).name, 'dir')
    assert.equal(await h.c.store.repos.nodes.countSpaceNodes(Number(s)), 3)
  } finally {
    await h.close()
  }
})

test('the 255-byte limit counts UTF-8 bytes, not characters', async () => {
  const h = await makeHarness()
  try {
    const ascii = 'a'.repeat(255)
    const accented = 'é'.repeat(127) + 'a' // 255 bytes, 128 characters
    const emoji = '📁'.repeat(63) + 'abc' // 255 bytes
    for (const name of [ascii, accented, emoji]) {
      assert.equal(Buffer.byteLength(name), 255)
      const n = await upload(h, 'root', name, name)
      assert.equal((await h.c.nodes.get(h.admin, h.spaceId, String(n.id))).name, name)
    }
    assert.equal((await namesIn(h, 'root')).length, 3)
  } finally {
    await h.close()
  }
})

const VERBATIM = {
  unicode: 'Ünïcödé 文件 📁',
  nfc: 'caf\u00e9.txt',
  nfd: 'cafe\u0301.txt',
  backslash: '..\\x',
  percent: 'rate 50%_off.txt',
  underscore: 'snake_case.txt',
  plain: 'plain.txt',
  dotfile: '.hidden',
  inner: 'a  b\u00a0c.txt', // inner spaces and a no-break space are kept
}

test('any other Unicode is stored verbatim (no normalisation) and round-trips through list, get and search', async () => {
  const h = await makeHarness()
  try {
    const s = h.spaceId
    const parentEntries = async () => (await fs.readdir(path.dirname(h.dataDir))).filter((e) => Object.values(VERBATIM).includes(e) || e === 'x' || e === '\\x')
    const outsideBefore = await parentEntries()
    const ids: Record<string, number> = {}
    ids.unicode = (await mkdir(h, 'root', VERBATIM.unicode)).id
    for (const key of ['nfc', 'nfd', 'backslash', 'percent', 'underscore', 'plain', 'dotfile', 'inner'] as const) {
      ids[key] = (await upload(h, 'root', VERBATIM[key], `content of ${key}`)).id
    }
    const nested = await upload(h, String(ids.unicode), 'naïve résumé.pdf', 'cv')

    // NFC and NFD spellings are two distinct siblings; nothing was renamed to make room.
    assert.notEqual(ids.nfc, ids.nfd)
    const listed = await namesIn(h, 'root')
    assert.deepEqual([...listed].sort(), Object.values(VERBATIM).sort())
    for (const [key, name] of Object.entries(VERBATIM)) {
      const got = await h.c.nodes.get(h.admin, s, String(ids[key]))
      assert.equal(got.name, name, key)
      assert.equal(Buffer.from(got.name).toString('hex'), Buffer.from(name).toString('hex'), `${key}: same bytes`)
      assert.equal(got.path, '/' + name)
    }
    assert.equal((await h.c.nodes.get(h.admin, s, String(nested.id))).path, `/${VERBATIM.unicode}/naïve résumé.pdf`)
    assert.equal((await h.c.nodes.resolvePath(h.admin, s, `/${VERBATIM.unicode}/naïve résumé.pdf`))?.id, nested.id)

    const found = async (q: string) => (await searchAll(h, q)).map((n) => n.name).sort()
    // LIKE wildcards in the query are literals.
    assert.deepEqual(await found('%'), [VERBATIM.percent])
    assert.deepEqual(await found('_'), [VERBATIM.percent, VERBATIM.underscore].sort())
    assert.deepEqual(await found('%_'), [VERBATIM.percent])
    assert.deepEqual(await found('\\'), [VERBATIM.backslash])
    // The two spellings of é are told apart; both share the ASCII prefix.
    assert.deepEqual(await found('caf\u00e9'), [VERBATIM.nfc])
    assert.deepEqual(await found('cafe\u0301'), [VERBATIM.nfd])
    assert.deepEqual(await found('caf'), [VERBATIM.nfc, VERBATIM.nfd].sort())
    assert.deepEqual(await found('文件'), [VERBATIM.unicode])
    assert.deepEqual(await found('📁'), [VERBATIM.unicode])
    assert.deepEqual(await found('PLAIN'), [VERBATIM.plain])

    // Renaming to and between such names keeps them verbatim too.
    await h.c.nodes.update(h.admin, s, String(ids.plain), { name: '..\\..\\windows' })
    assert.equal((await h.c.nodes.get(h.admin, s, String(ids.plain))).name, '..\\..\\windows')

    // Names never reach the file system: only the database and content-addressed blobs are in the data dir.
    const allowed = /^(trove\.sqlite(-wal|-shm|-journal)?|blobs|blobs\/(staging|blobs)(\/[0-9a-f]{2}(\/[0-9a-f]{2}(\/[0-9a-f]{64})?)?)?)$/
    for (const p of await treeOf(h.dataDir)) assert.match(p.split(path.sep).join('/'), allowed)
    assert.deepEqual(await parentEntries(), outsideBefore, 'nothing named like a node appeared beside the data dir')
  } finally {
    await h.close()
  }
})

test('every stored name is found by searching for itself; search folds case beyond ASCII', async () => {
  // Kept apart from the round-trip test so a search bug does not hide storage results (and vice versa).
  const h = await makeHarness()
  try {
    const ids: Record<string, number> = {}
    for (const [key, name] of Object.entries(VERBATIM)) ids[key] = (await upload(h, 'root', name, key)).id
    for (const [key, name] of Object.entries(VERBATIM)) {
      const hits = (await searchAll(h, name)).map((n) => n.id)
      assert.ok(hits.includes(ids[key]), `searching ${JSON.stringify(name)} finds it (got ${JSON.stringify(hits)})`)
    }
    const found = async (q: string) => (await searchAll(h, q)).map((n) => n.name)
    assert.deepEqual(await found('ünïcödé'), [VERBATIM.unicode])
    assert.deepEqual(await found('ÜNÏCÖDÉ'), [VERBATIM.unicode])
    assert.deepEqual(await found('CAFÉ'), [VERBATIM.nfc])
  } finally {
    await h.close()
  }
})
