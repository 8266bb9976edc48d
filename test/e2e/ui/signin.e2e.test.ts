import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startUi, uiSkipReason, pageErrors, type Ui } from './ui-support.ts'

const skip = uiSkipReason()

describe('web UI: sign in and out', { skip: skip ?? false }, () => {
  let ui: Ui
  before(async () => {
    ui = await startUi()
  })
  after(async () => {
    await ui?.close()
  })

  it('refuses a wrong password inline, signs in the first-run admin, keeps the session over a reload, signs out', async () => {
    const page = await ui.page()
    await page.goto('/files')
    await page.getByRole('heading', { name: 'Sign in to Trove' }).waitFor()
    await ui.shot(page, 'signin', { publish: true })

    await page.getByLabel('User name').fill(ui.admin.userId)
    await page.getByLabel('Password').fill('not the password')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('alert').filter({ hasText: 'Wrong user name or password' }).waitFor()

    await page.getByLabel('Password').fill(ui.admin.password)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('button', { name: 'Upload files' }).waitFor()
    assert.equal(await page.getByText('admin', { exact: true }).count(), 1, 'the signed-in user name is shown')
    const cookies = await page.context().cookies()
    const session = cookies.find((c) => c.name === 'trove_session')
    assert.ok(session, 'no session cookie')
    assert.equal(session.httpOnly, true)
    assert.equal(session.sameSite, 'Lax')
    assert.equal(await page.evaluate(() => document.cookie.includes('trove_session')), false, 'scripts can read the session cookie')

    await page.reload()
    await page.getByRole('button', { name: 'Upload files' }).waitFor()
    await ui.shot(page, 'files-empty')

    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByRole('heading', { name: 'Sign in to Trove' }).waitFor()
    const r = await fetch(`${ui.url}/trove/v1/session`, { headers: { cookie: `trove_session=${session.value}` } })
    assert.equal(r.status, 401, 'the session still works after signing out')
    assert.deepEqual(pageErrors(page), [])
  })
})
