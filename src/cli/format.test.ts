import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { bar, ellipsize, formatBytes, formatDuration, parseWhen, relativeTime, table } from './format.ts'

describe('client output formatting', () => {
  it('sizes use binary units', () => {
    assert.equal(formatBytes(0), '0 B')
    assert.equal(formatBytes(1023), '1023 B')
    assert.equal(formatBytes(1536), '1.5 KiB')
    assert.equal(formatBytes(123 * 1024 * 1024), '123 MiB')
    assert.equal(formatBytes(5 * 1024 ** 3), '5.0 GiB')
  })

  it('relative times in the past and the future', () => {
    const now = Date.UTC(2026, 0, 31)
    assert.equal(relativeTime(now - 10_000, now), 'just now')
    assert.equal(relativeTime(now - 5 * 60_000, now), '5 min ago')
    assert.equal(relativeTime(now - 3 * 3_600_000, now), '3 h ago')
    assert.equal(relativeTime(now + 29 * 86_400_000, now), 'in 29 days')
    assert.equal(relativeTime(new Date(now - 2 * 86_400_000).toISOString(), now), '2 days ago')
    assert.equal(relativeTime(now - 400 * 86_400_000, now), '2024-12-27')
    assert.equal(relativeTime(null, now), '-')
  })

  it('tables align columns, numbers to the right', () => {
    const out = table([{ header: 'NAME' }, { header: 'SIZE', right: true }, { header: 'NOTE' }], [['a.txt', '1 B', 'x'], ['longer-name', '10.0 KiB', '']])
    assert.equal(out, ['NAME             SIZE  NOTE', 'a.txt             1 B  x', 'longer-name  10.0 KiB'].join('\n'))
  })

  it('bars, durations, names and ages', () => {
    assert.equal(bar(0.5, 10), '[#####-----]')
    assert.equal(bar(2, 4), '[####]')
    assert.equal(formatDuration(65), '1m05s')
    assert.equal(ellipsize('abcdefghij', 5), '…ghij')
    const now = Date.UTC(2026, 0, 31)
    assert.equal(parseWhen('2d', now), new Date(now - 2 * 86_400_000).toISOString())
    assert.equal(parseWhen('2026-01-02T00:00:00Z', now), '2026-01-02T00:00:00.000Z')
    assert.throws(() => parseWhen('yesterday-ish', now), /not a date/)
  })
})
