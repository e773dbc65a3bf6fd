// 交办/会办 on the case page: each hand-over with its handing and lead units, instructions and
// deadline, and a row per task (the lead's, each co-handler's) with its own clock and report.
import { h } from "./dom.js";
import { formatTime } from "./time.js";
import { t } from "./i18n.js";
import { unitName } from "./units.js";

function clockOf(snapshot, clockId) {
  return (snapshot.deadlines ?? []).find((clock) => clock.id === clockId);
}

function taskStatus(done, clock) {
  if (done) return ["task_reported", "done"];
  if (clock?.status === "breached") return ["task_late", "late"];
  return ["task_open", "open"];
}

function taskRow(snapshot, { role, unitId, clockId, done, summary, at }) {
  const clock = clockOf(snapshot, clockId);
  const [label, status] = taskStatus(done, clock);
  return h(
    "tr",
    { dataset: { testid: "hand-over-task", unit: unitId, role, status } },
    h("td", {}, t(role === "lead" ? "lead_unit" : "co_unit")),
    h("td", {}, unitName(unitId)),
    h("td", {}, clock ? formatTime(clock.due_at) : "—"),
    h("td", { class: `task-status task-${status}` }, t(label)),
    h("td", {}, summary ? [summary, at ? ` · ${formatTime(at)}` : ""] : "—"),
  );
}

function handOver(snapshot, item) {
  const leadDone = item.status !== "open";
  return h(
    "div",
    { class: "hand-over", dataset: { testid: "hand-over", status: item.status } },
    h(
      "p",
      {},
      h("strong", {}, t("hand_over_n", { n: item.number })),
      ` · ${t(`hand_over_${item.status}`)} · ${t("handing_unit")}：${unitName(item.handing_path[0].id)}`,
      ` · ${t("task_due")}：${formatTime(item.due_at)}`,
    ),
    h("p", { class: "muted" }, `${t("instructions")}：${item.instructions}`),
    h(
      "table",
      { class: "data-table hand-over-tasks" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ["", "unit", "task_due", "state", "report"].map((key) => h("th", {}, key ? t(key) : "")),
        ),
      ),
      h(
        "tbody",
        {},
        taskRow(snapshot, {
          role: "lead",
          unitId: item.lead.id,
          clockId: item.clock_id,
          done: leadDone && item.status === "done",
        }),
        item.co_tasks.map((task) =>
          taskRow(snapshot, {
            role: "co",
            unitId: task.unit.id,
            clockId: task.clock_id,
            done: task.summary != null,
            summary: task.summary,
            at: task.reported_at,
          }),
        ),
      ),
    ),
  );
}

/** The hand-overs of a case, newest first; empty (and the card hidden) when there are none. */
export function renderHandOvers(snapshot) {
  const items = [...(snapshot.hand_overs ?? [])].reverse();
  return items.map((item) => handOver(snapshot, item));
}
