// The three overview charts, drawn with Chart.js (loaded as a classic script: window.Chart).
import { h } from "./dom.js";
import { t } from "./i18n.js";

const COLOURS = {
  village: "#2f9e44",
  town: "#1971c2",
  county: "#e8590c",
  intake: "#1971c2",
  replied: "#f59f00",
  closures: "#2f9e44",
  ageing: ["#74b816", "#fab005", "#fd7e14", "#e03131", "#862e9c", "#495057"],
};
const FONT_FAMILY = "'Noto Sans SC', system-ui, sans-serif";

let fontReady = null;

/** Canvas text does not wait for web fonts: load the CJK font first or labels draw as boxes. */
function whenFontReady() {
  fontReady ??= document.fonts
    .load(`12px 'Noto Sans SC'`, "村镇县受理办结周件日")
    .catch(() => null);
  return fontReady;
}

function chartLibrary() {
  return globalThis.Chart ?? null;
}

function baseOptions() {
  return {
    responsive: true,
    maintainAspectRatio: false,
    animation: { duration: 250 },
    plugins: { legend: { position: "bottom" } },
  };
}

const drawn = new WeakMap(); // box → its Chart, destroyed before a redraw (the page stays open all day)

/** Draws into `box`: updates the chart already there in place (no flicker on live refreshes),
 * or makes a fresh canvas. */
async function draw(box, config) {
  const existing = drawn.get(box);
  if (existing && existing.config.type === config.chart.type && box.contains(existing.canvas)) {
    existing.data.labels = config.chart.data.labels;
    existing.data.datasets.forEach((set, i) => {
      Object.assign(set, config.chart.data.datasets[i]);
    });
    existing.update();
    return;
  }
  existing?.destroy();
  drawn.delete(box);
  const Chart = chartLibrary();
  if (!Chart) {
    box.replaceChildren(h("p", { class: "muted" }, t("charts_unavailable")));
    return;
  }
  await whenFontReady();
  Chart.defaults.font.family = FONT_FAMILY;
  const canvas = h("canvas", { role: "img", "aria-label": config.label });
  box.replaceChildren(canvas);
  const options = { ...baseOptions(), ...config.chart.options };
  drawn.set(box, new Chart(canvas, { ...config.chart, options }));
}

function empty(box) {
  drawn.get(box)?.destroy();
  drawn.delete(box);
  box.replaceChildren(h("p", { class: "muted chart-empty" }, t("no_data")));
}

/** shares: [{level, label, share, count}] — counts drawn, shares in the labels. */
export function levelSharesChart(box, shares) {
  if (!shares.some((s) => s.count > 0)) return empty(box);
  const percent = (s) => `${Math.round(s.share * 1000) / 10}%`;
  return draw(box, {
    label: t("chart_levels"),
    chart: {
      type: "doughnut",
      data: {
        labels: shares.map((s) => `${s.label} ${percent(s)}`),
        datasets: [
          {
            data: shares.map((s) => s.count),
            backgroundColor: shares.map((s) => COLOURS[s.level] ?? "#868e96"),
          },
        ],
      },
      options: {
        plugins: {
          legend: { position: "bottom" },
          tooltip: { callbacks: { label: (item) => ` ${item.label}: ${item.raw} ${t("cases")}` } },
        },
      },
    },
  });
}

/** weeks: [{label, intake, replied, closures}] */
export function weeklyChart(box, weeks) {
  if (!weeks.length) return empty(box);
  return draw(box, {
    label: t("chart_weekly"),
    chart: {
      type: "bar",
      data: {
        labels: weeks.map((w) => w.label),
        datasets: [
          { label: t("intake"), data: weeks.map((w) => w.intake), backgroundColor: COLOURS.intake },
          {
            label: t("replied"),
            data: weeks.map((w) => w.replied),
            backgroundColor: COLOURS.replied,
          },
          {
            label: t("closures"),
            data: weeks.map((w) => w.closures),
            backgroundColor: COLOURS.closures,
          },
        ],
      },
      options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
    },
  });
}

/** buckets: [{label, count}] */
export function ageingChart(box, buckets) {
  if (!buckets.length) return empty(box);
  return draw(box, {
    label: t("chart_ageing"),
    chart: {
      type: "bar",
      data: {
        labels: buckets.map((b) => b.label),
        datasets: [
          {
            label: t("cases"),
            data: buckets.map((b) => b.count),
            backgroundColor: buckets.map((_, i) => COLOURS.ageing[i % COLOURS.ageing.length]),
          },
        ],
      },
      options: {
        plugins: { legend: { display: false } },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
      },
    },
  });
}
