// The end-to-end flows of the web pages, in order: each step may rely on
// what the steps before it did (accounts, the announcement, the resource).
// Run by tests/browser/run.sh, which starts the server and sets PREAU_URL,
// PREAU_BIN and the PREAU_* variables the CLI needs.
//
// Accounts: `admin` (made on /setup, instance admin), `directrice`
// (director of ecole-preau, publishes and shares) and `enseignant`
// (teacher of ecole-preau, reads, acknowledges, downloads), both made
// through the API with a token from the CLI.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
    BASE, api, assert, assertEqual, check, cli, goto, newUser, path, pathname, run, step, submit, t,
} from './lib.mjs';

const ORG = 'ecole-preau';
const PASSWORDS = {
    admin: 'admin du préau 2026',
    directrice: 'directrice du préau 2026',
    enseignant: 'enseignant du préau 2026',
};
const NEW_TEACHER_PASSWORD = 'un tout nouveau mot de passe';
const TITLE = 'Sortie au musée le 12 décembre';
const EDITED_TITLE = 'Sortie au musée le 14 décembre';
const BODY = 'Rendez-vous **à 8 h 30** devant l’école.\n\n- pique-nique\n- bottes';
const ATTACHMENT = {
    name: 'autorisation-sortie.pdf',
    mimeType: 'application/pdf',
    buffer: Buffer.concat([Buffer.from('%PDF-1.4\n% autorisation\n'), randomBytes(3000)]),
};
const RESOURCE_TITLE = 'Fractions au cycle 3 : fiches d’exercices';
const RESOURCE_FILE = {
    name: 'fractions-cycle-3.pdf',
    mimeType: 'application/pdf',
    buffer: Buffer.concat([Buffer.from('%PDF-1.4\n% fractions\n'), randomBytes(20000)]),
};

// Filled in as the flows go.
let adminPage; // signed in as admin since /setup
let directrice; // page signed in as directrice
let enseignant; // page signed in as enseignant
let token; // the admin's API token
let announcementKey;
let resourcePath;

// ---------------------------------------------------------------- helpers

async function signIn(page, username, password, { next } = {}) {
    await goto(page, next ? `/login?next=${encodeURIComponent(next)}` : '/login');
    return submit(page, 'form[action="/login"]', { username, password });
}

async function text(page, selector) {
    const el = page.locator(selector);
    assert((await el.count()) > 0, `${path(page)}: no ${selector}`);
    return (await el.first().innerText()).trim();
}

/** The page's alert, if any, to explain a refused form. */
async function alertOf(page) {
    const alert = page.locator('[role=alert]');
    return (await alert.count()) ? ` (alert: ${(await alert.first().innerText()).trim()})` : '';
}

async function h1(page) {
    return text(page, 'h1');
}

/** Picks the first option with a value when a select has none chosen. */
async function firstOption(page, selector) {
    const select = page.locator(selector);
    assert((await select.count()) > 0, `${path(page)}: no ${selector}`);
    const current = await select.first().inputValue();
    if (current) return current;
    const values = await select.first().locator('option').evaluateAll((os) => os.map((o) => o.value).filter(Boolean));
    assert(values.length > 0, `${path(page)}: ${selector} has no option`);
    return values[0];
}

/** Timeline article whose title link is `title`, or null. */
async function timelineItem(page, title) {
    const items = page.locator('article.announcement', { has: page.locator('h2 > a[href^="/announcements/"]', { hasText: title }) });
    return (await items.count()) ? items.first() : null;
}

function readerRow(page) {
    return page.locator('table tr', { hasText: /enseignant/i });
}

// The pages' forms can't post an empty required field from a browser; the
// server must still refuse it: drop the browser-side check.
async function noBrowserValidation(page, formSelector) {
    await page.locator(formSelector).evaluate((form) => { form.noValidate = true; });
}

// ---------------------------------------------------------------- smoke

step('smoke: /orgs/ecole-preau renders as a page for a browser', async () => {
    const page = await newUser();
    await goto(page, `/orgs/${ORG}`);
    assert((await h1(page)).includes('École du Préau'), `h1 is not the organisation's name: ${await h1(page)}`);
    await check(page, 'organisation');
    await page.context().close();
});

// ---------------------------------------------------------------- first run

step('setup: / leads to /setup while no account exists, which only says where its link is', async () => {
    adminPage = await newUser();
    await goto(adminPage, '/', { status: 403 });
    assertEqual(pathname(adminPage), '/setup', 'GET / ended at');
    assertEqual(await adminPage.locator('input[name=password]').count(), 0, 'a form without the code');
    assert((await text(adminPage, 'main')).includes(t('fr', 'account.setup_locked')), 'no word of the link');
    await check(adminPage, 'setup-locked');
});

step('setup: the link of the server\'s log opens the form', async () => {
    // The same link as the log's (run.sh checks that the log has one).
    const link = new URL(cli(['admin', 'setup-link']));
    await goto(adminPage, link.pathname + link.search);
    assert((await adminPage.locator('form[action="/setup"] input[name=password]').count()) === 1, 'no form');
    await check(adminPage, 'setup');
});

step('setup: different passwords are refused, with an alert, values kept', async () => {
    const response = await submit(adminPage, 'form[action="/setup"]', {
        username: 'admin', display_name: 'Alice Admin',
        password: PASSWORDS.admin, password_confirm: `${PASSWORDS.admin} oops`,
    });
    assert(response.status() >= 400 && response.status() < 500, `POST /setup with different passwords: status ${response.status()}`);
    const alert = await text(adminPage, '[role=alert]');
    assert(alert.includes(t('fr', 'account.passwords_differ')), `alert says: ${alert}`);
    assertEqual(await adminPage.inputValue('form[action="/setup"] [name=username]'), 'admin', 'username kept');
    await check(adminPage, 'setup-error');
});

step('setup: the first admin is created and signed in, on /admin', async () => {
    await submit(adminPage, 'form[action="/setup"]', {
        username: 'admin', display_name: 'Alice Admin',
        password: PASSWORDS.admin, password_confirm: PASSWORDS.admin,
    }, { status: 200 });
    assertEqual(pathname(adminPage), '/admin', 'after /setup, landed on');
    assert((await adminPage.locator('form[action="/logout"]').count()) === 1, 'no sign-out form in the header: not signed in?');
    await check(adminPage, 'admin');
});

step('setup: /setup is closed once an account exists (to /login)', async () => {
    const page = await newUser();
    await goto(page, '/setup');
    assertEqual(pathname(page), '/login', 'GET /setup ended at');
    await page.context().close();
});

step('seed: directrice and enseignant (API), members of ecole-preau (CLI)', async () => {
    token = cli(['admin', 'token', '--username', 'admin']);
    for (const [username, display_name] of [['directrice', 'Danielle Directrice'], ['enseignant', 'Thomas Enseignant']]) {
        const { status, body } = await api('POST', '/api/v1/accounts', token, { username, display_name, password: PASSWORDS[username] });
        assertEqual(status, 201, `POST /api/v1/accounts ${username} (${JSON.stringify(body)})`);
    }
    cli(['admin', 'add-member', '--username', 'directrice', '--org', ORG, '--role', 'director']);
    cli(['admin', 'add-member', '--username', 'enseignant', '--org', ORG, '--role', 'teacher']);
});

// ---------------------------------------------------------------- sign in

step('login: a wrong password gives 401, an alert, the username kept', async () => {
    directrice = await newUser();
    await goto(directrice, '/');
    assertEqual(pathname(directrice), '/login', 'GET / signed out ended at');
    await check(directrice, 'login');
    await submit(directrice, 'form[action="/login"]', { username: 'directrice', password: 'pas le bon' }, { status: 401 });
    const alert = await text(directrice, '[role=alert]');
    assert(alert.includes(t('fr', 'account.bad_credentials')), `alert says: ${alert}`);
    assertEqual(await directrice.inputValue('form[action="/login"] [name=username]'), 'directrice', 'username kept');
    await check(directrice, 'login-error');
});

step('login: the right password leads to the timeline', async () => {
    await submit(directrice, 'form[action="/login"]', { username: 'directrice', password: PASSWORDS.directrice }, { status: 200 });
    assertEqual(pathname(directrice), '/timeline', 'after sign-in, landed on');
    assert((await directrice.locator('form[action="/logout"]').count()) === 1, 'no sign-out form in the header');
});

step('login: a page that needs an account sends to /login?next= and back', async () => {
    enseignant = await newUser();
    await goto(enseignant, '/account');
    assertEqual(path(enseignant), `/login?next=${encodeURIComponent('/account')}`, 'GET /account signed out ended at');
    assertEqual(await enseignant.inputValue('form[action="/login"] [name=next]'), '/account', 'hidden next');
    await submit(enseignant, 'form[action="/login"]', { username: 'enseignant', password: PASSWORDS.enseignant }, { status: 200 });
    assertEqual(pathname(enseignant), '/account', 'after sign-in with next=/account, landed on');
});

// ---------------------------------------------------------------- publish

step('publish: the form renders; a missing title gives 422, an alert, values kept', async () => {
    await goto(directrice, '/publish');
    await check(directrice, 'publish');
    await noBrowserValidation(directrice, 'form[action="/publish"]');
    await submit(directrice, 'form[action="/publish"]', {
        organisation: ORG, title: '', body: BODY,
    }, { button: 'button[name=action][value=publish]', status: 422 });
    assert((await directrice.locator('[role=alert]').count()) > 0, 'no [role=alert] on the refused form');
    assertEqual(await directrice.inputValue('form[action="/publish"] [name=body]'), BODY, 'body kept');
    await check(directrice, 'publish-error');
});

step('publish: preview shows the rendered text without publishing', async () => {
    await goto(directrice, '/publish');
    await submit(directrice, 'form[action="/publish"]', {
        organisation: ORG, title: TITLE, body: BODY,
        category: await firstOption(directrice, 'form[action="/publish"] select[name=category]'),
    }, { button: 'button[name=action][value=preview]', status: 200 });
    assert((await directrice.locator('strong', { hasText: 'à 8 h 30' }).count()) > 0, 'preview: no <strong>à 8 h 30</strong> (Markdown not rendered?)');
    assertEqual(await directrice.inputValue('form[action="/publish"] [name=title]'), TITLE, 'title kept in the previewed form');
    await check(directrice, 'publish-preview');
    const teacherToken = cli(['admin', 'token', '--username', 'enseignant']);
    const { status, body } = await api('GET', '/api/v1/timeline', teacherToken);
    assertEqual(status, 200, 'GET /api/v1/timeline');
    assert(!JSON.stringify(body).includes(TITLE), 'the preview published the announcement');
});

step('publish: with acknowledgement and an attachment, lands on the announcement', async () => {
    await goto(directrice, '/publish');
    await submit(directrice, 'form[action="/publish"]', {
        organisation: ORG, title: TITLE, body: BODY,
        summary: 'Sortie de toutes les classes au musée.',
        category: await firstOption(directrice, 'form[action="/publish"] select[name=category]'),
        public: true, ack_requested: true,
        attachments: [ATTACHMENT],
    }, { button: 'button[name=action][value=publish]', status: 200 });
    const match = pathname(directrice).match(/^\/announcements\/([^/]+)$/);
    assert(match, `after publishing, landed on ${path(directrice)}, not /announcements/{key}`);
    announcementKey = match[1];
    assertEqual(await h1(directrice), TITLE, 'h1');
    for (const sel of [`a[href="/announcements/${announcementKey}/reads"]`, `a[href="/announcements/${announcementKey}/edit"]`,
        `form[action="/announcements/${announcementKey}/delete"]`]) {
        assert((await directrice.locator(sel).count()) === 1, `the publisher does not see ${sel}`);
    }
    await check(directrice, 'announcement-publisher');
});

step('reads: before any read, the teacher is listed as not read', async () => {
    await goto(directrice, `/announcements/${announcementKey}/reads`);
    const row = readerRow(directrice);
    assert((await row.count()) === 1, 'no row for enseignant in the readers table');
    assert((await row.innerText()).includes(t('fr', 'announcements.not_read')),
        `row of enseignant does not say "${t('fr', 'announcements.not_read')}": ${await row.innerText()}`);
    await check(directrice, 'reads-before');
});

step('organisation page: a visitor sees the public announcement', async () => {
    const page = await newUser();
    await goto(page, `/orgs/${ORG}`);
    const link = page.locator(`main a[href$="/announcements/${announcementKey}"]`);
    assert((await link.count()) > 0, `no link to the public announcement on /orgs/${ORG}`);
    assert((await link.first().innerText()).includes(TITLE), `link text: ${await link.first().innerText()}`);
    await check(page, 'organisation-public');
    await page.context().close();
});

// ---------------------------------------------------------------- read and acknowledge

step('timeline: the teacher sees the announcement, unread, also with the filters', async () => {
    await goto(enseignant, '/');
    assertEqual(pathname(enseignant), '/timeline', 'GET / signed in ended at');
    const item = await timelineItem(enseignant, TITLE);
    assert(item, `the teacher's timeline has no article.announcement titled "${TITLE}"`);
    assert((await item.getAttribute('class')).split(/\s+/).includes('unread'), 'the article is not marked unread');
    await check(enseignant, 'timeline');
    // The organisation filter's values are actor ids: choose it by its name.
    await submit(enseignant, 'form[action="/timeline"]', { organisation: { label: 'École du Préau' }, unread: true }, { status: 200 });
    assert(new URL(enseignant.url()).searchParams.has('unread'), `filter form did not GET with unread: ${path(enseignant)}`);
    assert(await timelineItem(enseignant, TITLE), 'filtered on unread + organisation: the announcement is missing');
    await check(enseignant, 'timeline-filtered');
});

step('read: the teacher opens it, downloads the attachment and acknowledges', async () => {
    const link = enseignant.locator('article.announcement h2 > a', { hasText: TITLE });
    await Promise.all([enseignant.waitForNavigation(), link.first().click()]);
    assertEqual(pathname(enseignant), `/announcements/${announcementKey}`, 'the title link leads to');
    assertEqual(await h1(enseignant), TITLE, 'h1');
    assert((await enseignant.locator('main strong', { hasText: 'à 8 h 30' }).count()) > 0, 'body: Markdown not rendered');
    assert((await enseignant.locator(`a[href="/announcements/${announcementKey}/edit"]`).count()) === 0, 'a teacher sees the edit link');
    const file = enseignant.locator('a[href*="/files/"]', { hasText: ATTACHMENT.name });
    assert((await file.count()) > 0, `no link to the attachment ${ATTACHMENT.name}`);
    const got = await enseignant.request.get(new URL(await file.first().getAttribute('href'), BASE).href);
    assertEqual(got.status(), 200, 'attachment download status');
    assert(Buffer.compare(await got.body(), ATTACHMENT.buffer) === 0, 'the attachment downloaded differs from the uploaded bytes');
    await check(enseignant, 'announcement');
    await submit(enseignant, `form[action="/announcements/${announcementKey}/read"]`, {}, { status: 200 });
    assertEqual(await enseignant.locator(`form[action="/announcements/${announcementKey}/read"]`).count(), 0,
        'the acknowledge form is still there after acknowledging');
    await check(enseignant, 'announcement-read');
});

step('timeline: once read, the announcement is no longer unread', async () => {
    await goto(enseignant, '/timeline?unread=on');
    assert(!(await timelineItem(enseignant, TITLE)), 'still listed with the unread filter after acknowledging');
    await goto(enseignant, '/timeline');
    const item = await timelineItem(enseignant, TITLE);
    assert(item, 'gone from the unfiltered timeline');
    assert(!(await item.getAttribute('class')).split(/\s+/).includes('unread'), 'still marked unread');
});

step('reads: the publisher sees the teacher as read', async () => {
    await goto(directrice, `/announcements/${announcementKey}/reads`);
    const row = readerRow(directrice);
    assert((await row.count()) === 1, 'no row for enseignant in the readers table');
    const line = await row.innerText();
    assert(!line.includes(t('fr', 'announcements.not_read')), `enseignant is still "not read": ${line}`);
    assert(/\d/.test(line), `enseignant's row has no read date: ${line}`);
    assert((await directrice.locator(`form[action="/announcements/${announcementKey}/remind"]`).count()) === 1, 'no remind form');
    await check(directrice, 'reads');
});

step('reads: the publisher reminds those who have not read', async () => {
    await submit(directrice, `form[action="/announcements/${announcementKey}/remind"]`, {}, { status: 200 });
    assert((await directrice.locator('main').innerText()).includes(t('fr', 'announcements.reminded')),
        `no "${t('fr', 'announcements.reminded')}" after reminding${await alertOf(directrice)}`);
});

step('edit: the publisher changes the title; the teacher sees the new one', async () => {
    await goto(directrice, `/announcements/${announcementKey}`);
    await Promise.all([directrice.waitForNavigation(), directrice.locator(`a[href="/announcements/${announcementKey}/edit"]`).click()]);
    const form = `form[action="/announcements/${announcementKey}/edit"]`;
    assertEqual(await directrice.inputValue(`${form} [name=title]`), TITLE, 'title in the edit form');
    await check(directrice, 'announcement-edit');
    await submit(directrice, form, { title: EDITED_TITLE }, { button: 'button[name=action][value=publish]', status: 200 });
    assertEqual(pathname(directrice), `/announcements/${announcementKey}`, 'after saving, landed on');
    assertEqual(await h1(directrice), EDITED_TITLE, 'h1 after editing');
    await goto(enseignant, '/timeline');
    assert(await timelineItem(enseignant, EDITED_TITLE), 'the teacher\'s timeline does not show the new title');
});

// ---------------------------------------------------------------- directory

step('directory: words find an imported school; commune filters', async () => {
    await goto(enseignant, '/directory');
    await check(enseignant, 'directory');
    await submit(enseignant, 'form[action="/directory"]', { q: 'Jules Verne' }, { status: 200 });
    assertEqual(new URL(enseignant.url()).searchParams.get('q'), 'Jules Verne', 'q in the URL');
    const names = await enseignant.locator('ul.results > li a').allInnerTexts();
    assert(names.some((n) => n.includes('École maternelle Jules Verne')), `results for "Jules Verne": ${JSON.stringify(names)}`);
    assert(!names.some((n) => n.includes('Paul Bert')), `"Paul Bert" found for "Jules Verne": ${JSON.stringify(names)}`);
    await check(enseignant, 'directory-results');
    await goto(enseignant, '/directory');
    await submit(enseignant, 'form[action="/directory"]', { commune: 'Rezé' }, { status: 200 });
    const rezé = await enseignant.locator('ul.results > li a').allInnerTexts();
    assert(rezé.some((n) => n.includes('Jean Jaurès')), `commune Rezé: no Jean Jaurès in ${JSON.stringify(rezé)}`);
    assert(!rezé.some((n) => n.includes('Jules Verne')), `commune Rezé: Jules Verne (Nantes) listed: ${JSON.stringify(rezé)}`);
});

step('directory: an organisation page, followed then unfollowed', async () => {
    await goto(enseignant, '/directory?q=Jean+Jaur%C3%A8s');
    const link = enseignant.locator('ul.results > li a', { hasText: 'École élémentaire Jean Jaurès' });
    assert((await link.count()) > 0, 'no result École élémentaire Jean Jaurès');
    await Promise.all([enseignant.waitForNavigation(), link.first().click()]);
    assert(pathname(enseignant).startsWith('/directory/organisations/'), `result leads to ${path(enseignant)}`);
    assert((await h1(enseignant)).includes('Jean Jaurès'), 'h1');
    await check(enseignant, 'directory-organisation');
    await submit(enseignant, 'form[action="/follows"]', {}, { status: 200 });
    assert((await enseignant.locator('form[action="/follows/delete"]').count()) === 1, 'after following: no unfollow form');
    await check(enseignant, 'directory-organisation-followed');
    await submit(enseignant, 'form[action="/follows/delete"]', {}, { status: 200 });
    assert((await enseignant.locator('form[action="/follows"]').count()) === 1, 'after unfollowing: no follow form');
});

step('directory: the members of ecole-preau show with their roles', async () => {
    await goto(enseignant, `/directory/organisations/${ORG}`);
    const main = await text(enseignant, 'main');
    assert(main.includes('Danielle Directrice'), 'member Danielle Directrice not listed');
    assert(main.includes(t('fr', 'role.director')), `role "${t('fr', 'role.director')}" not shown`);
    await check(enseignant, 'directory-organisation-members');
});

step('directory: people search finds directrice, and her page', async () => {
    await goto(enseignant, '/directory/people');
    await check(enseignant, 'directory-people');
    await submit(enseignant, 'form[action="/directory/people"]', { q: 'Danielle' }, { status: 200 });
    const link = enseignant.locator('ul.results > li a[href="/directory/people/directrice"]');
    assert((await link.count()) === 1, `no result linking /directory/people/directrice (${await enseignant.locator('ul.results').allInnerTexts()})`);
    await Promise.all([enseignant.waitForNavigation(), link.click()]);
    assert((await h1(enseignant)).includes('Danielle Directrice'), 'person page h1');
    await check(enseignant, 'directory-person');
});

// ---------------------------------------------------------------- resources

step('resources: directrice shares a resource with a file', async () => {
    await goto(directrice, '/resources/new');
    await check(directrice, 'resource-new');
    const form = 'form[action="/resources/new"]';
    const firstLevel = await directrice.locator(`${form} input[type=checkbox][name=levels]`).first().getAttribute('value');
    await submit(directrice, form, {
        organisation: ORG, title: RESOURCE_TITLE,
        description: 'Dix fiches progressives sur les fractions.',
        licence: await firstOption(directrice, `${form} select[name=licence]`),
        levels: [firstLevel], subjects: 'mathématiques', tags: 'fractions, calcul',
        files: [RESOURCE_FILE],
    }, { status: 200 });
    assert(/^\/resources\/[^/]+$/.test(pathname(directrice)) && pathname(directrice) !== '/resources/new',
        `after sharing, landed on ${path(directrice)}`);
    resourcePath = pathname(directrice);
    assertEqual(await h1(directrice), RESOURCE_TITLE, 'h1');
    assert((await directrice.locator('a[href*="/files/"]', { hasText: RESOURCE_FILE.name }).count()) > 0, 'no file link on the resource page');
    await check(directrice, 'resource');
});

step('resources: the teacher finds it and downloads the same bytes', async () => {
    await goto(enseignant, '/resources');
    await check(enseignant, 'resources');
    await submit(enseignant, 'form[action="/resources"]', { q: 'fractions' }, { status: 200 });
    const link = enseignant.locator(`ul.results > li a[href="${resourcePath}"]`);
    assert((await link.count()) > 0, `no result linking ${resourcePath}: ${await enseignant.locator('main').innerText()}`);
    await check(enseignant, 'resources-results');
    await Promise.all([enseignant.waitForNavigation(), link.first().click()]);
    assertEqual(pathname(enseignant), resourcePath, 'result leads to');
    const file = enseignant.locator('a[href*="/files/"]', { hasText: RESOURCE_FILE.name }).first();
    const href = new URL(await file.getAttribute('href'), BASE).href;
    const head = await enseignant.request.get(href);
    assertEqual(head.status(), 200, `GET ${href}`);
    assert(Buffer.compare(await head.body(), RESOURCE_FILE.buffer) === 0, 'downloaded bytes (request) differ from the uploaded file');
    // And as a person does: click the link, save the download.
    const [download] = await Promise.all([enseignant.waitForEvent('download'), file.click()]);
    assert(Buffer.compare(readFileSync(await download.path()), RESOURCE_FILE.buffer) === 0, 'downloaded bytes (browser download) differ');
    assertEqual(download.suggestedFilename(), RESOURCE_FILE.name, 'suggested file name');
    await goto(enseignant, resourcePath);
    const downloads = await enseignant.evaluate((title) => {
        const dt = [...document.querySelectorAll('main dt')].find((d) => d.textContent.trim() === title);
        return dt && dt.nextElementSibling ? dt.nextElementSibling.textContent.trim() : null;
    }, t('fr', 'resources.downloads_title'));
    assert(downloads !== null, `resource page: no "${t('fr', 'resources.downloads_title')}" entry`);
    assert(Number.parseInt(downloads, 10) >= 1, `resource page: downloads "${downloads}" after downloading`);
    await check(enseignant, 'resource-downloaded');
});

// ---------------------------------------------------------------- admin

step('federation: the admin changes the mode; the page and the API show it', async () => {
    await goto(adminPage, '/admin/federation');
    await check(adminPage, 'admin-federation');
    const form = 'form[action="/admin/federation/mode"]';
    const before = await adminPage.inputValue(`${form} select[name=mode]`);
    const after = before === 'open' ? 'allowlist' : 'open';
    await submit(adminPage, form, { mode: after }, { status: 200 });
    await goto(adminPage, '/admin/federation');
    assertEqual(await adminPage.inputValue(`${form} select[name=mode]`), after, 'mode selected after reload');
    const { status, body } = await api('GET', '/api/v1/admin/federation', token);
    assertEqual(status, 200, 'GET /api/v1/admin/federation');
    assertEqual(body.mode, after, 'mode in GET /api/v1/admin/federation');
    assert(cli(['admin', 'federation', 'status']).includes(after), `CLI federation status does not say ${after}`);
    await check(adminPage, 'admin-federation-changed');
});

step('federation: a domain rule is added and listed', async () => {
    await submit(adminPage, 'form[action="/admin/federation/domains"]', { domain: 'ecoles.example.org', rule: 'block' }, { status: 200 });
    assert((await adminPage.locator('main').innerText()).includes('ecoles.example.org'),
        `blocked domain not listed on ${path(adminPage)}${await alertOf(adminPage)}`);
    const { body } = await api('GET', '/api/v1/admin/federation', token);
    assert(body.blocklist.includes('ecoles.example.org'), `blocklist from the API: ${JSON.stringify(body.blocklist)}`);
});

step('admin: an account created on /admin/accounts can sign in', async () => {
    await goto(adminPage, '/admin/accounts');
    await check(adminPage, 'admin-accounts');
    await submit(adminPage, 'form[action="/admin/accounts"]', {
        username: 'personnel', display_name: 'Paul Personnel', email: 'paul@example.org', password: 'le mot de passe de paul',
    }, { status: 200 });
    assert((await adminPage.locator('main').innerText()).includes('personnel'),
        `new account not in the list on ${path(adminPage)}${await alertOf(adminPage)}`);
    const page = await newUser();
    await signIn(page, 'personnel', 'le mot de passe de paul');
    assert(pathname(page) !== '/login', 'the new account cannot sign in');
    await page.context().close();
});

step('admin: an organisation and a member added from the pages', async () => {
    await goto(adminPage, '/admin/organisations');
    await check(adminPage, 'admin-organisations');
    await submit(adminPage, 'form[action="/admin/organisations"]', {
        slug: 'ecole-neuve', name: 'École neuve', kind: 'ecole', uai: '0449991W', parent: 'circo-preau',
    }, { status: 200 });
    // The list is paged (imported schools come first): ask the API.
    assert((await adminPage.locator('main').innerText()).includes(t('fr', 'admin.organisation_created')),
        `no "${t('fr', 'admin.organisation_created')}" on ${path(adminPage)}${await alertOf(adminPage)}`);
    const created = await api('GET', '/api/v1/organisations/ecole-neuve', token);
    assertEqual(created.status, 200, 'GET /api/v1/organisations/ecole-neuve');
    assertEqual(created.body.name, 'École neuve', 'name of the new organisation');
    await goto(adminPage, '/admin/members');
    await check(adminPage, 'admin-members');
    await submit(adminPage, 'form[action="/admin/members"][method=post]', { username: 'personnel', organisation: 'ecole-neuve', role: 'staff' }, { status: 200 });
    await goto(adminPage, '/directory/organisations/ecole-neuve');
    assert((await adminPage.locator('main').innerText()).includes('Paul Personnel'), 'new member not on the organisation page');
});

step('admin: modules and statistics pages; /admin is 403 for a teacher', async () => {
    await goto(adminPage, '/admin/modules');
    await check(adminPage, 'admin-modules');
    const boxes = await adminPage.locator('form[action="/admin/modules"] input[type=checkbox][name=modules]').evaluateAll((bs) => bs.map((b) => b.value));
    for (const m of ['announcements', 'directory', 'resources']) assert(boxes.includes(m), `no modules checkbox ${m}`);
    await goto(adminPage, '/admin/statistics');
    await check(adminPage, 'admin-statistics');
    await goto(enseignant, '/admin', { status: 403 });
    await check(enseignant, 'admin-forbidden');
});

step('admin: the audit log lists the mode change and the new account, and filters by action', async () => {
    await goto(adminPage, '/admin/audit');
    await check(adminPage, 'admin-audit');
    const rows = async () => adminPage.locator('main tbody tr').allInnerTexts();
    const all = await rows();
    assert(all.some((r) => r.includes(t('fr', 'audit.federation_mode'))),
        `no "${t('fr', 'audit.federation_mode')}" in the audit log: ${JSON.stringify(all)}`);
    await submit(adminPage, 'form[action="/admin/audit"]', { action: 'account_created' }, { status: 200 });
    const created = await rows();
    assert(created.length > 0 && created.every((r) => r.includes(t('fr', 'audit.account_created'))),
        `the filter kept other actions: ${JSON.stringify(created)}`);
    assert(created.some((r) => r.includes('personnel')), `no entry for personnel: ${JSON.stringify(created)}`);
    await goto(enseignant, '/admin/audit', { status: 403 });
});

step('admin: a person\'s page offers the export and, once confirmed, the deletion of the account', async () => {
    await goto(adminPage, '/directory/people/personnel');
    await check(adminPage, 'admin-person');
    await submit(adminPage, 'form[action="/admin/accounts/delete"]', { confirm: true }, { status: 200 });
    assertEqual(pathname(adminPage), '/admin/accounts', 'after the deletion');
    assert((await adminPage.locator('main').innerText()).includes(t('fr', 'admin.account_deleted')),
        `no "${t('fr', 'admin.account_deleted')}" on ${path(adminPage)}${await alertOf(adminPage)}`);
    await goto(adminPage, '/directory/people/personnel', { status: 404 });
    const { status } = await api('GET', '/api/v1/accounts/personnel', token);
    assertEqual(status, 404, 'GET /api/v1/accounts/personnel after the deletion');
});

// ---------------------------------------------------------------- account

step('account: a wrong current password is refused with an alert', async () => {
    await goto(enseignant, '/account');
    await check(enseignant, 'account');
    const response = await submit(enseignant, 'form[action="/account/password"]', {
        current_password: 'pas le bon', new_password: NEW_TEACHER_PASSWORD, new_password_confirm: NEW_TEACHER_PASSWORD,
    });
    assert(response.status() >= 400 && response.status() < 500, `wrong current password: status ${response.status()}`);
    assert((await enseignant.locator('[role=alert]').count()) > 0, 'no [role=alert]');
    const alert = await enseignant.locator('[role=alert]').first().innerText();
    assert(alert.includes(t('fr', 'refused.current_password_wrong')), `the refusal is not in French: ${alert}`);
    await check(enseignant, 'account-error');
});

step('account: the password is changed', async () => {
    await goto(enseignant, '/account');
    await submit(enseignant, 'form[action="/account/password"]', {
        current_password: PASSWORDS.enseignant, new_password: NEW_TEACHER_PASSWORD, new_password_confirm: NEW_TEACHER_PASSWORD,
    }, { status: 200 });
    assert((await enseignant.locator('main').innerText()).includes(t('fr', 'account.password_changed')),
        `no "${t('fr', 'account.password_changed')}" message`);
    assert((await enseignant.locator('form[action="/logout"]').count()) === 1, 'signed out by changing the password');
});

step('sign out: the header button signs out; the timeline asks to sign in', async () => {
    await submit(enseignant, 'form[action="/logout"]', {}, { status: 200 });
    assertEqual(await enseignant.locator('form[action="/logout"]').count(), 0, 'still a sign-out form after signing out');
    await check(enseignant, 'signed-out');
    await goto(enseignant, '/timeline');
    assertEqual(path(enseignant), `/login?next=${encodeURIComponent('/timeline')}`, 'GET /timeline signed out ended at');
});

step('sign in: the old password no longer works, the new one does', async () => {
    await submit(enseignant, 'form[action="/login"]', { username: 'enseignant', password: PASSWORDS.enseignant }, { status: 401 });
    await submit(enseignant, 'form[action="/login"]', { username: 'enseignant', password: NEW_TEACHER_PASSWORD }, { status: 200 });
    assertEqual(pathname(enseignant), '/timeline', 'after sign-in, landed on');
});

// ---------------------------------------------------------------- language

step('language: a visitor switches the login page to English', async () => {
    const page = await newUser();
    await goto(page, '/login');
    assertEqual(await page.getAttribute('html', 'lang'), 'fr', 'html lang by default (Accept-Language fr)');
    await submit(page, 'form[action="/account/language"]', { lang: 'en' }, { status: 200 });
    assertEqual(pathname(page), '/login', 'after switching, back on');
    assertEqual(await page.getAttribute('html', 'lang'), 'en', 'html lang after switching');
    assertEqual(await h1(page), t('en', 'account.login_title'), 'h1 in English');
    await check(page, 'login-en');
    await goto(page, '/directory');
    assertEqual(await page.getAttribute('html', 'lang'), 'en', 'html lang on the next page (cookie)');
    await page.context().close();
});

step('language: switching on a refused form\'s page lands on a page (not a 405)', async () => {
    const page = await newUser();
    await goto(page, '/login');
    await submit(page, 'form[action="/login"]', { username: 'inconnu', password: 'pas le bon' }, { status: 401 });
    const response = await submit(page, 'form[action="/account/language"]', { lang: 'en' });
    assertEqual(response.status(), 200, `language switch from the refused login page (ended at ${path(page)}) status`);
    assertEqual(await page.getAttribute('html', 'lang'), 'en', 'html lang after switching');
    await page.context().close();
});

step('language: English is kept on the account, in a new browser too', async () => {
    await goto(enseignant, '/account');
    await submit(enseignant, 'form[action="/account/language"]', { lang: 'en' }, { status: 200 });
    assertEqual(await enseignant.getAttribute('html', 'lang'), 'en', 'html lang after switching');
    assertEqual(await h1(enseignant), t('en', 'account.title'), 'account page h1');
    await check(enseignant, 'account-en');
    const other = await newUser(); // French Accept-Language, no cookie
    await signIn(other, 'enseignant', NEW_TEACHER_PASSWORD);
    assertEqual(await other.getAttribute('html', 'lang'), 'en', 'html lang after signing in elsewhere');
    await check(other, 'timeline-en');
    await other.context().close();
});

// ---------------------------------------------------------------- without JavaScript

step('no JavaScript: sign in and publish', async () => {
    const page = await newUser({ javaScript: false });
    await signIn(page, 'directrice', PASSWORDS.directrice);
    assertEqual(pathname(page), '/timeline', 'after sign-in, landed on');
    await goto(page, '/publish');
    const title = 'Annonce publiée sans JavaScript';
    await submit(page, 'form[action="/publish"]', {
        organisation: ORG, title, body: 'Tout marche **sans script**.',
        category: await firstOption(page, 'form[action="/publish"] select[name=category]'),
    }, { button: 'button[name=action][value=publish]', status: 200 });
    assert(/^\/announcements\/[^/]+$/.test(pathname(page)), `after publishing, landed on ${path(page)}`);
    assertEqual(await h1(page), title, 'h1');
    await check(page, 'nojs-announcement');
    await goto(enseignant, '/timeline');
    assert(await timelineItem(enseignant, title), 'the teacher does not see the announcement published without JavaScript');
    await page.context().close();
});

step('delete: the publisher deletes an announcement; it leaves the timeline', async () => {
    const title = 'Annonce publiée sans JavaScript';
    await goto(enseignant, '/timeline');
    const item = await timelineItem(enseignant, title);
    assert(item, `no "${title}" on the teacher's timeline`);
    const href = await item.locator('h2 > a').getAttribute('href');
    await goto(directrice, href);
    await submit(directrice, `form[action="${href}/delete"]`, {}, { status: 200 });
    assert((await directrice.locator('main').innerText()).includes(t('fr', 'announcements.deleted')),
        `no "${t('fr', 'announcements.deleted')}" after deleting (at ${path(directrice)})`);
    await goto(enseignant, '/timeline');
    assert(!(await timelineItem(enseignant, title)), 'still on the teacher\'s timeline after deletion');
    const gone = await goto(enseignant, href, { status: null });
    assert([404, 410].includes(gone.status()), `GET ${href} after deletion: status ${gone.status()}`);
});

step('timeline: a[rel=next] leads to older announcements, none twice', async () => {
    const publisherToken = cli(['admin', 'token', '--username', 'directrice']);
    for (let i = 1; i <= 30; i++) {
        const { status, body } = await api('POST', `/api/v1/organisations/${ORG}/announcements`, publisherToken,
            { title: `Note de service n° ${i}`, body: `Contenu ${i}.` });
        assertEqual(status, 201, `POST announcement ${i} through the API (${JSON.stringify(body).slice(0, 200)})`);
    }
    await goto(enseignant, '/timeline');
    const titles = async () => enseignant.locator('article.announcement h2 > a').allInnerTexts();
    const first = await titles();
    const next = enseignant.locator('a[rel=next]');
    assert((await next.count()) === 1, `31+ announcements and no a[rel=next] (page shows ${first.length})`);
    await Promise.all([enseignant.waitForNavigation(), next.click()]);
    const second = await titles();
    assert(second.length > 0, `page 2 (${path(enseignant)}) is empty`);
    const twice = second.filter((x) => first.includes(x));
    assert(twice.length === 0, `on both pages: ${JSON.stringify(twice)}`);
    await check(enseignant, 'timeline-page-2');
});

// ---------------------------------------------------------------- errors

step('errors: an unknown announcement is a 404 page in the frame', async () => {
    const page = await newUser();
    await goto(page, '/announcements/nulle-part', { status: 404 });
    assert((await page.locator('h1').count()) === 1, 'the 404 is not an HTML page with a h1');
    await check(page, 'not-found');
    await page.context().close();
});

step('errors: an unknown path is a 404 page in the frame too', async () => {
    const page = await newUser();
    const response = await goto(page, '/nulle-part', { status: 404 });
    assert((response.headers()['content-type'] || '').startsWith('text/html'),
        `GET /nulle-part from a browser: content-type ${response.headers()['content-type']}, body ${(await response.text()).slice(0, 80)}`);
    assert((await page.locator('h1').count()) === 1, 'the 404 is not an HTML page with a h1');
    await check(page, 'not-found-path');
    await page.context().close();
});

await run();
