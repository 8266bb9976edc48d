import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startUi, uiSkipReason, pageErrors, fitsWidth, type Ui } from './ui-support.ts'

const skip = uiSkipReason()

describe('web UI: recycle bin', { skip: skip ?? false }, () => {
  let ui: Ui
  let S: string
  const mkdir = async (name: string, parentId = 'root') => (await ui.api('POST', `/spaces/${S}/folders`, { parentId, name })).json.id as string
  const put = async (name: string, content: string, parentId = 'root') => (await ui.api('PUT', `/spaces/${S}/files?parentId=${parentId}&name=${encodeURIComponent(name)}`, Buffer.from(content))).json.id as string
  const trash = async (id: string) => assert.equal((await ui.api('DELETE', `/spaces/${S}/nodes/${id}`)).status, 201)

  before(async () => {
    ui = await startUi()
    S = ui.admin.spaceId
  })
  after(async () => {
    await ui?.close()
  })

  it('deletes a folder, finds it in the bin, restores it into a taken name with rename; "Show where it was"', async () => {
    const reports = await mkdir('Reports')
    await put('q1.txt', 'first quarter', reports)
    const archive = await mkdir('Archive')
    await trash(await put('old.txt', 'old', archive))

    const page = await ui.page()
    await ui.signIn(page)
    await page.getByRole('button', { name: 'Delete Reports' }).click()
    await page.locator('.toast', { hasText: '“Reports” moved to the recycle bin.' }).waitFor()
    await page.locator('tr[data-name="Reports"]').waitFor({ state: 'detached' })
    // the name is free again, and someone takes it
    await page.getByRole('button', { name: 'New folder' }).click()
    await page.getByLabel('Folder name').fill('Reports')
    await page.getByRole('button', { name: 'Create' }).click()
    await page.locator('tr[data-name="Reports"]').waitFor()

    await page.getByRole('link', { name: 'Recycle bin' }).click()
    await page.getByRole('heading', { name: 'Recycle bin' }).waitFor()
    await page.locator('tr[data-entry="old.txt"]').waitFor()
    await page.getByLabel('Search by name').fill('repo')
    await page.locator('tr[data-entry="old.txt"]').waitFor({ state: 'detached' })
    const row = page.locator('tr[data-entry="Reports"]')
    await row.waitFor()
    assert.match(await row.innerText(), /\(1 item inside\)/)
    await ui.shot(page, 'bin-search')

    await row.getByRole('button', { name: 'Restore Reports' }).click()
    const dialog = page.getByRole('dialog', { name: 'Restore 1 item' })
    await dialog.getByText('cannot go back under the same name').waitFor()
    await dialog.getByText('Keep both').waitFor()
    assert.equal(await dialog.getByRole('radio', { name: /Keep both/ }).isChecked(), true)
    await ui.shot(page, 'bin-restore-dialog', { publish: true })
    await dialog.getByRole('button', { name: 'Restore' }).click()
    await page.getByRole('status').filter({ hasText: 'Restored 1 item (1 under a new name).' }).waitFor()
    await page.locator('tr[data-entry="Reports"]').waitFor({ state: 'detached' })

    await page.getByRole('link', { name: 'Files' }).click()
    await page.locator('tr[data-name="Reports (1)"]').waitFor()
    await page.locator('tr[data-name="Reports"]').waitFor()
    await page.getByRole('link', { name: 'Reports (1)' }).click()
    await page.locator('tr[data-name="q1.txt"]').waitFor()

    // "Show where it was" opens the original folder
    await page.getByRole('link', { name: 'Recycle bin' }).click()
    await page.getByRole('button', { name: 'Show where old.txt was' }).click()
    await page.waitForURL(`**/files/${archive}`)
    await page.getByRole('navigation', { name: 'Breadcrumb' }).getByText('Archive').waitFor()
    assert.deepEqual(pageErrors(page), [])
  })

  it('sorts by every column, pages by cursor, selects all matching, deletes with a confirmation naming count and size, empties with progress to 100%', async () => {
    const ids: string[] = []
    for (let i = 0; i < 55; i++) ids.push(await put(`bulk-${String(i).padStart(2, '0')}.log`, 'x'.repeat(1000 + i)))
    for (const id of ids) await trash(id)

    const page = await ui.page()
    await ui.signIn(page)
    await page.goto('/bin')
    const rows = page.locator('table.bin-table tbody tr')
    await page.getByRole('navigation', { name: 'Pages' }).getByText(/^1–50 of 5\d$/).waitFor()
    const total = Number((await page.getByRole('navigation', { name: 'Pages' }).innerText()).match(/of (\d+)/)![1])
    assert.ok(total >= 55)

    for (const label of ['Name', 'Original location', 'Size', 'Removed', 'Removed by', 'Days left']) {
      const header = page.locator('th', { has: page.getByRole('button', { name: label, exact: true }) })
      await header.getByRole('button').click()
      await page.locator(`th[aria-sort="ascending"]`, { hasText: label }).waitFor()
      await header.getByRole('button').click()
      await page.locator(`th[aria-sort="descending"]`, { hasText: label }).waitFor()
      await rows.first().waitFor()
      assert.equal(await page.locator('.error').count(), 0, `sorting by ${label} failed`)
    }
    // Name, ascending: the first rows are the bulk files in order
    await page.getByRole('button', { name: 'Name', exact: true }).click()
    await page.locator('th[aria-sort="ascending"]', { hasText: 'Name' }).waitFor()
    await page.waitForFunction(() => document.querySelector('table.bin-table tbody tr')?.getAttribute('data-entry') === 'bulk-00.log')
    assert.deepEqual((await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-entry')))).slice(0, 3), ['bulk-00.log', 'bulk-01.log', 'bulk-02.log'])
    await page.getByRole('button', { name: 'Next' }).click()
    await page.getByRole('navigation', { name: 'Pages' }).getByText(`51–${total} of ${total}`).waitFor()
    await page.getByRole('button', { name: 'Previous' }).click()
    await page.getByRole('navigation', { name: 'Pages' }).getByText(`1–50 of ${total}`).waitFor()
    await ui.shot(page, 'bin', { publish: true })

    // select the page, then everything matching a search
    await page.getByLabel('Search by name').fill('bulk')
    await page.getByRole('navigation', { name: 'Pages' }).getByText('1–50 of 55').waitFor()
    await page.getByLabel('Select all items on this page').check()
    await page.getByRole('button', { name: 'Select all 55 matching items' }).click()
    await page.getByRole('region', { name: 'Selection' }).getByText('55 items').waitFor()
    await page.getByRole('region', { name: 'Selection' }).getByRole('button', { name: 'Delete permanently' }).click()
    const confirm = page.getByRole('dialog', { name: 'Delete permanently?' })
    const bytes = ids.reduce((s, _id, i) => s + 1000 + i, 0) // 56,485 B ≈ 55 KB
    await confirm.getByText(`55 items (${Math.round(bytes / 1024)} KB) will be deleted for good`).waitFor()
    await confirm.getByRole('button', { name: 'Cancel' }).click()
    // one row, deleted for real
    await page.getByRole('button', { name: 'Clear selection' }).click()
    await page.getByLabel('Select bulk-00.log').check()
    await page.getByRole('region', { name: 'Selection' }).getByRole('button', { name: 'Delete permanently' }).click()
    await page.getByRole('dialog', { name: 'Delete permanently?' }).getByText('1 item (1000 B) will be deleted for good').waitFor()
    await page.getByRole('button', { name: 'Delete 1 item' }).click()
    await page.locator('tr[data-entry="bulk-00.log"]').waitFor({ state: 'detached' })
    await page.getByRole('navigation', { name: 'Pages' }).getByText('1–50 of 54').waitFor()
    await page.getByRole('button', { name: 'Clear filters' }).click()

    // Empty bin
    const left = (await ui.api('GET', `/spaces/${S}/trash`)).json.total as number
    await page.getByRole('button', { name: 'Empty bin' }).click()
    const empty = page.getByRole('dialog', { name: 'Empty the recycle bin?' })
    await empty.getByText(`All ${left} items (`).waitFor()
    await empty.getByRole('button', { name: 'Empty bin' }).click()
    const progress = page.getByTestId('empty-progress')
    await progress.waitFor()
    await page.locator('[data-testid="empty-progress"][data-state="Succeed"]').waitFor({ timeout: 20_000 })
    assert.equal(await progress.getByTestId('progress-pct').innerText(), '100%')
    assert.match(await progress.innerText(), new RegExp(`${left} items deleted of ${left}`))
    await page.getByText('The recycle bin is empty.').waitFor()
    await ui.shot(page, 'bin-emptied', { publish: true })
    assert.equal((await ui.api('GET', `/spaces/${S}/trash`)).json.total, 0)

    // the tasks tray reads tasks from the server: after a reload it still shows the finished purge
    await page.reload()
    const tray = page.getByRole('complementary', { name: 'Background tasks' })
    await tray.getByText('Deleting permanently — Done').first().waitFor()
    assert.equal(await tray.getByTestId('progress-pct').first().innerText(), '100%')

    // 360 px: the bin fits without sideways scrolling
    await page.setViewportSize({ width: 360, height: 780 })
    await trash(await put('phone.txt', 'p'))
    await page.reload()
    await page.locator('tr[data-entry="phone.txt"]').waitFor()
    const fit = await fitsWidth(page)
    assert.ok(fit.ok, `the bin scrolls sideways at 360 px (${fit.scrollWidth} > ${fit.width})`)
    await ui.shot(page, 'bin-mobile')
    assert.deepEqual(pageErrors(page), [])
  })
})
