import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import chromium, { inflate } from '@sparticuz/chromium';
import { chromium as playwright, type Browser } from 'playwright-core';

const packageDir = join(dirname(createRequire(import.meta.url).resolve('@sparticuz/chromium')), '..');

/**
 * A headless Chromium for the browser tests: the one the @sparticuz/chromium npm package ships (Linux x64, extracted
 * to the temp directory on first use), so no system browser is needed; CHROMIUM_PATH runs another one instead.
 */
export async function launchChromium(): Promise<Browser> {
  const override = process.env.CHROMIUM_PATH;
  if (override) return playwright.launch({ executablePath: override, args: ['--no-sandbox'] });
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(
      `@sparticuz/chromium ships Chromium for Linux x64 only, not ${process.platform} ${process.arch}: set CHROMIUM_PATH to a Chromium`,
    );
  }
  const { version } = JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8')) as { version: string };
  const executablePath = await chromium.executablePath();
  // The binary links the system's NSS unless it finds the copy the package ships, and renders text with the system's
  // fonts: neither is on a machine without a browser installed, so point it at the package's (fonts only as fallback).
  const [nss, fontDir] = await Promise.all([
    inflate(join(packageDir, 'bin', 'al2023.tar.br')),
    inflate(join(packageDir, 'bin', 'fonts.tar.br')),
  ]);
  const fonts = join(await mkdtemp(join(tmpdir(), 'cmk-fontconfig-')), 'fonts.conf');
  await writeFile(
    fonts,
    `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n` +
      `  <dir>${fontDir}</dir>\n  <cachedir>${join(tmpdir(), 'fonts-cache')}</cachedir>\n</fontconfig>\n`,
  );
  let browser: Browser;
  try {
    browser = await playwright.launch({
      executablePath,
      args: chromium.args,
      env: {
        ...process.env,
        LD_LIBRARY_PATH: [join(nss, 'lib'), process.env.LD_LIBRARY_PATH].filter(Boolean).join(':'),
        FONTCONFIG_FILE: fonts,
      },
    });
  } catch (error) {
    throw new Error(
      `${executablePath} (from @sparticuz/chromium ${version}) did not start; if an extraction was interrupted, delete it and run again`,
      { cause: error },
    );
  }
  // The package reuses whatever is at that path, even the Chromium of another version of it.
  if (browser.version().split('.')[0] !== version.split('.')[0]) {
    const found = browser.version();
    await browser.close();
    throw new Error(
      `${executablePath} is Chromium ${found}, not the one @sparticuz/chromium ${version} ships: delete it so it is extracted again`,
    );
  }
  return browser;
}
