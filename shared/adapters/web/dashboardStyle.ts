import { pageCss, styleCsp } from './page.js';

/** The dashboard's one stylesheet: the pages' own, then its filters, incidents and timeline (the inline SVG's too). */
export const dashboardCss = `${pageCss}
td{overflow-wrap:anywhere}
.bg-info{background:var(--muted)}
.counts a{display:block;color:inherit;text-decoration:none}
.counts li[aria-current]{outline:3px solid #1b1b1b;outline-offset:1px}
.outages{font-weight:600;color:var(--outage);margin:8px 0 0}
.note{border-left-color:var(--warning);background:#fff4ce}
details>summary{cursor:pointer}
.filters{margin:12px 0 0}.filters>summary{color:var(--muted)}
.filters form{display:flex;flex-wrap:wrap;gap:8px;align-items:flex-end;margin:6px 0 0}
.filters label{display:flex;flex-direction:column;font-size:12px;color:var(--muted)}
.filters input,.filters select,.filters button{font:inherit;padding:3px 6px}
.envs{list-style:none;margin:6px 0 0;padding:0}.envs li{margin:0 0 8px}
.envs .finding,.envs .deletion{display:block;margin:0}.deletion{color:var(--outage)}
.remedy{margin:4px 0 0}
.runbook ol{margin:4px 0;padding-left:20px}
.command{margin:2px 0;padding:4px;background:#f4f4f4;white-space:pre-wrap;overflow-wrap:anywhere;font-size:12px}
.pager{margin:8px 0}
.timeline{display:grid;grid-template-columns:minmax(0,640px) minmax(0,1fr);gap:16px;align-items:start}
.timeline figure{margin:0}
.legend{color:var(--muted);font-size:12px;margin:4px 0 0}
.tl{display:block;width:100%;height:auto;background:#fff;border:1px solid var(--line)}
.tl text{font-size:13px;fill:#1b1b1b}
.tl-overdue{fill:#fde7e9}.tl-grid{stroke:#e0e0e0}.tl-today{stroke:#1b1b1b;stroke-width:2}
.tl-track{stroke:#c8c8c8;stroke-width:2}.tl-alert{stroke:#1b1b1b;stroke-width:2}
.mark text{paint-order:stroke;stroke:#fff;stroke-width:4px;stroke-linejoin:round}
.lane-title tspan{font-weight:700;text-transform:uppercase}
.f-outage,.tl .t-outage{fill:var(--outage)}.f-critical,.tl .t-critical{fill:var(--critical)}.f-unknown,.tl .t-unknown{fill:var(--unknown)}
.f-warning,.tl .t-warning{fill:var(--warning)}.f-healthy,.tl .t-healthy{fill:var(--healthy)}
.lanes caption{text-align:left;font-weight:600;padding:0 0 4px}.lanes td{font-size:13px;overflow-wrap:normal}.nowrap{white-space:nowrap}
#incidents th:nth-child(2){width:42%}#incidents th:nth-child(3),#incidents th:nth-child(4){width:18%}
@media (max-width:900px){.timeline{grid-template-columns:minmax(0,1fr)}}
@media (max-width:760px){
 body{padding:10px}h1{font-size:18px}h2{margin:18px 0 6px}
 .meta{font-size:12px;margin:0 0 6px}.banner{font-size:13px;padding:6px 10px;margin:6px 0}.banner ul{margin:4px 0;padding-left:18px}.banner p{margin:0}
 .counts{gap:6px}.counts li{min-width:0;padding:3px 10px}.counts strong{display:inline;font-size:18px;margin-right:4px}
 .tl text{font-size:20px}.tl .tl-axis{font-size:16px}
 .lanes{display:table;table-layout:fixed;width:100%}.lanes thead{display:table-header-group}.lanes tbody{display:table-row-group}
 .lanes tr{display:table-row;margin:0}.lanes th,.lanes td{display:table-cell;width:auto;border:1px solid var(--line);padding:3px 5px;font-size:12px;overflow-wrap:anywhere}
 .lanes td::before{content:none}
}
@media print{.filters,.pager{display:none}.tl-overdue{fill:#eee}}`;

/** The page's stylesheet by hash, and its own GET form; nothing else. */
export const dashboardCsp = styleCsp(dashboardCss, "'self'");
