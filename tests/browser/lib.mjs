// The harness of the browser tests: Chromium, the page check (axe-core,
// screenshots, no horizontal scroll at 360 px), form helpers and a tiny
// step runner. No test framework: steps run in order and the first failure
// stops the run with its step name (PREAU_BROWSER_KEEP_GOING=1 runs on).
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const root = join(here, '..', '..');

export const BASE = need('PREAU_URL');
export const BIN = need('PREAU_BIN');
// run.sh passes ${CARGO_TARGET_DIR:-target}/screenshots.
export const SHOTS = process.env.PREAU_SCREENSHOTS || join(root, 'target', 'screenshots');
const KEEP_GOING = process.env.PREAU_BROWSER_KEEP_GOING === '1';
const ONLY = (process.env.PREAU_BROWSER_ONLY || '').split(',').filter(Boolean);
const AXE = join(here, 'node_modules', 'axe-core', 'axe.min.js');
export const DESKTOP = { width: 1280, height: 800 };
export const NARROW = { width: 360, height: 740 };

function need(name) {
    const value = process.env[name];
    if (!value) {
        console.error(`browser: ${name} is not set (run tests/browser/run.sh)`);
        process.exit(2);
    }
    return value;
}

// ---------------------------------------------------------------- assertions

export class Failure extends Error {}

export function assert(condition, message) {
    if (!condition) throw new Failure(message);
}

export function assertEqual(actual, expected, what) {
    if (actual !== expected) {
        throw new Failure(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
    }
}

// ---------------------------------------------------------------- locales

// The page texts, read from locales/{fr,en}/*.toml (`key = "value"` under
// `[section]`), so assertions follow the wording instead of copying it.
const texts = {};
for (const lang of ['fr', 'en']) {
    texts[lang] = {};
    const dir = join(root, 'locales', lang);
    let files = [];
    try { files = readdirSync(dir).filter((f) => f.endsWith('.toml')); } catch { /* not there yet */ }
    for (const file of files) {
        let section = '';
        for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
            const head = line.match(/^\s*\[([^\]]+)\]\s*$/);
            if (head) { section = head[1]; continue; }
            const kv = line.match(/^\s*([A-Za-z0-9_]+)\s*=\s*"((?:[^"\\]|\\.)*)"\s*$/);
            if (kv) texts[lang][`${section}.${kv[1]}`] = JSON.parse(`"${kv[2]}"`);
        }
    }
}

export function t(lang, key, vars = {}) {
    const text = texts[lang][key];
    if (text === undefined) throw new Failure(`no text ${key} in locales/${lang}`);
    return text.replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? `{${k}}`));
}

// ---------------------------------------------------------------- server side

/** Runs the preau CLI with the server's environment (same data dir). */
export function cli(args, input) {
    return execFileSync(BIN, args, {
        input,
        encoding: 'utf8',
        stdio: ['pipe', 'pipe', 'pipe'],
    }).trim();
}

/** A JSON API call with a bearer token; returns {status, body}. */
export async function api(method, path, token, body) {
    const response = await fetch(BASE + path, {
        method,
        headers: {
            authorization: `Bearer ${token}`,
            ...(body ? { 'content-type': 'application/json' } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    let json = null;
    try { json = JSON.parse(text); } catch { /* not JSON */ }
    return { status: response.status, body: json ?? text };
}

// ---------------------------------------------------------------- browser

let browser;
// Pages of profiles without JavaScript: axe cannot run there.
const noScript = new WeakSet();

export async function launch() {
    browser = await chromium.launch({
        executablePath: '/usr/bin/chromium',
        args: [
            '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
            // This machine's network is closed: no background connections.
            '--disable-background-networking', '--disable-component-update', '--disable-sync',
        ],
    });
    return browser;
}

/**
 * A fresh browser profile (own cookies) and its page. bypassCSP lets axe
 * be injected: the pages forbid every script by their Content-Security-Policy.
 */
export async function newUser({ javaScript = true, locale = 'fr-FR' } = {}) {
    const context = await browser.newContext({
        viewport: DESKTOP,
        bypassCSP: true,
        javaScriptEnabled: javaScript,
        locale,
        acceptDownloads: true,
    });
    const page = await context.newPage();
    if (!javaScript) noScript.add(page);
    page.setDefaultTimeout(15000);
    page.setDefaultNavigationTimeout(20000);
    return page;
}

export function path(page) {
    const url = new URL(page.url());
    return url.pathname + url.search;
}

export function pathname(page) {
    return new URL(page.url()).pathname;
}

/** GET a path; asserts the final status (after redirects). */
export async function goto(page, where, { status = 200 } = {}) {
    const response = await page.goto(BASE + where, { waitUntil: 'load' });
    assert(response, `GET ${where}: no response`);
    if (status !== null) {
        assertEqual(response.status(), status, `GET ${where} (ended at ${path(page)}) status`);
    }
    return response;
}

/**
 * Fills a form's fields by name, then submits it with its submit button
 * (or `button`, a selector inside the form), and waits for the page it
 * leads to. Values: string for inputs, textareas and selects (the option
 * value), boolean for checkboxes, an array of strings to tick several
 * checkboxes of one name, {name, mimeType, buffer} (or an array of them)
 * for file inputs. Returns the final response (after redirects).
 */
export async function submit(page, formSelector, fields = {}, { button, status = null } = {}) {
    const form = page.locator(formSelector);
    const count = await form.count();
    assert(count === 1, `${pathname(page)}: expected one ${formSelector}, found ${count}`);
    for (const [name, value] of Object.entries(fields)) {
        const inputs = form.locator(`[name="${name}"]`);
        const n = await inputs.count();
        assert(n > 0, `${pathname(page)}: ${formSelector} has no field named "${name}"`);
        const first = inputs.first();
        const tag = await first.evaluate((el) => el.tagName.toLowerCase());
        const type = (await first.getAttribute('type')) || '';
        if (tag === 'select') {
            await first.selectOption(value);
        } else if (type === 'checkbox' || type === 'radio') {
            if (Array.isArray(value)) {
                for (let i = 0; i < n; i++) {
                    const box = inputs.nth(i);
                    await box.setChecked(value.includes(await box.getAttribute('value')));
                }
            } else if (type === 'radio') {
                await form.locator(`[name="${name}"][value="${value}"]`).check();
            } else {
                await first.setChecked(Boolean(value));
            }
        } else if (type === 'file') {
            await first.setInputFiles(value);
        } else {
            await first.fill(String(value));
        }
    }
    const submitter = button
        ? form.locator(button)
        : form.locator('button[type=submit], button:not([type]), input[type=submit]').first();
    assert((await submitter.count()) > 0, `${pathname(page)}: no submit button ${button || ''} in ${formSelector}`);
    const [response] = await Promise.all([
        page.waitForNavigation({ waitUntil: 'load' }),
        submitter.first().click(),
    ]);
    assert(response, `${formSelector}: submitting led nowhere`);
    if (status !== null) {
        assertEqual(response.status(), status, `POST ${formSelector} (ended at ${path(page)}) status`);
    }
    return response;
}

const shot = new Set();

/**
 * The check every visited page gets: axe-core at 1280 and 360 px (fails
 * on any `serious` or `critical` violation), a full-page screenshot at
 * both widths (SHOTS/NAME-desktop.png, SHOTS/NAME-360.png), and no
 * horizontal scroll at 360 px. Pages of a profile without JavaScript
 * get all but axe.
 */
export async function check(page, name) {
    assert(!shot.has(name), `two pages checked under the name ${name}`);
    shot.add(name);
    mkdirSync(SHOTS, { recursive: true });
    const problems = [];
    const js = !noScript.has(page);

    await page.setViewportSize(DESKTOP);
    await page.screenshot({ path: join(SHOTS, `${name}-desktop.png`), fullPage: true });
    const seen = new Set();
    if (js) problems.push(...(await axe(page, 'desktop', seen)));

    await page.setViewportSize(NARROW);
    await page.screenshot({ path: join(SHOTS, `${name}-360.png`), fullPage: true });
    {
        const overflow = await page.evaluate(() => {
            const width = document.documentElement.scrollWidth;
            if (width <= 360) return null;
            // The innermost elements sticking out, to name the culprit.
            const past = (el) => el.getBoundingClientRect().right > 360.5;
            const culprits = [];
            for (const el of document.querySelectorAll('body *')) {
                const r = el.getBoundingClientRect();
                if (past(el) && ![...el.children].some(past) && getComputedStyle(el).position !== 'fixed') {
                    let sel = el.tagName.toLowerCase();
                    if (el.id) sel += `#${el.id}`;
                    if (el.className && typeof el.className === 'string') sel += '.' + el.className.trim().split(/\s+/).join('.');
                    const nowrap = getComputedStyle(el).whiteSpace === 'nowrap' ? ', nowrap' : '';
                    const words = (el.innerText || el.value || '').trim().slice(0, 30);
                    const box = el.parentElement && el.parentElement.closest('fieldset, form, table, ul, nav, div');
                    const within = box ? ` in ${box.tagName.toLowerCase()}${box.className ? '.' + String(box.className).trim().split(/\s+/).join('.') : ''}` : '';
                    culprits.push(`${sel}${words ? ` "${words}"` : ''}${within} (right edge ${Math.round(r.right)} px${nowrap})`);
                }
            }
            culprits.sort((a, b) => b.endsWith('nowrap)') - a.endsWith('nowrap)'));
            return { width, culprits: culprits.slice(0, 6) };
        });
        if (overflow) {
            problems.push(`horizontal scroll at 360 px: scrollWidth ${overflow.width}; ` +
                `innermost elements past 360 px:\n        ${overflow.culprits.join('\n        ') || '(none found)'}`);
        }
    }
    if (js) problems.push(...(await axe(page, '360', seen)));
    await page.setViewportSize(DESKTOP);
    // Told at the end of the step, so that its other checks still run.
    if (problems.length) pageProblems.push(`page ${name} (${path(page)}):\n    ` + problems.join('\n    '));
}

const pageProblems = [];

const minor = new Map();

// The serious and critical violations, each told once (a violation
// already reported at 1280 px is not repeated at 360 px).
async function axe(page, viewport, seen) {
    const injected = await page.evaluate(() => typeof window.axe !== 'undefined');
    if (!injected) await page.addScriptTag({ path: AXE });
    const violations = await page.evaluate(async () => {
        const result = await window.axe.run(document, { resultTypes: ['violations'] });
        return result.violations.map((v) => ({
            id: v.id,
            impact: v.impact,
            help: v.help,
            nodes: v.nodes.map((n) => ({ target: n.target.join(' '), summary: n.failureSummary })),
        }));
    });
    const out = [];
    for (const v of violations) {
        if (v.impact !== 'serious' && v.impact !== 'critical') {
            // Not a failure: listed once at the end of the run.
            const key = `${v.id} [${v.impact}]: ${v.help}`;
            if (!minor.has(key)) minor.set(key, new Set());
            minor.get(key).add(`${page.url().replace(/^https?:\/\/[^/]+/, '')} ${v.nodes.map((n) => n.target).join(', ')}`);
            continue;
        }
        const nodes = v.nodes.filter((n) => !seen.has(`${v.id} ${n.target}`));
        if (!nodes.length) continue;
        nodes.forEach((n) => seen.add(`${v.id} ${n.target}`));
        out.push(`axe ${v.id} [${v.impact}] at ${viewport}: ${v.help}\n` +
            nodes.map((n) => `        target: ${n.target}\n          ` +
                (n.summary || '').split('\n').slice(0, 3).join('\n          ')).join('\n'));
    }
    return out;
}

// ---------------------------------------------------------------- runner

const steps = [];

/** Declares a step; `flow` groups steps for PREAU_BROWSER_ONLY. */
export function step(name, fn) {
    steps.push({ name, fn });
}

export async function run() {
    await launch();
    const failed = [];
    let passed = 0;
    for (const { name, fn } of steps) {
        if (ONLY.length && !ONLY.some((o) => name.includes(o))) continue;
        const started = Date.now();
        pageProblems.length = 0;
        try {
            let error = null;
            try {
                await fn();
            } catch (e) {
                error = e;
            }
            if (pageProblems.length) {
                const first = error ? `${error instanceof Failure ? error.message : error.stack}\n` : '';
                error = new Failure(first + pageProblems.join('\n'));
            }
            if (error) throw error;
            passed++;
            console.log(`ok   ${name} (${Date.now() - started} ms)`);
        } catch (error) {
            failed.push(name);
            const detail = error instanceof Failure ? error.message : (error && error.stack) || String(error);
            console.log(`FAIL ${name}\n  ${detail.replace(/\n/g, '\n  ')}`);
            if (!KEEP_GOING) {
                const left = steps.length - steps.findIndex((s) => s.name === name) - 1;
                if (left) console.log(`(stopped at the first failure: ${left} later step(s) not run; PREAU_BROWSER_KEEP_GOING=1 runs them)`);
                break;
            }
        }
    }
    await browser.close();
    if (minor.size) {
        console.log('\naxe, moderate and minor (not failures):');
        for (const [rule, where] of minor) console.log(`  ${rule}\n    ${[...where].slice(0, 5).join('\n    ')}`);
    }
    console.log(`\nbrowser tests: ${passed} passed, ${failed.length} failed; screenshots in ${SHOTS}`);
    if (failed.length) {
        console.log(`failed: ${failed.join('; ')}`);
        process.exit(1);
    }
}
