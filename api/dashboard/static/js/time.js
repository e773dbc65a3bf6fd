// Every time the dashboard shows, in one notation and in Asia/Shanghai whatever the browser's zone:
// "2026-12-14 16:05" (seconds only when there are some: the seconds-long test policies).
// A period ends at 24:00 of its last day, which the API sends as 00:00 of the next day
// (docs/domain.md, "Counting days"); such an instant is written "2026-12-14 24:00", so a due time
// reads as the law counts it and never as the next day.

export const ZONE = "Asia/Shanghai";
const DAY_MS = 24 * 3600 * 1000;

const PARTS = new Intl.DateTimeFormat("en-GB", {
  timeZone: ZONE,
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hourCycle: "h23",
});

/** {year, month, day, hour, minute, second} of an instant on the Shanghai wall clock. */
export function shanghaiParts(value) {
  const date = value instanceof Date ? value : new Date(value);
  const parts = {};
  for (const { type, value: part } of PARTS.formatToParts(date)) parts[type] = part;
  return parts;
}

function dayOf(parts) {
  return `${parts.year}-${parts.month}-${parts.day}`;
}

function toMs(value) {
  if (value === null || value === undefined || value === "") return null;
  const ms = value instanceof Date ? value.getTime() : typeof value === "number" ? value : Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

/**
 * The one formatting function for times: "YYYY-MM-DD HH:mm[:ss]" in Asia/Shanghai; midnight is
 * the end of the day before ("YYYY-MM-DD 24:00"); "—" for no time.
 */
export function formatTime(value, { seconds = "auto" } = {}) {
  const ms = toMs(value);
  if (ms === null) return "—";
  const parts = shanghaiParts(ms);
  if (parts.hour === "00" && parts.minute === "00" && parts.second === "00" && ms % 1000 === 0) {
    return `${dayOf(shanghaiParts(ms - DAY_MS))} 24:00`;
  }
  const withSeconds = seconds === true || (seconds === "auto" && parts.second !== "00");
  return `${dayOf(parts)} ${parts.hour}:${parts.minute}${withSeconds ? `:${parts.second}` : ""}`;
}

/** A short tick for an axis: the day, or the time of day for spans shorter than a few days. */
export function formatTick(value, span) {
  const full = formatTime(value, { seconds: span <= 3600 * 1000 });
  const [day, time] = full.split(" ");
  if (span > 3 * DAY_MS) return day.slice(5); // MM-DD
  return span > 3600 * 1000 ? `${day.slice(5)} ${time}` : time;
}

/** The date (YYYY-MM-DD) it is in Shanghai now, or `days` later (negative: earlier). */
export function shanghaiDate(days = 0, now = Date.now()) {
  return dayOf(shanghaiParts(now + days * DAY_MS));
}

/** A Shanghai day's start as RFC 3339 with its offset, for the API's instant filters. */
export function startOfDay(date) {
  return `${date}T00:00:00+08:00`;
}

/** Whole days from `fromMs` to `toMs`, rounded up: "超期 3 天" once a due time is 2.1 days past. */
export function daysBetween(fromMs, toMs) {
  return Math.max(0, Math.ceil((toMs - fromMs) / DAY_MS));
}
