import { test } from 'node:test'
import assert from 'node:assert/strict'
import { numberedName, validateName } from './names.ts'
import { DomainError } from './errors.ts'

const rejects = (name: unknown) => assert.throws(() => validateName(name), (e: unknown) => e instanceof DomainError && e.code === 'node.invalid_name', JSON.stringify(name))

test('names that cannot be shown or addressed are refused', () => {
  for (const bad of ['', '.', '..', 'a/b', '/', 'a\u0000b', 'line\nbreak', 'tab\t', ' lead', 'trail ', 'x'.repeat(256), 'é'.repeat(128), '\ud800', 42, null]) rejects(bad)
})

test('everything else is kept verbatim, without normalisation', () => {
  for (const ok of ['a', '...', '..x', 'x'.repeat(255), 'Ünïcödé 文件 📁', 'e\u0301', '\u00e9', 'back\\slash', '100% _real_', "quote's \"name\""]) {
    assert.equal(validateName(ok), ok)
  }
})

test('numbered names keep the extension of files and not of folders', () => {
  assert.equal(numberedName('report.pdf', 1, false), 'report (1).pdf')
  assert.equal(numberedName('archive.tar.gz', 2, false), 'archive.tar (2).gz')
  assert.equal(numberedName('.env', 1, false), '.env (1)')
  assert.equal(numberedName('README', 3, false), 'README (3)')
  assert.equal(numberedName('v1.2', 1, true), 'v1.2 (1)')
})
