// GET /api/v1/stats (model: api/stats/schemas.py), turned into what the tiles and charts draw. Only this
// file knows the response's shape.
import { get, vocab } from "./api.js";
import { pick, t } from "./i18n.js";
import { shanghaiDate } from "./time.js";

const LEVELS = ["village", "town", "county"];
const PERIOD_KEY = "petitionflow.period";

/** The period the rates and weekly chart cover, counted back from today. */
export const PERIODS = {
  d30: { label: "period_30_days", days: 30 },
  w12: { label: "period_12_weeks", days: 84 },
  year: { label: "period_year", days: null },
};

let period = PERIODS[localStorage.getItem(PERIOD_KEY)] ? localStorage.getItem(PERIOD_KEY) : "w12";

export function currentPeriod() {
  return period;
}

export function choosePeriod(name) {
  period = PERIODS[name] ? name : "w12";
  localStorage.setItem(PERIOD_KEY, period);
}

/** The first day of the period, a Shanghai date (the API reads it in the policy's time zone),
 * whatever the browser's zone. */
function periodStart(name) {
  const { days } = PERIODS[name];
  if (days === null) return `${shanghaiDate().slice(0, 4)}-01-01`;
  return shanghaiDate(-days + 1);
}

export function fetchStats(unitId) {
  return get("/stats", { unit_id: unitId, from: periodStart(period) });
}

function ageingLabel(bucket) {
  if (bucket.max_days === null || bucket.max_days === undefined) {
    return t("days_or_more", { days: bucket.min_days });
  }
  return t("days_range", { from: bucket.min_days, to: bucket.max_days });
}

function weekLabel(week) {
  const [, month, day] = week.week_start.split("-");
  return t("week_of", { month: Number(month), day: Number(day) });
}

/** "3/4", or null when there is nothing to count (the rate is null then too). */
function fraction(part, whole) {
  return whole ? `${part}/${whole}` : null;
}

/** → {open, at_risk, overdue, on_time_rate, satisfaction_rate, levels, weeks, ageing, ...} */
export function statsView(stats) {
  const { workload, period: range } = stats;
  const resolved = range.resolved_at_level;
  return {
    unit_name: stats.unit_name,
    open: workload.open,
    at_risk: workload.at_risk,
    overdue: workload.overdue,
    backlog: workload.backlog,
    on_time_rate: range.on_time.rate,
    on_time_detail: fraction(range.on_time.on_time, range.on_time.replied),
    satisfaction_rate: range.satisfaction.rate,
    satisfaction_detail: fraction(
      range.satisfaction.satisfied + range.satisfaction.basically_satisfied,
      range.satisfaction.rated,
    ),
    levels: LEVELS.map((level) => ({
      level,
      label: pick(vocab().levels[level]),
      count: resolved[level].count,
      share: resolved[level].share ?? 0,
    })),
    weeks: range.weekly.map((week) => ({
      label: weekLabel(week),
      intake: week.intake,
      replied: week.replied,
      closures: week.closed,
    })),
    ageing: workload.ageing.map((bucket) => ({ label: ageingLabel(bucket), count: bucket.count })),
  };
}
