import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startUi, uiSkipReason, pageErrors, fitsWidth, type Ui } from './ui-support.ts'

const skip = uiSkipReason()

describe('web UI: files', { skip: skip ?? false }, () => {
  let ui: Ui
  before(async () => {
    ui = await startUi()
  })
  after(async () => {
    await ui?.close()
  })

  it('uploads two files (picker and drag-and-drop) with progress, deletes one and undoes it', async () => {
    const page = await ui.page()
    await ui.signIn(page)

    // 1. the picker
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByRole('button', { name: 'Upload files' }).click()])
    await chooser.setFiles([{ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('my notes\n'.repeat(1000)) }])
    // 2. a drop on the page
    await page.evaluate(() => {
      const dt = new DataTransfer()
      dt.items.add(new File(['a'.repeat(300_000)], 'report.pdf', { type: 'application/pdf' }))
      const target = document.querySelector('section.files')!
      target.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }))
      target.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }))
    })
    const uploads = page.getByRole('region', { name: 'Uploads' })
    for (const name of ['notes.txt', 'report.pdf']) {
      const item = uploads.locator(`li[data-upload="${name}"]`)
      await item.getByTestId('upload-status').filter({ hasText: 'Uploaded' }).waitFor()
      assert.equal(await item.getByRole('progressbar').getAttribute('value'), '100')
    }
    const rows = page.locator('table.files-table tbody tr')
    await page.locator('tr[data-name="report.pdf"]').waitFor()
    assert.deepEqual(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-name'))), ['notes.txt', 'report.pdf'])
    // the server has the bytes
    const listed = await ui.api('GET', `/spaces/${ui.admin.spaceId}/folders/root/children`)
    assert.deepEqual(listed.json.items.map((n: { name: string; sizeBytes: number }) => [n.name, n.sizeBytes]), [['notes.txt', 9000], ['report.pdf', 300_000]])
    await page.getByTestId('usage-live').filter({ hasText: '302 KB' }).waitFor() // 309,000 B ≈ 302 KB: the usage bar followed
    await ui.shot(page, 'files', { publish: true })

    // sort by size, descending
    await page.getByRole('button', { name: 'Size' }).click()
    await page.getByRole('button', { name: 'Size' }).click()
    await page.locator('th[aria-sort="descending"]', { hasText: 'Size' }).waitFor()
    await page.waitForFunction(() => document.querySelector('table.files-table tbody tr')?.getAttribute('data-name') === 'report.pdf')

    // delete → toast → Undo
    await page.getByRole('button', { name: 'Delete notes.txt' }).click()
    const toast = page.locator('.toast', { hasText: '“notes.txt” moved to the recycle bin.' })
    await toast.waitFor()
    await page.locator('tr[data-name="notes.txt"]').waitFor({ state: 'detached' })
    const bin = await ui.api('GET', `/spaces/${ui.admin.spaceId}/trash`)
    assert.deepEqual(bin.json.items.map((e: { name: string }) => e.name), ['notes.txt'])
    await ui.shot(page, 'files-undo-toast')
    await toast.getByRole('button', { name: 'Undo' }).click()
    await page.locator('tr[data-name="notes.txt"]').waitFor()
    await page.locator('.toast', { hasText: 'Restored “notes.txt”.' }).waitFor()
    assert.equal((await ui.api('GET', `/spaces/${ui.admin.spaceId}/trash`)).json.total, 0, 'Undo left the entry in the bin')
    assert.deepEqual(pageErrors(page), [])
  })

  it('new folder, rename and move; breadcrumbs; usable at 360 px without sideways scrolling', async () => {
    const page = await ui.page({ width: 360, height: 780 })
    await ui.signIn(page)
    await page.getByRole('button', { name: 'New folder' }).click()
    await page.getByLabel('Folder name').fill('Projects')
    await page.getByRole('button', { name: 'Create' }).click()
    await page.locator('tr[data-name="Projects"]').waitFor()
    // a taken name is refused inline, in the dialog
    await page.getByRole('button', { name: 'New folder' }).click()
    await page.getByLabel('Folder name').fill('Projects')
    await page.getByRole('button', { name: 'Create' }).click()
    await page.getByRole('dialog').getByRole('alert').filter({ hasText: 'already exists' }).waitFor()
    await page.keyboard.press('Escape')

    await page.getByRole('button', { name: 'Rename report.pdf' }).click()
    await page.getByLabel('New name').fill('report-2026.pdf')
    await page.getByRole('button', { name: 'Rename', exact: true }).click()
    await page.locator('tr[data-name="report-2026.pdf"]').waitFor()

    await page.getByRole('button', { name: 'Move report-2026.pdf' }).click()
    const dialog = page.getByRole('dialog', { name: 'Move “report-2026.pdf”' })
    await dialog.getByRole('button', { name: /Projects/ }).click()
    await dialog.getByRole('button', { name: 'Move to “Projects”' }).click()
    await page.locator('tr[data-name="report-2026.pdf"]').waitFor({ state: 'detached' })

    await page.getByRole('link', { name: 'Projects' }).click()
    await page.locator('tr[data-name="report-2026.pdf"]').waitFor()
    const crumbs = page.getByRole('navigation', { name: 'Breadcrumb' })
    await crumbs.locator('[aria-current="page"]', { hasText: 'Projects' }).waitFor()
    assert.deepEqual(await crumbs.locator('li').allInnerTexts(), ['My files', 'Projects'])
    const fit = await fitsWidth(page)
    assert.ok(fit.ok, `the files page scrolls sideways at 360 px (${fit.scrollWidth} > ${fit.width})`)
    await ui.shot(page, 'files-mobile', { publish: true })
    await crumbs.getByRole('link', { name: 'My files' }).click()
    await page.locator('tr[data-name="Projects"]').waitFor()
    assert.deepEqual(pageErrors(page), [])
  })

  it('cancels an upload in flight (nothing is stored); works from the keyboard', async () => {
    const page = await ui.page()
    await ui.signIn(page)
    // Slow the upload link down so the upload is still running when Cancel is pressed.
    const cdp = await page.context().newCDPSession(page)
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 64 * 1024 })
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByRole('button', { name: 'Upload files' }).click()])
    await chooser.setFiles([{ name: 'big.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(4 * 1024 * 1024, 7) }])
    const item = page.locator('li[data-upload="big.bin"]')
    await item.getByTestId('upload-status').filter({ hasText: 'Uploading' }).waitFor()
    await page.waitForFunction(() => Number(document.querySelector('li[data-upload="big.bin"] progress')?.getAttribute('value')) > 0)
    await item.getByRole('button', { name: 'Cancel upload of big.bin' }).click()
    await item.getByTestId('upload-status').filter({ hasText: 'Cancelled' }).waitFor()
    const pct = Number(await item.getByRole('progressbar').getAttribute('value'))
    assert.ok(pct > 0 && pct < 100, `progress when cancelled: ${pct}%`)
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 })
    const names = async () => (await ui.api('GET', `/spaces/${ui.admin.spaceId}/folders/root/children`)).json.items.map((n: { name: string }) => n.name)
    assert.ok(!(await names()).includes('big.bin'), 'a cancelled upload was stored')

    // keyboard only: open "New folder", type, Enter; Escape closes a dialog
    await page.getByRole('button', { name: 'New folder' }).focus()
    await page.keyboard.press('Enter')
    await page.getByLabel('Folder name').waitFor()
    await page.keyboard.type('Typed')
    await page.keyboard.press('Enter')
    await page.locator('tr[data-name="Typed"]').waitFor()
    await page.getByRole('button', { name: 'Rename Typed' }).focus()
    await page.keyboard.press('Enter')
    await page.getByRole('dialog', { name: 'Rename “Typed”' }).waitFor()
    await page.keyboard.press('Escape')
    await page.getByRole('dialog').waitFor({ state: 'detached' })
    assert.ok((await names()).includes('Typed'))
    assert.deepEqual(pageErrors(page), [])
  })
})
