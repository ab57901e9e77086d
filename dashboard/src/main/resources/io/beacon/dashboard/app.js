// Beacon router dashboard: reads /lag, /providers and <base>/stats from the router that serves this page
// every two seconds and draws them. Plain DOM and inline SVG; no framework, nothing fetched from elsewhere.

const REFRESH_MS = 2000;
const FETCH_TIMEOUT_MS = 5000;
const TOKEN_KEY = 'beacon.dashboard.token';
const SVG_NS = 'http://www.w3.org/2000/svg';
/** Colour-blind-safe series colours, each with at least 3:1 contrast on white. */
const PALETTE = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#8f6b00', '#5b6bd8', '#b2182b', '#4d4d4d'];
const PROVIDER_COLOURS = { golem: '#0072b2', modal: '#009e73', runpod: '#d55e00', none: '#6e7781', other: '#cc79a7' };
/**
 * The lag table's sections, in order: the pipeline's own groups (whose lag decides routing), then every
 * other consumer group on the cluster (a runner's results consumer, say). /lag gives each group a role.
 */
const LAG_SECTIONS = [
  { id: 'pipeline', title: 'Pipeline: router and workers', holds: (role) => role === 'router' || /^worker:/.test(role) },
  { id: 'other', title: 'Other consumer groups', holds: () => true },
];
/** Points of the client-side lag history kept when /lag sends none (15 minutes at one every 2 s). */
const LOCAL_HISTORY_POINTS = 450;

// The page lives at <root>/dashboard/; the router's API at <root>/.
const basePath = location.pathname.replace(/\/(index\.html)?$/, '');
const apiRoot = basePath.slice(0, basePath.lastIndexOf('/'));
const sources = {
  lag: apiRoot + '/lag',
  providers: apiRoot + '/providers',
  stats: basePath + '/stats',
};

const token = takeToken();
const localLagHistory = new Map();
const groupColours = new Map();
const expandedGroups = new Set();
let paused = false;
let latest = {};

function takeToken() {
  // A token given as ?token= is kept for this tab only and taken out of the address bar, so it is not
  // bookmarked, shared or left in the history by accident.
  const params = new URLSearchParams(location.search);
  const given = params.get('token');
  if (given) {
    try {
      sessionStorage.setItem(TOKEN_KEY, given);
    } catch (ignored) {
      // Storage may be off; the token then lives only as long as this page.
    }
    params.delete('token');
    const rest = params.toString();
    history.replaceState(null, '', location.pathname + (rest ? '?' + rest : '') + location.hash);
    return given;
  }
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch (ignored) {
    return null;
  }
}

async function getJson(url) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), FETCH_TIMEOUT_MS);
  try {
    const headers = { Accept: 'application/json' };
    if (token) {
      headers.Authorization = 'Bearer ' + token;
    }
    let response;
    try {
      response = await fetch(url, { headers, cache: 'no-store', signal: controller.signal });
    } catch (error) {
      throw new Error(error.name === 'AbortError' ? 'no answer within ' + FETCH_TIMEOUT_MS / 1000 + ' s'
        : 'the router did not answer (' + error.message + ')');
    }
    const text = await response.text();
    let body = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch (ignored) {
      // Reported below when the status was fine.
    }
    if (!response.ok) {
      let why = 'HTTP ' + response.status;
      if (body && typeof body.error === 'string') {
        why += ': ' + body.error;
      }
      if (response.status === 401) {
        why += token ? ' (the token given was refused)' : ' (open the page with ?token=<router token>)';
      }
      throw new Error(why);
    }
    if (body === null || typeof body !== 'object') {
      throw new Error('the answer was not JSON');
    }
    return body;
  } finally {
    clearTimeout(timer);
  }
}

async function refresh() {
  const names = Object.keys(sources);
  const settled = await Promise.allSettled(names.map((name) => getJson(sources[name])));
  const failures = [];
  settled.forEach((outcome, i) => {
    const name = names[i];
    if (outcome.status === 'fulfilled') {
      latest[name] = outcome.value;
      try {
        RENDERERS[name](outcome.value);
      } catch (error) {
        failures.push('Could not show ' + sources[name] + ': ' + error.message);
      }
    } else {
      failures.push('Could not load ' + sources[name] + ': ' + outcome.reason.message);
    }
  });
  showFailures(failures);
  if (failures.length < names.length) {
    const at = new Date();
    const label = 'Last updated ' + clock(at.getTime()) + (failures.length ? ' (partly)' : '');
    const updated = byTestId('last-updated');
    updated.textContent = label;
    updated.dataset.updatedAt = at.toISOString();
  }
}

function loop() {
  const started = Date.now();
  const next = () => setTimeout(loop, Math.max(200, REFRESH_MS - (Date.now() - started)));
  if (paused || document.hidden) {
    next();
    return;
  }
  refresh().catch((error) => showFailures(['Dashboard error: ' + error.message])).finally(next);
}

function showFailures(failures) {
  const banner = byTestId('error-banner');
  const list = banner.querySelector('.banner-list');
  list.replaceChildren(...failures.map((text) => el('li', {}, text)));
  banner.hidden = failures.length === 0;
}

// ---- panels -------------------------------------------------------------------------------------------

const RENDERERS = {
  lag: renderLag,
  providers: renderProviders,
  stats: renderStats,
};

function renderLag(body) {
  const panel = byTestId('lag-panel');
  const sections = lagSections(Array.isArray(body.groups) ? body.groups : []);
  const groups = sections.flatMap((section) => section.groups);
  byTestId('lag-stale').hidden = !body.stale;
  const now = body.generated_at ? Date.parse(body.generated_at) : Date.now();
  groups.forEach((g) => colourOf(groupColours, g.group));

  const offsets = [];
  const seconds = [];
  for (const g of groups) {
    const history = lagHistory(g, now);
    const colour = groupColours.get(g.group);
    offsets.push({ name: g.group, colour, points: history.map((h) => [h.t, num(h.total_lag)]) });
    seconds.push({ name: g.group, colour, points: history.map((h) => [h.t, num(h.max_lag_seconds)]) });
  }
  // Groups that left the cluster (or the report) leave this page's own history too.
  const reported = new Set(groups.map((g) => g.group));
  [...localLagHistory.keys()].filter((name) => !reported.has(name)).forEach((name) => localLagHistory.delete(name));
  lineChart(byTestId('lag-offsets-chart'), offsets, { format: count, label: 'Lag in messages' });
  lineChart(byTestId('lag-seconds-chart'), seconds, { format: secondsText, label: 'Lag in seconds' });
  legend(byTestId('lag-legend'), groups.map((g) => ({ name: g.group, colour: groupColours.get(g.group) })));

  // The rows are rebuilt on every refresh; a keyboard user's focus on a toggle must survive that.
  const focused = document.activeElement && document.activeElement.dataset
    ? document.activeElement.dataset.testid : undefined;
  // Section headings only when the router says which group is which (older routers send no role).
  const headed = groups.some((g) => typeof g.role === 'string');
  let index = 0;
  byTestId('lag-groups').replaceChildren(...sections.flatMap((section) => {
    const heading = headed && section.groups.length > 0
      ? [el('tr', { class: 'section-row', 'data-testid': 'lag-section-' + section.id },
        el('th', { scope: 'colgroup', colspan: 5 }, section.title + ' (' + section.groups.length + ')'))]
      : [];
    return heading.concat(section.groups.flatMap((g) => lagRows(g, index++)));
  }));
  if (focused && focused.startsWith('lag-toggle-') && byTestId(focused)) {
    byTestId(focused).focus();
  }
  if (groups.length > 0) {
    panel.dataset.hasData = 'true';
  }
}

/** The groups in table order: by section, then as /lag sorts them (by id). */
function lagSections(groups) {
  const sections = LAG_SECTIONS.map((section) => ({ id: section.id, title: section.title, groups: [] }));
  for (const g of groups) {
    const role = typeof g.role === 'string' ? g.role : 'other';
    sections[LAG_SECTIONS.findIndex((section) => section.holds(role))].groups.push(g);
  }
  return sections;
}

/** A group's row, and its partitions' row when expanded. */
function lagRows(g, index) {
  const partitions = Array.isArray(g.partitions) ? g.partitions : [];
  const detailId = 'lag-partitions-' + index;
  const expanded = expandedGroups.has(g.group) && partitions.length > 0;
  const role = typeof g.role === 'string' && g.role !== 'other' ? g.role.replace(':', ' · ') : '';
  const row = el('tr', { 'data-testid': 'lag-group-' + g.group, 'data-status': g.status || 'UNKNOWN',
    'data-role': g.role || 'other' },
    el('th', { scope: 'row', class: 'mono nowrap' }, swatch(groupColours.get(g.group)), ' ', g.group,
      role ? el('span', { class: 'sub role' }, ' ' + role) : null),
    el('td', {}, statusBadge(g.status, 'lag-status-' + g.group)),
    el('td', { class: 'num' }, count(num(g.total_lag))),
    el('td', { class: 'num' }, secondsText(num(g.max_lag_seconds))),
    el('td', {}, partitionToggle(g.group, partitions.length, detailId, expanded)));
  if (!expanded) {
    return [row];
  }
  return [row, el('tr', { id: detailId, class: 'detail-row', 'data-testid': 'lag-partitions-' + g.group },
    el('td', { colspan: 5 }, partitionTable(g.group, partitions)))];
}

function lagHistory(group, now) {
  if (Array.isArray(group.history) && group.history.length > 0) {
    return group.history.filter((h) => Number.isFinite(h.t)).sort((a, b) => a.t - b.t);
  }
  // No server-side history: keep what this page has seen.
  const kept = localLagHistory.get(group.group) || [];
  if (kept.length === 0 || kept[kept.length - 1].t !== now) {
    kept.push({ t: now, total_lag: num(group.total_lag), max_lag_seconds: num(group.max_lag_seconds) });
  }
  if (kept.length > LOCAL_HISTORY_POINTS) {
    kept.splice(0, kept.length - LOCAL_HISTORY_POINTS);
  }
  localLagHistory.set(group.group, kept);
  return kept;
}

function partitionToggle(group, partitionCount, detailId, expanded) {
  if (partitionCount === 0) {
    return el('span', { class: 'sub' }, 'none assigned');
  }
  const noun = partitionCount === 1 ? ' partition' : ' partitions';
  const button = el('button', {
    type: 'button', class: 'link', 'aria-expanded': String(expanded), 'aria-controls': detailId,
    'data-testid': 'lag-toggle-' + group,
  }, (expanded ? 'Hide ' : 'Show ') + partitionCount + noun);
  button.addEventListener('click', () => {
    // The table is redrawn on every refresh: what is open is remembered here, not in the DOM.
    if (expandedGroups.has(group)) {
      expandedGroups.delete(group);
    } else {
      expandedGroups.add(group);
    }
    if (latest.lag) {
      renderLag(latest.lag);
    }
  });
  return button;
}

function partitionTable(group, partitions) {
  const rows = partitions.map((p) => el('tr', {},
    el('th', { scope: 'row', class: 'mono' }, p.topic + '-' + p.partition),
    el('td', { class: 'num' }, p.committed_offset == null ? '–' : count(p.committed_offset)),
    el('td', { class: 'num' }, count(num(p.end_offset))),
    el('td', { class: 'num' }, count(num(p.lag))),
    el('td', { class: 'num' }, lagSeconds(p)),
    el('td', {}, statusBadge(p.status))));
  return el('table', { class: 'table compact' },
    el('caption', { class: 'visually-hidden' }, 'Partitions of ' + group),
    el('thead', {}, el('tr', {},
      el('th', { scope: 'col' }, 'Partition'),
      el('th', { scope: 'col', class: 'num' }, 'Committed offset'),
      el('th', { scope: 'col', class: 'num' }, 'End offset'),
      el('th', { scope: 'col', class: 'num' }, 'Lag (messages)'),
      el('th', { scope: 'col', class: 'num' }, 'Lag (s)'),
      el('th', { scope: 'col' }, 'Status'))),
    el('tbody', {}, ...rows));
}

function lagSeconds(p) {
  const value = num(p.lag_seconds);
  if (p.lag_seconds_lower_bound === true) {
    return '≥ ' + secondsText(value);
  }
  if (typeof p.lag_seconds_lower_bound === 'number' && p.lag_seconds == null) {
    return '≥ ' + secondsText(p.lag_seconds_lower_bound);
  }
  return secondsText(value);
}

// How each deployment condition reads on the page; "stale" is the router's word for a heartbeat that stopped.
const CONDITIONS = {
  serving: ['Serving', 'ok'],
  unhealthy: ['Unhealthy', 'bad'],
  misconfigured: ['Misconfigured', 'bad'],
  retired: ['Retired', 'off'],
  stale: ['Stale', 'warn'],
};

function renderProviders(body) {
  const panel = byTestId('providers-panel');
  const deployments = Array.isArray(body.deployments) ? body.deployments : [];
  const healthy = deployments.filter((d) => d.healthy).length;
  // Out of service until their worker says otherwise: misconfigured (a probe must show it fixed) or retired.
  const out = deployments.filter((d) => d.condition === 'misconfigured' || d.condition === 'retired');
  // Why a provider's worker group counts as behind (its deployments then take no new jobs), by provider.
  const behind = new Map((Array.isArray(body.queues) ? body.queues : [])
    .filter((q) => q && typeof q.behind === 'string' && q.behind)
    .map((q) => [q.provider, q.behind]));
  byTestId('providers-summary').textContent = deployments.length
    ? healthy + ' of ' + deployments.length + ' deployments usable'
      + (out.length ? ' · ' + out.length + ' out of service' : '') : '';
  const outList = byTestId('out-of-service');
  outList.replaceChildren(...out.map((d) => el('li', { 'data-testid': 'out-of-service-' + d.deployment_id },
    el('span', { class: 'mono' }, d.deployment_id), ' ', (CONDITIONS[d.condition] || [d.condition])[0].toLowerCase(),
    d.reason ? ': ' + d.reason : '')));
  outList.hidden = out.length === 0;
  byTestId('provider-rows').replaceChildren(...deployments.map((d) => {
    const learned = d.learned || {};
    const capacity = num(d.capacity);
    const inFlight = num(d.in_flight);
    const load = capacity > 0 ? Math.min(1, inFlight / capacity) : 0;
    const fill = el('span', { class: 'meter-fill' + (load >= 1 ? ' full' : load >= 0.8 ? ' high' : '') });
    fill.style.width = Math.round(load * 100) + '%';
    const known = CONDITIONS[d.condition];
    let health;
    if (d.healthy) {
      health = badge('Healthy', 'ok');
    } else if (known && d.condition !== 'serving') {
      health = badge(known[0], known[1]);
    } else {
      health = badge(d.reported_healthy ? 'Not usable' : 'Unhealthy', 'bad');
    }
    const healthCell = el('td', { class: 'health' }, health);
    const reason = d.reason || d.error;
    if (reason && !d.healthy) {
      healthCell.append(el('div', { class: 'sub', 'data-testid': 'provider-reason-' + d.deployment_id }, reason));
    } else if (d.error) {
      healthCell.append(el('div', { class: 'sub' }, d.error));
    }
    if (!d.healthy && behind.has(d.provider) && !(reason || '').includes(behind.get(d.provider))) {
      healthCell.append(el('div', { class: 'sub' }, 'queue behind: ' + behind.get(d.provider)));
    }
    const circuitCell = el('td', {}, circuitBadge(d.circuit_state, 'circuit-' + d.deployment_id));
    if (learned.router_circuit) {
      circuitCell.append(el('div', { class: 'sub' }, 'router: ' + learned.router_circuit));
    }
    return el('tr', { 'data-testid': 'provider-row-' + d.deployment_id, 'data-healthy': String(!!d.healthy),
      'data-condition': d.condition || 'unknown' },
      el('th', { scope: 'row', class: 'mono nowrap' }, d.deployment_id),
      el('td', {}, swatch(colourOf(null, d.provider)), ' ', d.provider || '–'),
      el('td', {}, d.region || '–'),
      healthCell,
      circuitCell,
      el('td', { class: 'bar-cell' },
        el('span', { class: 'meter', role: 'img', 'aria-label': Math.round(load * 100) + '% of capacity in use' }, fill),
        inFlight + ' / ' + capacity,
        num(d.queued) > 0 ? el('span', { class: 'sub' }, ' (+' + num(d.queued) + ' queued)') : ''),
      el('td', { class: 'num' }, money(num(d.price_per_second_usd)) + '/s'),
      el('td', { class: 'num' }, learned.latency_ewma_ms != null
        ? millis(learned.latency_ewma_ms) + ' / ' + millis(learned.latency_p95_ms)
        : (d.probe_latency_ms != null ? 'probe ' + millis(d.probe_latency_ms) : '–')),
      el('td', { class: 'num' }, learned.error_rate != null ? percent(learned.error_rate) : '–'),
      el('td', { class: 'num' }, d.heartbeat_age_ms != null ? secondsText(d.heartbeat_age_ms / 1000) + ' ago' : '–'));
  }));
  if (deployments.length > 0) {
    panel.dataset.hasData = 'true';
  }
}

function renderStats(body) {
  const totals = body.totals || {};
  const series = Array.isArray(body.throughput) ? body.throughput : [];
  const providers = Array.isArray(body.providers) ? body.providers : [];

  // Throughput
  const throughputPanel = byTestId('throughput-panel');
  const last = series.length ? series[series.length - 1] : null;
  byTestId('throughput-current').textContent = last ? rate(num(last.results_per_second)) : '–';
  byTestId('totals-results').textContent = count(num(totals.results));
  byTestId('totals-failed').textContent = count(num(totals.failed));
  byTestId('totals-held').textContent = count(num(totals.held));
  const bucket = num(body.bucket_seconds);
  byTestId('throughput-caption').textContent = 'Results per second'
    + (bucket ? ', in ' + bucket + ' s steps' : '')
    + (body.window_seconds ? ', last ' + Math.round(num(body.window_seconds) / 60) + ' min' : '');
  const throughputSeries = [
    { name: 'all results', colour: PALETTE[0], points: series.map((p) => [p.t, num(p.results_per_second)]) },
    { name: 'failed', colour: PALETTE[6], points: series.map((p) => [p.t, num(p.failed_per_second)]) },
  ];
  lineChart(byTestId('throughput-chart'), throughputSeries, { format: rate, label: 'Results per second' });
  legend(byTestId('throughput-legend'), throughputSeries);
  if (series.length > 0) {
    throughputPanel.dataset.hasData = 'true';
  }

  // Share
  const withResults = providers.filter((p) => num(p.results) > 0);
  donut(byTestId('share-chart'), withResults.map((p) => ({
    name: p.provider, value: num(p.results), colour: colourOf(null, p.provider),
  })));
  byTestId('share-rows').replaceChildren(...withResults.map((p) => el('tr', { 'data-testid': 'share-row-' + p.provider },
    el('th', { scope: 'row' }, swatch(colourOf(null, p.provider)), ' ', p.provider),
    el('td', { class: 'num' }, count(num(p.results))),
    el('td', { class: 'num' }, percent(num(p.share))))));
  if (withResults.length > 0) {
    byTestId('share-panel').dataset.hasData = 'true';
  }

  // Cost: one definition, all money billed (the cost ledger) / successful inferences
  byTestId('cost-blended').textContent = num(totals.succeeded) ? money(num(totals.cost_per_inference_usd)) : '–';
  byTestId('cost-idle-share').textContent = num(totals.cost_usd) ? percent(num(totals.idle_share)) : '–';
  byTestId('cost-total').textContent = money(num(totals.cost_usd));
  const billed = providers.filter((p) => num(p.results) > 0 || num(p.cost_usd) > 0);
  const highest = Math.max(0, ...billed.map((p) => num(p.cost_per_inference_usd)));
  byTestId('cost-rows').replaceChildren(...billed.map((p) => {
    const value = num(p.cost_per_inference_usd);
    const bar = el('span', { class: 'bar' });
    bar.style.width = (highest > 0 ? Math.round((value / highest) * 120) : 0) + 'px';
    bar.style.background = colourOf(null, p.provider);
    return el('tr', { 'data-testid': 'cost-row-' + p.provider },
      el('th', { scope: 'row' }, p.provider),
      el('td', { class: 'bar-cell' }, bar, num(p.succeeded) ? money(value) : money(num(p.cost_usd)) + ' spent, no successes'),
      el('td', { class: 'num' }, num(p.cost_usd) ? percent(num(p.idle_share)) : '–'),
      el('td', { class: 'num' }, num(p.succeeded) ? millis(p.p50_ms) : '–'),
      el('td', { class: 'num' }, num(p.succeeded) ? millis(p.p95_ms) : '–'));
  }));
  if (num(totals.results) > 0 || num(totals.cost_usd) > 0) {
    byTestId('cost-panel').dataset.hasData = 'true';
  }
}

// ---- drawing ------------------------------------------------------------------------------------------

/** A line chart of [epochMs, value] series in inline SVG, sized to its box. */
function lineChart(host, series, { format, label }) {
  const width = Math.max(200, Math.floor(host.clientWidth || 400));
  const height = Math.max(100, Math.floor(host.clientHeight || 150));
  const margin = { left: 52, right: 10, top: 8, bottom: 20 };
  const innerW = width - margin.left - margin.right;
  const innerH = height - margin.top - margin.bottom;
  const all = series.flatMap((s) => s.points).filter((p) => Number.isFinite(p[0]) && Number.isFinite(p[1]));
  const svg = svgEl('svg', { width, height, viewBox: '0 0 ' + width + ' ' + height, role: 'img' });
  if (all.length === 0) {
    svg.setAttribute('aria-label', label + ': no data yet');
    host.replaceChildren(svg);
    return;
  }
  let tMin = Math.min(...all.map((p) => p[0]));
  let tMax = Math.max(...all.map((p) => p[0]));
  if (tMax - tMin < 10000) {
    tMin = tMax - 10000;
  }
  const yMax = niceCeiling(Math.max(...all.map((p) => p[1])));
  const x = (t) => margin.left + ((t - tMin) / (tMax - tMin)) * innerW;
  const y = (v) => margin.top + innerH - (v / yMax) * innerH;

  for (let i = 0; i <= 4; i++) {
    const value = (yMax * i) / 4;
    const yy = y(value);
    svg.append(svgEl('line', { class: i === 0 ? 'axis' : 'gridline', x1: margin.left, x2: width - margin.right, y1: yy, y2: yy }));
    svg.append(svgEl('text', { x: margin.left - 6, y: yy + 4, 'text-anchor': 'end' }, format(value)));
  }
  for (let i = 0; i <= 3; i++) {
    const t = tMin + ((tMax - tMin) * i) / 3;
    const anchor = i === 0 ? 'start' : i === 3 ? 'end' : 'middle';
    svg.append(svgEl('text', { x: x(t), y: height - 5, 'text-anchor': anchor }, clock(t, true)));
  }
  for (const s of series) {
    const points = s.points.filter((p) => Number.isFinite(p[0]) && Number.isFinite(p[1]));
    if (points.length === 1) {
      svg.append(svgEl('circle', { cx: x(points[0][0]), cy: y(points[0][1]), r: 3, fill: s.colour }));
    } else if (points.length > 1) {
      const d = points.map((p, i) => (i ? 'L' : 'M') + x(p[0]).toFixed(1) + ' ' + y(p[1]).toFixed(1)).join(' ');
      svg.append(svgEl('path', { d, fill: 'none', stroke: s.colour, 'stroke-width': 2, 'stroke-linejoin': 'round' }));
    }
  }
  const latestText = series
    .filter((s) => s.points.length)
    .map((s) => s.name + ' ' + format(s.points[s.points.length - 1][1]))
    .join(', ');
  svg.setAttribute('aria-label', label + ' from ' + clock(tMin) + ' to ' + clock(tMax) + '; latest: ' + latestText);
  host.replaceChildren(svg);
}

/** A ring of slices, one per item, with the total in the middle. */
function donut(host, items) {
  const size = 150;
  const radius = 52;
  const stroke = 22;
  const circumference = 2 * Math.PI * radius;
  const total = items.reduce((sum, item) => sum + item.value, 0);
  const svg = svgEl('svg', { width: size, height: size, viewBox: '0 0 ' + size + ' ' + size, role: 'img' });
  svg.append(svgEl('circle', { cx: size / 2, cy: size / 2, r: radius, fill: 'none', stroke: '#e6eaef', 'stroke-width': stroke }));
  let offset = 0;
  for (const item of total > 0 ? items : []) {
    const length = (item.value / total) * circumference;
    svg.append(svgEl('circle', {
      cx: size / 2, cy: size / 2, r: radius, fill: 'none', stroke: item.colour, 'stroke-width': stroke,
      'stroke-dasharray': length + ' ' + (circumference - length),
      'stroke-dashoffset': -offset,
      transform: 'rotate(-90 ' + size / 2 + ' ' + size / 2 + ')',
    }));
    offset += length;
  }
  svg.append(svgEl('text', { x: size / 2, y: size / 2 + 5, 'text-anchor': 'middle' }, total ? count(total) + ' jobs' : 'no jobs'));
  svg.setAttribute('aria-label', total
    ? 'Share of jobs: ' + items.map((item) => item.name + ' ' + percent(item.value / total)).join(', ')
    : 'Share of jobs: no results yet');
  host.replaceChildren(svg);
}

function legend(host, items) {
  host.replaceChildren(...items.map((item) => el('span', { class: 'legend-item' }, swatch(item.colour), item.name)));
}

function swatch(colour) {
  const svg = svgEl('svg', { width: 12, height: 12, class: 'swatch', 'aria-hidden': 'true', focusable: 'false' });
  svg.append(svgEl('rect', { width: 12, height: 12, rx: 2, fill: colour || '#6e7781' }));
  return svg;
}

function statusBadge(status, testId) {
  const text = status || 'UNKNOWN';
  const kind = { OK: 'ok', WARNING: 'warn', STALLED: 'bad', STOPPED: 'off', ERROR: 'bad' }[text] || 'off';
  return badge(text, kind, testId);
}

function circuitBadge(state, testId) {
  const text = state || 'UNKNOWN';
  const kind = { CLOSED: 'ok', HALF_OPEN: 'warn', OPEN: 'bad' }[text] || 'off';
  return badge(text.replace('_', ' '), kind, testId);
}

function badge(text, kind, testId) {
  const attrs = { class: 'badge ' + kind };
  if (testId) {
    attrs['data-testid'] = testId;
  }
  return el('span', attrs, text);
}

function colourOf(map, name) {
  if (map === null) {
    const known = PROVIDER_COLOURS[String(name).toLowerCase()];
    if (known) {
      return known;
    }
    map = groupColours;
  }
  if (!map.has(name)) {
    map.set(name, PALETTE[map.size % PALETTE.length]);
  }
  return map.get(name);
}

// ---- small helpers ------------------------------------------------------------------------------------

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    node.setAttribute(key, value);
  }
  node.append(...children.filter((child) => child !== null && child !== undefined && child !== ''));
  return node;
}

function svgEl(tag, attrs, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    node.setAttribute(key, value);
  }
  if (text !== undefined) {
    node.textContent = text;
  }
  return node;
}

function byTestId(id) {
  return document.querySelector('[data-testid="' + CSS.escape(id) + '"]');
}

function num(value) {
  const n = Number(value);
  return Number.isFinite(n) ? n : 0;
}

/** A top for a value axis of four steps, each step 1, 2 or 5 times a power of ten. */
function niceCeiling(value) {
  if (!(value > 0)) {
    return 1;
  }
  const raw = value / 4;
  const power = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * power).find((candidate) => candidate >= raw);
  return step * 4;
}

function count(value) {
  if (Math.abs(value) >= 1e6) {
    return (value / 1e6).toFixed(1) + 'M';
  }
  if (Math.abs(value) >= 1e4) {
    return (value / 1e3).toFixed(1) + 'k';
  }
  return String(Math.round(value * 100) / 100);
}

function rate(value) {
  if (Number.isInteger(value)) {
    return String(value);
  }
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2).replace(/\.?0+$/, '') || '0';
}

function secondsText(value) {
  if (value >= 3600) {
    return (value / 3600).toFixed(1) + ' h';
  }
  if (value >= 60) {
    return (value / 60).toFixed(1) + ' min';
  }
  if (value >= 10) {
    return value.toFixed(0) + ' s';
  }
  // Below ten seconds keep two significant digits, so axis steps of 0.05 s stay apart.
  const digits = value >= 1 || value === 0 ? 1 : 2;
  return value.toFixed(digits).replace(/\.?0+$/, '') + ' s';
}

function millis(value) {
  const n = num(value);
  return n >= 1000 ? (n / 1000).toFixed(2) + ' s' : Math.round(n) + ' ms';
}

function money(value) {
  if (value === 0) {
    return '$0';
  }
  if (value >= 100) {
    return '$' + value.toFixed(0);
  }
  if (value >= 1) {
    return '$' + value.toFixed(2);
  }
  if (value < 0.000001) {
    return '<$0.000001';
  }
  // Three significant digits: inference costs are fractions of a cent.
  return '$' + value.toFixed(Math.max(2, 2 - Math.floor(Math.log10(value))));
}

function percent(value) {
  return (value * 100).toFixed(value >= 0.1 || value === 0 ? 0 : 1) + '%';
}

function clock(epochMs, short) {
  const date = new Date(epochMs);
  const pad = (n) => String(n).padStart(2, '0');
  const hm = pad(date.getHours()) + ':' + pad(date.getMinutes());
  return short && date.getSeconds() === 0 ? hm : hm + ':' + pad(date.getSeconds());
}

// ---- start --------------------------------------------------------------------------------------------

byTestId('pause-button').addEventListener('click', (event) => {
  paused = !paused;
  event.currentTarget.setAttribute('aria-pressed', String(paused));
  event.currentTarget.textContent = paused ? 'Resume updates' : 'Pause updates';
});

// Redraw the charts at the new width when the window changes size.
let resizeTimer;
window.addEventListener('resize', () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => {
    for (const [name, body] of Object.entries(latest)) {
      RENDERERS[name](body);
    }
  }, 150);
});

loop();
