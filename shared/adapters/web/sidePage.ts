import { dashboardHref, type PageLinks } from './links.js';
import { e } from './page.js';

/** A page beside the dashboard (a what-if answer, a test alert's result): its title, one stylesheet, a link back, `body`. */
export function sidePage(title: string, css: string, body: string, links: PageLinks): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>CMK monitor: ${e(title)}</title>
<style>${css}</style>
</head>
<body>
<p class="noprint"><a href="${e(dashboardHref(links))}" id="back">← Back to the dashboard</a></p>
<h1>${e(title)}</h1>
${body}
</body>
</html>
`;
}
