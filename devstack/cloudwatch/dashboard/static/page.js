// The live comparison page: draws /dashboard/data.json (every declared dashboard, answered from the
// local metric store) with uPlot, refreshing every 3 s. Express is blue, serverless orange, as on the
// review preview; dependencies are told apart by dash pattern; every legend names the backend.
"use strict";

const REFRESH_MS = 3000;
const BACKEND_COLOURS = { express: "#0972d3", serverless: "#d45b07" };
const OTHER_COLOURS = ["#037f0c", "#8456ce", "#b7740f", "#00829b", "#c33d69", "#545b64"];
const DASHES = { postgres: [], redis: [6, 3], opensearch: [2, 3] };
const UNITS = { Milliseconds: "ms", Count: "count", None: "", "%": "%" };
const rowPx = 38 + 6;

const charts = new Map();  // "dashboard/index" -> {plot, key}
let activeDashboard = null;
let latestData = null;

function el(tag, attrs = {}, text = "") {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  if (text) node.textContent = text;
  return node;
}

function fmt(value, unit) {
  if (value === null || value === undefined) return "–";
  const rounded = Math.abs(value) >= 100 ? value.toFixed(0) : Math.abs(value) >= 1 ? value.toFixed(1) : value.toFixed(2);
  return unit ? `${rounded} ${unit}` : rounded;
}

function seriesStyle(series, index) {
  const dependency = Object.keys(DASHES).find((name) => series.label.includes(name));
  const colour = BACKEND_COLOURS[series.backend] || OTHER_COLOURS[index % OTHER_COLOURS.length];
  return { stroke: colour, dash: dependency ? DASHES[dependency] : [], width: 2 };
}

function annotationPlugin(annotations) {
  return {
    hooks: {
      draw: (u) => {
        const ctx = u.ctx;
        for (const note of annotations) {
          const y = u.valToPos(note.value, "y", true);
          if (y < u.bbox.top || y > u.bbox.top + u.bbox.height) continue;
          ctx.save();
          ctx.strokeStyle = note.color || "#d62728";
          ctx.setLineDash([4, 4]);
          ctx.beginPath();
          ctx.moveTo(u.bbox.left, y);
          ctx.lineTo(u.bbox.left + u.bbox.width, y);
          ctx.stroke();
          ctx.restore();
        }
      },
    },
  };
}

function widgetBox(widget) {
  const box = el("div", { class: "w", "data-title": widget.title || "" });
  box.style.gridColumn = `${widget.x + 1} / span ${widget.width}`;
  box.style.gridRow = `${widget.y + 1} / span ${widget.height}`;
  return box;
}

function drawMetric(key, box, widget, timestamps) {
  const unit = UNITS[widget.yLabel] !== undefined ? UNITS[widget.yLabel] : widget.yLabel;
  const withData = widget.series.filter((s) => s.values.some((v) => v !== null));
  box.setAttribute("data-series-with-data", withData.map((s) => s.label).join("|"));
  box.setAttribute("data-backends-with-data", [...new Set(withData.map((s) => s.backend).filter(Boolean))].sort().join(","));
  let note = box.querySelector(".nodata");
  if (withData.length === 0) {
    if (!note) box.appendChild(el("div", { class: "nodata" }, "no data yet"));
  } else if (note) {
    note.remove();
  }
  const data = [timestamps, ...widget.series.map((s) => s.values)];
  // a series that gets its first data changes its legend label: rebuild the chart then
  const shape = widget.series.map((s) => `${s.label}:${withData.includes(s)}`).join("|");
  const existing = charts.get(key);
  if (existing && existing.shape === shape) {
    existing.plot.setData(data);
    return;
  }
  if (existing) existing.plot.destroy();
  const width = Math.max(200, box.clientWidth - 12);
  const height = Math.max(80, widget.height * rowPx - 90);
  const options = {
    width, height,
    scales: { x: { time: true }, y: { range: (u, min, max) => [Math.min(0, min ?? 0), Math.max(1, max ?? 1) * 1.1] } },
    axes: [{}, { label: unit, size: 52, values: (u, ticks) => ticks.map((t) => fmt(t, "")) }],
    series: [{}, ...widget.series.map((s, index) => ({
      label: withData.includes(s) ? s.label : `${s.label} (no data yet)`,
      ...seriesStyle(s, index),
      spanGaps: false,
      points: { show: true, size: 4 },
      value: (u, v) => fmt(v, unit),
    }))],
    legend: { live: true },
    plugins: [annotationPlugin(widget.annotations || [])],
  };
  const holder = el("div");
  box.appendChild(holder);
  charts.set(key, { plot: new uPlot(options, data, holder), shape });
}

function drawAlarmWidget(box, widget, states) {
  let table = box.querySelector("table");
  if (!table) { table = el("table"); box.appendChild(table); }
  table.replaceChildren(...widget.alarms.map((name) => {
    const state = states.get(name) || "INSUFFICIENT_DATA";
    const row = el("tr");
    row.appendChild(el("td", {}, name));
    const cell = el("td");
    cell.appendChild(el("span", { class: `state state-${state}` }, state));
    row.appendChild(cell);
    return row;
  }));
}

function buildDashboard(dashboard, index) {
  const section = el("section", { class: "dashboard", "data-dashboard": dashboard.name });
  section.appendChild(el("h2", {}, dashboard.name));
  const grid = el("div", { class: "grid" });
  dashboard.widgets.forEach((widget, w) => {
    const box = widgetBox(widget);
    box.id = `w-${index}-${w}`;
    if (widget.type === "text") {
      box.classList.add("text");
      box.textContent = widget.markdown.replace(/^#+\s*/gm, "");
    } else {
      box.appendChild(el("h3", {}, widget.title));
      if (widget.annotations && widget.annotations.length) {
        box.appendChild(el("div", { class: "anns" }, widget.annotations.map((a) => `${a.label}`).join(" · ")));
      }
    }
    grid.appendChild(box);
  });
  section.appendChild(grid);
  return section;
}

function renderDashboards(data) {
  const main = document.getElementById("dashboards");
  const tabs = document.getElementById("tabs");
  if (!main.childElementCount) {
    data.dashboards.forEach((dashboard, index) => {
      main.appendChild(buildDashboard(dashboard, index));
      const button = el("button", { "data-tab": dashboard.name }, dashboard.name);
      button.onclick = () => showDashboard(dashboard.name);
      tabs.appendChild(button);
    });
    showDashboard(data.dashboards[0].name);
  }
  const states = new Map(data.alarms.map((alarm) => [alarm.name, alarm.state]));
  data.dashboards.forEach((dashboard, index) => {
    dashboard.widgets.forEach((widget, w) => {
      const box = document.getElementById(`w-${index}-${w}`);
      if (widget.type === "metric") drawMetric(`${index}/${w}`, box, widget, data.timestamps);
      else if (widget.type === "alarm") drawAlarmWidget(box, widget, states);
    });
  });
}

function showDashboard(name) {
  activeDashboard = name;
  for (const section of document.querySelectorAll("section.dashboard")) {
    section.style.display = section.getAttribute("data-dashboard") === name ? "" : "none";
  }
  for (const button of document.querySelectorAll("#tabs button")) {
    button.classList.toggle("active", button.getAttribute("data-tab") === name);
  }
  // charts drawn while hidden have no width: rebuild them at the visible size
  for (const [key, chart] of charts) { chart.plot.destroy(); charts.delete(key); }
  for (const box of document.querySelectorAll(".w")) box.querySelectorAll("div:not(.anns):not(.nodata)").forEach((d) => d.remove());
  if (latestData) renderDashboards(latestData);
}

function since(epoch) {
  if (!epoch) return "";
  const seconds = Math.max(0, Math.round(Date.now() / 1000 - epoch));
  return seconds < 120 ? `${seconds}s ago` : `${Math.round(seconds / 60)} min ago`;
}

function renderAlarms(data) {
  const table = document.getElementById("alarms");
  const head = el("tr");
  ["alarm", "kind", "state", "since", "meaning"].forEach((h) => head.appendChild(el("th", {}, h)));
  const order = { ALARM: 0, OK: 1, INSUFFICIENT_DATA: 2 };  // what needs attention first
  const alarms = data.alarms.slice().sort((a, b) => order[a.state] - order[b.state]);
  table.replaceChildren(head, ...alarms.map((alarm) => {
    const row = el("tr", { "data-alarm": alarm.slug, "data-state": alarm.state });
    row.appendChild(el("td", {}, alarm.slug + (alarm.pages ? " (pages)" : "")));
    row.appendChild(el("td", {}, alarm.kind));
    const cell = el("td");
    cell.appendChild(el("span", { class: `state state-${alarm.state}` }, alarm.state));
    if (alarm.suppressed_by) cell.appendChild(document.createTextNode(` held: ${alarm.suppressed_by}`));
    row.appendChild(cell);
    row.appendChild(el("td", {}, since(alarm.since)));
    row.appendChild(el("td", {}, alarm.summary));
    return row;
  }));
  const breakers = document.getElementById("breakers");
  const entries = Object.entries(data.breakers);
  breakers.replaceChildren(...(entries.length ? entries.map(([name, snap]) => {
    const row = el("tr", { "data-breaker": name, "data-state": snap.state });
    row.appendChild(el("td", {}, name));
    row.appendChild(el("td", { class: `bstate-${snap.state}` }, snap.state + (snap.forced ? " (forced)" : "")));
    row.appendChild(el("td", {}, snap.reason || ""));
    return row;
  }) : [el("tr", {}, "no breakers in this process")]));
  const notes = document.getElementById("notifications");
  notes.replaceChildren(...(data.notifications.length ? data.notifications.slice().reverse().map((n) =>
    el("li", {}, `${n.at} ${n.event_action} ${n.severity} ${n.dedup_key} — ${n.summary} (${n.runbook})`))
    : [el("li", {}, "none yet")]));
  const changes = document.getElementById("transitions");
  changes.replaceChildren(...data.transitions.slice().reverse().slice(0, 12).map((t) =>
    el("li", {}, `${since(t.at)}: ${t.alarm} ${t.from} → ${t.to}`)));
  const scale = data.period_scale !== 1 ? ` · period scale ×${data.period_scale} (test mode)` : "";
  const queued = Object.entries(data.local_queueing || {});
  const queueing = queued.length
    ? ` · local Lambda queueing (this machine's caps, not Lambda's): ` +
      queued.map(([fn, n]) => `${fn} ${n}`).join(", ")
    : "";
  document.getElementById("status").textContent =
    `profile ${data.profile}${scale}${queueing} · ${data.store.series} series, ${data.store.samples} samples ` +
    `(bound ${data.store.max_samples}, ${data.store.retention_s / 60} min) · ${data.period}s points · ` +
    `updated ${new Date(data.generated * 1000).toLocaleTimeString()}`;
}

function drawTimeline(trace) {
  const box = document.getElementById("timeline");
  box.replaceChildren(el("h3", {}, `trace ${trace.trace_id} — ${fmt(trace.duration_ms, "ms")}`));
  const total = Math.max(trace.duration_ms || 1, 1);
  const walk = (span, depth) => {
    const bar = el("div", { class: "bar" });
    const fill = el("span", { class: "fill" + (span.fault ? " fault" : "") });
    fill.style.left = `${(100 * span.start_ms) / total}%`;
    fill.style.width = `${Math.max(0.5, (100 * (span.duration_ms || 0)) / total)}%`;
    bar.appendChild(fill);
    const label = el("span", { class: "label" },
      `${"  ".repeat(depth)}${span.name} ${fmt(span.duration_ms, "ms")}${span.http_status ? " " + span.http_status : ""}`);
    label.style.paddingLeft = `${depth * 14}px`;
    bar.appendChild(label);
    box.appendChild(bar);
    span.children.forEach((child) => walk(child, depth + 1));
  };
  trace.segments.forEach((segment) => walk(segment, 0));
}

async function refreshTraces() {
  const response = await fetch("/dashboard/traces.json", { cache: "no-store" });
  const payload = await response.json();
  const note = document.getElementById("traces-note");
  note.textContent = payload.tracing ? (payload.traces.length ? "" : "no traces received yet")
    : "no X-Ray collector runs in this process";
  const table = document.getElementById("traces");
  table.replaceChildren(...payload.traces.slice(0, 15).map((trace) => {
    const row = el("tr", { "data-trace": trace.trace_id });
    row.appendChild(el("td", {}, new Date(trace.started * 1000).toLocaleTimeString()));
    row.appendChild(el("td", {}, trace.name));
    row.appendChild(el("td", {}, fmt(trace.duration_ms, "ms")));
    row.appendChild(el("td", {}, trace.fault ? "fault" : ""));
    row.onclick = () => drawTimeline(trace);
    return row;
  }));
}

function usd(value, digits) {
  return value === null || value === undefined ? "–" : `$${value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits })}`;
}

// /dashboard/cost.json is rollout.cost.cost_report, computed by `brickguard up` from its own log lines:
// the figures are shown as served (no arithmetic here), so the page and `rollout status` agree.
async function refreshCost() {
  const response = await fetch("/dashboard/cost.json", { cache: "no-store" });
  const report = await response.json();
  const table = document.getElementById("cost");
  const note = document.getElementById("cost-note");
  if (!report.observed) {
    note.textContent = report.reason;
    table.replaceChildren();
    table.setAttribute("data-observed", "false");
    return;
  }
  const measured = Object.entries(report.measured.requests).map(([b, n]) => `${n} ${b}`).join(", ");
  note.textContent = `traffic observed over ${Math.round(report.window_seconds)} s (${measured} requests; ` +
    `${report.measured.invocations} invocations, ${report.measured.keep_warm_pings} keep-warm pings), ` +
    `scaled to a 730-hour month · prices ${report.prices.region} ${report.prices.architecture} (${report.prices.as_of})`;
  const head = el("tr");
  ["backend", "per month", "per million requests", "requests / month", "lines (per month)"].forEach((h) => head.appendChild(el("th", {}, h)));
  table.replaceChildren(head, ...Object.entries(report.backends).map(([backend, figures]) => {
    const row = el("tr", { "data-backend": backend, "data-per-month": String(figures.per_month_usd),
      "data-per-million": String(figures.per_million_requests_usd) });
    row.appendChild(el("td", {}, backend));
    row.appendChild(el("td", { class: "per-month" }, usd(figures.per_month_usd, 2)));
    row.appendChild(el("td", { class: "per-million" }, usd(figures.per_million_requests_usd, 2)));
    row.appendChild(el("td", {}, figures.monthly_requests.toLocaleString("en-US")));
    row.appendChild(el("td", { class: "lines" },
      Object.entries(figures.lines_usd_per_month).map(([name, value]) => `${name} ${usd(value, 2)}`).join(" · ")));
    return row;
  }));
  table.setAttribute("data-observed", "true");
  table.setAttribute("data-window", String(report.window_seconds));
}

async function refresh() {
  try {
    const response = await fetch("/dashboard/data.json", { cache: "no-store" });
    latestData = await response.json();
    renderAlarms(latestData);
    renderDashboards(latestData);
    await refreshTraces();
    await refreshCost();
    document.body.setAttribute("data-refreshed", String(latestData.generated));
  } catch (error) {
    document.getElementById("status").textContent = `cannot refresh: ${error}`;
  } finally {
    setTimeout(refresh, REFRESH_MS);
  }
}

refresh();
