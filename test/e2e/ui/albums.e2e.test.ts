import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import sharp from 'sharp'
import { startUi, uiSkipReason, pageErrors, type Ui } from './ui-support.ts'

const skip = uiSkipReason()

describe('web UI: albums', { skip: skip ?? false }, () => {
  let ui: Ui
  let S: string
  const image = (r: number, g: number, b: number) => sharp({ create: { width: 480, height: 320, channels: 3, background: { r, g, b } } }).png().toBuffer()
  const put = async (name: string, content: Buffer) =>
    (await ui.api('PUT', `/spaces/${S}/files?parentId=root&name=${encodeURIComponent(name)}`, content, { 'content-type': 'image/png' })).json.id as string

  before(async () => {
    ui = await startUi()
    S = ui.admin.spaceId
  })
  after(async () => {
    await ui?.close()
  })

  it('creates an album, adds photos from files (thumbnails), removes one (the file stays); trashed photos leave and come back', async () => {
    const beach = await put('beach.png', await image(30, 140, 220))
    const sunset = await put('sunset.png', await image(240, 120, 40))
    await ui.api('PUT', `/spaces/${S}/files?parentId=root&name=readme.txt`, Buffer.from('not a photo'), { 'content-type': 'text/plain' })

    const page = await ui.page()
    await ui.signIn(page)
    await page.getByRole('link', { name: 'Albums' }).click()
    await page.getByText('No albums yet.').waitFor()
    await page.getByRole('button', { name: 'New album' }).click()
    await page.getByLabel('Album name').fill('Holiday')
    await page.getByRole('button', { name: 'Create' }).click()
    await page.getByRole('heading', { name: /Holiday/ }).waitFor()
    await page.getByText('This album is empty.').waitFor()

    await page.getByRole('button', { name: 'Add from files' }).click()
    const dialog = page.getByRole('dialog', { name: 'Add photos to “Holiday”' })
    await dialog.getByRole('checkbox', { name: 'beach.png' }).check()
    await dialog.getByRole('checkbox', { name: 'sunset.png' }).check()
    assert.equal(await dialog.getByText('readme.txt').count(), 0, 'a non-image is offered')
    await dialog.getByRole('button', { name: 'Add 2 photos' }).click()
    await page.locator('.toast', { hasText: 'Added 2 photos.' }).waitFor()
    const photos = page.getByRole('list', { name: 'Photos' }).locator('li')
    await page.waitForFunction(() => document.querySelectorAll('ul[aria-label="Photos"] li').length === 2)
    // thumbnails really load (made by the server with sharp)
    await page.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('ul[aria-label="Photos"] img')].every((img) => img.complete && img.naturalWidth === 256))
    await ui.shot(page, 'album', { publish: true })

    await page.getByRole('button', { name: 'Remove beach.png from the album' }).click()
    await page.waitForFunction(() => document.querySelectorAll('ul[aria-label="Photos"] li').length === 1)
    assert.equal(await photos.first().getAttribute('data-photo'), 'sunset.png')
    assert.equal((await ui.api('GET', `/spaces/${S}/nodes/${beach}`)).status, 200, 'removing from the album touched the file')

    // a trashed photo disappears from the album and comes back on restore
    const { json } = await ui.api('DELETE', `/spaces/${S}/nodes/${sunset}`)
    await page.reload()
    await page.getByText('This album is empty.').waitFor()
    await ui.api('POST', `/spaces/${S}/trash/${json.entry.id}/restore`, {})
    await page.reload()
    await page.locator('li[data-photo="sunset.png"]').waitFor()

    await page.getByRole('link', { name: 'Albums' }).first().click()
    const tile = page.getByRole('list', { name: 'Albums' }).locator('li', { hasText: 'Holiday' })
    await tile.getByText('1 photo').waitFor()
    await page.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('ul[aria-label="Albums"] img')].every((img) => img.complete && img.naturalWidth > 0))
    await ui.shot(page, 'albums', { publish: true })
    assert.deepEqual(pageErrors(page), [])
  })

  it('space page: usage with live and in-bin bytes; an admin sets retention and hold', async () => {
    const page = await ui.page()
    await ui.signIn(page)
    await page.getByRole('link', { name: 'Space', exact: true }).click()
    await page.getByRole('heading', { name: 'Storage' }).waitFor()
    const usage = (await ui.api('GET', `/spaces/${S}/usage`)).json
    assert.ok(usage.liveBytes > 0)
    const main = page.locator('main')
    const kb = usage.liveBytes / 1024
    await main.getByTestId('usage-live').filter({ hasText: `${kb < 10 ? kb.toFixed(1) : Math.round(kb)} KB` }).waitFor()
    await main.getByTestId('usage-bin').filter({ hasText: '0 B' }).waitFor()
    await page.getByLabel('Keep removed items for (days)').fill('45')
    await page.getByLabel(/^Hold/).check()
    await page.getByRole('button', { name: 'Save' }).click()
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor()
    const space = (await ui.api('GET', `/spaces/${S}`)).json
    assert.equal(space.retentionDays, 45)
    assert.equal(space.hold, true)
    await ui.shot(page, 'space', { publish: true })
    await page.getByLabel('Keep removed items for (days)').fill('0')
    await page.getByRole('button', { name: 'Save' }).click()
    await page.getByRole('alert').filter({ hasText: 'from 1 to 3650' }).waitFor()
    await page.getByRole('link', { name: 'Recycle bin' }).click()
    await page.getByText('Items stay here for 45 days after they are removed; this space is on hold').waitFor()
    assert.deepEqual(pageErrors(page), [])
  })
})
