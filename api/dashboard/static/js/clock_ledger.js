// The clock ledger (snapshot.deadlines) drawn as a timeline: one row per clock run, with its
// running and paused segments, the extension, and the warn and due marks.
//
// Two scales: "shared" puts every clock on one time axis (what ran when, what overlapped);
// "each" gives every clock its own (how far along it is) — useful when a ledger mixes a level
// window of days with a handling clock of two months.
import { vocab } from "./api.js";
import { formatTime, h, svg } from "./dom.js";
import { pick, t } from "./i18n.js";
import { formatTick } from "./time.js";
import { unitName } from "./units.js";

const WIDTH = 1000;
const LABEL_WIDTH = 230;
const PLOT_WIDTH = WIDTH - LABEL_WIDTH - 20;
const AXIS_HEIGHT = 26;
const BAR_HEIGHT = 14;
const ROW_HEIGHT = { shared: 36, each: 48 };
const SCALE_KEY = "petitionflow.ledgerScale";

// The user's choice, remembered; until they choose, a ledger whose shortest clock would be a
// sliver on a shared axis is drawn clock by clock.
const AUTO_EACH_BELOW = 0.03;
let chosenScale = ["each", "shared"].includes(localStorage.getItem(SCALE_KEY))
  ? localStorage.getItem(SCALE_KEY)
  : null;

const ms = (value) => (value ? new Date(value).getTime() : null);

/** Where a clock's counted time ended: the API may say; a breach ends at due; a live clock
 * runs until now. A met clock without ended_at ended at an unknown time: null. */
function endOf(clock, now) {
  if (clock.ended_at) return ms(clock.ended_at);
  if (clock.status === "breached") return ms(clock.due_at);
  if (clock.status === "met") return null;
  return now;
}

function paddedRange(instants) {
  const start = Math.min(...instants);
  const end = Math.max(...instants);
  const pad = Math.max((end - start) * 0.03, 500);
  return { start: start - pad, end: end + pad };
}

function clockInstants(clock, now) {
  return [ms(clock.started_at), ms(clock.due_at), endOf(clock, now)].filter((at) => at !== null);
}

function chosenOrFittingScale(clocks, now) {
  if (chosenScale) return chosenScale;
  const range = paddedRange([...clocks.flatMap((c) => clockInstants(c, now)), now]);
  const shortest = Math.min(...clocks.map((c) => ms(c.due_at) - ms(c.started_at)));
  return shortest / (range.end - range.start) < AUTO_EACH_BELOW ? "each" : "shared";
}


function scaleFor(range) {
  return (at) => LABEL_WIDTH + ((at - range.start) / (range.end - range.start)) * PLOT_WIDTH;
}

/** The stretches of [from, to] not covered by pauses, and the pauses themselves. */
function segments(clock, from, to, now) {
  const pauses = (clock.paused ?? []).map((p) => ({
    start: ms(p.start),
    end: p.end ? ms(p.end) : now,
    reason: p.reason,
  }));
  const running = [];
  let cursor = from;
  for (const pause of pauses) {
    if (pause.start > cursor) running.push({ start: cursor, end: Math.min(pause.start, to) });
    cursor = Math.max(cursor, pause.end);
  }
  if (cursor < to) running.push({ start: cursor, end: to });
  return { running, pauses };
}

function rect(x0, x1, y, cls, title) {
  return svg(
    "rect",
    { x: x0, y: y - BAR_HEIGHT / 2, width: Math.max(x1 - x0, 2), height: BAR_HEIGHT, class: cls },
    svg("title", {}, title),
  );
}

function mark(x, y, cls, title) {
  return svg(
    "line",
    { x1: x, x2: x, y1: y - BAR_HEIGHT, y2: y + BAR_HEIGHT, class: cls },
    svg("title", {}, title),
  );
}

/**
 * The status in words. "met" is 按期完成 only for an officer's deadline that ended in time: a run
 * replaced by a later run of the same clock (a reopen, a forward) was cut short, and a
 * petitioner's request window that ended met nobody's deadline.
 */
export function clockStatusLabel(clock, clocks) {
  const v = vocab();
  let key = clock.status;
  if (clock.status === "met") {
    const run = Number(clock.id.split("#")[1] ?? 0);
    const later = clocks.some((c) => c.clock === clock.clock && Number(c.id.split("#")[1] ?? 0) > run);
    if (later) key = "superseded";
    else if (v.request_windows.includes(clock.clock)) key = "window_ended";
  }
  return pick(v.clock_statuses[key], clock.status);
}

function rowLabel(clock, y, clocks) {
  const status = clockStatusLabel(clock, clocks);
  const v = vocab();
  return [
    svg("text", { x: 0, y: y - 2, class: "ledger-label" }, pick(v.clocks[clock.clock], clock.label)),
    svg(
      "text",
      { x: 0, y: y + 12, class: `ledger-sub ledger-status-${clock.status}` },
      `${status} · ${unitName(clock.unit_id)}`,
    ),
  ];
}

function extensionTitle(extension) {
  return t("extension_detail", {
    days: extension.days,
    reason: extension.reason,
    before: formatTime(extension.due_before),
  });
}

function clockShapes(clock, x, y, now) {
  const started = ms(clock.started_at);
  const due = ms(clock.due_at);
  const end = endOf(clock, now);
  // A met clock whose end is unknown shows its window only, tinted as met.
  const { running, pauses } = segments(clock, started, end ?? started, now);
  const windowClass = end === null ? "ledger-window ledger-window-met" : "ledger-window";
  const shapes = [
    // the whole window, faint: from the start to the due time
    rect(x(started), x(due), y, windowClass, `${t("started")} ${formatTime(started)}`),
    ...running.map((seg) =>
      rect(x(seg.start), x(seg.end), y, `ledger-run ledger-run-${clock.status}`, t("legend_running")),
    ),
    ...pauses.map((pause) =>
      rect(
        x(pause.start),
        x(pause.end),
        y,
        "ledger-paused",
        `${t("paused")} ${formatTime(pause.start)} – ${formatTime(pause.end)} ${pause.reason}`,
      ),
    ),
  ];
  if (clock.extension) {
    const before = ms(clock.extension.due_before);
    shapes.push(rect(x(before), x(due), y, "ledger-extension", extensionTitle(clock.extension)));
  }
  if (clock.warn_at) {
    shapes.push(mark(x(ms(clock.warn_at)), y, "ledger-warn", `${t("warn")} ${formatTime(clock.warn_at)}`));
  }
  shapes.push(mark(x(due), y, "ledger-due", `${t("due")} ${formatTime(due)}`));
  return shapes;
}

function nowMark(x, y1, y2) {
  return svg("line", { x1: x, x2: x, y1, y2, class: "ledger-now" }, svg("title", {}, t("now")));
}

/** Each clock on its own scale: its start and due time written under its bar. */
function ownScaleRow(clock, index, now, clocks) {
  const y = AXIS_HEIGHT + index * ROW_HEIGHT.each + ROW_HEIGHT.each / 2 - 6;
  const range = paddedRange([...clockInstants(clock, now), ...(clock.live ? [now] : [])]);
  const x = scaleFor(range);
  const span = range.end - range.start;
  const nowInside = now >= range.start && now <= range.end;
  return svg(
    "g",
    { class: "ledger-row", "data-clock": clock.id, "data-status": clock.status },
    rowLabel(clock, y, clocks),
    clockShapes(clock, x, y, now),
    nowInside ? nowMark(x(now), y - BAR_HEIGHT, y + BAR_HEIGHT) : null,
    svg("text", { x: LABEL_WIDTH, y: y + 22, class: "ledger-tick" }, formatTick(ms(clock.started_at), span)),
    svg(
      "text",
      { x: x(ms(clock.due_at)), y: y + 22, class: "ledger-tick", "text-anchor": "end" },
      formatTick(ms(clock.due_at), span),
    ),
  );
}

function sharedScaleRow(clock, index, x, now, clocks) {
  const y = AXIS_HEIGHT + index * ROW_HEIGHT.shared + ROW_HEIGHT.shared / 2;
  return svg(
    "g",
    { class: "ledger-row", "data-clock": clock.id, "data-status": clock.status },
    rowLabel(clock, y, clocks),
    clockShapes(clock, x, y, now),
  );
}

function axis(range, x, height) {
  const ticks = 5;
  const span = range.end - range.start;
  const items = [];
  for (let i = 0; i <= ticks; i++) {
    const at = range.start + (span * i) / ticks;
    const anchor = i === 0 ? "start" : i === ticks ? "end" : "middle";
    items.push(svg("line", { x1: x(at), x2: x(at), y1: AXIS_HEIGHT - 4, y2: height, class: "ledger-grid" }));
    items.push(
      svg("text", { x: x(at), y: 12, class: "ledger-tick", "text-anchor": anchor }, formatTick(at, span)),
    );
  }
  return items;
}

function drawing(clocks, now, scale) {
  const rows = clocks.map((c) => ({ ...c, live: c.status === "running" || c.status === "paused" }));
  const attrs = (height) => ({
    viewBox: `0 0 ${WIDTH} ${height}`,
    class: "ledger",
    role: "img",
    "aria-label": t("clock_ledger"),
    "data-testid": "clock-ledger-chart",
    "data-scale": scale,
  });
  if (scale === "each") {
    const height = AXIS_HEIGHT + rows.length * ROW_HEIGHT.each;
    return svg("svg", attrs(height), rows.map((clock, i) => ownScaleRow(clock, i, now, clocks)));
  }
  const range = paddedRange([...rows.flatMap((c) => clockInstants(c, now)), now]);
  const x = scaleFor(range);
  const height = AXIS_HEIGHT + rows.length * ROW_HEIGHT.shared + 4;
  return svg(
    "svg",
    attrs(height),
    axis(range, x, height),
    rows.map((clock, i) => sharedScaleRow(clock, i, x, now, clocks)),
    nowMark(x(now), AXIS_HEIGHT - 6, height),
    svg("text", { x: x(now) + 3, y: AXIS_HEIGHT - 2, class: "ledger-now-label" }, t("now")),
  );
}

function legend(scale, onRescale) {
  const entry = (cls, key) =>
    h("span", { class: "legend-entry" }, h("i", { class: `swatch ${cls}` }), t(key));
  const toggle = h(
    "button",
    {
      type: "button",
      class: "ledger-scale",
      dataset: { testid: "ledger-scale" },
      onclick: () => {
        chosenScale = scale === "shared" ? "each" : "shared";
        localStorage.setItem(SCALE_KEY, chosenScale);
        onRescale();
      },
    },
    scale === "shared" ? t("scale_each") : t("scale_shared"),
  );
  return h(
    "div",
    { class: "ledger-legend" },
    entry("swatch-run", "legend_running"),
    entry("swatch-paused", "legend_paused"),
    entry("swatch-extension", "legend_extension"),
    entry("swatch-warn", "legend_warn"),
    entry("swatch-due", "legend_due"),
    toggle,
  );
}

/** Each clock as a card: status, unit, start, due and warning times, and the day-counting
 * explanation ("why is it due then"). On a phone the cards are the ledger (the chart is hidden). */
function clockCards(clocks) {
  const v = vocab();
  const line = (key, value) => (value ? h("div", {}, h("span", { class: "muted" }, `${t(key)} `), value) : null);
  return h(
    "ul",
    { class: "ledger-cards", dataset: { testid: "clock-cards" } },
    clocks.map((clock) =>
      h(
        "li",
        { class: `ledger-card ledger-card-${clock.status}`, dataset: { clock: clock.id } },
        h(
          "div",
          { class: "ledger-card-head" },
          h("strong", {}, pick(v.clocks[clock.clock], clock.label)),
          h("span", { class: `badge clock-status clock-status-${clock.status}` }, clockStatusLabel(clock, clocks)),
        ),
        h("div", { class: "muted small" }, unitName(clock.unit_id)),
        line("started", formatTime(clock.started_at)),
        line("due", formatTime(clock.due_at)),
        clock.warn_at ? line("warn", formatTime(clock.warn_at)) : null,
        clock.ended_at ? line("ended", formatTime(clock.ended_at)) : null,
        clock.extension ? h("div", {}, extensionTitle(clock.extension)) : null,
        clock.explanation ? h("div", { class: "muted small" }, clock.explanation) : null,
      ),
    ),
  );
}

/** onRescale() is called when the user switches scales: redraw with the same clocks. */
export function renderClockLedger(clocks, { now = Date.now(), onRescale = () => {} } = {}) {
  if (!clocks?.length) return h("p", { class: "muted" }, t("none"));
  const scale = chosenOrFittingScale(clocks, now);
  return h(
    "div",
    { class: "ledger-box" },
    legend(scale, onRescale),
    drawing(clocks, now, scale),
    clockCards(clocks),
  );
}
